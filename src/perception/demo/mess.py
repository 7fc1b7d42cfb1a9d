"""The deliberate mess of the demo exports, listed for the tests."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd


@dataclass(frozen=True)
class Mess:
    """One deliberate error: file, row (1 = first data row), column, value written."""

    file: str
    row: int
    column: str
    value: object
    what: str


A_BASELINE_FILE = "2024-baseline/partner_a_baseline.sav"
B_FILE = "2024-baseline/partner_b_kobo.csv"
A_FOLLOWUP_FILE = "2025-followup/partner_a_followup.dta"
COPY_PREVIOUS = "same as the row above"

MESS = (
    Mess(A_BASELINE_FILE, 419, "ID_REP", COPY_PREVIOUS, "duplicated respondent id (row 418's)"),
    Mess(A_BASELINE_FILE, 233, "Q11_2", 5, "out-of-range code 5 (trust scale 1-4, 8, 9)"),
    Mess(A_BASELINE_FILE, 1290, "Q11_2", 5, "out-of-range code 5 (trust scale 1-4, 8, 9)"),
    Mess(B_FILE, 57, "identification/region", "Douentza", "unknown region (a cercle of Mopti)"),
    Mess(B_FILE, 611, "identification/region", "Kouttiala", "unknown region (misspelt cercle of Sikasso)"),
    Mess(B_FILE, 948, "identification/region", "", "blank region"),
    Mess(B_FILE, 302, "poids", "", "blank weight"),
    Mess(B_FILE, 1105, "poids", "", "blank weight"),
    Mess(A_FOLLOWUP_FILE, 1502, "id_rep", COPY_PREVIOUS, "duplicated respondent id (row 1501's)"),
    Mess(A_FOLLOWUP_FILE, 777, "q25", 5, "out-of-range code 5 (scale 0-4, 98, 99)"),
)


def scaled_mess(scale: float = 1.0) -> tuple[Mess, ...]:
    """The deliberate errors of a demo ``scale`` times the size: the same errors, rows moved in proportion.

    A smaller demo (the tests' ``.test`` project) keeps every kind of mess, so
    that the integration tests see each quarantine reason on a few hundred rows.
    """
    if scale == 1.0:
        return MESS
    moved = tuple(replace(m, row=max(2, round(m.row * scale))) for m in MESS)
    rows = [(m.file, m.row) for m in moved]
    if len(set(rows)) != len(rows):
        raise ValueError(f"demo scale {scale}: two deliberate errors would fall on the same row")
    return moved


def add_mess(frame: pd.DataFrame, file: str, mess_list: tuple[Mess, ...] = MESS) -> pd.DataFrame:
    """Write this file's deliberate errors into its rows."""
    frame = frame.copy()
    for mess in (m for m in mess_list if m.file == file):
        if mess.row > len(frame):
            raise ValueError(f"{file} has {len(frame)} rows; cannot put mess in row {mess.row}")
        i = mess.row - 1
        frame.loc[i, mess.column] = frame.loc[i - 1, mess.column] if mess.value == COPY_PREVIOUS else mess.value
    return frame

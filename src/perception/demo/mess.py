"""The deliberate mess of the demo exports, listed for the tests."""

from __future__ import annotations

from dataclasses import dataclass

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


def add_mess(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    """Write this file's deliberate errors into its rows."""
    frame = frame.copy()
    for mess in (m for m in MESS if m.file == file):
        if mess.row > len(frame):
            raise ValueError(f"{file} has {len(frame)} rows; cannot put mess in row {mess.row}")
        i = mess.row - 1
        frame.loc[i, mess.column] = frame.loc[i - 1, mess.column] if mess.value == COPY_PREVIOUS else mess.value
    return frame

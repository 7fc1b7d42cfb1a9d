"""Data-quality checks configured per source (the mapping's ``checks:`` block).

A check flags rows; it never drops them silently. What happens to a flagged
row is configured per check (``action``):

- ``flag``: recorded in ``flags.csv`` only, the row is released as it is;
- ``quarantine``: recorded, and the row goes to the quarantine with the reason;
- ``blank``: recorded, and the offending values are blanked (each change in
  the cleaning log), e.g. an answer the skip logic should have hidden.

:func:`prepare_source` chains the per-source steps between reading and
validation — other-(specify) back-coding, harmonisation, the researcher's
corrections, then the checks (so a corrected row is checked as corrected) —
and returns the harmonised rows with their flags and cleaning-log entries.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from perception.catalog.tables import table
from perception.config.codebook import Codebook, code_key
from perception.config.geography import Geography
from perception.config.sources import (
    DuplicateSubmissionCheck,
    DurationCheck,
    SkipLogicCheck,
    SourceMapping,
    StraightliningCheck,
)
from perception.ingest.table import RawTable
from perception.transform.harmonise import ISSUE_DETAILS, ISSUES, backcode_other, harmonise
from perception.transform.problems import Problem, dumps, loads

FLAG_COLUMNS = list(table("flags").columns)
LOG_COLUMNS = list(table("cleaning_log").columns)


def cell_text(value) -> str:
    """A harmonised value as the cleaning log shows it ("" for missing)."""
    return "" if value is None or pd.isna(value) else code_key(value)


def add_problem(frame: pd.DataFrame, index: int, problem: Problem) -> None:
    """Attach a problem to a row so that validation quarantines it with this reason."""
    problems = [*loads(frame.at[index, ISSUE_DETAILS]), problem]
    frame.at[index, ISSUE_DETAILS] = dumps(problems)
    frame.at[index, ISSUES] = "; ".join(p.text("en") for p in problems)


def drop_problems(frame: pd.DataFrame, index: int, variable: str) -> None:
    """Forget a row's mapping problems on ``variable`` once a correction has replaced its value."""
    problems = [p for p in loads(frame.at[index, ISSUE_DETAILS]) if p.variable != variable]
    frame.at[index, ISSUE_DETAILS] = dumps(problems)
    frame.at[index, ISSUES] = "; ".join(p.text("en") for p in problems)
    frame.at[index, "issue_variables"] = ",".join(p.variable for p in problems)


def value_changes(
    before: pd.DataFrame, after: pd.DataFrame, variables: list[str], rule: str, reason: str
) -> list[dict]:
    """Cleaning-log rows for every cell of ``variables`` that differs between two versions."""
    rows = []
    for variable in variables:
        old, new = before[variable].map(cell_text), after[variable].map(cell_text)
        for i in old.index[old != new]:
            rows.append(
                {
                    "source_file": after.at[i, "source_file"],
                    "source_row": int(after.at[i, "source_row"]),
                    "variable": variable,
                    "old_value": old[i],
                    "new_value": new[i],
                    "rule": rule,
                    "reason": reason,
                }
            )
    return rows


# --------------------------------------------------------------------------
# The checks: each returns (row index, problem, variables to blank)
# --------------------------------------------------------------------------

Finding = tuple[int, Problem, tuple[str, ...]]


def _duplicate_submissions(check: DuplicateSubmissionCheck, frame: pd.DataFrame, raw: pd.DataFrame) -> list[Finding]:
    ids = raw[check.column].map(lambda v: "" if v is None or pd.isna(v) else str(v).strip())
    first: dict[str, int] = {}
    found = []
    for i, key in ids.items():
        if not key:
            continue
        if key in first:
            problem = Problem("duplicate_submission", "", check.column, "", "", {"first_row": first[key]})
            found.append((i, problem, ()))
        else:
            first[key] = int(frame.at[i, "source_row"])
    return found


def _timestamps(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.tz_localize("UTC") if values.dt.tz is None else values
    return pd.to_datetime(values.astype("string"), errors="coerce", utc=True, format="ISO8601")


def _durations(check: DurationCheck, frame: pd.DataFrame, raw: pd.DataFrame) -> list[Finding]:
    minutes = (_timestamps(raw[check.end]) - _timestamps(raw[check.start])).dt.total_seconds() / 60
    low = float("-inf") if check.min_minutes is None else check.min_minutes
    high = float("inf") if check.max_minutes is None else check.max_minutes
    bounds = {"min": "" if check.min_minutes is None else f"{check.min_minutes:g}"}
    bounds["max"] = "" if check.max_minutes is None else f"{check.max_minutes:g}"
    found = []
    for i, value in minutes.items():
        if pd.isna(value):
            found.append((i, Problem("duration_unknown", "", f"{check.start}/{check.end}"), ()))
        elif not low <= value <= high:
            found.append((i, Problem("duration", "", "", "", "", {"minutes": f"{value:.1f}", **bounds}), ()))
    return found


def _straightlining(check: StraightliningCheck, frame: pd.DataFrame) -> list[Finding]:
    items = frame[list(check.variables)].astype("string")
    # every item answered, each equal to the first (vectorised: a row-wise nunique is slow on large waves)
    same = (items.notna().all(axis=1) & items.eq(items.iloc[:, 0], axis=0).fillna(False).all(axis=1)).astype(bool)
    params = {"variables": ", ".join(check.variables)}
    return [
        (i, Problem("straightlining", "", "", str(items.at[i, check.variables[0]]), "", params), check.variables)
        for i in same.index[same]
    ]


def _skip_logic(
    check: SkipLogicCheck, frame: pd.DataFrame, mapping: SourceMapping, codebook: Codebook
) -> list[Finding]:
    asked = pd.Series(True, index=frame.index)
    for variable, codes in check.asked_when.items():
        allowed = {code_key(c) for c in codes}
        asked &= frame[variable].map(lambda v, allowed=allowed: cell_text(v) in allowed)
    values = frame[check.variable]
    hidden = str(codebook.special_codes.get("not_applicable"))
    answered = values.notna() & values.map(cell_text).ne(hidden)
    column = mapping.variables[check.variable].column or check.variable
    params = {"asked_when": {v: list(c) for v, c in check.asked_when.items()}}
    return [
        (i, Problem("skip_logic", check.variable, column, cell_text(values[i]), "", params), (check.variable,))
        for i in values.index[answered & ~asked]
    ]


@dataclass(frozen=True)
class Flag:
    """One check's finding on one row, and what was done about it."""

    source_row: int
    check: str
    problem: Problem
    action: str


def run_checks(
    frame: pd.DataFrame, raw: RawTable, mapping: SourceMapping, codebook: Codebook
) -> tuple[pd.DataFrame, list[Flag], list[dict]]:
    """Apply the mapping's checks to harmonised rows (aligned with ``raw`` row for row).

    Returns the rows (blanked / marked for quarantine as configured), the
    findings and the cleaning-log entries of blanked values.
    """
    frame = frame.copy()
    raw_data = raw.data.reset_index(drop=True)
    flags: list[Flag] = []
    log: list[dict] = []
    for check in mapping.checks:
        if isinstance(check, DuplicateSubmissionCheck):
            found = _duplicate_submissions(check, frame, raw_data)
        elif isinstance(check, DurationCheck):
            found = _durations(check, frame, raw_data)
        elif isinstance(check, StraightliningCheck):
            found = _straightlining(check, frame)
        else:
            found = _skip_logic(check, frame, mapping, codebook)
        for index, problem, variables in found:
            action = "flag" if problem.category == "duration_unknown" else check.action
            row = {"source_file": frame.at[index, "source_file"], "source_row": int(frame.at[index, "source_row"])}
            flags.append(Flag(row["source_row"], check.name, problem, action))
            if action == "quarantine":
                add_problem(frame, index, problem)
            elif action == "blank":
                for variable in variables:
                    old = cell_text(frame.at[index, variable])
                    frame.at[index, variable] = pd.NA
                    log.append(
                        {
                            **row,
                            "variable": variable,
                            "old_value": old,
                            "new_value": "",
                            "rule": f"check:{check.name}",
                            "reason": problem.text("en"),
                        }
                    )
    return frame, flags, log


@dataclass(frozen=True)
class PreparedSource:
    """One source's harmonised rows, ready for validation, with what was flagged and changed."""

    frame: pd.DataFrame
    findings: tuple[Flag, ...]
    cleaning_log: pd.DataFrame

    @property
    def flags(self) -> pd.DataFrame:
        """The findings as rows of flags.csv (English detail)."""
        file = self.frame["source_file"].iloc[0] if len(self.frame) else ""
        rows = [(file, f.source_row, f.check, f.problem.text("en"), f.action) for f in self.findings]
        return pd.DataFrame(rows, columns=FLAG_COLUMNS)


def prepare_source(
    raw: RawTable,
    mapping: SourceMapping,
    codebook: Codebook,
    geography: Geography,
    corrections=None,
) -> PreparedSource:
    """Back-code "other (specify)", harmonise, apply corrections, run the checks.

    ``corrections`` is a :class:`perception.corrections.Corrections` (or None).
    """
    frame = harmonise(raw, mapping, codebook, geography)
    log: list[dict] = []
    others = [name for name, spec in mapping.variables.items() if spec.other is not None]
    if others:
        backcoded = harmonise(backcode_other(raw, mapping), mapping, codebook, geography)
        reason = "other (specify) text recognised by the mapping"
        log += value_changes(frame, backcoded, others, "other_specify", reason)
        frame = backcoded
    if corrections is not None:
        frame, corrected = corrections.apply(frame, mapping, codebook, geography)
        log += corrected
    frame, findings, blanked = run_checks(frame, raw, mapping, codebook)
    log += blanked
    return PreparedSource(frame, tuple(findings), pd.DataFrame(log, columns=LOG_COLUMNS))

"""Validate harmonised rows against a Pandera schema derived from the codebook.

Validation is lazy: every failing check of every row is collected. A row
with any failure goes to the quarantine with all its reasons in plain
language; the others are released. Nothing is dropped silently:
``len(released) + len(quarantine) == len(rows)`` always holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from perception.errors import DataError
from perception.harmonise import ISSUE_VARIABLES, ISSUES, PROVENANCE
from perception.metadata import Codebook, Geography, Variable, code_key

QUARANTINE_COLUMNS = [*PROVENANCE, "respondent_id", "reasons"]


def _allowed(var: Variable, codebook: Codebook) -> list:
    specials = [codebook.special_code(s) for s in var.special]
    return [*var.codes, *specials]


def _checks(var: Variable, codebook: Codebook, geography: Geography) -> list[pa.Check]:
    specials = [codebook.special_code(s) for s in var.special]
    if var.type == "region":
        return [pa.Check.isin(geography.codes, error=f"not a region of layout {geography.layout}")]
    if var.is_coded:
        allowed = _allowed(var, codebook)
        text = ", ".join(code_key(c) for c in allowed)
        return [pa.Check.isin(allowed, error=f"not an allowed code ({text})")]
    checks = []
    if var.min is not None or var.max is not None:
        low = float("-inf") if var.min is None else var.min
        high = float("inf") if var.max is None else var.max
        special_text = f" or a special code ({', '.join(map(str, specials))})" if specials else ""
        checks.append(
            pa.Check(
                lambda s, low=low, high=high, specials=tuple(specials): s.between(low, high) | s.isin(specials),
                element_wise=False,
                error=f"outside {var.min}–{var.max}{special_text}",
            )
        )
    if var.min_exclusive is not None:
        checks.append(pa.Check.gt(var.min_exclusive, error=f"must be greater than {var.min_exclusive}"))
    return checks


def build_schema(codebook: Codebook, geography: Geography) -> pa.DataFrameSchema:
    """The Pandera schema every harmonised wave must satisfy."""
    dtypes = {"Int64": "Int64", "Float64": "Float64", "string": "string"}
    columns = {
        name: pa.Column(dtypes["string"] if name != "source_row" else "Int64", nullable=False) for name in PROVENANCE
    }
    for var in codebook:
        if var.type == "integer" or var.has_numeric_codes:
            dtype = dtypes["Int64"]
        elif var.type == "float":
            dtype = dtypes["Float64"]
        else:
            dtype = dtypes["string"]
        columns[var.name] = pa.Column(
            dtype,
            checks=_checks(var, codebook, geography),
            nullable=not var.required,
            required=True,
        )
    return pa.DataFrameSchema(columns, strict=False, coerce=False, ordered=False)


def _describe(column: str, check: str, value) -> str:
    if check == "not_nullable":
        return f"{column} is missing (required)"
    return f"{column} = {code_key(value)}: {check}"


def _duplicate_reasons(frame: pd.DataFrame) -> pd.Series:
    """Every row sharing a respondent id with another row of the same source.

    All copies are quarantined: which one is the real interview cannot be
    decided here, and the partner must say.
    """
    reasons = pd.Series("", index=frame.index, dtype="string")
    ids = frame["respondent_id"]
    keyed = frame.assign(_id=ids).dropna(subset=["_id"])
    dupes = keyed[keyed.duplicated(["source_id", "_id"], keep=False)]
    for (_, rid), group in dupes.groupby(["source_id", "_id"], sort=False):
        rows = ", ".join(str(r) for r in group["source_row"])
        reasons.loc[group.index] = f"respondent_id {rid} is duplicated (source rows {rows})"
    return reasons


@dataclass(frozen=True)
class ValidationResult:
    released: pd.DataFrame
    quarantine: pd.DataFrame


def validate(frame: pd.DataFrame, codebook: Codebook, geography: Geography) -> ValidationResult:
    """Split harmonised rows into released and quarantined, with reasons."""
    frame = frame.reset_index(drop=True)
    reasons: dict[int, list[str]] = {i: [] for i in frame.index}
    already_reported: dict[int, set[str]] = {i: set() for i in frame.index}
    for i, (issue, variables) in enumerate(zip(frame[ISSUES], frame[ISSUE_VARIABLES], strict=True)):
        if isinstance(issue, str) and issue:
            reasons[i].extend(issue.split("; "))
            already_reported[i].update(variables.split(","))
    schema = build_schema(codebook, geography)
    try:
        schema.validate(frame.drop(columns=[ISSUES, ISSUE_VARIABLES]), lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
        row_cases = cases[cases["index"].notna()]
        whole = cases[cases["index"].isna()]
        if not whole.empty:
            first = whole.iloc[0]
            raise DataError(
                f"harmonised data: column {first['column']}: {first['check']} ({first['failure_case']})"
            ) from None
        for _, case in row_cases.iterrows():
            index = int(case["index"])
            column = case["column"]
            if column not in already_reported[index]:
                reasons[index].append(_describe(column, str(case["check"]), case["failure_case"]))
    for i, reason in _duplicate_reasons(frame).items():
        if reason:
            reasons[i].append(reason)
    failed = [i for i, r in reasons.items() if r]
    quarantine = frame.loc[failed].copy()
    quarantine["reasons"] = pd.Series({i: "; ".join(reasons[i]) for i in failed}, dtype="string")
    released = frame.drop(index=failed).drop(columns=[ISSUES, ISSUE_VARIABLES]).reset_index(drop=True)
    assert len(released) + len(quarantine) == len(frame)
    quarantine = quarantine.drop(columns=[ISSUES, ISSUE_VARIABLES])
    ordered = [*QUARANTINE_COLUMNS, *[c for c in quarantine.columns if c not in QUARANTINE_COLUMNS]]
    return ValidationResult(released, quarantine[ordered].reset_index(drop=True))

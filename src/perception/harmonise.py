"""Harmonise: map a partner's columns and codes onto the codebook.

The transform is pure: ``harmonise(raw, mapping, codebook, geography)``
returns a new frame with provenance (``source_id``, ``source_file``,
``source_row``), every codebook variable in codebook order, an ``issues``
column describing values the mapping could not place and an
``issue_variables`` column naming the variables concerned. Those
values become missing here and the row is quarantined by validation, so a
problem is reported once, with the raw value the partner will recognise.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from perception.ingest import RawTable
from perception.metadata import Codebook, Geography, SourceMapping, Variable, VariableMapping, code_key

PROVENANCE = ["source_id", "source_file", "source_row"]
ISSUES = "issues"
ISSUE_VARIABLES = "issue_variables"


def _is_blank(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value)) or str(value).strip() == ""


def _dtype(var: Variable) -> str:
    if var.type == "integer" or var.has_numeric_codes:
        return "Int64"
    if var.type == "float":
        return "Float64"
    return "string"


def _convert(value: Any, var: Variable) -> Any:
    """Type a mapped value; raise ValueError with a reason when impossible."""
    if var.type in ("integer",) or var.has_numeric_codes:
        number = float(value)
        if not number.is_integer():
            raise ValueError("is not a whole number")
        return int(number)
    if var.type == "float":
        return float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
    return code_key(value)


def harmonise_variable(
    values: pd.Series,
    labels: dict[str, str],
    spec: VariableMapping,
    codebook: Codebook,
    geography: Geography,
) -> tuple[list[Any], list[str | None]]:
    """Map one raw column to one codebook variable.

    Returns the harmonised values and, per row, a reason when the raw value
    could not be mapped (else None).
    """
    var = codebook[spec.variable]
    memo: dict[str, tuple[Any, str | None]] = {}
    out: list[Any] = []
    problems: list[str | None] = []
    for raw in values:
        key = "\0blank" if _is_blank(raw) else code_key(raw)
        if key not in memo:
            memo[key] = _map_value(raw, labels, spec, var, codebook, geography)
        value, problem = memo[key]
        out.append(value)
        problems.append(problem)
    return out, problems


def _map_value(
    raw: Any,
    labels: dict[str, str],
    spec: VariableMapping,
    var: Variable,
    codebook: Codebook,
    geography: Geography,
) -> tuple[Any, str | None]:
    if _is_blank(raw):
        if spec.when_blank is not None:
            return codebook.special_code(spec.when_blank), None
        return None, None
    shown = code_key(raw)
    if spec.choice is not None:
        return int(spec.choice in str(raw).split()), None
    key = shown
    if spec.use_value_labels and key in labels:
        key = labels[key]
    if spec.codes is not None and key in spec.codes:
        target = spec.codes[key]
        if target == "missing":
            return None, None
        value = codebook.special_code(target) if target in codebook.special_codes else target
    elif spec.codes is not None and var.is_coded:
        return None, f"{spec.column} = {shown}: code not listed in the mapping for {var.name}"
    elif var.type == "region":
        region = geography.match(key)
        if region is None:
            hint = geography.suggest(key)
            return None, f"{spec.column} = {shown}: unknown region" + (f" (closest: {hint})" if hint else "")
        return region, None
    else:
        value = key
    try:
        return _convert(value, var), None
    except (TypeError, ValueError):
        return None, f"{spec.column} = {shown}: not a valid {var.type} value for {var.name}"


def harmonise(raw: RawTable, mapping: SourceMapping, codebook: Codebook, geography: Geography) -> pd.DataFrame:
    """Harmonised rows of one source, in file order, one per raw row."""
    data = raw.data
    frame = pd.DataFrame(
        {
            "source_id": pd.Series([mapping.source_id] * len(data), dtype="string"),
            "source_file": pd.Series([mapping.file.name] * len(data), dtype="string"),
            "source_row": pd.Series(data["source_row"].to_numpy(), dtype="Int64"),
        }
    )
    row_issues: list[list[str]] = [[] for _ in range(len(data))]
    row_issue_variables: list[list[str]] = [[] for _ in range(len(data))]
    for var in codebook:
        spec = mapping.variables.get(var.name)
        if spec is None:
            frame[var.name] = pd.Series([None] * len(data), dtype=_dtype(var))
            continue
        values, problems = harmonise_variable(
            data[spec.column], raw.value_labels.get(spec.column, {}), spec, codebook, geography
        )
        frame[var.name] = pd.Series(values, dtype=_dtype(var))
        for i, problem in enumerate(problems):
            if problem:
                row_issues[i].append(problem)
                row_issue_variables[i].append(var.name)
    frame[ISSUES] = pd.Series(["; ".join(p) for p in row_issues], dtype="string")
    frame[ISSUE_VARIABLES] = pd.Series([",".join(v) for v in row_issue_variables], dtype="string")
    return frame

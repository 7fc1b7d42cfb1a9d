"""Harmonise: map a partner's columns and codes onto the codebook.

The transform is pure: ``harmonise(raw, mapping, codebook, geography)``
returns a new frame with provenance (``source_id``, ``source_file``,
``source_row``), every codebook variable in codebook order, and three columns
describing values the mapping could not place: ``issues`` (plain English,
"" when none), ``issue_variables`` (the variables concerned) and
``issue_details`` (the same problems as structured records, see
:mod:`perception.problems`, so that they can be reported in French too).
Those values become missing here and the row is quarantined by validation,
so a problem is reported once, with the raw value the partner will recognise.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from perception.config.codebook import Codebook, Variable, code_key
from perception.config.geography import Geography, normalise_name
from perception.config.sources import SourceMapping, VariableMapping, code_range
from perception.errors import ConfigError
from perception.ingest.table import RawTable
from perception.transform.problems import Problem, dumps

PROVENANCE = ["source_id", "source_file", "source_row"]
ISSUES = "issues"
ISSUE_VARIABLES = "issue_variables"
ISSUE_DETAILS = "issue_details"
ISSUE_COLUMNS = [ISSUES, ISSUE_VARIABLES, ISSUE_DETAILS]
# Whole numbers are stored as 64-bit integers (pandas Int64); larger values are invalid, not a crash.
WHOLE_NUMBER_LIMIT = 2.0**63


def _is_blank(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value)) or str(value).strip() == ""


def dtype_of(var: Variable) -> str:
    """The pandas dtype a harmonised variable is stored in."""
    if var.type == "integer" or var.has_numeric_codes:
        return "Int64"
    if var.type == "float":
        return "Float64"
    return "string"


def convert(value: Any, var: Variable) -> Any:
    """Type a mapped value; raise ValueError with a reason when impossible.

    No decimal-comma guessing here: the reader turns "1,5" into "1.5" when
    the file uses a decimal comma (``read.decimal``), so "1,234" is never
    silently read as 1.234.
    """
    if var.type in ("integer",) or var.has_numeric_codes:
        number = float(value)
        if not number.is_integer():
            raise ValueError("is not a whole number")
        if not -WHOLE_NUMBER_LIMIT < number < WHOLE_NUMBER_LIMIT:
            raise ValueError("is too large to be stored as a whole number")
        return int(number)
    if var.type == "float":
        return float(value)
    return code_key(value)


def _in_ranges(key: str, ranges: list[tuple[tuple[float, float], Any]]) -> tuple[bool, Any]:
    try:
        number = float(key)
    except ValueError:
        return False, None
    for (low, high), target in ranges:
        if low <= number <= high:
            return True, target
    return False, None


class _ColumnMapper:
    """Maps the values of one raw column for one variable, memoising repeated values."""

    def __init__(self, spec: VariableMapping, codebook: Codebook, geography: Geography, table: RawTable):
        self.spec = spec
        self.var = codebook[spec.variable]
        self.codebook = codebook
        self.geography = geography
        self.labels = table.value_labels.get(spec.column or "", {})
        declared = table.missing_codes.get(spec.column or "", [])
        self.declared = [d for d in declared if ".." not in d]
        self.declared_ranges = [(r, True) for d in declared if (r := code_range(d))]
        codes = spec.codes or {}
        self.ranges = [(r, target) for key, target in codes.items() if (r := code_range(key))]

    def problem(self, category: str, shown: str, hint: str = "", **params: Any) -> Problem:
        return Problem(category, self.var.name, self.spec.column or "", shown, hint, params)

    def _declared_missing(self, key: str) -> bool:
        return key in self.declared or _in_ranges(key, self.declared_ranges)[0]

    def map(self, raw: Any) -> tuple[Any, Problem | None]:
        spec, var, codebook = self.spec, self.var, self.codebook
        if _is_blank(raw):
            if spec.when_blank is not None:
                return codebook.special_code(spec.when_blank), None
            return None, None
        shown = code_key(raw)
        if spec.choice is not None:
            return int(spec.choice in str(raw).split()), None
        key = shown
        if spec.use_value_labels and key in self.labels:
            key = self.labels[key]
        listed, target = (True, spec.codes[key]) if spec.codes is not None and key in spec.codes else (False, None)
        if not listed and self.ranges:
            listed, target = _in_ranges(key, self.ranges)
        if listed:
            if target == "missing":
                return None, None
            value = codebook.special_code(target) if target in codebook.special_codes else target
        elif spec.codes is not None and var.is_coded:
            hint = "declared_missing" if self._declared_missing(shown) else ""
            return None, self.problem("unlisted_code", shown, hint)
        elif var.type == "region":
            region = self.geography.match(key)
            if region is None:
                found = self.geography.hint(key)
                if found is None:
                    return None, self.problem("unknown_region", shown)
                name, layout = found
                if layout is not None and normalise_name(name) == normalise_name(key):
                    return None, self.problem(
                        "unknown_region",
                        shown,
                        "in_other_layout",
                        name=name,
                        layout=layout,
                        current=self.geography.layout,
                    )
                if layout is None:
                    return None, self.problem("unknown_region", shown, "closest", name=name)
                return None, self.problem(
                    "unknown_region", shown, "other_layout", name=name, layout=layout, current=self.geography.layout
                )
            return region, None
        else:
            value = key
        try:
            return convert(value, var), None
        except (TypeError, ValueError):
            return None, self.problem("invalid_value", shown, type=var.type)


def harmonise_variable(
    values: pd.Series,
    spec: VariableMapping,
    codebook: Codebook,
    geography: Geography,
    table: RawTable,
) -> tuple[list[Any], list[Problem | None]]:
    """Map one raw column to one codebook variable.

    Returns the harmonised values and, per row, the problem when the raw
    value could not be mapped (else None).
    """
    mapper = _ColumnMapper(spec, codebook, geography, table)
    memo: dict[str, tuple[Any, Problem | None]] = {}
    out: list[Any] = []
    problems: list[Problem | None] = []
    for raw in values:
        key = "\0blank" if _is_blank(raw) else code_key(raw)
        if key not in memo:
            memo[key] = mapper.map(raw)
        value, problem = memo[key]
        out.append(value)
        problems.append(problem)
    return out, problems


def _generated(
    spec: VariableMapping, mapping: SourceMapping, rows: pd.Series, var: Variable, geography: Geography
) -> list[Any]:
    """Values of a variable the mapping sets without a column (constant or one per row)."""
    if spec.per_row:
        return [f"{mapping.source_id}-{row}" for row in rows]
    value = geography.match(spec.constant) if var.type == "region" else spec.constant
    try:
        if value is None:
            raise ValueError(f"not a region of layout {geography.layout}")
        value = convert(value, var)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{mapping.path}: variables.{var.name}: constant {spec.constant!r} is not a valid {var.type}"
        ) from None
    return [value] * len(rows)


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
    row_problems: list[list[Problem]] = [[] for _ in range(len(data))]
    for var in codebook:
        spec = mapping.variables.get(var.name)
        if spec is None:
            frame[var.name] = pd.Series([None] * len(data), dtype=dtype_of(var))
            continue
        if spec.derived is not None:
            from perception.transform.derive import derive_variable  # derive builds on this module

            values, problems = derive_variable(data, spec, codebook, geography, raw)
        elif spec.column is None:
            frame[var.name] = pd.Series(
                _generated(spec, mapping, data["source_row"], var, geography), dtype=dtype_of(var)
            )
            continue
        else:
            values, problems = harmonise_variable(data[spec.column], spec, codebook, geography, raw)
        frame[var.name] = pd.Series(values, dtype=dtype_of(var))
        for i, problem in enumerate(problems):
            if problem is not None:
                row_problems[i].append(problem)
    frame[ISSUES] = pd.Series(["; ".join(p.text("en") for p in ps) for ps in row_problems], dtype="string")
    frame[ISSUE_VARIABLES] = pd.Series([",".join(p.variable for p in ps) for ps in row_problems], dtype="string")
    frame[ISSUE_DETAILS] = pd.Series([dumps(ps) for ps in row_problems], dtype="string")
    return frame


def backcode_other(raw: RawTable, mapping: SourceMapping) -> RawTable:
    """Read "other (specify)" answers whose text the mapping recognises as the listed option.

    For a select_one column the raw value ``other`` becomes the listed option;
    for a select_multiple column (``choice:``) the option is added to the
    chosen ones. Decisions use the original values, so several variables
    sharing a column give the same result whatever their order. The pipeline
    logs every resulting change of a harmonised value in the cleaning log.
    """
    data = raw.data.copy()
    original = raw.data
    for spec in mapping.variables.values():
        if spec.other is None or spec.column is None:
            continue
        other = spec.other
        texts = original[other.column].map(lambda t: "" if _is_blank(t) else normalise_name(t))
        for i, (value, text) in enumerate(zip(original[spec.column], texts, strict=True)):
            target = other.recode.get(text)
            if target is None or _is_blank(value):
                continue
            chosen = str(value).split()
            if spec.choice is not None and other.value in chosen:
                current = str(data.at[i, spec.column]).split()
                if target not in current:
                    data.at[i, spec.column] = " ".join([*current, target])
            elif spec.choice is None and code_key(value) == other.value:
                data.at[i, spec.column] = target
    return RawTable(raw.path, data, raw.value_labels, raw.missing_codes, raw.variable_labels, raw.labels_by_language)

"""Building a derived variable from its raw columns (rules in :mod:`perception.config.derived`).

Each item column is mapped exactly as a plain ``column:`` mapping is (codes,
value labels, declared missing codes, ranges), so an unlisted code in any
item quarantines the row naming that item's column. The items' harmonised
values are then combined row by row.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from perception.config.codebook import Codebook, code_key
from perception.config.derived import SEPARATOR, Derivation
from perception.config.geography import Geography
from perception.config.sources import VariableMapping
from perception.ingest.table import RawTable
from perception.transform.harmonise import _is_blank as is_blank
from perception.transform.harmonise import convert, harmonise_variable
from perception.transform.problems import Problem


def _decide(values: list[Any], derivation: Derivation, specials: list[int], codebook: Codebook) -> Any:
    """any_of / all_of of one row's item values (harmonised codes, special codes or None)."""
    substantive = [v for v in values if v is not None and v not in specials]
    hits = [code_key(v) in derivation.success for v in substantive]
    if derivation.rule == "any_of":
        if any(hits):
            return 1
        if len(substantive) == len(values):
            return 0
    else:
        if len(substantive) == len(values) and all(hits):
            return 1
        if not all(hits):
            return 0
    if derivation.undecided == "missing":
        return None
    if derivation.undecided is not None:
        return codebook.special_code(derivation.undecided)
    if any(v is None for v in values):
        return None
    return next(code for code in specials if code in values)


def _first(values: list[Any], specials: list[int]) -> Any:
    """The first substantive value, else the first special code, else blank."""
    for value in values:
        if value is not None and value not in specials:
            return value
    return next((v for v in values if v is not None), None)


def derive_variable(
    data: pd.DataFrame, spec: VariableMapping, codebook: Codebook, geography: Geography, table: RawTable
) -> tuple[list[Any], list[Problem | None]]:
    """Values of one derived variable and, per row, the first problem of its items (else None)."""
    derivation = spec.derived
    var = codebook[spec.variable]
    specials = [codebook.special_code(name) for name in codebook.special_codes]
    if derivation.rule == "combine":
        return _combine(data, spec, codebook, geography, table)
    columns = [harmonise_variable(data[item.column], item, codebook, geography, table) for item in derivation.items]
    values, problems = [], []
    for row in range(len(data)):
        row_values = [mapped[0][row] for mapped in columns]
        problem = next((mapped[1][row] for mapped in columns if mapped[1][row] is not None), None)
        if problem is not None:
            values.append(None)
        elif derivation.rule == "first_of":
            values.append(_first(row_values, specials))
        else:
            decided = _decide(row_values, derivation, specials, codebook)
            values.append(None if decided is None else convert(decided, var))
        problems.append(problem)
    return values, problems


def _combine(
    data: pd.DataFrame, spec: VariableMapping, codebook: Codebook, geography: Geography, table: RawTable
) -> tuple[list[Any], list[Problem | None]]:
    """The raw values joined with ``|``, recoded by the listed keys and patterns."""
    derivation = spec.derived
    keys = [
        SEPARATOR.join("" if is_blank(v) else code_key(v) for v in row)
        for row in zip(*(data[c] for c in derivation.columns), strict=True)
    ]
    resolved = {}
    empty = SEPARATOR.join([""] * len(derivation.columns))
    for key in dict.fromkeys(keys):
        listed, target = derivation.target(key)
        if listed:
            resolved[key] = target
        elif key == empty:  # every part blank and no code for it: blank, as a blank cell is
            resolved[key] = "missing"
    item = VariableMapping(variable=spec.variable, column=" + ".join(derivation.columns), codes=resolved)
    combined = pd.Series(keys, index=data.index)
    return harmonise_variable(combined, item, codebook, geography, table)

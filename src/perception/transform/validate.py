"""Validate harmonised rows against a Pandera schema derived from the codebook.

Validation is lazy: every failing check of every row is collected. A row
with any failure goes to the quarantine with all its reasons in plain
language (and their categories, which the data-quality annex counts); the
others are released. Nothing is dropped silently:
``len(released) + len(quarantine) == len(rows)`` always holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from perception.catalog.tables import table
from perception.config.codebook import Codebook, Variable, code_key
from perception.config.geography import Geography
from perception.errors import DataError
from perception.transform.harmonise import ISSUE_COLUMNS, ISSUE_DETAILS, PROVENANCE, dtype_of
from perception.transform.problems import Problem, loads

QUARANTINE_COLUMNS = list(table("quarantine").columns)


def _check_specs(var: Variable, codebook: Codebook, geography: Geography) -> list[tuple[pa.Check, str, dict]]:
    """Pandera checks of one variable, each with the problem category and parameters it reports."""
    specials = [codebook.special_code(s) for s in var.special]
    if var.type == "region":
        allowed = f"regions of layout {geography.layout}"
        error = f"not a region of layout {geography.layout}"
        return [(pa.Check.isin(geography.codes, error=error), "not_allowed_code", {"allowed": allowed})]
    if var.is_coded:
        allowed_codes = [*var.codes, *specials]
        text = ", ".join(code_key(c) for c in allowed_codes)
        check = pa.Check.isin(allowed_codes, error=f"not an allowed code ({text})")
        return [(check, "not_allowed_code", {"allowed": text})]
    specs = []
    if var.min is not None or var.max is not None:
        low = float("-inf") if var.min is None else var.min
        high = float("inf") if var.max is None else var.max
        special_text = ", ".join(map(str, specials))
        check = pa.Check(
            lambda s, low=low, high=high, specials=tuple(specials): s.between(low, high) | s.isin(specials),
            element_wise=False,
            error=f"outside {var.min}–{var.max}" + (f" or a special code ({special_text})" if specials else ""),
        )
        specs.append((check, "out_of_range", {"min": var.min, "max": var.max, "special_codes": special_text}))
    if var.min_exclusive is not None:
        check = pa.Check.gt(var.min_exclusive, error=f"must be greater than {var.min_exclusive}")
        specs.append((check, "too_small", {"bound": var.min_exclusive}))
    return specs


def build_schema(codebook: Codebook, geography: Geography, required: Iterable[str] = ()) -> pa.DataFrameSchema:
    """The Pandera schema every harmonised wave must satisfy.

    ``required`` adds the variables the wave's design names (strata, PSUs):
    required in a clustered wave, absent from a weights-only one.
    """
    required = set(required)
    columns = {name: pa.Column("string" if name != "source_row" else "Int64", nullable=False) for name in PROVENANCE}
    for var in codebook:
        columns[var.name] = pa.Column(
            dtype_of(var),
            checks=[check for check, _, _ in _check_specs(var, codebook, geography)],
            nullable=not (var.required or var.name in required),
            required=True,
        )
    return pa.DataFrameSchema(columns, strict=False, coerce=False, ordered=False)


def _schema_problems(codebook: Codebook, geography: Geography) -> dict[tuple[str, str], tuple[str, dict]]:
    """(variable, Pandera error text) -> (category, parameters)."""
    return {
        (var.name, str(check.error)): (category, params)
        for var in codebook
        for check, category, params in _check_specs(var, codebook, geography)
    }


def _duplicate_problems(frame: pd.DataFrame, exempt: set[int]) -> dict[int, Problem]:
    """Every row sharing a respondent id with another row of the same source.

    All copies are quarantined: which one is the real interview cannot be
    decided here, and the partner must say. Rows already quarantined as a
    repeated submission (same ``_uuid``) are left out: the first submission
    then stands alone and is released.
    """
    problems: dict[int, Problem] = {}
    keyed = frame.drop(index=list(exempt)).assign(_id=frame["respondent_id"]).dropna(subset=["_id"])
    dupes = keyed[keyed.duplicated(["source_id", "_id"], keep=False)]
    for (_, rid), group in dupes.groupby(["source_id", "_id"], sort=False):
        rows = ", ".join(str(r) for r in group["source_row"])
        for index in group.index:
            problems[index] = Problem("duplicate_id", "respondent_id", "respondent_id", str(rid), "", {"rows": rows})
    return problems


@dataclass(frozen=True)
class ValidationResult:
    """Released rows, quarantined rows (with reasons) and every problem found, one per line.

    ``problems`` has the provenance columns and a ``problem`` column holding
    :class:`perception.problems.Problem` objects, for reports in any language.
    """

    released: pd.DataFrame
    quarantine: pd.DataFrame
    problems: pd.DataFrame


# A weight this many times above (or below) the wave's median weight is a data
# error, not a design: one respondent would speak for a thousand others.
MAX_WEIGHT_RATIO = 1000


def _hostile_numbers(frame: pd.DataFrame, codebook: Codebook, weight: str | None) -> dict[int, list[Problem]]:
    """Infinite numbers in any numeric variable, and absurd weights (see :data:`MAX_WEIGHT_RATIO`)."""
    found: dict[int, list[Problem]] = {}
    for var in codebook:
        if var.type not in ("float", "integer") or var.name not in frame.columns:
            continue
        values = pd.to_numeric(frame[var.name], errors="coerce").astype("float64")
        for index in frame.index[np.isinf(values.to_numpy())]:
            found.setdefault(index, []).append(Problem("not_finite", var.name, var.name, code_key(values[index])))
    if weight and weight in frame.columns:
        values = pd.to_numeric(frame[weight], errors="coerce").astype("float64")
        usable = values[np.isfinite(values) & (values > 0)]
        if len(usable):
            median = float(usable.median())
            ratio = usable / median
            extreme = ratio[(ratio > MAX_WEIGHT_RATIO) | (ratio < 1 / MAX_WEIGHT_RATIO)]
            for index, times in extreme.items():
                params = {"ratio": f"{times:.3g}", "limit": MAX_WEIGHT_RATIO}
                problem = Problem("extreme_weight", weight, weight, code_key(values[index]), "", params)
                found.setdefault(index, []).append(problem)
    return found


def validate(
    frame: pd.DataFrame,
    codebook: Codebook,
    geography: Geography,
    weight: str | None = None,
    required: Iterable[str] = (),
) -> ValidationResult:
    """Split harmonised rows into released and quarantined, with reasons.

    ``weight`` names the wave's design weight column: weights hundreds of times
    the median (:data:`MAX_WEIGHT_RATIO`) are quarantined; zero, negative,
    missing and infinite weights are too (codebook ``min_exclusive``, required).
    ``required`` names the other columns the wave's design needs (a row
    without its stratum or PSU cannot be estimated with its design).
    """
    frame = frame.reset_index(drop=True)
    found: dict[int, list[Problem]] = {
        i: loads(text) for i, text in zip(frame.index, frame[ISSUE_DETAILS], strict=True)
    }
    for index, problems in _hostile_numbers(frame, codebook, weight).items():
        found[index] += [p for p in problems if p.variable not in {q.variable for q in found[index]}]
    already_reported = {i: {p.variable for p in problems} for i, problems in found.items()}
    schema = build_schema(codebook, geography, [*required, *([weight] if weight else [])])
    categories = _schema_problems(codebook, geography)
    try:
        schema.validate(frame.drop(columns=ISSUE_COLUMNS), lazy=True)
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
            index, column, check = int(case["index"]), str(case["column"]), str(case["check"])
            if column in already_reported[index]:
                continue
            if check == "not_nullable":
                found[index].append(Problem("missing_required", column, column))
            else:
                category, params = categories[(column, check)]
                found[index].append(Problem(category, column, column, code_key(case["failure_case"]), "", params))
    exempt = {i for i, problems in found.items() if any(p.category == "duplicate_submission" for p in problems)}
    for index, problem in _duplicate_problems(frame, exempt).items():
        found[index].append(problem)
    failed = [i for i, problems in found.items() if problems]
    quarantine = frame.loc[failed].drop(columns=ISSUE_COLUMNS)
    quarantine["reasons"] = pd.Series({i: "; ".join(p.text("en") for p in found[i]) for i in failed}, dtype="string")
    quarantine["reason_categories"] = pd.Series(
        {i: ",".join(dict.fromkeys(p.category for p in found[i])) for i in failed}, dtype="string"
    )
    released = frame.drop(index=failed).drop(columns=ISSUE_COLUMNS).reset_index(drop=True)
    if len(released) + len(quarantine) != len(frame):
        raise AssertionError(f"{len(frame)} rows in, {len(released)} released + {len(quarantine)} quarantined")
    ordered = [*QUARANTINE_COLUMNS, *[c for c in quarantine.columns if c not in QUARANTINE_COLUMNS]]
    problems = pd.DataFrame(
        [
            {
                "source_id": frame.at[i, "source_id"],
                "source_file": frame.at[i, "source_file"],
                "source_row": int(frame.at[i, "source_row"]),
                "problem": problem,
            }
            for i in failed
            for problem in found[i]
        ],
        columns=[*PROVENANCE, "problem"],
    )
    return ValidationResult(released, quarantine[ordered].reset_index(drop=True), problems)

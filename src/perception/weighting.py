"""Weighting targets and diagnostics.

Targets live in ``config/margins/*.csv`` (columns ``variable, level,
population, source``) so that every figure the weights are adjusted to is
cited. The raking itself is svy's (see :class:`perception.SurveyDesign`);
this module reads the targets, builds cross-classified cells for
post-stratification, and describes the resulting weights.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd

from perception.errors import ConfigError, DataError

CELL_SEPARATOR = "*"
LEVEL_SEPARATOR = "|"
AGE_GROUP = "age_group"


def age_group_labels(bounds: list[int]) -> list[str]:
    pairs = itertools.pairwise(bounds)
    return [f"{low}-{high - 1}" for low, high in pairs] + [f"{bounds[-1]}+"]


def age_groups(age: pd.Series, bounds: list[int]) -> pd.Series:
    """Age bands such as 18-24, 25-34, ..., 50+ (special codes and blanks missing)."""
    years = pd.to_numeric(age, errors="coerce").where(lambda a: a >= bounds[0])
    cut = pd.cut(years, [*bounds, np.inf], right=False, labels=age_group_labels(bounds))
    return cut.astype("string")


def margin_columns(margins: dict[str, dict[str, float]]) -> set[str]:
    """Every data column the targets refer to, cells split into their parts."""
    return {part for variable in margins for part in variable.split(CELL_SEPARATOR)}


def load_margins(paths: list[str | Path]) -> dict[str, dict[str, float]]:
    """Read margin files into ``{variable: {level: population}}``."""
    margins: dict[str, dict[str, float]] = {}
    for path in paths:
        try:
            table = pd.read_csv(path, dtype={"variable": str, "level": str}, keep_default_na=False)
        except FileNotFoundError:
            raise ConfigError(f"{path}: weighting target file not found") from None
        missing = {"variable", "level", "population", "source"} - set(table.columns)
        if missing:
            raise ConfigError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        bad = table[pd.to_numeric(table["population"], errors="coerce").fillna(-1) <= 0]
        if not bad.empty:
            raise ConfigError(f"{path}: population must be positive (rows {', '.join(map(str, bad.index + 2))})")
        if (table["source"].str.strip() == "").any():
            raise ConfigError(f"{path}: every target needs a source")
        for variable, part in table.groupby("variable", sort=False):
            if variable in margins:
                raise ConfigError(f"{path}: targets for {variable} are given twice")
            margins[variable] = dict(zip(part["level"], part["population"].astype(float), strict=True))
    totals = {variable: sum(levels.values()) for variable, levels in margins.items()}
    if len(set(np.round(list(totals.values())))) > 1:
        listed = ", ".join(f"{v}: {t:,.0f}" for v, t in totals.items())
        raise ConfigError(f"weighting targets describe different totals ({listed}); they must agree")
    return margins


def add_cell_columns(data: pd.DataFrame, margins: dict[str, dict[str, float]]) -> pd.DataFrame:
    """Build ``a*b`` cell columns (levels ``x|y``) needed by cross-classified targets."""
    out = data
    for variable in margins:
        if CELL_SEPARATOR not in variable:
            continue
        parts = variable.split(CELL_SEPARATOR)
        missing = [p for p in parts if p not in data.columns]
        if missing:
            raise ConfigError(f"weighting cells {variable}: unknown column(s) {', '.join(missing)}")
        out = out.copy() if out is data else out
        out[variable] = data[parts].astype("string").agg(LEVEL_SEPARATOR.join, axis=1)
    return out


def check_levels(data: pd.DataFrame, margins: dict[str, dict[str, float]], where: str) -> None:
    """Every level in the data needs a target, or raking cannot proceed."""
    for variable, levels in margins.items():
        if variable not in data.columns:
            raise DataError(f"{where}: weighting variable {variable} is not in the data")
        present = [str(v) for v in pd.unique(data[variable].dropna())]
        unknown = [v for v in present if v not in levels]
        if unknown:
            raise DataError(f"{where}: {variable} level(s) {', '.join(unknown)} have no weighting target")
        if data[variable].isna().any():
            raise DataError(f"{where}: {variable} is missing for {int(data[variable].isna().sum())} respondents")


def diagnostics(weights: pd.Series) -> dict[str, float]:
    """Kish design effect due to weighting, effective sample size, weight range."""
    w = weights.to_numpy(dtype=float)
    n = len(w)
    kish = n * float(np.sum(w**2)) / float(np.sum(w)) ** 2
    return {
        "n": n,
        "sum_weights": float(np.sum(w)),
        "kish_deff": kish,
        "effective_n": n / kish,
        "weight_min": float(w.min()),
        "weight_max": float(w.max()),
        "weight_ratio": float(w.max() / w.min()),
    }

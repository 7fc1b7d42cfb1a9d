"""Weighting cells, checks and diagnostics.

The targets are read by :mod:`perception.config.margins`; the raking itself
is svy's (see :class:`perception.estimate.survey.SurveyDesign`). This module
builds cross-classified cells for post-stratification, checks that every
level in the data has a target, and describes the resulting weights.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from perception.config.geography import Geography
from perception.config.margins import CELL_SEPARATOR, LEVEL_SEPARATOR
from perception.errors import ConfigError, DataError

AGE_GROUP = "age_group"


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


def check_levels(
    data: pd.DataFrame,
    margins: dict[str, dict[str, float]],
    where: str,
    files: dict[str, str] | None = None,
    hints: dict[str, str] | None = None,
) -> None:
    """Every level in the data needs a target, or raking cannot proceed.

    ``files`` names each variable's margin file and ``hints`` adds a
    variable's likely cause (a region of another layout) to the message.
    """
    files, hints = files or {}, hints or {}
    for variable, levels in margins.items():
        if variable not in data.columns:
            raise DataError(f"{where}: weighting variable {variable} is not in the data")
        present = [str(v) for v in pd.unique(data[variable].dropna())]
        unknown = [v for v in present if v not in levels]
        if unknown:
            raise DataError(
                f"{where}: weighting target file {files.get(variable, variable)} has no target for "
                f"{variable} level(s) {', '.join(unknown)}, which the wave's respondents have; "
                f"expected a target for every level{hints.get(variable, '')}"
            )
        if data[variable].isna().any():
            raise DataError(f"{where}: {variable} is missing for {int(data[variable].isna().sum())} respondents")


def surveyed_targets(
    data: pd.DataFrame, margins: dict[str, dict[str, float]], files: dict[str, str], rule: str, where: str
) -> dict[str, dict[str, float]]:
    """Targets for the levels the wave has respondents in, or one error naming what is missing.

    ``files`` names the margin file of each variable. With ``rule``
    ``restrict``, absent levels are dropped and every margin is scaled to
    the population of the first margin that lost levels (margins must
    describe one total); with ``fail``, the first margin with absent levels
    stops the run.
    """
    absent = {}
    for variable, levels in margins.items():
        present = {str(v) for v in pd.unique(data[variable].dropna())} if variable in data.columns else set()
        missing = [level for level in levels if str(level) not in present]
        if missing:
            absent[variable] = missing
    if not absent:
        return margins
    if rule != "restrict":
        variable, missing = next(iter(absent.items()))
        raise DataError(
            f"{where}: weighting target file {files.get(variable, variable)} has level(s) {', '.join(missing)} "
            f"of {variable} without any respondent; choose weighting.absent_levels: restrict in the wave's "
            "configuration to weight to the levels surveyed, or fix the data"
        )
    restricted = {v: {k: p for k, p in levels.items() if k not in absent.get(v, [])} for v, levels in margins.items()}
    total = sum(restricted[next(iter(absent))].values())
    return {v: {k: p * total / sum(levels.values()) for k, p in levels.items()} for v, levels in restricted.items()}


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


def sample_summary(geography: Geography, frame: pd.DataFrame) -> pd.DataFrame:
    """Respondents, women, men and final weights per region of the wave's layout."""
    rows = []
    for code in geography.codes:
        part = frame[frame["region_code"] == code]
        rows.append(
            {
                "region_code": code,
                "n_respondents": len(part),
                "n_women": int((part["gender_code"] == "f").sum()),
                "n_men": int((part["gender_code"] == "m").sum()),
                "sum_weights": float(part["weight_final"].sum()),
            }
        )
    return pd.DataFrame(rows)

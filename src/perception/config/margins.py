"""Weighting targets: ``config/margins/*.csv``, one population figure per level, each with its source.

Columns ``variable, level, population, source``; a variable ``a*b`` gives
targets for cells crossing two variables (levels ``x|y``), for
post-stratification on their cross-classification.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from perception.config.schema import read_settings_csv
from perception.errors import ConfigError

CELL_SEPARATOR = "*"


LEVEL_SEPARATOR = "|"


def margin_columns(margins: dict[str, dict[str, float]]) -> set[str]:
    """Every data column the targets refer to, cells split into their parts."""
    return {part for variable in margins for part in variable.split(CELL_SEPARATOR)}


def load_margins(paths: list[str | Path]) -> dict[str, dict[str, float]]:
    """Read margin files into ``{variable: {level: population}}``."""
    margins: dict[str, dict[str, float]] = {}
    for path in paths:
        table = read_settings_csv(path, ["variable", "level", "population", "source"])
        population = pd.to_numeric(table["population"], errors="coerce")
        bad = table[~(np.isfinite(population) & (population > 0))]
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

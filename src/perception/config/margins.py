"""Weighting targets: ``config/margins/*.csv``, one population figure per level, each with its source.

Columns ``variable, level, population`` and the source: ``source`` (one
text for both editions) or ``source_fr`` and ``source_en`` (each edition's
methodology page cites its own); a variable ``a*b`` gives targets for cells
crossing two variables (levels ``x|y``), for post-stratification on their
cross-classification.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from perception.config.schema import read_settings_csv
from perception.errors import ConfigError

CELL_SEPARATOR = "*"


LANGUAGES = ("fr", "en")


SOURCE_COLUMNS = ["source", *(f"source_{lang}" for lang in LANGUAGES)]


LEVEL_SEPARATOR = "|"


def margin_columns(margins: dict[str, dict[str, float]]) -> set[str]:
    """Every data column the targets refer to, cells split into their parts."""
    return {part for variable in margins for part in variable.split(CELL_SEPARATOR)}


def load_margins(paths: list[str | Path]) -> dict[str, dict[str, float]]:
    """Read margin files into ``{variable: {level: population}}``."""
    margins: dict[str, dict[str, float]] = {}
    for path in paths:
        table = read_margin_file(path)
        population = pd.to_numeric(table["population"], errors="coerce")
        bad = table[~(np.isfinite(population) & (population > 0))]
        if not bad.empty:
            raise ConfigError(f"{path}: population must be positive (rows {', '.join(map(str, bad.index + 2))})")
        for variable, part in table.groupby("variable", sort=False):
            if variable in margins:
                raise ConfigError(f"{path}: targets for {variable} are given twice")
            margins[variable] = dict(zip(part["level"], part["population"].astype(float), strict=True))
    totals = {variable: sum(levels.values()) for variable, levels in margins.items()}
    if len(set(np.round(list(totals.values())))) > 1:
        listed = ", ".join(f"{v}: {t:,.0f}" for v, t in totals.items())
        raise ConfigError(f"weighting targets describe different totals ({listed}); they must agree")
    return margins


def read_margin_file(path: str | Path) -> pd.DataFrame:
    """A margin file as text, with a source for every row in every language (:func:`sources_in`)."""
    table = read_settings_csv(path, ["variable", "level", "population"], SOURCE_COLUMNS)
    by_language = [f"source_{lang}" for lang in LANGUAGES]
    given = [c for c in by_language if c in table]
    if given and len(given) < len(by_language):
        missing = ", ".join(c for c in by_language if c not in given)
        raise ConfigError(
            f"{given[0]} is given but not {missing}",
            file=path,
            expected="a source per language (source_fr and source_en), or one source column for both",
        )
    if given and "source" in table:
        raise ConfigError(
            "both source and source_fr/source_en are given",
            file=path,
            expected="one source column for both editions, or one per language",
        )
    columns = given or (["source"] if "source" in table else [])
    if not columns:
        raise ConfigError("no source column", file=path, expected="source, or source_fr and source_en")
    for column in columns:
        blank = table.index[table[column].fillna("").str.strip() == ""]
        if len(blank):
            raise ConfigError(
                f"every target needs a source: {column} is empty in rows {', '.join(map(str, blank + 2))}",
                file=path,
            )
    return table


def sources_in(table: pd.DataFrame, lang: str) -> list[str]:
    """The distinct sources a margin file cites, in ``lang`` where it gives one per language, in file order."""
    column = f"source_{lang}" if f"source_{lang}" in table else "source"
    return list(dict.fromkeys(str(s) for s in table[column]))

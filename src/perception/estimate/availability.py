"""Which indicators each wave asked, and of whom: read from the wave's mappings.

Real rounds and partners never ask the same questions (Afrobarometer never
asks about the gendarmerie; one partner's questionnaire omits the complaint
mechanism). A source *asks* an indicator when its mapping maps every
variable the indicator needs (its items and, for a share among a
subpopulation, the variable defining it); a variable the mapping does not
list is blank in every row of that source, which is "not collected", not
"don't know". So:

- an indicator no source of a wave asks is *not asked* in that wave: no
  estimate is attempted (svy cannot estimate a column with no value) and
  every cell of it says so;
- an indicator some sources ask is estimated over the respondents of those
  sources only (on the wave's full design, as every domain): the values of
  the other sources' respondents are blanked, even where a source maps some
  but not all of an index's items, so that a partial answer never passes for
  a full one. ``availability.csv`` lists, per wave and indicator, which
  sources asked it, and the book says so.

Availability comes from the configuration (the mappings), never from the
answers: a question asked of everyone and answered by no one is a data
problem to show, not a question that was not asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from perception.catalog.tables import table
from perception.config.project import Project
from perception.config.registry import Indicator

AVAILABILITY_COLUMNS = list(table("availability").columns)


def required_variables(indicator: Indicator) -> tuple[str, ...]:
    """Every codebook variable an indicator's value depends on, in registry order."""
    names = list(indicator.variables)
    if indicator.among is not None:
        names.append(indicator.among.variable)
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class WaveAvailability:
    """The variables each source of one wave maps, and what follows for every indicator."""

    wave: str
    mapped: dict[str, frozenset[str]]  # source_id -> codebook variables its mapping provides

    @classmethod
    def of(cls, project: Project, wave: str) -> WaveAvailability:
        return cls(wave, {m.source_id: frozenset(m.variables) for m in project.sources(wave)})

    @property
    def source_ids(self) -> list[str]:
        return list(self.mapped)

    def missing(self, indicator: Indicator, source_id: str) -> list[str]:
        """The variables ``indicator`` needs that ``source_id`` does not map."""
        return [v for v in required_variables(indicator) if v not in self.mapped[source_id]]

    def asking_sources(self, indicator: Indicator) -> list[str]:
        """Sources (in configured order) whose mapping provides every variable the indicator needs."""
        return [s for s in self.mapped if not self.missing(indicator, s)]

    def is_asked(self, indicator: Indicator) -> bool:
        return bool(self.asking_sources(indicator))

    def is_partial(self, indicator: Indicator) -> bool:
        """Asked by some sources of the wave but not all."""
        return 0 < len(self.asking_sources(indicator)) < len(self.mapped)

    def variable_is_asked(self, variable: str) -> bool:
        """Some source of the wave maps ``variable`` (e.g. a model's predictor)."""
        return any(variable in names for names in self.mapped.values())

    def rows(self, indicators: tuple[Indicator, ...]) -> list[dict]:
        """One row per indicator and source: asked or not, and what is missing."""
        return [
            {
                "wave": self.wave,
                "indicator": indicator.id,
                "source_id": source_id,
                "is_asked": not self.missing(indicator, source_id),
                "missing_variables": " ".join(self.missing(indicator, source_id)),
            }
            for indicator in indicators
            for source_id in self.mapped
        ]


class Availability:
    """Availability of every wave of a project, read once from the mappings."""

    def __init__(self, project: Project):
        self.project = project

    @cached_property
    def waves(self) -> dict[str, WaveAvailability]:
        return {wave: WaveAvailability.of(self.project, wave) for wave in self.project.wave_ids}

    def __getitem__(self, wave: str) -> WaveAvailability:
        return self.waves[wave]

    def table(self) -> pd.DataFrame:
        rows = [row for wave in self.waves.values() for row in wave.rows(self.project.indicators)]
        return pd.DataFrame(rows, columns=AVAILABILITY_COLUMNS)


def asked_mask(responses: pd.DataFrame, availability: WaveAvailability, indicator: Indicator) -> pd.Series:
    """True for respondents whose source asked ``indicator``."""
    return responses["source_id"].isin(availability.asking_sources(indicator))

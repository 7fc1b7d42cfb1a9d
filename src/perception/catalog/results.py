"""Read-only access to the workflow's published tables.

``indicators.csv`` and ``comparisons.csv`` are the only source of every number
the figures, the book and the fact sheets print. This module reads them by
column name and turns each row into a small immutable record looked up by its
key, so that no page or chart ever recomputes a statistic. Two rules are
enforced here, once, for every consumer:

- a suppressed row never carries a value (its numbers are blanked even if the
  file had them), and a row that is absent reads as suppressed;
- every row carries its ``status`` (:mod:`perception.catalog.status`): a
  cell whose question was not asked, or whose region was not surveyed, says
  so, and pages print those words instead of the suppression mark;
- a comparison is "significant" only when the file says so (after the
  multiple-comparison adjustment); nothing downstream tests anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from perception.catalog.status import (
    BY_DESIGN,
    ESTIMATED,
    NOT_ASKED,
    NOT_COMPARABLE,
    NOT_SURVEYED,
    STATUSES,
    SUPPRESSED,
)
from perception.catalog.tables import table

# What the read API exposes of each table: its key, and the values pages print.
INDICATOR_KEY = list(table("indicators").key)
INDICATOR_VALUES = ["estimate", "se", "ci_low", "ci_high"]
INDICATOR_COLUMNS = [
    *INDICATOR_KEY,
    *INDICATOR_VALUES,
    "n",
    "is_reliable",
    "reliability_note",
    "is_suppressed",
    "status",
]

BREAKDOWN_KEY = list(table("breakdowns").key)
BREAKDOWN_COLUMNS = [*BREAKDOWN_KEY, *INDICATOR_COLUMNS[len(INDICATOR_KEY) :]]

COMPARISON_KEY = list(table("comparisons").key)
COMPARISON_VALUES = [
    "estimate",
    "reference_estimate",
    "difference",
    "se",
    "ci_low",
    "ci_high",
    "p_adjusted",
    "ci_level_adjusted",
    "ci_low_adjusted",
    "ci_high_adjusted",
]
COMPARISON_COLUMNS = [*COMPARISON_KEY, *COMPARISON_VALUES, "is_significant", "is_suppressed", "status"]
assert set(INDICATOR_COLUMNS) <= set(table("indicators").columns)
assert set(COMPARISON_COLUMNS) <= set(table("comparisons").columns)
assert set(BREAKDOWN_COLUMNS) <= set(table("breakdowns").columns)


def _as_bool(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


# The two sides of a comparison: each is its own wave's or group's published estimate, printed beside a
# comparison that is not made by design (a side not asked, a region drawn differently), as the estimation
# stage writes them (combine_waves); the difference and its interval never are.
SIDES = ("estimate", "reference_estimate")


def _normalise(frame: pd.DataFrame, columns: list[str], keys: list[str], values: list[str], what: str) -> pd.DataFrame:
    """Canonical types (keys as stripped text, values as float) and blank suppressed values."""
    if "status" not in frame.columns:
        # a table written before statuses existed: every row was estimated, or suppressed
        hidden = frame["is_suppressed"].map(_as_bool) if "is_suppressed" in frame.columns else False
        frame = frame.assign(status=pd.Series(hidden, index=frame.index).map({True: SUPPRESSED, False: ESTIMATED}))
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks column(s) {', '.join(missing)}")
    out = frame[columns].copy()
    for column in keys:
        out[column] = out[column].fillna("").astype(str).str.strip()
    for column in values:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    out["is_suppressed"] = out["is_suppressed"].map(_as_bool).astype(bool)
    status = out["status"].fillna("").astype(str).str.strip()
    unknown = sorted(set(status) - set(STATUSES))
    if unknown:
        raise ValueError(f"{what}: unknown status {', '.join(map(repr, unknown))} (expected {', '.join(STATUSES)})")
    out["status"] = status
    by_design = status.isin(BY_DESIGN) & ~out["is_suppressed"]
    out.loc[~by_design & (out["is_suppressed"] | (status != ESTIMATED)), values] = math.nan
    out.loc[by_design, [c for c in values if c not in SIDES]] = math.nan
    return out


def normalise_indicators(
    frame: pd.DataFrame,
    columns: list[str] = INDICATOR_COLUMNS,
    key: list[str] = INDICATOR_KEY,
    what: str = "indicators",
) -> pd.DataFrame:
    """The indicators table (or the breakdowns) with canonical types and no value left on a suppressed row."""
    out = _normalise(frame, columns, key, INDICATOR_VALUES, f"{what} table")
    out["n"] = pd.to_numeric(out["n"], errors="coerce").fillna(0).astype(int)
    out["is_reliable"] = out["is_reliable"].map(_as_bool).astype(bool)
    out["reliability_note"] = out["reliability_note"].fillna("").astype(str)
    return out


def _read(path: Path, keys: list[str], values: list[str]) -> pd.DataFrame:
    # Empty key cells (national rows have no region) must stay "" and not NaN.
    return pd.read_csv(path, dtype={c: str for c in keys}, keep_default_na=False, na_values={c: [""] for c in values})


def read_indicators(path: Path) -> pd.DataFrame:
    """Read ``indicators.csv`` (see ``normalise_indicators``)."""
    return normalise_indicators(_read(path, INDICATOR_KEY, INDICATOR_VALUES))


def read_breakdowns(path: Path) -> pd.DataFrame:
    """Read ``breakdowns.csv``, the national breakdowns (urban/rural, age groups), as the indicators."""
    return normalise_indicators(
        _read(path, BREAKDOWN_KEY, INDICATOR_VALUES), BREAKDOWN_COLUMNS, BREAKDOWN_KEY, "breakdowns"
    )


def _value(x: float) -> float | None:
    return None if pd.isna(x) else float(x)


class _Status:
    """Why a row has no number: ``status`` is one of :mod:`perception.catalog.status`'s values."""

    status: str

    @property
    def not_asked(self) -> bool:
        return self.status == NOT_ASKED

    @property
    def not_surveyed(self) -> bool:
        return self.status == NOT_SURVEYED

    @property
    def missing_by_design(self) -> bool:
        """No number because of what was asked, where the survey went or how regions were drawn: not disclosure."""
        return self.status in BY_DESIGN


@dataclass(frozen=True)
class Cell(_Status):
    """One estimate; ``estimate`` is None when suppressed, not asked, not surveyed or absent."""

    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    suppressed: bool
    reliable: bool = True
    status: str = ESTIMATED

    @property
    def published(self) -> bool:
        return self.status == ESTIMATED and not self.suppressed and self.estimate is not None

    @property
    def flagged(self) -> bool:
        """Published but marked unreliable by the estimation stage: print with a caution mark."""
        return self.published and not self.reliable


ABSENT = Cell(None, None, None, 0, True, status=SUPPRESSED)
# A region of the report's layout that an earlier wave drew differently: its number there is another territory's.
REDRAWN = Cell(None, None, None, 0, False, status=NOT_COMPARABLE)


class Estimates:
    """Look-up of the indicators table by (wave, indicator, domain, region, gender)."""

    def __init__(self, frame: pd.DataFrame):
        frame = normalise_indicators(frame)
        self._cells: dict[tuple[str, ...], Cell] = {}
        for row in frame.itertuples(index=False):
            self._cells[(row.wave, row.indicator, row.domain, row.region_code, row.gender_code)] = _cell(row)

    def get(self, wave: str, indicator: str, domain: str, region: str = "", gender: str = "") -> Cell:
        return self._cells.get((wave, indicator, domain, region, gender), ABSENT)


class Breakdowns:
    """Look-up of the breakdowns table by (wave, indicator, breakdown, level); absent cells read as suppressed."""

    def __init__(self, frame: pd.DataFrame):
        frame = normalise_indicators(frame, BREAKDOWN_COLUMNS, BREAKDOWN_KEY, "breakdowns")
        self._cells = {(r.wave, r.indicator, r.breakdown, r.level): _cell(r) for r in frame.itertuples(index=False)}

    def get(self, wave: str, indicator: str, breakdown: str, level: str) -> Cell:
        return self._cells.get((wave, indicator, breakdown, level), ABSENT)

    def __bool__(self) -> bool:
        return bool(self._cells)


def _cell(row) -> Cell:
    estimate = _value(row.estimate)
    return Cell(
        estimate=estimate,
        ci_low=_value(row.ci_low),
        ci_high=_value(row.ci_high),
        n=int(row.n),
        suppressed=bool(row.is_suppressed) or estimate is None,
        reliable=bool(row.is_reliable),
        status=row.status or (ESTIMATED if estimate is not None else SUPPRESSED),
    )


@dataclass(frozen=True)
class Difference(_Status):
    """One row of ``comparisons.csv``: ``estimate`` minus ``reference_estimate``.

    ``ci_low`` and ``ci_high`` are the interval the verdict was decided on
    (adjusted for multiple comparisons within the family, at level
    ``ci_level``), so that no page prints an interval that contradicts its
    verdict.
    """

    estimate: float | None
    reference_estimate: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    significant: bool
    suppressed: bool
    ci_level: float | None = None
    status: str = ESTIMATED

    @property
    def published(self) -> bool:
        return self.status == ESTIMATED and not self.suppressed and self.difference is not None


NO_DIFFERENCE = Difference(None, None, None, None, None, False, True, status=SUPPRESSED)


def read_comparisons(path: Path) -> pd.DataFrame:
    """Read ``comparisons.csv`` with canonical types; suppressed rows carry no number."""
    frame = _normalise(
        _read(path, COMPARISON_KEY, COMPARISON_VALUES),
        COMPARISON_COLUMNS,
        COMPARISON_KEY,
        COMPARISON_VALUES,
        "comparisons table",
    )
    frame["is_significant"] = frame["is_significant"].map(_as_bool).astype(bool) & ~frame["is_suppressed"]
    return frame


class Comparisons:
    """Look-up of gender gaps (women − men) and changes (wave − baseline).

    Keys: (comparison, wave, indicator, domain, region, gender). For a change
    ``wave`` is the later wave; the reference is the baseline (``change``) or
    the wave before (``change_previous``).
    """

    def __init__(self, frame: pd.DataFrame):
        self._rows: dict[tuple[str, ...], Difference] = {}
        for row in frame.itertuples(index=False):
            difference = _value(row.difference)
            key = (row.comparison, row.wave, row.indicator, row.domain, row.region_code, row.gender_code)
            self._rows[key] = Difference(
                estimate=_value(row.estimate),
                reference_estimate=_value(row.reference_estimate),
                difference=difference,
                ci_low=_value(row.ci_low_adjusted),
                ci_high=_value(row.ci_high_adjusted),
                significant=bool(row.is_significant),
                suppressed=bool(row.is_suppressed) or difference is None,
                ci_level=_value(row.ci_level_adjusted),
                status=getattr(row, "status", "") or (ESTIMATED if difference is not None else SUPPRESSED),
            )

    def gap(self, wave: str, indicator: str, domain: str, region: str = "") -> Difference:
        """Women − men within ``wave``, nationally (domain national) or in one region."""
        return self._rows.get(("gender_gap", wave, indicator, domain, region, ""), NO_DIFFERENCE)

    def region_vs_rest(self, wave: str, indicator: str, region: str) -> Difference:
        """A region minus the rest of the country within ``wave``."""
        return self._rows.get(("region_vs_rest", wave, indicator, "region", region, ""), NO_DIFFERENCE)

    def change(self, wave: str, indicator: str, domain: str, region: str = "", gender: str = "") -> Difference:
        """``wave`` − baseline for one domain cell."""
        return self._rows.get(("change", wave, indicator, domain, region, gender), NO_DIFFERENCE)

    def change_since_previous(
        self, wave: str, indicator: str, domain: str, region: str = "", gender: str = ""
    ) -> Difference:
        """``wave`` − the wave before it for one domain cell (none for the second wave: see :meth:`change`)."""
        return self._rows.get(("change_previous", wave, indicator, domain, region, gender), NO_DIFFERENCE)

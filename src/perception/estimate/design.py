"""A survey design as an immutable spec, and data bound to it in svy (checks, polars at the boundary, raking).

:class:`SurveyDesign` names the design columns; :func:`bind` checks them,
converts the columns an estimate needs to polars and builds the svy sample,
raked to the configured margins (and trimmed) as R's ``rake()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import svy

from perception.errors import DataError

# Rake until margins match to a negligible relative error, so results do not
# depend on where an iterative algorithm happened to stop.
RAKE_TOLERANCE = 1e-10
RAKE_MAX_ITERATIONS = 1000

SINGLETON_RULES = {
    # R's options(survey.lonely.psu = ...) -> svy's singleton rule
    "fail": None,
    "adjust": "center",
    "average": "scale",
    "remove": "skip",
    "certainty": "skip",
}


@dataclass(frozen=True)
class SurveyDesign:
    """Names of the design columns, and optional weighting to population margins.

    ``rake_to`` maps a variable to ``{level: population}``; when set, the
    weights are raked to those margins and variances account for the raking
    as R's ``rake()`` does (svy keeps the calibration in the sample). One
    margin is post-stratification. ``rake_bounds`` bounds the adjustment
    factors; ``trim_ratio`` caps final weights at that multiple of the median
    weight, redistributing the excess.

    ``ssu`` names the second-stage unit; ``fpc`` a population-size column (or a
    ``(psu, ssu)`` pair for two stages), as R's ``fpc=``. ``singleton`` is the
    rule for strata with a single PSU, named as R's ``survey.lonely.psu``:
    ``fail`` (default: stop and list them), ``adjust``, ``average``,
    ``remove`` or ``certainty``.
    """

    weight: str
    strata: str | None = None
    psu: str | None = None
    rake_to: Mapping[str, Mapping[Any, float]] | None = None
    fpc: str | tuple[str, str] | None = None
    ssu: str | None = None
    singleton: str = "fail"
    rake_bounds: tuple[float, float] | None = None
    trim_ratio: float | None = None

    def __post_init__(self):
        if self.rake_to is not None:
            frozen = {var: MappingProxyType(dict(levels)) for var, levels in self.rake_to.items()}
            object.__setattr__(self, "rake_to", MappingProxyType(frozen))
        if isinstance(self.fpc, list):
            object.__setattr__(self, "fpc", tuple(self.fpc))
        if self.singleton not in SINGLETON_RULES:
            raise ValueError(f"singleton must be one of {', '.join(SINGLETON_RULES)}, not {self.singleton!r}")

    @property
    def columns(self) -> list[str]:
        fpc = list(self.fpc) if isinstance(self.fpc, tuple) else [self.fpc]
        names = [self.weight, self.strata, self.psu, self.ssu, *fpc, *(self.rake_to or {})]
        return [n for n in names if n is not None]

    def _svy_design(self) -> svy.Design:
        fpc = svy.PopSize(*self.fpc) if isinstance(self.fpc, tuple) else self.fpc
        rule = SINGLETON_RULES[self.singleton]
        return svy.Design(
            stratum=self.strata, psu=self.psu, ssu=self.ssu, wgt=self.weight, pop_size=fpc, singleton=rule
        )


def _check_design_columns(data: pd.DataFrame, design: SurveyDesign) -> None:
    missing = [c for c in design.columns if c not in data.columns]
    if missing:
        raise DataError(f"design column(s) not in the data: {', '.join(missing)}")
    for column in design.columns:
        if data[column].isna().any():
            rows = list(data.index[data[column].isna()][:5])
            raise DataError(f"design column {column} has missing values (rows {rows})")
    if (pd.to_numeric(data[design.weight]) <= 0).any():
        raise DataError(f"weight column {design.weight} has zero or negative values")


def _to_polars(data: pd.DataFrame, columns: Iterable[str]) -> pl.DataFrame:
    """The columns as polars: numbers as floats, everything else as text, missing as null.

    Column at a time (never value by value: that was a quarter of an
    estimate's time at 200,000 respondents); a categorical's labels are
    converted once and gathered by code.
    """
    frame = {}
    for name in dict.fromkeys(columns):
        series = data[name]
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            frame[name] = pl.Series(name, series.astype("Float64").to_numpy(dtype=float, na_value=np.nan))
            frame[name] = frame[name].fill_nan(None)
        elif isinstance(series.dtype, pd.CategoricalDtype):
            labels = pl.Series(name, [str(v) for v in series.cat.categories], dtype=pl.String)
            codes = pl.Series(series.cat.codes.to_numpy().astype(np.int64))
            frame[name] = labels.gather(codes.replace(-1, None))
        else:
            # a list, not an object array: polars cannot read an object array whose first value is missing
            text = series.astype("string").to_numpy(dtype=object, na_value=None).tolist()
            frame[name] = pl.Series(name, text, dtype=pl.String)
    return pl.DataFrame(frame)


def bind(data: pd.DataFrame, design: SurveyDesign, extra: Iterable[str]) -> svy.Sample:
    """``data``'s design columns and ``extra`` as an svy sample, raked (and trimmed) as configured."""
    _check_design_columns(data, design)
    frame = _to_polars(data, [*design.columns, *extra])
    sample = svy.Sample(frame, design._svy_design())
    if design.singleton == "fail" and design.strata and design.psu:
        singletons = sample.singletons
        if singletons.height:
            rows = singletons.iter_rows(named=True)
            listed = ", ".join(f"{row[design.strata]} (PSU {row[design.psu]})" for row in rows)
            raise DataError(
                f"strata with a single PSU, whose variance cannot be estimated: {listed}. "
                "Fix the stratum ids or choose a singleton rule in the wave's design "
                "(adjust, average, remove or certainty, as R's survey.lonely.psu)"
            )
    trimming = None
    if design.trim_ratio is not None:
        trimming = svy.TrimConfig(upper=svy.Threshold("median", design.trim_ratio))
    if design.rake_to:
        controls = {var: dict(levels) for var, levels in design.rake_to.items()}
        try:
            sample = sample.weighting.rake(
                controls=controls,
                wgt_name="_raked_weight",
                bounds=design.rake_bounds,
                trimming=trimming,
                tol=RAKE_TOLERANCE,
                max_iter=RAKE_MAX_ITERATIONS,
            )
        except Exception as exc:  # svy raises several types; the message is what matters
            raise DataError(f"raking to the configured margins failed: {_first_line(exc)}") from None
    elif trimming is not None:
        sample = sample.weighting.trim(upper=svy.Threshold("median", design.trim_ratio), wgt_name="_trimmed_weight")
    return sample


def _first_line(exc: Exception) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__

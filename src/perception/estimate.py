"""Design-based estimation with svy.

A :class:`SurveyDesign` is an immutable spec of column names; estimators take
pandas in, convert to polars at the boundary, and return tidy pandas rows.
Domains are estimated with svy's ``by=`` on the full design (never by
subsetting rows, which would understate the variance), and a variable's
missing values leave only that variable's denominator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import svy

from perception.errors import DataError

RESULT_COLUMNS = ["estimate", "se", "ci_low", "ci_high", "df", "n"]


@dataclass(frozen=True)
class SurveyDesign:
    """Names of the design columns, and optional raking margins.

    ``rake_to`` maps a variable to ``{level: population}``; when set, the
    weights are raked to those margins and variances account for the raking
    as R's ``rake()`` does (svy keeps the calibration in the sample).
    ``fpc`` names a column holding the population size of each stratum (or of
    the PSU population in a one-stage cluster design), as R's ``fpc=``.
    """

    weight: str
    strata: str | None = None
    psu: str | None = None
    rake_to: Mapping[str, Mapping[Any, float]] | None = None
    fpc: str | None = None

    def __post_init__(self):
        if self.rake_to is not None:
            frozen = {var: MappingProxyType(dict(levels)) for var, levels in self.rake_to.items()}
            object.__setattr__(self, "rake_to", MappingProxyType(frozen))

    @property
    def columns(self) -> list[str]:
        names = [self.weight, self.strata, self.psu, self.fpc, *(self.rake_to or {})]
        return [n for n in names if n is not None]


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
    frame = {}
    for name in dict.fromkeys(columns):
        series = data[name]
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            frame[name] = pl.Series(name, series.astype("Float64").to_numpy(dtype=float, na_value=np.nan))
            frame[name] = frame[name].fill_nan(None)
        else:
            values = [None if pd.isna(v) else str(v) for v in series]
            frame[name] = pl.Series(name, values, dtype=pl.String)
    return pl.DataFrame(frame)


def _sample(data: pd.DataFrame, design: SurveyDesign, extra: Iterable[str]) -> svy.Sample:
    _check_design_columns(data, design)
    frame = _to_polars(data, [*design.columns, *extra])
    sample = svy.Sample(
        frame, svy.Design(stratum=design.strata, psu=design.psu, wgt=design.weight, pop_size=design.fpc)
    )
    if design.rake_to:
        controls = {var: dict(levels) for var, levels in design.rake_to.items()}
        try:
            sample = sample.weighting.rake(controls=controls, wgt_name="_raked_weight")
        except Exception as exc:  # svy raises several types; the message is what matters
            raise DataError(f"raking to the configured margins failed: {exc}") from None
    return sample


def final_weights(data: pd.DataFrame, design: SurveyDesign) -> pd.Series:
    """The weights estimates actually use: raked when ``rake_to`` is set."""
    sample = _sample(data, design, [])
    weights = sample.data[sample.design.wgt].to_numpy()
    return pd.Series(weights, index=data.index, name="weight_final")


def _tidy(result: Any, by: Sequence[str]) -> pd.DataFrame:
    frame = result.to_polars().to_pandas()
    frame = frame.rename(columns={"est": "estimate", "lci": "ci_low", "uci": "ci_high"})
    return frame[[*by, *RESULT_COLUMNS]]


def estimate_means(
    data: pd.DataFrame,
    design: SurveyDesign,
    variables: Sequence[str],
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """Design-based means of ``variables``, overall or by domain.

    Returns one row per variable and domain: ``variable``, one column per
    ``by`` name, ``estimate``, ``se``, ``ci_low``, ``ci_high`` (95 %, t with
    the design degrees of freedom), ``df`` and ``n`` (unweighted respondents
    with a value). Missing values are excluded variable by variable.
    """
    by = list(by)
    sample = _sample(data, design, [*variables, *by])
    rows = []
    for variable in variables:
        result = sample.estimation.mean(variable, by=by or None, drop_nulls=True)
        tidy = _tidy(result, by)
        tidy.insert(0, "variable", variable)
        rows.append(tidy)
    out = pd.concat(rows, ignore_index=True)
    return _order_domains(out, data, ["variable"], by)


def estimate_shares(
    data: pd.DataFrame,
    design: SurveyDesign,
    variables: Sequence[str],
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """Design-based shares of 0/1 ``variables`` with logit confidence intervals.

    The logit interval (R's ``svyciprop(method="logit")``) stays inside [0, 1]
    and is the default for proportions; where the share is exactly 0 or 1 the
    logit interval is undefined and the Korn-Graubard interval is used.
    Columns as :func:`estimate_means`.
    """
    by = list(by)
    sample = _sample(data, design, [*variables, *by])
    rows = []
    for variable in variables:
        logit = _share_rows(sample, variable, by, "logit")
        undefined = logit["ci_low"].isna() | logit["ci_high"].isna()
        if undefined.any():
            korn = _share_rows(sample, variable, by, "korn-graubard")
            logit.loc[undefined, ["ci_low", "ci_high"]] = korn.loc[undefined, ["ci_low", "ci_high"]]
        logit.insert(0, "variable", variable)
        rows.append(logit)
    out = pd.concat(rows, ignore_index=True)
    return _order_domains(out, data, ["variable"], by)


def _share_rows(sample: svy.Sample, variable: str, by: list[str], ci_method: str) -> pd.DataFrame:
    result = sample.estimation.prop(variable, by=by or None, drop_nulls=True, ci_method=ci_method)
    frame = result.to_polars().to_pandas()
    frame = frame[frame[variable] == 1].reset_index(drop=True)
    frame = frame.rename(columns={"est": "estimate", "lci": "ci_low", "uci": "ci_high"})
    return frame[[*by, *RESULT_COLUMNS]]


def _order_domains(out: pd.DataFrame, data: pd.DataFrame, keys: list[str], by: list[str]) -> pd.DataFrame:
    """Order domains as the levels first appear in the data, deterministically."""
    if not by:
        return out.reset_index(drop=True)
    order_columns = []
    for name in by:
        levels = [str(v) for v in pd.unique(data[name].dropna())]
        if isinstance(data[name].dtype, pd.CategoricalDtype):
            levels = [str(v) for v in data[name].cat.categories]
        rank = {level: i for i, level in enumerate(levels)}
        out[f"_rank_{name}"] = out[name].astype(str).map(rank)
        order_columns.append(f"_rank_{name}")
    out["_variable_rank"] = out[keys[0]].map({v: i for i, v in enumerate(pd.unique(out[keys[0]]))})
    out = out.sort_values(["_variable_rank", *order_columns], kind="stable")
    return out.drop(columns=["_variable_rank", *order_columns]).reset_index(drop=True)

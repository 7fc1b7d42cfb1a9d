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
from functools import cached_property
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import svy

from perception.errors import DataError
from perception.estimate.intervals import share_intervals

# Design effects against simple random sampling with replacement (R's
# deff="replace"): valid whatever the weights sum to, including weights
# normalised to the sample size, and equal to the without-replacement one
# for populations as large as a country's.
DEFF_METHOD = "wr"
RESULT_COLUMNS = ["estimate", "se", "ci_low", "ci_high", "cv", "deff", "df", "n"]


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


def _sample(data: pd.DataFrame, design: SurveyDesign, extra: Iterable[str]) -> svy.Sample:
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


def final_weights(data: pd.DataFrame, design: SurveyDesign) -> pd.Series:
    """The weights estimates actually use: raked when ``rake_to`` is set."""
    return designed_sample(data, design, []).weights


def _tidy(result: Any, by: Sequence[str]) -> pd.DataFrame:
    frame = result.to_polars().to_pandas()
    frame = frame.rename(columns={"est": "estimate", "lci": "ci_low", "uci": "ci_high"})
    return frame[[*by, *RESULT_COLUMNS]]


@dataclass(frozen=True)
class DesignedSample:
    """Data bound to its (raked) svy sample, built once for many estimates.

    Raking is the expensive step; estimating every indicator by every domain
    from one ``DesignedSample`` rakes once instead of once per table.
    """

    data: pd.DataFrame
    sample: svy.Sample

    @property
    def weights(self) -> pd.Series:
        """The weights estimates actually use (raked or trimmed when configured)."""
        weights = self.sample.data[self.sample.design.wgt].to_numpy()
        return pd.Series(weights, index=self.data.index, name="weight_final")

    @cached_property
    def _unit_codes(self) -> tuple[np.ndarray, int, np.ndarray | None, int]:
        """Each row's PSU (within its stratum) and stratum as integer codes: every domain's df is counted on them."""
        design = self.sample.design
        strata = [design.stratum] if design.stratum else []
        units = [*strata, design.psu] if design.psu else []
        if units:
            psu = self.data.groupby(units, sort=False, dropna=False, observed=True).ngroup().to_numpy()
        else:
            psu = np.arange(len(self.data))
        stratum = None
        if design.stratum:
            stratum = self.data.groupby(design.stratum, sort=False, dropna=False, observed=True).ngroup().to_numpy()
        return psu, int(psu.max()) + 1 if len(psu) else 0, stratum, int(stratum.max()) + 1 if stratum is not None else 0

    def degrees_of_freedom(self, rows: pd.Series | np.ndarray) -> int:
        """Design df of a domain: its PSUs minus its strata, as R's ``degf()`` on ``subset(design, rows)``.

        Only PSUs and strata with at least one row in ``rows`` count; without
        PSUs each row is one, without strata there is one stratum.
        """
        rows = np.asarray(rows, dtype=bool)
        if not rows.any():
            return 0
        psu, n_psu, stratum, n_strata = self._unit_codes
        psus = np.count_nonzero(np.bincount(psu[rows], minlength=n_psu))
        strata = np.count_nonzero(np.bincount(stratum[rows], minlength=n_strata)) if stratum is not None else 1
        return int(psus - strata)

    def means(self, variables: Sequence[str], by: Sequence[str] = ()) -> pd.DataFrame:
        by = list(by)
        rows = []
        for variable, result in zip(variables, self._means(variables, by), strict=True):
            tidy = _tidy(result, by)
            tidy.insert(0, "variable", variable)
            rows.append(tidy)
        return _order_domains(pd.concat(rows, ignore_index=True), self.data, ["variable"], by)

    def _means(self, variables: Sequence[str], by: list[str]) -> list:
        """svy's means of ``variables``, each on its own respondents, from one call (one design build)."""
        if not variables:
            return []
        results = self.sample.estimation.mean(list(variables), by=by or None, drop_nulls=True, deff=DEFF_METHOD)
        return results if isinstance(results, list) else [results]

    def shares(self, variables: Sequence[str], by: Sequence[str] = (), ci_method: str = "logit") -> pd.DataFrame:
        """Shares of 0/1 variables: one svy estimate each, both intervals from its estimate, SE, df and n.

        See :mod:`perception.estimate.intervals`; the numbers are those of
        svy's ``prop`` (run once for the logit and once for the Korn-Graubard
        interval before), at a quarter of the cost.
        """
        if ci_method not in CI_METHODS:
            raise ValueError(f"ci_method must be one of {', '.join(CI_METHODS)}")
        by = list(by)
        rows = []
        for variable in variables:
            _check_binary(self.sample.data[variable], variable)
        for variable, result in zip(variables, self._means(variables, by), strict=True):
            table = _tidy(result, by)
            numbers = [table[c].to_numpy(dtype=float) for c in ("estimate", "se", "df", "n")]
            kg_low, kg_high = share_intervals(*numbers, "korn-graubard")
            low, high = (kg_low, kg_high) if ci_method == "korn-graubard" else share_intervals(*numbers, "logit")
            undefined = np.isnan(low) | np.isnan(high)  # p of 0 or 1: the Korn-Graubard interval is defined
            table["ci_low"] = np.where(undefined, kg_low, low)
            table["ci_high"] = np.where(undefined, kg_high, high)
            table["kg_low"] = kg_low
            table["kg_high"] = kg_high
            table.insert(0, "variable", variable)
            rows.append(table)
        return _order_domains(pd.concat(rows, ignore_index=True), self.data, ["variable"], by)


def _check_binary(values: pl.Series, variable: str) -> None:
    """A share is the mean of a 0/1 variable: anything else would be a mean, not a share."""
    present = values.drop_nulls()
    other = present.filter((present != 0) & (present != 1))
    if other.len():
        found = ", ".join(str(v) for v in other.unique().sort().head(5).to_list())
        raise DataError(f"{variable}: a share needs values 0 and 1 (or missing), found {found}")


def designed_sample(data: pd.DataFrame, design: SurveyDesign, columns: Iterable[str]) -> DesignedSample:
    """Bind ``columns`` of ``data`` to the design (raking and trimming included)."""
    return DesignedSample(data, _sample(data, design, columns))


def estimate_means(
    data: pd.DataFrame,
    design: SurveyDesign,
    variables: Sequence[str],
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """Design-based means of ``variables``, overall or by domain.

    Returns one row per variable and domain: ``variable``, one column per
    ``by`` name, ``estimate``, ``se``, ``ci_low``, ``ci_high`` (95 %, t with
    the design degrees of freedom), ``cv``, ``deff`` (design effect against
    simple random sampling with replacement), ``df`` and ``n`` (unweighted respondents with a value).
    Missing values are excluded variable by variable.
    """
    return designed_sample(data, design, [*variables, *by]).means(variables, by)


CI_METHODS = ("logit", "korn-graubard")


def estimate_shares(
    data: pd.DataFrame,
    design: SurveyDesign,
    variables: Sequence[str],
    by: Sequence[str] = (),
    ci_method: str = "logit",
) -> pd.DataFrame:
    """Design-based shares of 0/1 ``variables``.

    The logit interval (R's ``svyciprop(method="logit")``) stays inside [0, 1]
    and is the default; ``ci_method="korn-graubard"`` gives the Korn-Graubard
    interval. Where the share is exactly 0 or 1 the logit interval is
    undefined and the Korn-Graubard one is used. Columns as
    :func:`estimate_means`, plus ``kg_low`` and ``kg_high``, the Korn-Graubard
    interval that the NCHS presentation standard is defined on.
    """
    return designed_sample(data, design, [*variables, *by]).shares(variables, by, ci_method)


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

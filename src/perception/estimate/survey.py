"""Design-based estimation: data bound to its design once, then means, shares and differences by domain.

A :class:`~perception.estimate.design.SurveyDesign` is an immutable spec of
column names; estimators take pandas in and return tidy pandas rows. Domains
are estimated on the full design (never by subsetting rows, which would
understate the variance), and a variable's missing values leave only that
variable's denominator. The numbers are svy's: computed in numpy by
:mod:`perception.estimate.taylor` where it covers the design, by svy itself
otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import svy

from perception.errors import DataError
from perception.estimate.design import SurveyDesign, bind
from perception.estimate.intervals import share_intervals
from perception.estimate.taylor import TaylorDesign, domain_codes

# Design effects against simple random sampling with replacement (R's
# deff="replace"): valid whatever the weights sum to, including weights
# normalised to the sample size, and equal to the without-replacement one
# for populations as large as a country's.
DEFF_METHOD = "wr"
RESULT_COLUMNS = ["estimate", "se", "ci_low", "ci_high", "cv", "deff", "df", "n"]


def final_weights(data: pd.DataFrame, design: SurveyDesign) -> pd.Series:
    """The weights estimates actually use: raked when ``rake_to`` is set."""
    return designed_sample(data, design, []).weights


def _tidy(result: Any, by: Sequence[str]) -> pd.DataFrame:
    frame = result.to_polars().to_pandas()
    frame = frame.rename(columns={"est": "estimate", "lci": "ci_low", "uci": "ci_high"})
    return frame[[*by, *RESULT_COLUMNS]]


@dataclass(frozen=True)
class Difference:
    """One domain's mean minus another's, its design-based SE, and the two means."""

    estimate: float
    se: float
    first: float
    second: float


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
        weights = self.frame[self.sample.design.wgt].to_numpy()
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
        for variable, tidy in zip(variables, self._means(variables, by), strict=True):
            tidy.insert(0, "variable", variable)
            rows.append(tidy)
        return _order_domains(pd.concat(rows, ignore_index=True), self.data, ["variable"], by)

    @cached_property
    def taylor(self) -> TaylorDesign | None:
        """The design indexed once for :mod:`perception.estimate.taylor`; None where svy must estimate."""
        psu, _, stratum, _ = self._unit_codes
        return TaylorDesign.of(self.sample, psu, stratum)

    @cached_property
    def frame(self) -> pl.DataFrame:
        """svy's data (raked weights included), fetched once: svy copies it on every access."""
        return self.sample.data

    def domains(self, by: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame] | None:
        """Each row's domain code for ``by`` and the domains' labels (:func:`domain_codes`), once per ``by``."""
        cache = self.__dict__.setdefault("_domain_codes", {})
        if tuple(by) not in cache:
            cache[tuple(by)] = domain_codes(self.frame, list(by))
        return cache[tuple(by)]

    def _means(self, variables: Sequence[str], by: list[str]) -> list[pd.DataFrame]:
        """Tidy means of ``variables`` by ``by``, each on its own respondents: numpy's, or svy's from one call."""
        if not variables:
            return []
        domains = self.domains(by) if self.taylor is not None else None
        if domains is None:
            results = self.sample.estimation.mean(list(variables), by=by or None, drop_nulls=True, deff=DEFF_METHOD)
            return [_tidy(result, by) for result in (results if isinstance(results, list) else [results])]
        codes, levels = domains
        tables = []
        for variable in variables:
            values = self.frame[variable].cast(pl.Float64).fill_null(np.nan).to_numpy()
            tables.append(self.taylor.domain_means(values, codes, len(levels)).table(levels, RESULT_COLUMNS))
        return tables

    def differences(
        self, variable: str, by: Sequence[str], pairs: Sequence[tuple[tuple[str, ...], tuple[str, ...]]]
    ) -> list[Difference | None]:
        """Design-based ``first − second`` for each pair of domains of ``by`` (labels as text), on one design.

        Both means come from the same design, so their covariance enters the
        SE (as svy's contrasts and R's ``svycontrast``). None for a pair where
        a domain has no respondent with a value.
        """
        by = list(by)
        domains = self.domains(by) if self.taylor is not None else None
        if domains is None:
            return self._svy_differences(variable, by, pairs)
        codes, levels = domains
        values = self.frame[variable].cast(pl.Float64).fill_null(np.nan).to_numpy()
        result = self.taylor.domain_means(values, codes, len(levels))
        index = {tuple(row): i for i, row in enumerate(levels.itertuples(index=False, name=None))}
        out: list[Difference | None] = []
        for first, second in pairs:
            i, j = index.get(tuple(first)), index.get(tuple(second))
            if i is None or j is None or not result.n[i] or not result.n[j]:
                out.append(None)
                continue
            variance = self.taylor.variance_of_difference(result.totals, i, j)
            estimate = result.estimate[i] - result.estimate[j]
            out.append(Difference(float(estimate), float(np.sqrt(variance)), result.estimate[i], result.estimate[j]))
        return out

    def _svy_differences(self, variable: str, by: list[str], pairs) -> list[Difference | None]:
        result = self.sample.estimation.mean(variable, by=by[0] if len(by) == 1 else tuple(by), drop_nulls=True)
        keys = set(result.keys())
        estimates = {key: float(p.est) for key, p in zip(result.keys(), result.estimates, strict=True)}
        out: list[Difference | None] = []
        for first, second in pairs:
            first_key, second_key = (k[0] if len(by) == 1 else tuple(k) for k in (first, second))
            if first_key not in keys or second_key not in keys:
                out.append(None)
                continue
            row = result.contrast(svy.estd(first_key) - svy.estd(second_key)).to_polars().row(0, named=True)
            out.append(Difference(row["est"], row["se"], estimates[first_key], estimates[second_key]))
        return out

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
            _check_binary(self.frame[variable], variable)
        for variable, table in zip(variables, self._means(variables, by), strict=True):
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
    return DesignedSample(data, bind(data, design, columns))


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

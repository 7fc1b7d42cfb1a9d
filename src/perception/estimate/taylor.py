"""Domain means by Taylor linearisation, every domain of a variable in one pass of numpy.

svy computes the same numbers (and reproduces R's survey package), but each
of its calls prepares the design again: at 200,000 respondents 91 % of an
estimate was svy's per-call preparation and domain checks, run once per
indicator, domain and contrast. Here the design is indexed once per sample
(:class:`TaylorDesign`) and a variable's domains cost a few ``bincount`` s.

The arithmetic is R's ``svymean`` on ``subset(design, domain)`` with
``na.rm = TRUE``, as svy does it:

- the linearised value of a domain mean is ``w d (y - ȳ) / Σ w d`` (zero
  outside the domain and where ``y`` is missing, rows that keep their PSU);
- after raking, R's ``svyrecvar`` sweeps it ten times through every margin,
  ``x ← x − w · ave(x / w, margin)``. Every sweep subtracts ``w`` times a
  value per cell, so the sweeps are carried out on the cells' values (tiny
  matrices: how many rows two cells share), not on the rows;
- the variance is the with-replacement one of PSU totals within strata,
  ``Σ_h n_h / (n_h − 1) Σ_i (t_hi − t̄_h)²``, over every PSU of the design;
- the design effect is against simple random sampling with replacement
  (R's ``deff = "replace"``), the df those of the domain's rows.

Designs it does not cover (finite-population corrections, a second stage,
strata with a single PSU, calibration other than raking) are left to svy:
:meth:`TaylorDesign.of` returns None for them. ``tests/test_taylor.py``
checks every number against svy and R.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import polars as pl

# R's svyrecvar sweeps a raked design's linearised values this many times through its margins.
RAKING_SWEEPS = 10


@dataclass(frozen=True)
class TaylorDesign:
    """A sample's design as integer codes, built once: final weights, PSUs, strata and raking cells."""

    weights: np.ndarray
    psu: np.ndarray
    n_psu: int
    stratum: np.ndarray
    n_strata: int
    psu_stratum: np.ndarray
    margins: tuple[np.ndarray, ...]
    margin_sizes: tuple[np.ndarray, ...]
    overlaps: tuple[tuple[np.ndarray, ...], ...]
    psu_margin_weights: tuple[np.ndarray, ...]

    @classmethod
    def of(cls, sample, psu_codes: np.ndarray, stratum_codes: np.ndarray | None) -> TaylorDesign | None:
        """The design of an svy ``sample`` (PSU and stratum codes per row), or None when svy must estimate it."""
        design = sample.design
        if design.ssu is not None or design.pop_size is not None or getattr(design, "rep_wgts", None):
            return None
        record = getattr(design, "wgt_adjustment", None)
        margins: list[np.ndarray] = []
        if record is not None and record.is_variance_consumed:
            if record.kind != "raking" or record.aux or not record.cells or design.wgt != record.new_wgt:
                return None
            for name in record.cells:
                cells = sample.data[name]
                if cells.null_count():
                    return None
                margins.append(cells.to_numpy().astype(np.int64))
        weights = sample.data[design.wgt].to_numpy().astype(float)
        psu = np.asarray(psu_codes, dtype=np.int64)
        n_psu = int(psu.max()) + 1 if len(psu) else 0
        stratum = np.zeros(len(psu), dtype=np.int64) if stratum_codes is None else np.asarray(stratum_codes, np.int64)
        n_strata = int(stratum.max()) + 1 if len(stratum) else 0
        psu_stratum = np.zeros(n_psu, dtype=np.int64)
        psu_stratum[psu] = stratum
        if (np.bincount(psu_stratum, minlength=n_strata) < 2).any():
            return None  # a stratum with one PSU: svy applies the design's singleton rule
        sizes = tuple(np.bincount(m).astype(float) for m in margins)
        overlaps = tuple(
            tuple(_crossed_counts(margins[j], margins[k]) / sizes[j][:, None] for k in range(len(margins)))
            for j in range(len(margins))
        )
        psu_weights = tuple(_crossed_counts(psu, m, weights, n_psu) for m in margins)
        return cls(weights, psu, n_psu, stratum, n_strata, psu_stratum, tuple(margins), sizes, overlaps, psu_weights)

    def domain_means(self, values: np.ndarray, domain: np.ndarray, n_domains: int) -> DomainMeans:
        """Means of ``values`` (NaN where missing) in each domain ``0..n_domains-1`` (-1: in none)."""
        valid = ~np.isnan(values) & (domain >= 0)
        code, y, w = domain[valid], values[valid], self.weights[valid]
        n = np.bincount(code, minlength=n_domains)
        total_weight = np.bincount(code, w, minlength=n_domains)
        with np.errstate(invalid="ignore", divide="ignore"):
            estimate = np.bincount(code, w * y, minlength=n_domains) / total_weight
            scores = (y - estimate[code]) / total_weight[code]  # the linearised value divided by w
        psu = self.psu[valid]
        totals = _crossed_sums(psu, code, w * scores, self.n_psu, n_domains)
        if self.margins:
            totals = totals - self._raking_correction(valid, code, scores, n_domains)
        variance = self._variance(totals)
        with np.errstate(invalid="ignore", divide="ignore"):
            srs = np.bincount(code, w * (y - estimate[code]) ** 2, minlength=n_domains) / total_weight
            srs = srs * n / (n - 1) / n
            deff = variance / srs
        psus = np.count_nonzero(_crossed_sums(psu, code, np.ones(len(code)), self.n_psu, n_domains), axis=0)
        stratum = self.stratum[valid]
        strata = np.count_nonzero(_crossed_sums(stratum, code, np.ones(len(code)), self.n_strata, n_domains), axis=0)
        return DomainMeans(estimate, np.sqrt(variance), deff, psus - strata, n, totals)

    def _raking_correction(self, valid: np.ndarray, code: np.ndarray, scores: np.ndarray, n_domains: int):
        """PSU totals of what R's ten sweeps through the raking margins subtract from the linearised values."""
        means = [
            _crossed_sums(margin[valid], code, scores, len(size), n_domains) / size[:, None]
            for margin, size in zip(self.margins, self.margin_sizes, strict=True)
        ]
        removed = [np.zeros_like(m) for m in means]
        for _ in range(RAKING_SWEEPS):
            for j, overlap in enumerate(self.overlaps):
                step = means[j] - sum(o @ r for o, r in zip(overlap, removed, strict=True))
                removed[j] = removed[j] + step
        return sum(weights @ r for weights, r in zip(self.psu_margin_weights, removed, strict=True))

    def _variance(self, totals: np.ndarray) -> np.ndarray:
        return np.einsum("pd,pd->d", *self._deviations(totals, totals))

    def variance_of_difference(self, totals: np.ndarray, first: int, second: int) -> float:
        """Design variance of domain ``first``'s mean minus ``second``'s, from :attr:`DomainMeans.totals`."""
        return float(self._variance(totals[:, [first]] - totals[:, [second]])[0])

    def _deviations(self, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """PSU totals centred within their stratum, the left one scaled by n_h / (n_h − 1)."""
        count = np.bincount(self.psu_stratum, minlength=self.n_strata).astype(float)
        centred = []
        for totals in (left, right):
            means = np.zeros((self.n_strata, totals.shape[1]))
            np.add.at(means, self.psu_stratum, totals)
            centred.append(totals - (means / count[:, None])[self.psu_stratum])
        factor = (count / (count - 1))[self.psu_stratum]
        return centred[0] * factor[:, None], centred[1]


@dataclass(frozen=True)
class DomainMeans:
    """Per domain: estimate, SE, design effect, df and respondents; ``totals`` are the PSU totals behind the SEs."""

    estimate: np.ndarray
    se: np.ndarray
    deff: np.ndarray
    df: np.ndarray
    n: np.ndarray
    totals: np.ndarray

    def confidence_interval(self, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """``estimate ± t(df) · se``, as svy and R's ``confint(..., df = degf)``."""
        from scipy import stats  # here: publishing a wave's responses needs no scipy.stats (tests/test_startup.py)

        with np.errstate(invalid="ignore"):
            half = stats.t.ppf(0.5 + level / 2, np.where(self.df > 0, self.df, np.nan)) * self.se
        return self.estimate - half, self.estimate + half

    def table(self, levels: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        """The domains with at least one value, as svy's tidy rows: ``levels`` (labels) then ``columns``."""
        low, high = self.confidence_interval()
        with np.errstate(invalid="ignore", divide="ignore"):
            cv = np.where(self.estimate == 0, np.inf, self.se / self.estimate)  # svy's: infinite at 0
        numbers = {"estimate": self.estimate, "se": self.se, "ci_low": low, "ci_high": high, "cv": cv}
        table = levels.assign(**numbers, deff=self.deff, df=self.df.astype(np.int64), n=self.n)
        return table[self.n > 0].reset_index(drop=True)[[*levels.columns, *columns]]


def domain_codes(frame: pl.DataFrame, by: list[str]) -> tuple[np.ndarray, pd.DataFrame] | None:
    """Each row's domain code (0, 1, ...) for ``by`` and the domains' labels (text, as svy's); None if one is null."""
    if not by:
        return np.zeros(frame.height, dtype=np.int64), pd.DataFrame(index=[0])
    labels = frame.select(pl.col(by).cast(pl.String))
    if any(labels[name].null_count() for name in by):
        return None
    codes = labels.select(pl.struct(by).rank("dense") - 1)[by[0]].to_numpy().astype(np.int64)
    levels = labels.with_columns(_code=codes).unique("_code").sort("_code")
    return codes, levels.select(by).to_pandas()


def _crossed_sums(rows: np.ndarray, columns: np.ndarray, values: np.ndarray, n_rows: int, n_columns: int):
    """``values`` summed by (row, column) code pairs into an ``n_rows × n_columns`` matrix."""
    flat = np.bincount(rows * n_columns + columns, values, minlength=n_rows * n_columns)
    return flat.reshape(n_rows, n_columns)


def _crossed_counts(rows: np.ndarray, columns: np.ndarray, values: np.ndarray | None = None, n_rows=None):
    n_rows = int(rows.max()) + 1 if n_rows is None else n_rows
    n_columns = int(columns.max()) + 1
    return _crossed_sums(rows, columns, np.ones(len(rows)) if values is None else values, n_rows, n_columns)

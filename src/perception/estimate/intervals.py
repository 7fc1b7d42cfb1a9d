"""Confidence intervals of shares from their estimate, SE, degrees of freedom and respondents.

A share of a 0/1 variable is its design-based mean: svy's ``mean`` gives the
same estimate, SE, CV, design effect, df and n as its ``prop`` does for the
level 1, at half the cost, and ``prop`` would have to run twice (once per
interval). So each share is estimated once, and both intervals are computed
here from the numbers it returns, operation for operation as svy 0.35 does
(``Estimation._compute_prop_ci``), which match R's ``svyciprop``:

- ``logit``: ``expit(logit(p) ± t(1 − α/2, df) · SE / (p(1 − p)))``, R's
  ``svyciprop(method = "logit")``; undefined (NaN) at p = 0 or 1;
- ``korn-graubard``: the Clopper-Pearson interval on the effective sample
  size ``p(1 − p)/SE²`` adjusted for the degrees of freedom
  (``· (t(n − 1)/t(df))²``) and truncated at ``n``, as the NCHS SAS macro;
  at p = 0 or 1 the effective sample size is ``n`` (design effect 1). Before
  truncation it is R's ``svyciprop(method = "beta")``.

With no degrees of freedom (df ≤ 0) both are NaN, as in R; with an SE of 0
and 0 < p < 1 both are the point ``(p, p)``. tests/test_intervals.py checks
every row against svy's ``prop`` and against R's ``svyciprop``.
"""

from __future__ import annotations

import numpy as np

# svy's tolerance for "p is 0 or 1" and "SE is 0"
TOLERANCE = 1e-12
METHODS = ("logit", "korn-graubard")


def _t_quantile(q: float, df: np.ndarray) -> np.ndarray:
    from scipy import stats

    return stats.t.ppf(q, df)


def share_intervals(
    p: np.ndarray, se: np.ndarray, df: np.ndarray, n: np.ndarray, method: str, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) of each share: ``method`` ``logit`` or ``korn-graubard`` at level ``1 − alpha``.

    ``alpha``, not the level, is the argument: ``1 − 0.95`` is not 0.05 in
    floating point, and svy and R take α.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    p, se, df, n = (np.asarray(x, dtype=float) for x in (p, se, df, n))
    low = np.full(p.shape, np.nan)
    high = np.full(p.shape, np.nan)
    has_df = df > 0
    boundary = has_df & ((p <= TOLERANCE) | (p >= 1.0 - TOLERANCE))
    point = has_df & ~boundary & (se <= TOLERANCE)
    low[point], high[point] = p[point], p[point]
    inner = has_df & ~boundary & ~point
    if method == "logit":
        if inner.any():
            from scipy.special import stdtrit  # what svy uses for its t critical value

            pv, sev = p[inner], se[inner]
            t_crit = stdtrit(df[inner], 1 - alpha / 2)
            scale = sev / (pv * (1.0 - pv))
            logit_p = np.log(pv / (1.0 - pv))
            low[inner] = 1.0 / (1.0 + np.exp(-(logit_p - t_crit * scale)))
            high[inner] = 1.0 / (1.0 + np.exp(-(logit_p + t_crit * scale)))
        return low, high
    if inner.any():
        low[inner], high[inner] = _korn_graubard(p[inner], se[inner], df[inner], n[inner], alpha)
    if boundary.any():
        low[boundary], high[boundary] = _korn_graubard_boundary(p[boundary], df[boundary], n[boundary], alpha)
    return low, high


def _df_adjustment(n: np.ndarray, df: np.ndarray, alpha: float) -> np.ndarray:
    """``(t(1 − α/2, n − 1) / t(1 − α/2, df))²`` where n > 1, else 1."""
    ratio = np.ones_like(n)
    many = n > 1
    if many.any():
        ratio[many] = (_t_quantile(1 - alpha / 2, n[many] - 1) / _t_quantile(1 - alpha / 2, df[many])) ** 2
    return ratio


def _f_bound(q: float, v_a: np.ndarray, v_b: np.ndarray, otherwise: float) -> np.ndarray:
    """``v_a·F / (v_b + v_a·F)`` with ``F = F⁻¹(q; v_a, v_b)``, the beta quantile svy writes with F."""
    from scipy import stats

    out = np.full(v_a.shape, otherwise)
    ok = (v_a > 0) & (v_b > 0)
    if ok.any():
        f = stats.f.ppf(q, v_a[ok], v_b[ok])
        out[ok] = (v_a[ok] * f) / (v_b[ok] + v_a[ok] * f)
    return out


def _korn_graubard(p, se, df, n, alpha):
    n_eff = (p * (1 - p)) / (se**2)
    n_eff_df = np.minimum(n, n_eff * _df_adjustment(n, df, alpha))
    x = n_eff_df * p
    low = _f_bound(alpha / 2, 2 * x, 2 * (n_eff_df - x + 1), 0.0)
    high = _f_bound(1 - alpha / 2, 2 * (x + 1), 2 * (n_eff_df - x), 1.0)
    return low, high


def _korn_graubard_boundary(p, df, n, alpha):
    """At p = 0 (or 1): the one-sided interval on n respondents, df-adjusted and truncated at n."""
    n_eff_df = np.where(n > 1, np.minimum(n, n * _df_adjustment(n, df, alpha)), n)
    zero = p <= TOLERANCE
    low = np.where(zero, 0.0, np.nan)
    high = np.where(zero, np.nan, 1.0)
    none = n_eff_df <= 0
    if zero.any():
        v4 = 2.0 * n_eff_df[zero]
        high[zero] = _f_bound(1 - alpha / 2, np.full(v4.shape, 2.0), v4, 1.0)
    if (~zero).any():
        v1 = 2.0 * n_eff_df[~zero]
        low[~zero] = _f_bound(alpha / 2, v1, np.full(v1.shape, 2.0), 0.0)
    low[none], high[none] = 0.0, 1.0
    return low, high

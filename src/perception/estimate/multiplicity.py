"""Multiple comparisons: adjusted p-values, verdicts, and intervals that agree with them.

Comparisons are adjusted within *families* whose keys are configured once
(``comparisons.family`` in ``config/config.yaml``; by default one comparison
type, wave and indicator: e.g. the national and regional gender gaps of one
indicator in one wave). Within a family of ``m`` published comparisons of
which ``r`` are declared clear, every row also gets an interval at one level
``1 − α*`` chosen so that the interval excludes 0 exactly when the verdict
says "clear":

- ``bonferroni``: α* = α / m — simultaneous intervals, all ``m`` cover
  together with probability at least 1 − α;
- ``holm``: α* = α / (m − r) (α when every comparison is declared), the
  threshold at which Holm's step-down stopped; consistent with each verdict,
  but not a simultaneous interval;
- ``fdr_bh``: α* = max(r, 1) · α / m, the false-coverage-rate adjusted
  intervals of Benjamini and Yekutieli (2005) for the selected comparisons.

Each row keeps its unadjusted 95 % interval (``ci_low``, ``ci_high``) and
p-value, so that a reviewer can re-derive both with R (``confint`` and
``p.adjust``) from the released table: the adjusted interval is
``difference ± t(1 − α*/2, df) · se``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from perception.progress import Progress

FAMILY_KEYS = ("comparison", "wave", "indicator", "domain")
DEFAULT_FAMILY = ("comparison", "wave", "indicator")


def family_alpha(method: str, alpha: float, m: int, r: int) -> float:
    """The α* whose two-sided interval agrees with ``method``'s verdicts on a family of ``m`` with ``r`` declared."""
    if m < 1:
        raise ValueError("a family has at least one comparison")
    if method == "bonferroni":
        return alpha / m
    if method == "holm":
        return alpha / (m - r) if r < m else alpha
    if method == "fdr_bh":
        return max(r, 1) * alpha / m
    raise ValueError(f"unknown adjustment {method!r}")


METHODS = ("bonferroni", "holm", "fdr_bh")


def adjusted_p_values(p_values: np.ndarray, method: str, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """(declared, adjusted p-values) of one family: R's ``p.adjust`` and statsmodels' ``multipletests``.

    Written out in numpy, operation for operation as statsmodels does it (so
    the numbers are the same to the last bit), because ``multipletests``
    runs the garbage collector on every Holm call: with one family per
    indicator and comparison type, that was a fifth of the estimation stage.

    - ``bonferroni``: ``m·p``, declared when ``p ≤ α/m``;
    - ``holm``: step-down, ``max_{j≤i} (m−j+1)·p_(j)``, declared up to the
      first ``p_(i) > α/(m−i+1)``;
    - ``fdr_bh``: step-up, ``min_{j≥i} p_(j)·m/j``, declared up to the last
      ``p_(i) ≤ i·α/m``.

    Adjusted p-values are capped at 1.
    """
    if method not in METHODS:
        raise ValueError(f"unknown adjustment {method!r}")
    p_values = np.asarray(p_values, dtype=float)
    m = len(p_values)
    if m == 0:
        return np.zeros(0, dtype=bool), np.zeros(0)
    order = np.argsort(p_values, kind="stable")
    p = p_values[order]
    if method == "bonferroni":
        declared = p <= alpha / float(m)
        adjusted = p * float(m)
    elif method == "holm":
        steps = np.arange(m, 0, -1)
        not_declared = p > alpha / steps
        first = np.flatnonzero(not_declared)
        not_declared[(first[0] if first.size else m) :] = True
        declared = ~not_declared
        adjusted = np.maximum.accumulate(p * steps)
    else:
        ecdf = np.arange(1, m + 1) / float(m)
        declared = p <= ecdf * alpha
        last = np.flatnonzero(declared)
        if last.size:
            declared[: last[-1]] = True
        adjusted = np.minimum.accumulate((p / ecdf)[::-1])[::-1]
    adjusted = np.minimum(adjusted, 1.0)
    out_declared = np.empty(m, dtype=bool)
    out_adjusted = np.empty(m)
    out_declared[order] = declared
    out_adjusted[order] = adjusted
    return out_declared, out_adjusted


def adjust(comparisons: pd.DataFrame, method: str, alpha: float, family: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """Add ``p_adjusted``, ``is_significant``, ``family_size`` and the interval the verdict was decided on.

    Suppressed comparisons, and those without a p-value, are outside every
    family: they are neither counted nor given a verdict.
    """
    from scipy import stats  # here, not at import: half a second of start-up for the jobs that do not compare

    unknown = [k for k in family if k not in FAMILY_KEYS]
    if unknown or not family:
        raise ValueError(f"comparison family keys must be among {', '.join(FAMILY_KEYS)}")
    out = comparisons.copy()
    out["p_adjusted"] = np.nan
    out["is_significant"] = False
    out["family_size"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["ci_level_adjusted"] = np.nan
    out["ci_low_adjusted"] = np.nan
    out["ci_high_adjusted"] = np.nan
    published = ~out["is_suppressed"].astype(bool) & out["p_value"].notna()
    families = out[published].groupby(list(family), sort=False, dropna=False)
    progress = Progress(f"multiple comparisons ({method}): families", families.ngroups)
    for key, part in families:
        progress.step("/".join(str(k) for k in key))
        reject, adjusted = adjusted_p_values(part["p_value"].to_numpy(dtype=float), method, alpha)
        level_alpha = family_alpha(method, alpha, len(part), int(reject.sum()))
        half = stats.t.ppf(1 - level_alpha / 2, part["df"].to_numpy(dtype=float)) * part["se"].to_numpy(dtype=float)
        difference = part["difference"].to_numpy(dtype=float)
        out.loc[part.index, "p_adjusted"] = adjusted
        out.loc[part.index, "is_significant"] = reject
        out.loc[part.index, "family_size"] = len(part)
        out.loc[part.index, "ci_level_adjusted"] = 1 - level_alpha
        out.loc[part.index, "ci_low_adjusted"] = difference - half
        out.loc[part.index, "ci_high_adjusted"] = difference + half
    return out


def t_test(difference: np.ndarray, se: np.ndarray, df: np.ndarray, level: float = 0.95) -> dict[str, np.ndarray]:
    """Two-sided t interval and p-value of differences, each with its own df."""
    from scipy import stats

    difference, se, df = (np.asarray(x, dtype=float) for x in (difference, se, df))
    half = stats.t.ppf(0.5 + level / 2, df) * se
    with np.errstate(divide="ignore", invalid="ignore"):
        p_value = 2 * stats.t.sf(np.abs(difference / se), df)
    return {"ci_low": difference - half, "ci_high": difference + half, "p_value": p_value}

"""When an estimate is reliable enough to publish.

Proportions follow the NCHS Data Presentation Standards for Proportions
(Parker et al., 2017, Vital Health Stat 2(175)), as Ward's ``kg_nchs``
(Stata Journal 19(3), 2019) implements them:

- effective sample size ``n_eff = p(1−p)/SE²``, truncated at the sample
  size ``n`` (and ``n`` where p is 0 or 1 or SE is 0) *before* anything else;
- the Korn-Graubard interval is the Clopper-Pearson interval on ``n_eff``
  adjusted for the degrees of freedom,
  ``n_df = n_eff · (t(0.975, n−1) / t(0.975, df))²``, with ``p·n_df``
  successes;
- then the rules, in this order, the first that applies deciding:

  1. ``n_eff`` below 30 → suppress;
  2. interval width 0.05 or less → present;
  3. interval width 0.30 or more → suppress;
  4. relative width (width / p) above 130 % → suppress;
  5. otherwise → present;

  and a presented estimate is flagged for statistical review when the
  relative width of its complement (width / (1 − p)) is above 130 %, when it
  rests on fewer than 8 degrees of freedom, or when p is 0 or 1.

A flagged estimate is published but not reliable (marked in the book). Each
cell stores the rule that decided and every flag (``reliability_note``).

Scores and indices (means) use the usual coefficient-of-variation rule:
CV above 30 % or fewer than 30 respondents → suppress; df below 8 → flag.

Independently, any cell resting on fewer than the configured ``min_cell_n``
respondents is suppressed to protect respondents (disclosure control).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MIN_EFFECTIVE_N = 30
MAX_CI_WIDTH = 0.30
MIN_WIDTH_FOR_RELATIVE = 0.05
MAX_RELATIVE_WIDTH = 1.30
MIN_DF = 8
MAX_CV = 0.30

# reasons, as stored in reliability_note (stable codes, translated by the book)
N_EFF_BELOW_30 = "effective sample size below 30"
WIDTH_30 = "confidence interval 30 points wide or more"
RELATIVE_WIDTH = "relative CI width above 130 %"
COMPLEMENT_WIDTH = "relative CI width of the complement above 130 %: statistical review"
FEW_DF = "fewer than 8 degrees of freedom: statistical review"
ZERO_OR_ONE = "estimate of 0 or 100 %: statistical review"
FEW_RESPONDENTS = "fewer than 30 respondents"
HIGH_CV = "coefficient of variation above 30 %"


def effective_n(frame: pd.DataFrame) -> pd.Series:
    """Effective sample size of a proportion: p(1-p)/SE², truncated at n (n where p is 0 or 1, or SE is 0)."""
    p, se, n = (frame[c].astype(float) for c in ("estimate", "se", "n"))
    with np.errstate(divide="ignore", invalid="ignore"):
        neff = p * (1 - p) / se**2
    neff = neff.where((se > 0) & (p > 0) & (p < 1), n)
    return np.minimum(neff, n).astype(float)


def korn_graubard(frame: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """``n_effective``, ``n_effective_df``, ``kg_low``, ``kg_high``: the NCHS Korn-Graubard interval.

    ``frame`` needs ``estimate, se, n, df``. df of 0 or less gives the
    widest interval ([0, 1]).
    """
    from scipy import stats  # here, not at import: publishing responses needs this module but not scipy.stats

    alpha = 1 - level
    p = frame["estimate"].astype(float).to_numpy()
    n = frame["n"].astype(float).to_numpy()
    df = frame["df"].astype(float).to_numpy()
    n_eff = effective_n(frame).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(df > 0, (stats.t.ppf(1 - alpha / 2, n - 1) / stats.t.ppf(1 - alpha / 2, df)) ** 2, 0.0)
    n_df = n_eff * ratio
    x = p * n_df
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(x > 0, stats.beta.ppf(alpha / 2, x, n_df - x + 1), 0.0)
        high = np.where(x < n_df, stats.beta.ppf(1 - alpha / 2, x + 1, n_df - x), 1.0)
    low = np.where(n_df > 0, low, 0.0)
    high = np.where(n_df > 0, high, 1.0)
    return pd.DataFrame(
        {"n_effective": n_eff, "n_effective_df": n_df, "kg_low": low, "kg_high": high}, index=frame.index
    )


def nchs_reasons(frame: pd.DataFrame) -> tuple[list[list[str]], list[bool]]:
    """Per row: the NCHS reasons that apply, and whether the standard suppresses the estimate.

    ``frame`` needs ``estimate, df, n_effective, kg_low, kg_high``.
    """
    notes: list[list[str]] = []
    suppressed: list[bool] = []
    rows = frame[["estimate", "df", "n_effective", "kg_low", "kg_high"]].astype(float).itertuples(index=False)
    for p, df, n_eff, low, high in rows:
        width = 0.0 if p in (0.0, 1.0) else high - low
        if n_eff < MIN_EFFECTIVE_N:
            notes.append([N_EFF_BELOW_30])
            suppressed.append(True)
            continue
        if width >= MAX_CI_WIDTH:
            notes.append([WIDTH_30])
            suppressed.append(True)
            continue
        if width > MIN_WIDTH_FOR_RELATIVE and width / p > MAX_RELATIVE_WIDTH:
            notes.append([RELATIVE_WIDTH])
            suppressed.append(True)
            continue
        flags = []
        if width > MIN_WIDTH_FOR_RELATIVE and width / (1 - p) > MAX_RELATIVE_WIDTH:
            flags.append(COMPLEMENT_WIDTH)
        if df < MIN_DF:
            flags.append(FEW_DF)
        if p in (0.0, 1.0):
            flags.append(ZERO_OR_ONE)
        notes.append(flags)
        suppressed.append(False)
    return notes, suppressed


def assess(frame: pd.DataFrame, is_proportion: bool, min_cell_n: int) -> pd.DataFrame:
    """Add ``n_effective``, ``is_reliable``, ``reliability_note``, ``is_suppressed``, ``suppression_reason``.

    For proportions ``frame`` needs ``estimate, se, df, n`` and gets the NCHS
    ``kg_low``, ``kg_high`` and ``n_effective_df`` too; for means
    ``estimate, se, cv, deff, df, n``. Suppressed cells keep their numbers
    here; blanking them is the publication step's job.
    """
    out = frame.copy()
    if is_proportion:
        kg = korn_graubard(out)
        for column in kg:
            out[column] = kg[column].to_numpy()
        notes, unreliable = nchs_reasons(out)
    else:
        deff = out["deff"].where(out["deff"] > 0, 1.0)
        out["n_effective"] = (out["n"] / deff).astype(float)
        notes, unreliable = [], []
        for n, cv, df in out[["n", "cv", "df"]].astype(float).itertuples(index=False):
            rules = [note for bad, note in ((n < MIN_EFFECTIVE_N, FEW_RESPONDENTS), (abs(cv) > MAX_CV, HIGH_CV)) if bad]
            notes.append(rules + ([FEW_DF] if df < MIN_DF else []))
            unreliable.append(bool(rules))
    suppress = ["unreliable" if bad else "" for bad in unreliable]
    for i in np.flatnonzero((out["n"] < min_cell_n).to_numpy()):
        suppress[i] = "small_cell"
    out["is_reliable"] = [not note for note in notes]
    out["reliability_note"] = ["; ".join(note) for note in notes]
    out["is_suppressed"] = [bool(reason) for reason in suppress]
    out["suppression_reason"] = suppress
    return out


def blank_suppressed(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Empty the numbers of suppressed cells, so they cannot be printed by mistake."""
    out = frame.copy()
    out.loc[out["is_suppressed"], columns] = np.nan
    return out

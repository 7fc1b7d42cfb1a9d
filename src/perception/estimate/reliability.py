"""When an estimate is reliable enough to publish.

Proportions follow the NCHS Data Presentation Standards for Proportions
(Parker et al., 2017, Vital Health Stat 2(175)), defined on the effective
sample size and the Korn-Graubard confidence interval:

1. effective sample size ``p(1-p)/SE²`` (capped at n) below 30 → suppress;
2. Korn-Graubard interval width of 0.30 or more → suppress;
3. width above 0.05 and relative width (width / p) above 130 % → suppress;
4. fewer than 8 design degrees of freedom → flag for statistical review.

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


def effective_n(frame: pd.DataFrame) -> pd.Series:
    """Kish effective sample size of a proportion: p(1-p)/SE², capped at n."""
    p, se, n = frame["estimate"], frame["se"], frame["n"]
    with np.errstate(divide="ignore", invalid="ignore"):
        neff = p * (1 - p) / se**2
    neff = neff.where((se > 0) & (p > 0) & (p < 1), n)
    return np.minimum(neff, n).astype(float)


def assess(frame: pd.DataFrame, is_proportion: bool, min_cell_n: int) -> pd.DataFrame:
    """Add ``n_effective``, ``is_reliable``, ``reliability_note``, ``is_suppressed``, ``suppression_reason``.

    For proportions ``frame`` needs ``estimate, se, df, n, kg_low, kg_high``;
    for means ``estimate, se, cv, deff, df, n``. Suppressed cells keep their
    numbers here; blanking them is the publication step's job.
    """
    out = frame.copy()
    notes: list[list[str]] = [[] for _ in range(len(out))]
    suppress: list[str] = [""] * len(out)
    if is_proportion:
        out["n_effective"] = effective_n(out)
        width = out["kg_high"] - out["kg_low"]
        with np.errstate(divide="ignore", invalid="ignore"):
            relative = width / out["estimate"]
        rules = [
            (out["n_effective"] < MIN_EFFECTIVE_N, "effective sample size below 30"),
            (width >= MAX_CI_WIDTH, "confidence interval 30 points wide or more"),
            ((width > MIN_WIDTH_FOR_RELATIVE) & (relative > MAX_RELATIVE_WIDTH), "relative CI width above 130 %"),
        ]
    else:
        deff = out["deff"].where(out["deff"] > 0, 1.0)
        out["n_effective"] = (out["n"] / deff).astype(float)
        rules = [
            (out["n"] < MIN_EFFECTIVE_N, "fewer than 30 respondents"),
            (out["cv"].abs() > MAX_CV, "coefficient of variation above 30 %"),
        ]
    for mask, note in rules:
        for i in np.flatnonzero(mask.fillna(False).to_numpy()):
            notes[i].append(note)
            suppress[i] = suppress[i] or "unreliable"
    for i in np.flatnonzero((out["df"] < MIN_DF).fillna(False).to_numpy()):
        notes[i].append("fewer than 8 degrees of freedom: statistical review")
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

"""Masked variance units: pseudo-strata and pseudo-PSUs in place of the real design codes.

As NHANES's SDMVSTRA and SDMVPSU, real PSUs (enumeration areas, which locate
villages) are grouped into pseudo-PSUs within their stratum, so that
variance estimation still sees which records share a unit, but no released
unit is a village. Grouping PSUs of one stratum at random keeps the
with-replacement variance estimator unbiased; it only has fewer degrees of
freedom. A stratum with too few PSUs for two pseudo-PSUs is merged with the
next stratum of the same group (region) into one pseudo-stratum. Weights are
replaced by their mean within each pseudo-PSU (and within the weighting
cells for the final weight), which keeps every calibration total: a released
weight then points to no single PSU.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

# Real PSUs per pseudo-PSU, aimed at.
PSUS_PER_UNIT = 4


# Seeded groupings tried per pseudo-stratum when estimates' scores are given.
CANDIDATES = 200


def masked_units(
    frame: pd.DataFrame,
    strata: str,
    psu: str,
    group: str | None,
    seed: int,
    psus_per_unit: int = PSUS_PER_UNIT,
    scores: pd.DataFrame | None = None,
    candidates: int = CANDIDATES,
) -> tuple[pd.Series, pd.Series]:
    """Pseudo-stratum and pseudo-PSU numbers (1..n) of every record.

    Strata are taken in sorted order; one with fewer than
    ``2 * psus_per_unit`` PSUs joins the next stratum of the same ``group``
    value (the last of a group joins the one before). Within a pseudo-stratum
    the PSUs, in a seeded random order, are dealt into ``max(2, n //
    psus_per_unit)`` pseudo-PSUs. With ``scores`` (per record, the
    linearised values of the estimates to preserve, e.g. ``w (y - ȳ) / W``),
    ``candidates`` seeded orders are tried per pseudo-stratum and the one
    whose pseudo-PSU variance of every score stays closest to the real
    PSUs' is kept (NHANES chooses its masked units to reproduce the design's
    variances in the same spirit).
    """
    rng = np.random.default_rng(seed)
    units = frame[[strata, psu]].astype("string")
    by_stratum = units.groupby(strata, sort=True)[psu].unique()
    label = frame[group].astype("string") if group else pd.Series("", index=frame.index)
    group_of = label.groupby(units[strata]).first()
    merged: list[list[str]] = []
    for _, members in by_stratum.groupby(group_of.reindex(by_stratum.index), sort=True):
        pending: list[str] = []
        blocks: list[list[str]] = []
        for stratum in members.index:
            pending.append(stratum)
            if sum(len(by_stratum[s]) for s in pending) >= 2 * psus_per_unit:
                blocks.append(pending)
                pending = []
        if pending:
            if blocks:
                blocks[-1] += pending
            else:
                blocks.append(pending)
        merged += blocks
    stratum_number, psu_number = {}, {}
    next_psu = 1
    for number, block in enumerate(merged, start=1):
        psus = sorted({p for s in block for p in by_stratum[s]})
        count = max(2, len(psus) // psus_per_unit) if len(psus) >= 2 else 1
        orders = [rng.permutation(len(psus)) for _ in range(candidates if scores is not None else 1)]
        if scores is not None and count >= 2:
            totals = scores.groupby(units[psu]).sum().reindex(psus).fillna(0).to_numpy(dtype=float)
            order = min(orders, key=lambda o: _distortion(totals, o, count))
        else:
            order = orders[0]
        for position, index in enumerate(order):
            psu_number[psus[index]] = next_psu + position % count
        next_psu += count
        for s in block:
            stratum_number[s] = number
    pseudo_stratum = units[strata].map(stratum_number).astype("Int64")
    pseudo_psu = units[psu].map(psu_number).astype("Int64")
    return pseudo_stratum.rename(strata), pseudo_psu.rename(psu)


def _variance(totals: np.ndarray) -> np.ndarray:
    """With-replacement variance contribution of one stratum, from its units' totals (rows)."""
    n = len(totals)
    return n / (n - 1) * ((totals - totals.mean(axis=0)) ** 2).sum(axis=0)


def _distortion(totals: np.ndarray, order: np.ndarray, count: int) -> float:
    """Largest relative change of a score's stratum variance when PSUs are dealt in ``order``."""
    real = _variance(totals)
    groups = np.zeros((count, totals.shape[1]))
    np.add.at(groups, np.arange(len(order)) % count, totals[order])
    masked = _variance(groups)
    used = real > 0
    return float(np.max(np.abs(masked[used] / real[used] - 1), initial=0.0))


def pooled_weights(frame: pd.DataFrame, weight: str, cells: Sequence[str]) -> pd.Series:
    """``weight`` replaced by its mean within ``cells`` (the pseudo-PSU and weighting cells): totals kept."""
    keys = [frame[c].astype("string").fillna("") for c in cells]
    return frame.groupby(keys, sort=False)[weight].transform("mean").rename(weight)

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


# Records sharing one microaggregated weight (designs without PSUs): about a
# pseudo-PSU's records of one gender, so that local suppression of the other
# keys can still reach k within each weight group.
RECORDS_PER_WEIGHT = 20


def masked_units(
    frame: pd.DataFrame,
    strata: str | None,
    psu: str | None,
    group: str | None,
    seed: int,
    psus_per_unit: int = PSUS_PER_UNIT,
    scores: pd.DataFrame | None = None,
    candidates: int = CANDIDATES,
) -> tuple[pd.Series | None, pd.Series | None]:
    """Pseudo-stratum and pseudo-PSU numbers (1..n) of every record; None for a unit the design lacks.

    A design without strata is one stratum: its PSUs are dealt into
    pseudo-PSUs and no pseudo-stratum is returned. A design without PSUs
    (stratified, unclustered) has each record as its own unit: strata with
    too few records are merged as above and only pseudo-strata are returned.

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
    if strata is None and psu is None:
        return None, None
    stratum_name, psu_name = strata or "_stratum", psu or "_unit"
    units = pd.DataFrame(
        {
            stratum_name: frame[strata].astype("string")
            if strata
            else pd.Series("", index=frame.index, dtype="string"),
            psu_name: frame[psu].astype("string") if psu else pd.Series(frame.index.astype(str), index=frame.index),
        }
    )
    pseudo_stratum, pseudo_psu = _masked(
        units, stratum_name, psu_name, frame, group, seed, psus_per_unit, scores, candidates
    )
    return (pseudo_stratum.rename(strata) if strata else None), (pseudo_psu.rename(psu) if psu else None)


def _masked(
    units: pd.DataFrame,
    strata: str,
    psu: str,
    frame: pd.DataFrame,
    group: str | None,
    seed: int,
    psus_per_unit: int,
    scores: pd.DataFrame | None,
    candidates: int,
) -> tuple[pd.Series, pd.Series]:
    """:func:`masked_units` on text ``units`` columns ``strata`` and ``psu``."""
    rng = np.random.default_rng(seed)
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
    return pseudo_stratum, pseudo_psu


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


def microaggregated_weights(
    frame: pd.DataFrame, weights: Sequence[str], cells: Sequence[str], size: int
) -> pd.DataFrame:
    """``weights`` replaced by their means within groups of at least ``size`` records of similar weight.

    For a design without PSUs there is no unit to pool weights in, and a
    respondent's own weight would be a key of its own. Within each cell
    (pseudo-stratum, weighting cells) records are sorted by the last of
    ``weights`` (the final weight) and dealt into consecutive groups of
    ``size`` (the last, smaller group joins the one before), as sdcMicro's
    univariate microaggregation: every weight total of a cell is kept, and
    each released weight is shared by at least ``size`` records (or the
    whole cell, when smaller).
    """
    keys = [frame[c].astype("string").fillna("") for c in cells]
    order_by = pd.to_numeric(frame[weights[-1]], errors="coerce")
    group = pd.Series(0, index=frame.index)
    cell_ids = frame.groupby(keys, sort=True).ngroup() if keys else pd.Series(0, index=frame.index)
    next_group = 0
    for _, members in order_by.groupby(cell_ids, sort=True):
        ranked = members.sort_values(kind="stable").index
        count = max(1, len(ranked) // size)
        position = np.minimum(np.arange(len(ranked)) // size, count - 1)
        group.loc[ranked] = next_group + position
        next_group += count
    out = frame[list(weights)].apply(pd.to_numeric, errors="coerce")
    return out.groupby(group, sort=False).transform("mean")

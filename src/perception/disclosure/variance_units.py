"""Masked variance units: pseudo-strata and pseudo-PSUs in place of the real design codes.

As NHANES's SDMVSTRA and SDMVPSU, real PSUs (enumeration areas, which locate
villages) are grouped into pseudo-PSUs within their stratum, so that
variance estimation still sees which records share a unit, but no released
unit is a village. Grouping PSUs of one stratum keeps the with-replacement
variance estimator's form; it only has fewer degrees of freedom. Which PSUs
go together is chosen, from seeded random starts, so that the masked
variances of the report's estimates stay close to the real ones. A stratum
with too few PSUs for two pseudo-PSUs is merged with the next stratum of
the same group (region) into one pseudo-stratum. Weights are replaced by
their mean within each pseudo-PSU (and within the weighting cells for the
final weight), which keeps every calibration total: a released weight then
points to no single PSU.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

# Real PSUs per pseudo-PSU, aimed at. Measured on the demo (two waves, 249
# PSUs each): with 4, 70-72 % of regional standard errors from the release
# stay within 10 % of the report's; with 3, 78-81 % (national: all), at the
# cost of blanking the age band of ~30 % more records; with 2, 83-87 %, but
# age is then blanked for 40 % of records. 3 is the balance kept. Regions
# with few PSUs are where it falls short: Tombouctou's 17 PSUs make 5
# pseudo-PSUs (4 degrees of freedom), and not one of 200,000 random dealings
# keeps all its indicators' standard errors within 30 %; grouping its PSUs by
# 2 there instead (measured on the 2024 baseline) halves the misses but
# blanks 2.5 times as many abuse answers for l-diversity (443 instead of 179).
PSUS_PER_UNIT = 3


# Seeded starting groupings improved by swaps, per group of pseudo-strata, when estimates' scores are given.
STARTS = 8

# Above this many units in a group of pseudo-strata (designs without PSUs: records),
# a seeded random dealing already has many degrees of freedom and the swap search is skipped.
MAX_SEARCHED_UNITS = 150


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
    starts: int = STARTS,
) -> tuple[pd.Series | None, pd.Series | None]:
    """Pseudo-stratum and pseudo-PSU numbers (1..n) of every record; None for a unit the design lacks.

    A design without strata is one stratum: its PSUs are dealt into
    pseudo-PSUs and no pseudo-stratum is returned. A design without PSUs
    (stratified, unclustered) has each record as its own unit: strata with
    too few records are merged as above and only pseudo-strata are returned.

    Strata are taken in sorted order; one with fewer than
    ``2 * psus_per_unit`` PSUs joins the next stratum of the same ``group``
    value (the last of a group joins the one before). Within a pseudo-stratum
    the PSUs are dealt into ``max(2, n // psus_per_unit)`` pseudo-PSUs of
    equal size (give or take one): at random (seeded) without ``scores``;
    with ``scores`` (per record, the linearised values of the estimates to
    preserve, e.g. ``w (y - ȳ) / W``), so that the pseudo-PSU variance of
    every score stays close to the real PSUs' (:func:`closest_grouping`;
    NHANES chooses its masked units to reproduce the design's variances in
    the same spirit).
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
        units, stratum_name, psu_name, frame, group, seed, psus_per_unit, scores, starts
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
    starts: int,
) -> tuple[pd.Series, pd.Series]:
    """:func:`masked_units` on text ``units`` columns ``strata`` and ``psu``.

    The pseudo-strata of one ``group`` value are dealt together so that the
    masked variance of every score, summed over them, stays close to the real
    one (:func:`closest_grouping`): a region's standard errors then survive
    the masking, not only each pseudo-stratum's. A PSU is known by its
    stratum and its code, so codes repeated across strata stay distinct units.
    """
    rng = np.random.default_rng(seed)
    stratum_codes = units[strata]
    unit_keys = stratum_codes + "\x1f" + units[psu]
    by_stratum = unit_keys.groupby(stratum_codes, sort=True).unique()
    label = frame[group].astype("string") if group else pd.Series("", index=frame.index)
    group_of = label.groupby(stratum_codes).first()
    stratum_number: dict[str, int] = {}
    unit_number: dict[str, int] = {}
    next_stratum, next_unit = 1, 1
    unit_totals = scores.groupby(unit_keys).sum() if scores is not None else None
    for _, members in by_stratum.groupby(group_of.reindex(by_stratum.index), sort=True):
        blocks = _pseudo_strata(list(members.index), by_stratum, psus_per_unit)
        units_of = [sorted({u for s in block for u in by_stratum[s]}) for block in blocks]
        counts = [max(2, len(found) // psus_per_unit) if len(found) >= 2 else 1 for found in units_of]
        if unit_totals is not None and sum(map(len, units_of)) <= MAX_SEARCHED_UNITS:
            totals = [unit_totals.reindex(found).fillna(0).to_numpy(dtype=float) for found in units_of]
            real = sum(
                _variance(unit_totals.reindex(by_stratum[s]).fillna(0).to_numpy(dtype=float)) for s in members.index
            )
            assignments = closest_grouping(totals, counts, rng, starts, real=real)
        else:
            assignments = [_balanced(len(found), count, rng) for found, count in zip(units_of, counts, strict=True)]
        for block, found, count, assignment in zip(blocks, units_of, counts, assignments, strict=True):
            for unit, pseudo in zip(found, assignment, strict=True):
                unit_number[unit] = next_unit + int(pseudo)
            next_unit += count
            for stratum in block:
                stratum_number[stratum] = next_stratum
            next_stratum += 1
    pseudo_stratum = stratum_codes.map(stratum_number).astype("Int64")
    pseudo_psu = unit_keys.map(unit_number).astype("Int64")
    return pseudo_stratum, pseudo_psu


def _pseudo_strata(strata: list[str], units: pd.Series, psus_per_unit: int) -> list[list[str]]:
    """Consecutive strata merged until each block has at least ``2 * psus_per_unit`` PSUs."""
    pending: list[str] = []
    blocks: list[list[str]] = []
    for stratum in strata:
        pending.append(stratum)
        if sum(len(units[s]) for s in pending) >= 2 * psus_per_unit:
            blocks.append(pending)
            pending = []
    if pending:
        if blocks:
            blocks[-1] += pending
        else:
            blocks.append(pending)
    return blocks


def _balanced(n: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """A seeded random dealing of ``n`` units into ``count`` groups of equal size (give or take one)."""
    assignment = np.empty(n, dtype=int)
    assignment[rng.permutation(n)] = np.arange(n) % count
    return assignment


def _variance(totals: np.ndarray) -> np.ndarray:
    """With-replacement variance contribution of one stratum, from its units' totals (rows)."""
    n = len(totals)
    if n < 2:
        return np.zeros(totals.shape[1:])
    return n / (n - 1) * ((totals - totals.mean(axis=0)) ** 2).sum(axis=0)


def closest_grouping(
    totals: list[np.ndarray],
    counts: list[int],
    rng: np.random.Generator,
    starts: int = STARTS,
    real: np.ndarray | None = None,
) -> list[np.ndarray]:
    """Pseudo-PSU (0..count-1) of each real PSU of each pseudo-stratum, groups as equal as possible.

    ``totals[b]`` holds the totals of every score in the real PSUs (rows) of
    pseudo-stratum ``b``. The aim is the smallest sum over scores of the
    squared log ratio of the masked variance, summed over the pseudo-strata,
    to the real one: ``real``, the design's variance of every score over the
    real strata (which a pseudo-stratum merging two no longer separates), or
    by default the pseudo-strata's own with every real PSU a unit. From
    ``starts`` seeded balanced dealings, the best swap of two PSUs between
    pseudo-PSUs of one pseudo-stratum is made while it lowers the aim; the
    best local optimum is kept. Random starting points
    keep the dealing unpredictable to a reader who knows the real PSUs.
    """
    if real is None:
        real = sum(_variance(t) for t in totals)
    used = real > 0
    totals = [t[:, used] for t in totals]
    real = real[used]
    best: list[np.ndarray] | None = None
    best_aim = np.inf
    for _ in range(max(1, starts)):
        assignments = [_balanced(len(t), count, rng) for t, count in zip(totals, counts, strict=True)]
        if not used.any():
            return assignments
        deviations, factors = [], []
        for t, count, assignment in zip(totals, counts, assignments, strict=True):
            groups = np.zeros((count, t.shape[1]))
            np.add.at(groups, assignment, t)
            deviations.append(groups - groups.mean(axis=0))
            factors.append(count / (count - 1) if count > 1 else 0.0)
        masked = sum(f * (d**2).sum(axis=0) for f, d in zip(factors, deviations, strict=True))
        aim = float(_aim(masked, real))
        for _ in range(20 * sum(len(t) for t in totals)):
            move = None
            for b, (t, assignment, deviation, factor) in enumerate(
                zip(totals, assignments, deviations, factors, strict=True)
            ):
                if factor == 0.0:
                    continue
                # Swapping PSUs i and j: i's pseudo-PSU gains t_j - t_i, j's loses it.
                delta = t[None, :, :] - t[:, None, :]
                own = deviation[assignment]
                change = (own[:, None, :] + delta) ** 2 - own[:, None, :] ** 2
                change += (own[None, :, :] - delta) ** 2 - own[None, :, :] ** 2
                aims = _aim(masked + factor * change, real)
                aims[assignment[:, None] == assignment[None, :]] = np.inf
                i, j = np.unravel_index(np.argmin(aims), aims.shape)
                if aims[i, j] < aim - 1e-12 and (move is None or aims[i, j] < move[0]):
                    move = (float(aims[i, j]), b, int(i), int(j))
            if move is None:
                break
            aim, b, i, j = move
            t, assignment, deviation, factor = totals[b], assignments[b], deviations[b], factors[b]
            first, second = assignment[i], assignment[j]
            step = t[j] - t[i]
            masked = masked - factor * ((deviation[first] ** 2) + (deviation[second] ** 2))
            deviation[first] += step
            deviation[second] -= step
            masked = masked + factor * ((deviation[first] ** 2) + (deviation[second] ** 2))
            assignment[i], assignment[j] = second, first
        if aim < best_aim:
            best, best_aim = [a.copy() for a in assignments], aim
    assert best is not None
    return best


def _aim(masked: np.ndarray, real: np.ndarray) -> np.ndarray:
    """Sum over scores (last axis) of the squared log ratio of masked to real variance."""
    return (np.log(np.maximum(masked, 1e-300) / real) ** 2).sum(axis=-1)


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

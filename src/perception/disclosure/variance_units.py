"""Masked variance units: pseudo-strata and pseudo-PSUs in place of the real design codes.

As NHANES's SDMVSTRA and SDMVPSU, real PSUs (enumeration areas, which locate
villages) are grouped into pseudo-PSUs within their stratum, so that
variance estimation still sees which records share a unit, but no released
unit is a village. Grouping PSUs of one stratum keeps the with-replacement
variance estimator's form; it only has fewer degrees of freedom. Which PSUs
go together is chosen, from seeded random starts, so that the variances of
the report's estimates computed from the release (masked units, pooled
weights) stay close to the real ones. A stratum
with too few PSUs for two pseudo-PSUs is merged with the next stratum of
the same group (region) into one pseudo-stratum. Weights are replaced by
their mean within each pseudo-PSU (and within the weighting cells for the
final weight), which keeps every calibration total: a released weight then
points to no single PSU.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
# Measured on the 2024 baseline, with the search aiming at the SEs after weight pooling: regional SEs
# within 10 % of the report's: 84 % with 8 starts (4.2 s), 88 % with 32 (5.5 s), 87 % with 64 or 128
# (7.5 s, 10.9 s); before the search saw the pooling, 80 % with 8 (the pooling moved SEs by up to 15 %).
# What remains is in Tombouctou and Gao (5 pseudo-PSUs), Kidal (2) and in l-diversity's blanks.
STARTS = 32

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
    weight: str | None = None,
    cells: Sequence[str] = (),
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
    the same spirit). With ``weight`` (the column the scores are weighted
    by), the masked variance is the one after that weight is pooled within
    pseudo-PSUs and ``cells``, as the release does.
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
    pooling = None
    if scores is not None and weight is not None:
        pooling = (pd.to_numeric(frame[weight], errors="coerce").fillna(0.0), cell_numbers(frame, cells))
    pseudo_stratum, pseudo_psu = _masked(
        units, stratum_name, psu_name, frame, group, seed, psus_per_unit, scores, starts, pooling
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
    pooling: tuple[pd.Series, pd.Series] | None,
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
    sums = _unit_sums(scores, unit_keys, pooling) if scores is not None else None
    for _, members in by_stratum.groupby(group_of.reindex(by_stratum.index), sort=True):
        blocks = _pseudo_strata(list(members.index), by_stratum, psus_per_unit)
        units_of = [sorted({u for s in block for u in by_stratum[s]}) for block in blocks]
        counts = [max(2, len(found) // psus_per_unit) if len(found) >= 2 else 1 for found in units_of]
        if unit_totals is not None and sum(map(len, units_of)) <= MAX_SEARCHED_UNITS:
            real = sum(
                _variance(unit_totals.reindex(by_stratum[s]).fillna(0).to_numpy(dtype=float)) for s in members.index
            )
            assignments = closest_grouping([sums(found) for found in units_of], counts, rng, starts, real=real)
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


def cell_numbers(frame: pd.DataFrame, cells: Sequence[str]) -> pd.Series:
    """Number of every record's pooling cell (0 for all when there are no ``cells``)."""
    if not cells:
        return pd.Series(0, index=frame.index)
    keys = [frame[c].astype("string").fillna("") for c in cells]
    return frame.groupby(keys, sort=True).ngroup()


def _unit_sums(scores: pd.DataFrame, unit_keys: pd.Series, pooling: tuple[pd.Series, pd.Series] | None):
    """A function giving the :class:`UnitSums` of a list of real units (keys of ``unit_keys``)."""
    if pooling is None:
        totals = scores.groupby(unit_keys).sum()
        return lambda found: UnitSums.unpooled(totals.reindex(found).fillna(0).to_numpy(dtype=float))
    weights, cells = pooling
    # the records' own (y - ȳ) / W: the weighted scores divided by the weight they carry
    deviations = scores.div(weights.where(weights != 0), axis=0).fillna(0.0)
    keys = [unit_keys.rename("unit"), cells.rename("cell")]
    n_cells = int(cells.max()) + 1 if len(cells) else 1
    by_cell = deviations.groupby(keys).sum()
    weight_sums = weights.groupby(keys).sum()
    record_counts = weights.groupby(keys).size()

    def sums(found: list[str]) -> UnitSums:
        index = pd.MultiIndex.from_product([found, range(n_cells)], names=["unit", "cell"])
        shape = (len(found), n_cells)
        records = record_counts.reindex(index).fillna(0).to_numpy(dtype=float).reshape(shape)
        present = records.sum(axis=0) > 0  # a region's units have records in its own cells only
        return UnitSums(
            by_cell.reindex(index).fillna(0.0).to_numpy(dtype=float).reshape(*shape, -1)[:, present],
            weight_sums.reindex(index).fillna(0.0).to_numpy(dtype=float).reshape(shape)[:, present],
            records[:, present],
        )

    return sums


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


@dataclass(frozen=True)
class UnitSums:
    """What the pseudo-PSU totals of one pseudo-stratum are made of, per real PSU (rows) and pooling cell.

    The release pools the final weight within each pseudo-PSU and weighting
    cell (:func:`pooled_weights`), so a record's linearised value there is
    the pooled weight times its own ``(y - ȳ) / W``: a pseudo-PSU's total is
    ``Σ_cells (Σ weights / Σ records) · Σ deviations`` over its real PSUs,
    the variance a partner computes from the release, not the one before
    pooling.
    """

    deviations: np.ndarray  # (units, cells, scores): sum of the records' (y - ȳ) / W
    weights: np.ndarray  # (units, cells): sum of the records' weights
    records: np.ndarray  # (units, cells): number of records

    @classmethod
    def unpooled(cls, totals: np.ndarray) -> UnitSums:
        """Units whose records keep their own weights: ``totals`` (units, scores) are their weighted totals."""
        ones = np.ones((len(totals), 1))
        return cls(totals[:, None, :], ones, ones)

    def __len__(self) -> int:
        return len(self.weights)

    def scores(self, used: np.ndarray) -> UnitSums:
        return UnitSums(self.deviations[:, :, used], self.weights, self.records)

    def grouped(self, assignment: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sums of deviations, weights and records per pseudo-PSU (0..count-1) of ``assignment``."""
        deviations = np.zeros((count, *self.deviations.shape[1:]))
        weights = np.zeros((count, self.weights.shape[1]))
        records = np.zeros_like(weights)
        np.add.at(deviations, assignment, self.deviations)
        np.add.at(weights, assignment, self.weights)
        np.add.at(records, assignment, self.records)
        return deviations, weights, records


def _pooled_totals(deviations: np.ndarray, weights: np.ndarray, records: np.ndarray) -> np.ndarray:
    """Totals of every score (last axis) with each cell's records given the cell's mean weight."""
    mean_weight = np.divide(weights, records, out=np.zeros_like(weights), where=records > 0)
    return (mean_weight[..., None] * deviations).sum(axis=-2)


def closest_grouping(
    units: list[UnitSums],
    counts: list[int],
    rng: np.random.Generator,
    starts: int = STARTS,
    real: np.ndarray | None = None,
) -> list[np.ndarray]:
    """Pseudo-PSU (0..count-1) of each real PSU of each pseudo-stratum, groups as equal as possible.

    ``units[b]`` describes the real PSUs of pseudo-stratum ``b``. The aim
    (:func:`_aim`) compares, score by score, the variance of the pooled
    pseudo-PSU totals, summed over the pseudo-strata, with ``real``: the
    design's variance of every score over the real strata and PSUs (which a
    pseudo-stratum merging two no longer separates), by default the
    pseudo-strata's own with every real PSU a unit and no pooling. From
    ``starts`` seeded balanced dealings, the best swap of two PSUs between
    pseudo-PSUs of one pseudo-stratum is made while it lowers the aim; the
    best local optimum is kept. Random starting points keep the dealing
    unpredictable to a reader who knows the real PSUs.
    """
    if real is None:
        real = sum(_variance(_pooled_totals(u.deviations, u.weights, u.records)) for u in units)
    used = real > 0
    units = [u.scores(used) for u in units]
    real = real[used]
    best: list[np.ndarray] | None = None
    best_aim = np.inf
    for _ in range(max(1, starts)):
        assignments = [_balanced(len(u), count, rng) for u, count in zip(units, counts, strict=True)]
        if not used.any():
            return assignments
        states = [_Block(u, count, a) for u, count, a in zip(units, counts, assignments, strict=True)]
        masked = sum(state.variance for state in states)
        aim = float(_aim(masked, real))
        for _ in range(20 * sum(map(len, units))):
            move = None
            for b, state in enumerate(states):
                if state.factor == 0.0:
                    continue
                aims = _aim(masked - state.variance + state.swapped_variances(), real)
                i, j = np.unravel_index(np.argmin(aims), aims.shape)
                if aims[i, j] < aim - 1e-12 and (move is None or aims[i, j] < move[0]):
                    move = (float(aims[i, j]), b, int(i), int(j))
            if move is None:
                break
            aim, b, i, j = move
            masked = masked - states[b].variance
            states[b].swap(i, j)
            masked = masked + states[b].variance
        if aim < best_aim:
            best, best_aim = [state.assignment.copy() for state in states], aim
    assert best is not None
    return best


class _Block:
    """One pseudo-stratum during the swap search: its assignment, pseudo-PSU sums and masked variance."""

    def __init__(self, units: UnitSums, count: int, assignment: np.ndarray) -> None:
        self.units, self.count, self.assignment = units, count, assignment
        self.factor = count / (count - 1) if count > 1 else 0.0
        self.deviations, self.weights, self.records = units.grouped(assignment, count)
        self._update()

    def _update(self) -> None:
        self.totals = _pooled_totals(self.deviations, self.weights, self.records)
        self.sum, self.squares = self.totals.sum(axis=0), (self.totals**2).sum(axis=0)
        self.variance = self.factor * (self.squares - self.sum**2 / self.count)

    def swapped_variances(self) -> np.ndarray:
        """Masked variance of this pseudo-stratum (pairs i, j, scores) after swapping real PSUs i and j.

        Pairs within one pseudo-PSU are given an infinite variance: no move.
        """
        a, u = self.assignment, self.units
        # i's pseudo-PSU loses i and gains j; j's loses j and gains i.
        give = (u.deviations[None, :] - u.deviations[:, None], u.weights[None, :] - u.weights[:, None])
        records = u.records[None, :] - u.records[:, None]
        first = _pooled_totals(
            self.deviations[a][:, None] + give[0],
            self.weights[a][:, None] + give[1],
            self.records[a][:, None] + records,
        )
        second = _pooled_totals(
            self.deviations[a][None, :] - give[0],
            self.weights[a][None, :] - give[1],
            self.records[a][None, :] - records,
        )
        old_first, old_second = self.totals[a][:, None], self.totals[a][None, :]
        total = self.sum + first + second - old_first - old_second
        squares = self.squares + first**2 + second**2 - old_first**2 - old_second**2
        variance = self.factor * (squares - total**2 / self.count)
        variance[a[:, None] == a[None, :]] = np.inf
        return variance

    def swap(self, i: int, j: int) -> None:
        first, second = self.assignment[i], self.assignment[j]
        u = self.units
        for sums, values in ((self.deviations, u.deviations), (self.weights, u.weights), (self.records, u.records)):
            sums[first] += values[j] - values[i]
            sums[second] += values[i] - values[j]
        self.assignment[i], self.assignment[j] = second, first
        self._update()


# The aim tolerates this ratio of masked to real standard error before it weighs a difference heavily.
SE_TOLERANCE = 1.07


def _aim(masked: np.ndarray, real: np.ndarray) -> np.ndarray:
    """Sum over scores (last axis) of squared log SE ratios, those beyond :data:`SE_TOLERANCE` a thousandfold."""
    ratio = 0.5 * np.log(np.maximum(masked, 1e-300) / real)
    beyond = np.maximum(np.abs(ratio) - np.log(SE_TOLERANCE), 0.0)
    return (1000.0 * beyond**2 + ratio**2).sum(axis=-1)


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

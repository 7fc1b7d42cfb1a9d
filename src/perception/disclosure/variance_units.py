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

import numpy as np
import pandas as pd

from perception.disclosure.grouping import STARTS, UnitSums, _balanced, _variance, closest_grouping

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

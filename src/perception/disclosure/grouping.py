"""Which real PSUs go together in a pseudo-PSU: a swap search on the variances a partner will compute.

:mod:`perception.disclosure.variance_units` forms the pseudo-strata and
deals their real PSUs into pseudo-PSUs; this module chooses the dealing.
The release pools weights within pseudo-PSUs, so the variance aimed at is
that of the pooled records (:class:`UnitSums`), compared score by score
with the real design's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Seeded starting groupings improved by swaps, per group of pseudo-strata, when estimates' scores are given.
# Measured on the 2024 baseline, with the search aiming at the SEs after weight pooling: regional SEs
# within 10 % of the report's: 84 % with 8 starts (4.2 s), 88 % with 32 (5.5 s), 87 % with 64 or 128
# (7.5 s, 10.9 s); before the search saw the pooling, 80 % with 8 (the pooling moved SEs by up to 15 %).
# What remains is in Tombouctou and Gao (5 pseudo-PSUs), Kidal (2) and in l-diversity's blanks.
STARTS = 32


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


def _balanced(n: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """A seeded random dealing of ``n`` units into ``count`` groups of equal size (give or take one)."""
    assignment = np.empty(n, dtype=int)
    assignment[rng.permutation(n)] = np.arange(n) % count
    return assignment

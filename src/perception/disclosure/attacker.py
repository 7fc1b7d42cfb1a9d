"""Anonymity against an attacker who knows the person: true keys against released records.

sdcMicro's count lets a blank match anything on both sides, so a record
whose age was blanked looks as if it shared its key with everyone of its
region and gender. An attacker who knows a neighbour knows her true age: the
records that could be hers are the released ones whose known values all
equal her true ones (a blank in *another* record is compatible with her; her
own blank does not widen her set). For every original record this module
counts that set and its distinct sensitive answers, and suppresses further
until every set has at least ``k`` records and ``l`` distinct answers.

Design columns (masked variance units, pooled weights) are part of the key
but never blanked: they are what makes the release analysable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from perception.errors import DataError


def _codes(true: pd.DataFrame, released: pd.DataFrame, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Key codes of both frames on a common scale; -1 marks a blank (missing)."""
    n = len(true)
    true_codes, released_codes = np.empty((n, len(keys)), dtype=np.int64), np.empty((n, len(keys)), dtype=np.int64)
    for j, key in enumerate(keys):
        both = pd.concat([true[key].astype(object), released[key].astype(object)], ignore_index=True)
        codes = pd.factorize(both, use_na_sentinel=True)[0]
        true_codes[:, j], released_codes[:, j] = codes[:n], codes[n:]
    return true_codes, released_codes


def _compatible(true_patterns: np.ndarray, released_patterns: np.ndarray) -> np.ndarray:
    """``[t, r]``: released pattern r shows nothing that contradicts true pattern t."""
    match = np.ones((len(true_patterns), len(released_patterns)), dtype=bool)
    for j in range(true_patterns.shape[1]):
        released = released_patterns[:, j]
        match &= (released[None, :] < 0) | (released[None, :] == true_patterns[:, j][:, None])
    return match


def anonymity_sets(
    true: pd.DataFrame, released: pd.DataFrame, keys: Sequence[str], sensitive: Sequence[str] = ()
) -> pd.DataFrame:
    """Per original record: the size of its anonymity set and its distinct known sensitive answers.

    ``true`` and ``released`` hold the same records in the same order (the
    release before and after suppression). Columns: ``k`` (released records
    compatible with the record's true key, itself included) and, per
    sensitive item, the number of distinct known answers in that set (0: no
    answer known, nothing disclosed).
    """
    if len(true) != len(released):
        raise DataError("anonymity sets: the true and released records differ in number")
    out = pd.DataFrame(index=true.index)
    if not keys:
        out["k"] = len(released)
        for item in sensitive:
            out[item] = released[item].dropna().nunique()
        return out
    true_codes, released_codes = _codes(true, released, keys)
    true_patterns, true_inverse = np.unique(true_codes, axis=0, return_inverse=True)
    released_patterns, released_inverse = np.unique(released_codes, axis=0, return_inverse=True)
    match = _compatible(true_patterns, released_patterns).astype(np.int64)
    per_pattern = np.bincount(released_inverse.reshape(-1), minlength=len(released_patterns))
    out["k"] = (match @ per_pattern)[true_inverse.reshape(-1)]
    for item in sensitive:
        values = pd.factorize(released[item], use_na_sentinel=True)[0]
        known = values >= 0
        present = np.zeros((len(released_patterns), int(values.max(initial=-1)) + 1), dtype=np.int64)
        np.add.at(present, (released_inverse.reshape(-1)[known], values[known]), 1)
        out[item] = ((match @ present) > 0).sum(axis=1)[true_inverse.reshape(-1)]
    return out


def _unsafe(sets: pd.DataFrame, k: int, sensitive: Sequence[str], l_min: int) -> np.ndarray:
    bad = sets["k"].to_numpy() < k
    for item in sensitive:
        distinct = sets[item].to_numpy()
        bad |= (distinct >= 1) & (distinct < l_min)
    return bad


def protect(
    true: pd.DataFrame,
    released: pd.DataFrame,
    order: Sequence[str],
    fixed: Sequence[str],
    k: int,
    sensitive: Sequence[str] = (),
    l_min: int = 1,
) -> pd.DataFrame:
    """Blank further key values until every true key has ``k`` compatible records and ``l`` answers.

    ``order``: the keys that may be blanked, least loss first; ``fixed``:
    keys that are never blanked (design columns). Repeatedly takes the
    original record with the smallest set (first in row order on ties); for
    the first key ``q`` in ``order`` with other records that differ from its
    true key only on ``q`` (and that, for l-diversity, answer differently),
    blanks ``q`` in as many of them as the set lacks, taking first those
    whose value of ``q`` is the most common (least information lost), then
    row order; when no record differs on one key only, the records differing
    on the fewest keys have all of those blanked. Blanking only widens sets, so nothing fixed earlier breaks.
    An item no blanking can make l-diverse is withheld for the set's records.
    Records differing on a fixed key are never compatible, so each cell of
    the fixed keys is treated on its own.
    """
    data = released.copy()
    if not fixed:
        return _protect_cell(true, data, list(order), [], k, sensitive, l_min)
    cells = [true[c].astype("string").fillna("") for c in fixed]
    cell = pd.Series(list(zip(*cells, strict=True)), index=true.index)
    for _, index in true.groupby(cell, sort=True).groups.items():
        data.loc[index] = _protect_cell(true.loc[index], data.loc[index], list(order), list(fixed), k, sensitive, l_min)
    return data


def _protect_cell(
    true: pd.DataFrame,
    data: pd.DataFrame,
    order: list[str],
    fixed: list[str],
    k: int,
    sensitive: Sequence[str],
    l_min: int,
) -> pd.DataFrame:
    """:func:`protect` for records that agree on every fixed key, on integer codes (-1: blank)."""
    true_codes, codes = _codes(true, data, order)
    answers = np.column_stack(
        [pd.factorize(data[item], use_na_sentinel=True)[0] for item in sensitive] or [np.zeros(len(data), int)]
    )[:, : len(sensitive)]
    width = int(answers.max(initial=-1)) + 1

    def measure() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        compatible = np.ones((len(codes), len(codes)), dtype=bool)
        for j in range(codes.shape[1]):
            compatible &= (codes[None, :, j] < 0) | (codes[None, :, j] == true_codes[:, j][:, None])
        counts = compatible.sum(axis=1)
        distinct = np.zeros((len(codes), len(sensitive)), dtype=int)
        for s in range(len(sensitive)):
            onehot = np.zeros((len(codes), max(width, 1)), dtype=int)
            known = answers[:, s] >= 0
            onehot[np.flatnonzero(known), answers[known, s]] = 1
            distinct[:, s] = ((compatible.astype(int) @ onehot) > 0).sum(axis=1)
        return compatible, counts, distinct

    for _ in range(10 * len(data) + 10):
        compatible, counts, distinct = measure()
        short_l = (distinct >= 1) & (distinct < l_min)
        bad = (counts < k) | short_l.any(axis=1)
        if not bad.any():
            break
        worst = int(np.flatnonzero(bad)[np.argmin(counts[bad])])
        short_k = counts[worst] < k
        item = -1 if short_k else int(np.flatnonzero(short_l[worst])[0])
        agree = (codes < 0) | (codes == true_codes[worst][None, :])
        done = False
        for j in range(len(order)):
            others = np.delete(agree, j, axis=1).all(axis=1)
            candidates = others & ~agree[:, j]
            if not short_k:  # l-diversity: only records with a known answer the set lacks help
                shown = set(answers[compatible[worst], item]) - {-1}
                candidates &= (answers[:, item] >= 0) & ~np.isin(answers[:, item], list(shown))
            rows = np.flatnonzero(candidates)
            if len(rows) == 0:
                continue
            values, frequency = np.unique(codes[:, j], return_counts=True)
            common = frequency[np.searchsorted(values, codes[rows, j])]
            rows = rows[np.lexsort((rows, -common))]
            codes[rows[: (k - counts[worst]) if short_k else 1], j] = -1
            done = True
            break
        if done:
            continue
        if short_k:
            rows = _closest_others(agree, k - int(counts[worst]))
            if rows.size:
                block = codes[rows]
                block[~agree[rows]] = -1
                codes[rows] = block
                continue
            target = true.iloc[worst]
            raise DataError(
                f"disclosure: {int(counts[worst])} record(s) share the design cell "
                f"({', '.join(f'{key} = {target[key]}' for key in fixed) or 'the whole file'}), fewer than k = {k}, "
                "and no key can be blanked to hide them; enlarge the masked variance units"
            )
        answers[compatible[worst], item] = -1
    else:  # pragma: no cover - each step widens a set or withholds answers
        raise DataError("disclosure: suppression did not converge")
    out = data.copy()
    for j, key in enumerate(order):
        out.loc[out.index[codes[:, j] < 0], key] = None
    for s, item in enumerate(sensitive):
        out.loc[out.index[answers[:, s] < 0], item] = None
    return out


def _closest_others(agree: np.ndarray, needed: int) -> np.ndarray:
    """``needed`` records that differ from the target on the fewest keys (row order on ties).

    When no record differs from the target on one key only, blanking one
    key widens nothing: these records then have every key they differ on
    blanked. Empty when every record of the cell is already compatible.
    """
    differing = (~agree).sum(axis=1)
    others = np.flatnonzero(differing > 0)
    return others[np.lexsort((others, differing[others]))][:needed]

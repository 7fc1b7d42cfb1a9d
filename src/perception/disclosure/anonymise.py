"""Local suppression to k-anonymity and l-diversity, and pseudonymised design ids."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from perception.disclosure.risk import distinct_values, key_counts, key_patterns, not_l_diverse
from perception.errors import DataError

# Share of records agreeing with their cluster's value above which a key counts as implied by the cluster.
IMPLIED_SHARE = 0.95


def suppression_order(frame: pd.DataFrame, keys: Sequence[str], cluster: str | None = None) -> list[str]:
    """The order in which quasi-identifiers are set to missing, least loss first.

    A key (nearly) constant within clusters (region, urban or rural when the
    PSU id is released) is implied by the cluster: suppressing it would
    protect nothing, since the record's neighbours in its PSU show the value.
    Such keys come last. "Nearly": at least ``IMPLIED_SHARE`` of the records
    agree with their cluster's most frequent value, so that one stray record
    does not make region the first key to go. Among the others, the key with
    the most categories goes first (it carries the least information per
    category, sdcMicro's default importance); ties keep the configured order.
    """

    def implied(key: str) -> bool:
        if cluster is None:
            return False
        known = frame[[cluster, key]].dropna()
        if known.empty:
            return False
        # records agreeing with their cluster's most frequent value: per cluster, the largest count
        agreeing = known.groupby([cluster, key], observed=True).size().groupby(level=0).max().sum()
        return bool(agreeing / len(known) >= IMPLIED_SHARE)

    ranked = sorted(enumerate(keys), key=lambda item: (implied(item[1]), -frame[item[1]].nunique(), item[0]))
    return [key for _, key in ranked]


def _suppress(
    frame: pd.DataFrame,
    order: Sequence[str],
    score: Callable[[pd.DataFrame], np.ndarray],
    threshold: float,
    fallback: Callable[[pd.DataFrame, np.ndarray], None],
) -> pd.DataFrame:
    """Suppress keys of unsafe records until every record scores at least ``threshold``.

    Repeatedly takes the unsafe key pattern with the lowest score (first in
    row order on ties) and sets, for all its records at once, the first key
    in ``order`` whose suppression makes them safe, else the one that raises
    their score most. A pattern with no key left goes to ``fallback``.
    """
    data = frame.copy()
    keys = list(order)
    while True:
        scores = score(data)
        unsafe = scores < threshold
        if not unsafe.any():
            return data
        worst = int(np.flatnonzero(unsafe)[np.argmin(scores[unsafe])])
        inverse = key_patterns(data, keys)[1]
        rows = inverse == inverse[worst]
        candidates = [key for key in keys if pd.notna(data[key].iloc[worst])]
        if not candidates:
            fallback(data, rows)
            continue
        best, best_score = candidates[0], -np.inf
        for key in candidates:
            trial = data.copy()
            trial.loc[rows, key] = None
            trial_score = score(trial)[worst]
            if trial_score >= threshold:
                best = key
                break
            if trial_score > best_score:
                best, best_score = key, trial_score
        data.loc[rows, best] = None


def anonymise(
    frame: pd.DataFrame,
    order: Sequence[str],
    k: int,
    sensitive: Sequence[str] = (),
    l_min: int = 1,
) -> pd.DataFrame:
    """Local suppression to k-anonymity on ``order`` (the keys), then l-diversity.

    ``order`` lists the quasi-identifiers in suppression order (see
    :func:`suppression_order`). Suppression only widens keys, so the
    l-diversity pass cannot break k-anonymity. A record with no key left to
    suppress matches the whole file; if the file still shows fewer than
    ``l_min`` values of a sensitive item, everyone's answer to it is known,
    and the item is withheld (set to missing) for the whole file.
    """
    keys = list(order)
    if len(frame) < k:
        raise DataError(f"k-anonymity: {len(frame)} record(s), fewer than k = {k}; nothing can be released")

    def k_score(data: pd.DataFrame) -> np.ndarray:
        return key_counts(data, keys)[0].to_numpy()

    def impossible(data: pd.DataFrame, rows: np.ndarray) -> None:
        raise DataError(f"k-anonymity: {len(data)} record(s), fewer than k = {k}")

    data = _suppress(frame, keys, k_score, k, impossible)
    if l_min <= 1 or not sensitive:
        return data

    def l_score(data: pd.DataFrame) -> np.ndarray:
        worst = np.full(len(data), np.inf)
        for item in sensitive:
            distinct = distinct_values(data, keys, item).to_numpy().astype(float)
            worst = np.minimum(worst, np.where(distinct == 0, np.inf, distinct))
        return worst

    def withhold_items(data: pd.DataFrame, rows: np.ndarray) -> None:
        for item in sensitive:
            if not_l_diverse(data, keys, item, l_min).to_numpy()[rows].any():
                data[item] = data[item].mask(data[item].notna())

    return _suppress(data, keys, l_score, l_min, withhold_items)


def pseudonymise(values: pd.Series, seed: int) -> pd.Series:
    """Replace ids (strata, PSUs) by numbers 1..n in a seeded random order.

    Enumeration-area codes locate villages; a neutral number keeps what
    variance estimation needs (which records share a unit) and nothing else.
    The permutation is seeded so that releases are reproducible, and drawn
    over the sorted ids so that it does not depend on row order.
    """
    ids = sorted(values.dropna().astype(str).unique())
    numbers = np.random.default_rng(seed).permutation(len(ids)) + 1
    mapping = dict(zip(ids, numbers.tolist(), strict=True))
    return values.astype("string").map(mapping).astype("Int64")

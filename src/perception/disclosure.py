"""Statistical disclosure control of what leaves the project.

Respondents describe abuses by armed actors, so a respondent recognised in
released data can be endangered. Two kinds of release are protected here:

- **microdata**: k-anonymity on the quasi-identifiers (variables an outsider
  may know about a person: region, gender, age, area) reached by local
  suppression, and l-diversity of the sensitive items, so that even a group
  of look-alikes does not reveal an answer. Keys are counted as sdcMicro's
  ``freqCalc`` counts them: a missing value stands for any category, so a
  suppressed value makes its record match every record that agrees on the
  other keys (and vice versa);
- **tables**: cells resting on fewer than ``min_cell_n`` respondents are
  hidden, and so is a complementary cell wherever the hidden one could be
  recovered from a shown total and its other shown parts.

Every choice is deterministic (row order, configured order, seeded
permutation) so that two releases of the same data are byte-identical.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from perception.errors import DataError

SMALL_CELL = "small_cell"
# Share of records agreeing with their cluster's value above which a key counts as implied by the cluster.
IMPLIED_SHARE = 0.95
COMPLEMENTARY = "complementary"
# Columns of a table cell that reveal its value; emptied when it is suppressed.
CELL_NUMBERS = ("estimate", "se", "ci_low", "ci_high", "cv", "deff")
COMPARISON_NUMBERS = (
    "estimate",
    "reference_estimate",
    "difference",
    "se",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
)


# --------------------------------------------------------------------------
# key counts (missing matches anything)
# --------------------------------------------------------------------------


def _key_patterns(frame: pd.DataFrame, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct key patterns (codes, -1 for missing) and each record's pattern."""
    codes = np.column_stack([pd.factorize(frame[key], use_na_sentinel=True)[0] for key in keys])
    patterns, inverse = np.unique(codes, axis=0, return_inverse=True)
    return patterns, inverse.reshape(-1)


def _matches(patterns: np.ndarray) -> np.ndarray:
    """Which patterns cannot be told apart: equal wherever both are known."""
    match = np.ones((len(patterns), len(patterns)), dtype=bool)
    for column in patterns.T:
        missing = column < 0
        match &= (column[:, None] == column[None, :]) | missing[:, None] | missing[None, :]
    return match


def key_counts(
    frame: pd.DataFrame, keys: Sequence[str], weights: pd.Series | None = None
) -> tuple[pd.Series, pd.Series]:
    """Sample frequency ``fk`` and weighted frequency ``Fk`` of each record's key.

    A missing key value matches any value, as in sdcMicro: a record whose
    gender was suppressed is counted with the women and the men who share
    its other keys, and they with it. Without ``weights`` every record
    weighs 1, so ``Fk`` equals ``fk``. Work is done on distinct key patterns,
    so the cost grows with their number, not with the number of records.
    """
    if weights is None:
        weights = pd.Series(1.0, index=frame.index)
    weights = pd.Series(np.asarray(weights, dtype=float), index=frame.index)
    if weights.isna().any():
        rows = ", ".join(str(i) for i in frame.index[weights.isna()][:5])
        raise DataError(f"key counts: missing weight in row(s) {rows}")
    if not keys or frame.empty:
        n, total = len(frame), float(weights.sum())
        return (
            pd.Series(n, index=frame.index, name="fk", dtype=int),
            pd.Series(total, index=frame.index, name="Fk", dtype=float),
        )
    patterns, inverse = _key_patterns(frame, keys)
    match = _matches(patterns)
    per_pattern = np.bincount(inverse, minlength=len(patterns))
    per_pattern_weight = np.bincount(inverse, weights=weights.to_numpy(), minlength=len(patterns))
    counts = (match.astype(np.int64) @ per_pattern)[inverse]
    weighted = (match.astype(float) @ per_pattern_weight)[inverse]
    return pd.Series(counts, index=frame.index, name="fk"), pd.Series(weighted, index=frame.index, name="Fk")


def expected_reidentifications(counts: pd.Series) -> float:
    """Sum of 1/fk: the records an intruder would re-identify by matching keys at random within each key."""
    return float((1.0 / counts.astype(float)).sum())


def distinct_values(frame: pd.DataFrame, keys: Sequence[str], sensitive: str) -> pd.Series:
    """Distinct known values of ``sensitive`` among the records matching each record's key.

    Missing values of the sensitive item carry no answer and are not
    counted; a key with no known value has 0 and discloses nothing.
    """
    values = pd.factorize(frame[sensitive], use_na_sentinel=True)[0]
    if not keys:
        return pd.Series(len(set(values[values >= 0])), index=frame.index, name=sensitive)
    patterns, inverse = _key_patterns(frame, keys)
    known = values >= 0
    present = np.zeros((len(patterns), int(values.max(initial=-1)) + 1), dtype=np.int64)
    np.add.at(present, (inverse[known], values[known]), 1)
    reach = (_matches(patterns).astype(np.int64) @ present) > 0
    return pd.Series(reach.sum(axis=1)[inverse], index=frame.index, name=sensitive)


def not_l_diverse(frame: pd.DataFrame, keys: Sequence[str], sensitive: str, l_min: int) -> pd.Series:
    """Records whose look-alikes show 1 to l-1 distinct values: their answer is (nearly) known."""
    distinct = distinct_values(frame, keys, sensitive)
    return (distinct >= 1) & (distinct < l_min)


# --------------------------------------------------------------------------
# local suppression
# --------------------------------------------------------------------------


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
        modal = known.groupby(cluster, sort=False)[key].transform(lambda values: values.mode().iloc[0])
        return bool((known[key] == modal).mean() >= IMPLIED_SHARE)

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
        inverse = _key_patterns(data, keys)[1]
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


# --------------------------------------------------------------------------
# tables: small cells and complementary suppression
# --------------------------------------------------------------------------


def _relations(cells: pd.DataFrame) -> list[tuple[int, list[int]]]:
    """(total, parts) of every additive relation of one wave and indicator.

    A total (national, a region, a gender) is a weighted mix of its parts
    (the regions or genders, the region × gender cells), whose weighted n are
    published: with all parts but one shown, the last can be recovered.
    """
    region = cells["region_code"].astype("string")
    gender = cells["gender_code"].astype("string")
    has_region, has_gender = region.notna().to_numpy(), gender.notna().to_numpy()
    positions = np.arange(len(cells))
    national = positions[~has_region & ~has_gender]
    by_region = positions[has_region & ~has_gender]
    by_gender = positions[~has_region & has_gender]
    crossed = positions[has_region & has_gender]
    relations: list[tuple[int, list[int]]] = []
    for total in national:
        relations += [(int(total), by_region.tolist()), (int(total), by_gender.tolist())]
    for total in by_region:
        relations.append((int(total), [int(p) for p in crossed if region.iloc[p] == region.iloc[total]]))
    for total in by_gender:
        relations.append((int(total), [int(p) for p in crossed if gender.iloc[p] == gender.iloc[total]]))
    return [(total, parts) for total, parts in relations if parts]


def _protect(relations: list[tuple[int, list[int]]], hidden: np.ndarray, reason: np.ndarray, n: np.ndarray) -> None:
    """Hide complementary cells (in place) until no relation exposes a cell hidden for disclosure."""

    def exposed(total: int, parts: list[int]) -> bool:
        hidden_parts = [p for p in parts if hidden[p]]
        return not hidden[total] and len(hidden_parts) == 1 and reason[hidden_parts[0]] in (SMALL_CELL, COMPLEMENTARY)

    def cost(cell: int) -> int:
        """How many relations hiding ``cell`` would expose, minus those it would close."""
        before = sum(exposed(total, parts) for total, parts in relations)
        was, why = hidden[cell], reason[cell]
        hidden[cell], reason[cell] = True, COMPLEMENTARY
        after = sum(exposed(total, parts) for total, parts in relations)
        hidden[cell], reason[cell] = was, why
        return after - before

    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            if not exposed(total, parts):
                continue
            shown = [p for p in parts if not hidden[p]]
            complement = min(shown, key=lambda p: (cost(p), n[p], p)) if shown else total
            hidden[complement] = True
            reason[complement] = COMPLEMENTARY
            changed = True


def suppress_cells(indicators: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """Hide cells with fewer than ``min_n`` respondents, and complements that would reveal them.

    Reads the columns ``wave, indicator, region_code, gender_code, n`` and,
    when present, ``is_suppressed`` and ``suppression_reason`` (cells already
    hidden, e.g. as ``unreliable``, stay hidden with their reason). Within
    each wave and indicator, wherever a shown total has exactly one hidden
    part hidden for disclosure (``small_cell`` or ``complementary``), one of
    its shown parts is hidden too with reason ``complementary`` — the total
    itself when no part is left to hide — until no such relation remains.
    Relations: national = regions, national = genders, region = its genders,
    gender = its regions. The part chosen is the one that leaves the fewest
    other relations exposed (hiding a cell whose region already lost one
    cell closes a rectangle instead of opening a new region), then the
    smallest n, then the first in row order.

    Returns a copy, rows in the same order, with ``is_suppressed``,
    ``suppression_reason`` and the numbers of hidden cells emptied. Running
    it again on its output changes nothing.
    """
    missing = [c for c in ("wave", "indicator", "region_code", "gender_code", "n") if c not in indicators]
    if missing:
        raise DataError(f"indicators: missing column(s) {', '.join(missing)}")
    out = indicators.reset_index(drop=True).copy()
    hidden = (
        out["is_suppressed"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        if "is_suppressed" in out
        else np.zeros(len(out), dtype=bool)
    )
    reason = (
        out["suppression_reason"].astype("string").fillna("").to_numpy(dtype=object)
        if "suppression_reason" in out
        else np.full(len(out), "", dtype=object)
    )
    small = ~(pd.to_numeric(out["n"], errors="coerce") >= min_n).to_numpy()
    reason[small] = SMALL_CELL
    hidden |= small
    cell = out[["wave", "indicator", "region_code", "gender_code"]].astype("string").fillna("")
    duplicated = cell.duplicated(keep=False)
    if duplicated.any():
        rows = ", ".join(str(i + 2) for i in np.flatnonzero(duplicated)[:5])
        raise DataError(f"indicators: the same wave, indicator, region and gender appear twice (rows {rows})")
    n = pd.to_numeric(out["n"], errors="coerce").fillna(0).to_numpy()
    for _, group in out.groupby(["wave", "indicator"], sort=False):
        index = group.index.to_numpy()
        relations = [(index[t], index[parts].tolist()) for t, parts in _relations(group)]
        _protect(relations, hidden, reason, n)
    out["is_suppressed"] = hidden
    out["suppression_reason"] = reason
    numbers = [c for c in CELL_NUMBERS if c in out]
    out.loc[hidden, numbers] = np.nan
    return out


def align_comparisons(comparisons: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Hide every comparison that involves a cell hidden in ``indicators``.

    A gender gap involves the women's and the men's cell of its wave; a
    change involves the same cell in the wave and in the reference wave.
    Without this, a gap printed beside a shown cell would give away its
    complementary-suppressed sibling.
    """
    key = ["wave", "indicator", "region_code", "gender_code"]
    cells = indicators[[*key, "is_suppressed"]].copy()
    for column in key:
        cells[column] = cells[column].astype("string").fillna("")
    hidden = {tuple(row[:4]): bool(row[4]) for row in cells.itertuples(index=False)}
    out = comparisons.reset_index(drop=True).copy()
    unknown = sorted(set(out["comparison"]) - {"gender_gap", "change"})
    if unknown:
        raise DataError(f"comparisons: unknown comparison type(s) {', '.join(map(str, unknown))}")

    def text(value: object) -> str:
        return "" if pd.isna(value) else str(value)

    flags = []
    for row in out.itertuples(index=False):
        region, gender = text(row.region_code), text(row.gender_code)
        if row.comparison == "gender_gap":
            sides = [
                (row.wave, row.indicator, region, text(row.group)),
                (row.wave, row.indicator, region, text(row.reference_group)),
            ]
        else:
            sides = [(row.wave, row.indicator, region, gender), (row.reference_wave, row.indicator, region, gender)]
        flags.append(any(hidden.get(tuple(map(text, side)), True) for side in sides))
    newly = np.asarray(flags, dtype=bool) & ~out["is_suppressed"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    out["is_suppressed"] = out["is_suppressed"].astype("boolean").fillna(False).to_numpy(dtype=bool) | newly
    out.loc[newly, [c for c in COMPARISON_NUMBERS if c in out]] = np.nan
    if "is_significant" in out:
        out.loc[newly, "is_significant"] = False
    return out

"""Re-identification risk of microdata: key frequencies and l-diversity (missing matches anything)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from perception.errors import DataError


def key_patterns(frame: pd.DataFrame, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
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
    patterns, inverse = key_patterns(frame, keys)
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
    patterns, inverse = key_patterns(frame, keys)
    known = values >= 0
    present = np.zeros((len(patterns), int(values.max(initial=-1)) + 1), dtype=np.int64)
    np.add.at(present, (inverse[known], values[known]), 1)
    reach = (_matches(patterns).astype(np.int64) @ present) > 0
    return pd.Series(reach.sum(axis=1)[inverse], index=frame.index, name=sensitive)


def not_l_diverse(frame: pd.DataFrame, keys: Sequence[str], sensitive: str, l_min: int) -> pd.Series:
    """Records whose look-alikes show 1 to l-1 distinct values: their answer is (nearly) known."""
    distinct = distinct_values(frame, keys, sensitive)
    return (distinct >= 1) & (distinct < l_min)

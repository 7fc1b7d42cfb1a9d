"""Per-respondent indicator values: what the estimation stage averages with the design.

See :mod:`perception.config.registry` for the indicator types. A value is
missing where the respondent is out of the indicator's denominator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from perception.config.codebook import Codebook
from perception.config.registry import Indicator


def _counted(frame: pd.DataFrame, variable: str, indicator: Indicator, codebook: Codebook) -> pd.Series:
    """True where the answer is substantive (or a special code kept in the denominator)."""
    var = codebook[variable]
    counted = [*var.codes, *(codebook.special_code(s) for s in indicator.denominator_includes)]
    return frame[variable].isin(counted).fillna(False).astype(bool)


def _success(frame: pd.DataFrame, variable: str, indicator: Indicator) -> pd.Series:
    return frame[variable].isin(indicator.success_codes).fillna(False).astype(bool)


def indicator_values(frame: pd.DataFrame, indicator: Indicator, codebook: Codebook) -> pd.Series:
    """One value per respondent, missing where the respondent is out of the denominator."""
    values = pd.Series(np.nan, index=frame.index, dtype="float64")
    if indicator.type == "share":
        counted = _counted(frame, indicator.variable, indicator, codebook)
        values[counted] = _success(frame, indicator.variable, indicator)[counted].astype(float)
    elif indicator.type == "any_of":
        counted = pd.concat([_counted(frame, v, indicator, codebook) for v in indicator.variables], axis=1)
        success = pd.concat([_success(frame, v, indicator) for v in indicator.variables], axis=1)
        any_success = success.any(axis=1)
        valid = any_success | counted.all(axis=1)
        values[valid] = any_success[valid].astype(float)
    elif indicator.type == "mean":
        counted = _counted(frame, indicator.variable, indicator, codebook)
        values[counted] = pd.to_numeric(frame.loc[counted, indicator.variable]).astype(float)
    else:
        values = index_scores(frame, indicator, codebook)
    if indicator.among is not None:
        inside = frame[indicator.among.variable].isin(indicator.among.codes).fillna(False).astype(bool)
        values[~inside] = np.nan
    return values


def _item_scores(frame: pd.DataFrame, indicator: Indicator, codebook: Codebook) -> pd.DataFrame:
    """Each item rescaled to 0–1 over its code range; missing when not substantive."""
    columns = {}
    for variable in indicator.variables:
        codes = sorted(codebook[variable].codes)
        low, high = codes[0], codes[-1]
        raw = pd.to_numeric(frame[variable]).astype(float)
        counted = frame[variable].isin(codes).fillna(False).astype(bool)
        columns[variable] = ((raw - low) / (high - low)).where(counted)
    return pd.DataFrame(columns, index=frame.index)


def index_scores(frame: pd.DataFrame, indicator: Indicator, codebook: Codebook) -> pd.Series:
    """0–100 composite score for respondents who answered every item."""
    items = _item_scores(frame, indicator, codebook)
    return (items.mean(axis=1) * 100).where(items.notna().all(axis=1))


def cronbach_alpha(frame: pd.DataFrame, indicator: Indicator, codebook: Codebook, weights: pd.Series) -> float:
    """Weighted Cronbach's alpha of an index's items (complete cases).

    alpha = k / (k - 1) * (1 - sum of item variances / variance of the sum),
    with weighted variances, as reported alongside composite indices.
    """
    items = _item_scores(frame, indicator, codebook).dropna()
    w = weights.loc[items.index].to_numpy(dtype=float)
    k = items.shape[1]

    def variance(x: np.ndarray) -> float:
        mean = np.average(x, weights=w)
        return float(np.average((x - mean) ** 2, weights=w))

    item_variance = sum(variance(items[c].to_numpy()) for c in items.columns)
    total_variance = variance(items.sum(axis=1).to_numpy())
    return float(k / (k - 1) * (1 - item_variance / total_variance))

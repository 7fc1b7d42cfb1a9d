"""Bands of a numeric variable (age groups): one definition for weighting, models and the release.

Bands are given by their lower bounds, e.g. ``[18, 25, 35, 50]`` → 18–24,
25–34, 35–49, 50+; the last band is open-ended. A band is coded by its lower
bound (the release's ``age_group`` column) and labelled with an en dash.
Special codes (don't know, refused) and blanks belong to no band.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from perception.errors import ConfigError, DataError


def check_bounds(bounds: Sequence[int], where: str) -> list[int]:
    """Lower bounds as integers, strictly increasing; anything else is a configuration error."""
    if len(bounds) < 1 or any(not isinstance(b, int) or isinstance(b, bool) for b in bounds):
        raise ConfigError("needs a list of whole numbers (lower bounds of the bands)", where=where, found=str(bounds))
    if any(low >= high for low, high in itertools.pairwise(bounds)):
        raise ConfigError("lower bounds must increase", where=where, found=str(list(bounds)))
    return [int(b) for b in bounds]


def band_labels(bounds: Sequence[int]) -> dict[int, str]:
    """``{18: "18–24", …, 65: "65+"}``: each band's label, keyed by its code (the lower bound)."""
    labels = {}
    for low, high in zip(bounds, [*bounds[1:], None], strict=True):
        labels[int(low)] = f"{low}+" if high is None else f"{low}–{high - 1}"
    return labels


def band_codes(values: pd.Series, bounds: Sequence[int], special: Sequence[int] = (), where: str = "") -> pd.Series:
    """Each number replaced by the lower bound of its band; special codes stay, blanks stay blank.

    A substantive value below the first band is a data error (an adult survey
    with a 12-year-old respondent needs looking at, not a silent blank).
    """
    numeric = pd.to_numeric(values, errors="coerce")
    is_special = numeric.isin(list(special))
    substantive = numeric.notna() & ~is_special
    below = substantive & (numeric < bounds[0])
    if below.any():
        rows = ", ".join(str(i + 2) for i in np.flatnonzero(below.to_numpy())[:5])
        raise DataError(
            f"{int(below.sum())} value(s) below the first band ({bounds[0]}), rows {rows}", where=where or None
        )
    out = numeric.where(is_special)
    position = np.searchsorted(np.asarray(bounds), numeric[substantive].to_numpy(), side="right") - 1
    out[substantive] = np.asarray(bounds, dtype=float)[position]
    return out


def band_text(values: pd.Series, bounds: Sequence[int], special: Sequence[int] = ()) -> pd.Series:
    """Each number as its band's label ("18–24"); special codes, blanks and values below the first band missing."""
    numeric = pd.to_numeric(values, errors="coerce")
    years = numeric.where((numeric >= bounds[0]) & ~numeric.isin(list(special)))
    labels = list(band_labels(bounds).values())
    return pd.cut(years, [*bounds, np.inf], right=False, labels=labels).astype("string")

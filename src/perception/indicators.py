"""The indicator registry (``config/indicators.yaml``) and per-respondent values.

An indicator turns answers into one number per respondent, which the
estimation stage then averages with the survey design:

- ``share``: 1 if the answer to ``variable`` is in ``success_codes``, 0 for
  other substantive answers; optional ``among`` restricts to a subpopulation
  (e.g. reported to the police *among victims*) — respondents outside it are
  out of the denominator, but stay in the design.
- ``any_of``: multiple-response share — 1 if any of ``variables`` has a
  success code, 0 if all are answered without one.
- ``mean``: mean score of ``variable`` over its substantive codes.
- ``index``: composite index — mean of ``variables`` rescaled to 0–100, for
  respondents who answered all of them; Cronbach's alpha is reported.

Don't know, refused and not applicable never enter a value unless listed in
``denominator_includes`` (they then count as "not a success").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from perception.errors import ConfigError
from perception.metadata import Codebook, _labels, load_yaml

INDICATOR_TYPES = ("share", "any_of", "mean", "index")


@dataclass(frozen=True)
class Subpopulation:
    variable: str
    codes: tuple[int, ...]


@dataclass(frozen=True)
class Indicator:
    """One registry entry; see the module docstring for the types."""

    id: str
    type: str
    chapter: str
    variables: tuple[str, ...]
    label: dict[str, str]
    definition: dict[str, str]
    success_codes: tuple[int, ...] = ()
    denominator_includes: tuple[str, ...] = ()
    among: Subpopulation | None = None

    @property
    def variable(self) -> str:
        """The first (for share and mean, the only) source question."""
        return self.variables[0]

    @property
    def unit(self) -> str:
        """``proportion`` (0–1, shown as %), ``score`` (code scale) or ``index`` (0–100)."""
        return {"share": "proportion", "any_of": "proportion", "mean": "score", "index": "index"}[self.type]

    @property
    def is_proportion(self) -> bool:
        return self.unit == "proportion"


def _codes_of(codebook: Codebook, variable: str, codes: tuple, where: str) -> None:
    var = codebook[variable]
    bad = [c for c in codes if c not in var.codes]
    if not codes or bad:
        raise ConfigError(f"{where}: codes must be codes of {variable} (bad: {bad or 'none given'})")


def _indicator(spec: dict, codebook: Codebook, where: str) -> Indicator:
    kind = spec.get("type", "share")
    if kind not in INDICATOR_TYPES:
        raise ConfigError(f"{where}: type must be one of {', '.join(INDICATOR_TYPES)}")
    variables = tuple(spec.get("variables") or ([spec["variable"]] if spec.get("variable") else []))
    if not variables:
        raise ConfigError(f"{where}: needs 'variable' (or 'variables' for any_of and index)")
    for variable in variables:
        if variable not in codebook.variables:
            raise ConfigError(f"{where}: variable {variable!r} is not in the codebook")
        if not codebook[variable].has_numeric_codes:
            raise ConfigError(f"{where}: {variable} must be a categorical variable with numeric codes")
    if kind in ("share", "mean") and len(variables) != 1:
        raise ConfigError(f"{where}: a {kind} indicator has exactly one variable")
    if kind == "index" and len(variables) < 2:
        raise ConfigError(f"{where}: an index needs at least two variables")
    success = tuple(spec.get("success_codes") or ())
    if kind in ("share", "any_of"):
        for variable in variables:
            _codes_of(codebook, variable, success, f"{where}: success_codes")
    includes = tuple(spec.get("denominator_includes") or ())
    for variable in variables:
        unknown = [s for s in includes if s not in codebook[variable].special]
        if unknown:
            raise ConfigError(f"{where}: denominator_includes {unknown} are not special codes of {variable}")
    among = None
    if spec.get("among"):
        among_var = spec["among"].get("variable")
        if among_var not in codebook.variables:
            raise ConfigError(f"{where}: among.variable {among_var!r} is not in the codebook")
        among_codes = tuple(spec["among"].get("codes") or ())
        _codes_of(codebook, among_var, among_codes, f"{where}: among.codes")
        among = Subpopulation(among_var, among_codes)
    return Indicator(
        id=spec["id"],
        type=kind,
        chapter=str(spec.get("chapter", "other")),
        variables=variables,
        label=_labels(spec.get("label"), where),
        definition=_labels(spec.get("definition"), where),
        success_codes=success,
        denominator_includes=includes,
        among=among,
    )


def load_indicators(path: str | Path, codebook: Codebook) -> tuple[Indicator, ...]:
    raw = load_yaml(path)
    where = str(path)
    indicators = []
    seen: set[str] = set()
    for spec in (raw or {}).get("indicators", []):
        iid = spec.get("id")
        iwhere = f"{where}: indicator {iid}"
        if not iid or iid in seen:
            raise ConfigError(f"{iwhere}: every indicator needs a unique id")
        seen.add(iid)
        indicators.append(_indicator(spec, codebook, iwhere))
    if not indicators:
        raise ConfigError(f"{where}: no indicators defined")
    return tuple(indicators)


# --------------------------------------------------------------------------
# Per-respondent values
# --------------------------------------------------------------------------


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

"""The indicator registry (``config/indicators.yaml``): what the report estimates.

An indicator turns answers into one number per respondent, which the
estimation stage then averages with the survey design
(:mod:`perception.estimate.values` computes those numbers):

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

from perception.config.codebook import Codebook, bilingual
from perception.config.schema import check
from perception.errors import ConfigError
from perception.files import load_yaml

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
        label=bilingual(spec.get("label"), where),
        definition=bilingual(spec.get("definition"), where),
        success_codes=success,
        denominator_includes=includes,
        among=among,
    )


def load_indicators(path: str | Path, codebook: Codebook) -> tuple[Indicator, ...]:
    raw = check(load_yaml(path), "indicators", path)
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

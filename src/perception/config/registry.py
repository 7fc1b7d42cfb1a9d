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

How don't know, refused and not applicable enter is decided per indicator by
``nonresponse`` (special code -> treatment), because the right answer depends
on what the question measures: "don't know" to an opinion is no opinion, but
"don't know" to "do you know where to complain?" substantively means no.

- ``excluded``: out of the denominator (the share is among those who answered);
- ``as_no``: in the denominator, counted as "no" (not a success);
- ``own_share``: in the denominator as "not a success" and reported as its own
  share beside the indicator (yes + no + don't know = 100 %).

Defaults depend on ``measures``: for a ``knowledge`` item, don't know counts
``as_no``; everything else is ``excluded``. ``as_no`` and ``own_share`` apply to
shares only (a mean or an index has no "no"). Whatever the treatment, the
estimation stage reports the weighted share of each special answer
(:mod:`perception.estimate.nonresponse`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from perception.config.codebook import Codebook, bilingual
from perception.config.schema import check
from perception.errors import ConfigError
from perception.files import load_yaml

INDICATOR_TYPES = ("share", "any_of", "mean", "index")
TREATMENTS = ("excluded", "as_no", "own_share")
MEASURES = ("opinion", "experience", "knowledge")
# the treatment of a special code not listed under ``nonresponse``, by what the item measures
DEFAULT_TREATMENT = {"knowledge": {"dont_know": "as_no"}}


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
    measures: str = "opinion"
    nonresponse: tuple[tuple[str, str], ...] = ()
    among: Subpopulation | None = None
    # What a counted respondent does, as a plural verb phrase ("citent les
    # groupes armés comme menace"), so sentences read naturally; {} when not given.
    statement: dict[str, str] = field(default_factory=dict)
    # The question as asked, per language, when the registry gives it.
    wording: dict[str, str] = field(default_factory=dict)

    def treatment(self, special: str) -> str:
        """How answers with special code ``special`` enter: excluded, as_no or own_share."""
        return dict(self.nonresponse).get(special, "excluded")

    @property
    def denominator_includes(self) -> tuple[str, ...]:
        """Special codes kept in the denominator as "not a success"."""
        return tuple(name for name, treatment in self.nonresponse if treatment != "excluded")

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


def _nonresponse(spec: dict, kind: str, variables: tuple, codebook: Codebook, where: str) -> tuple:
    """Treatment of every special code the indicator's questions may take, defaults filled in."""
    given = dict(spec.get("nonresponse") or {})
    specials = [s for s in codebook.special_labels if any(s in codebook[v].special for v in variables)]
    unknown = [s for s in given if s not in specials]
    if unknown:
        allowed = ", ".join(specials) or "none"
        raise ConfigError(
            f"{where}: nonresponse {', '.join(unknown)} are not special codes of its questions ({allowed})"
        )
    defaults = DEFAULT_TREATMENT.get(spec.get("measures", "opinion"), {})
    treatments = tuple((s, given.get(s, defaults.get(s, "excluded"))) for s in specials)
    if kind in ("mean", "index"):
        counted = [s for s, t in treatments if t != "excluded" and s in given]
        if counted:
            article = "an" if kind == "index" else "a"
            raise ConfigError(
                f"{where}: nonresponse {', '.join(counted)}: {article} {kind} has no 'no', so only excluded applies"
            )
        treatments = tuple((s, "excluded") for s, _ in treatments)
    return treatments


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
    nonresponse = _nonresponse(spec, kind, variables, codebook, where)
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
        measures=spec.get("measures", "opinion"),
        nonresponse=nonresponse,
        among=among,
        statement=bilingual(spec["statement"], f"{where}: statement") if spec.get("statement") else {},
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

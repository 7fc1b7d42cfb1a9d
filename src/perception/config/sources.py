"""Source mappings (``config/sources/*.yaml``): how one partner file maps onto the codebook.

A mapping names the file, its wave and partner, reader options, which raw
column holds each codebook variable and how its codes translate, and the
quality checks to run on it. Everything is checked against the codebook when
loaded, so a mistake is reported with the file and the variable before any
data is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perception.config.codebook import LANGUAGES, Codebook, Variable, bilingual, code_key
from perception.config.derived import KEYS as DERIVED_KEYS
from perception.config.derived import RULES as DERIVED_RULES
from perception.config.derived import Derivation, parse_derivation
from perception.config.geography import normalise_name
from perception.config.schema import check as check_schema
from perception.errors import ConfigError
from perception.files import load_yaml

SOURCE_KEYS = {"source_id", "wave", "partner", "file", "read", "form", "variables", "checks"}


READ_KEYS = {"encoding", "sep", "decimal", "sheet", "timeout"}


MAPPING_KEYS = {
    "column",
    "wording",
    "constant",
    "per_row",
    "codes",
    "use_value_labels",
    "choice",
    "when_blank",
    "other_column",
    "other_value",
    "other_specify",
    *DERIVED_KEYS,
}


CHECK_ACTIONS = ("flag", "quarantine", "blank")


DEFAULT_READ_TIMEOUT = 300


@dataclass(frozen=True)
class OtherSpecify:
    """Back-coding of "other (specify)" answers onto listed options.

    When a respondent chose ``value`` ("other") and the free text in
    ``column`` matches a key of ``recode`` (ignoring case, accents and
    punctuation), the answer is read as the listed raw option instead.
    """

    column: str
    value: str
    recode: dict[str, str]


@dataclass(frozen=True)
class VariableMapping:
    """How one harmonised variable is read from one raw column (or set without one).

    ``constant`` gives every row the same value (e.g. one stratum for a file
    without strata); ``per_row`` gives every row its own value
    ``<source_id>-<row>`` (e.g. each respondent its own PSU when the file has
    no cluster ids), which identifies nobody outside the pipeline.
    """

    variable: str
    column: str | None = None
    codes: dict[str, Any] | None = None
    use_value_labels: bool = False
    choice: str | None = None
    when_blank: str | None = None
    constant: Any = None
    per_row: bool = False
    other: OtherSpecify | None = None
    derived: Derivation | None = None
    # The question as asked, per report language (``wording:`` in the mapping); None: the file's label, if any.
    wording: dict[str, str] | None = None


@dataclass(frozen=True)
class DuplicateSubmissionCheck:
    """Rows repeating the submission id (e.g. KoBo ``_uuid``) of an earlier row."""

    column: str
    action: str = "quarantine"
    name: str = "duplicate_submission"


@dataclass(frozen=True)
class DurationCheck:
    """Interview length from raw start/end timestamps, outside [min, max] minutes."""

    start: str
    end: str
    min_minutes: float | None
    max_minutes: float | None
    action: str = "flag"
    name: str = "duration"


@dataclass(frozen=True)
class StraightliningCheck:
    """All items of a battery non-missing and identical."""

    variables: tuple[str, ...]
    action: str = "flag"
    name: str = "straightlining"


@dataclass(frozen=True)
class SkipLogicCheck:
    """``variable`` answered although ``asked_when`` says it should not have been asked."""

    variable: str
    asked_when: dict[str, tuple[Any, ...]]
    action: str = "flag"
    name: str = "skip_logic"


Check = DuplicateSubmissionCheck | DurationCheck | StraightliningCheck | SkipLogicCheck


def _partner(raw: dict) -> str:
    """The partner's name in the first language given (a name, or {fr, en}); the source id without one."""
    partner = raw.get("partner", raw["source_id"])
    return str(next(iter(partner.values()))) if isinstance(partner, dict) else str(partner)


@dataclass(frozen=True)
class SourceMapping:
    """A partner file and how its columns map onto the codebook."""

    source_id: str
    wave: str
    partner: str
    file: Path
    path: Path
    read_options: dict[str, Any]
    variables: dict[str, VariableMapping]
    checks: tuple[Check, ...] = ()
    form: Path | None = None
    partner_names: dict[str, str] = field(default_factory=dict)  # {lang: name} when the mapping gives both

    def partner_in(self, lang: str) -> str:
        """The partner's name as readers of ``lang`` read it (one name for every language when only one is given)."""
        return self.partner_names.get(lang, self.partner)

    @property
    def columns(self) -> list[str]:
        """Raw columns the mapping and its checks read, in first-use order, without repeats."""
        used: list[str] = []
        for spec in self.variables.values():
            if spec.column is not None:
                used.append(spec.column)
            if spec.derived is not None:
                used += spec.derived.columns
            if spec.other is not None:
                used.append(spec.other.column)
        for check in self.checks:
            if isinstance(check, DuplicateSubmissionCheck):
                used.append(check.column)
            elif isinstance(check, DurationCheck):
                used += [check.start, check.end]
        return list(dict.fromkeys(used))


def _check_code_target(codebook: Codebook, var: Variable, raw_code: str, target: Any, vwhere: str) -> None:
    if isinstance(target, str) and target in codebook.special_codes:
        if target not in var.special:
            raise ConfigError(
                f"{vwhere}: code {raw_code} maps to {target!r}, which {var.name} does not allow "
                f"(allowed special codes: {', '.join(var.special) or 'none'})"
            )
    elif target != "missing" and var.is_coded and code_key(target) not in {code_key(c) for c in var.codes}:
        raise ConfigError(
            f"{vwhere}: code {raw_code} maps to {target!r}, not a code of {var.name} "
            f"({', '.join(code_key(c) for c in var.codes)})"
        )


def code_range(key: str) -> tuple[float, float] | None:
    """``"lo..hi"`` as numbers, or None when the key is a plain code."""
    low, sep, high = key.partition("..")
    if not sep:
        return None
    try:
        return float(low), float(high)
    except ValueError:
        return None


def _variable_mapping(name: str, spec: Any, codebook: Codebook, vwhere: str) -> VariableMapping:
    if name not in codebook.variables:
        raise ConfigError(f"{vwhere}: {name!r} is not a codebook variable (see config/codebook.yaml)")
    if not isinstance(spec, dict):
        raise ConfigError(f"{vwhere}: needs 'column', 'constant' or 'per_row'")
    unknown = set(spec) - MAPPING_KEYS
    if unknown:
        raise ConfigError(f"{vwhere}: unknown key(s) {', '.join(sorted(unknown))} (see config/README.md)")
    rules = [key for key in DERIVED_RULES if key in spec]
    sources = [key for key in ("column", "constant") if key in spec] + (["per_row"] if spec.get("per_row") else [])
    if len(sources) + len(rules) != 1:
        raise ConfigError(
            f"{vwhere}: needs exactly one of 'column', 'constant', 'per_row: true' "
            f"or a derivation ({', '.join(DERIVED_RULES)})"
        )
    if rules:
        derived = parse_derivation(name, spec, codebook, vwhere, _variable_mapping, _check_code_target)
        return VariableMapping(variable=name, derived=derived, wording=_wording(spec, vwhere))
    stray = [key for key in ("success", "undecided") if key in spec]
    if stray:
        raise ConfigError(f"{vwhere}: {stray[0]!r} belongs to a derivation (any_of, all_of)")
    var = codebook[name]
    codes = spec.get("codes")
    if codes is not None:
        if not isinstance(codes, dict):
            raise ConfigError(f"{vwhere}: codes must map raw codes to harmonised codes")
        codes = {code_key(k): v for k, v in codes.items()}
        for raw_code, target in codes.items():
            if ".." in raw_code and code_range(raw_code) is None:
                raise ConfigError(f"{vwhere}: code range {raw_code!r} must be two numbers, as in 990..999")
            _check_code_target(codebook, var, raw_code, target, vwhere)
    when_blank = spec.get("when_blank")
    if when_blank is not None and when_blank not in var.special:
        raise ConfigError(f"{vwhere}: when_blank {when_blank!r} is not a special code {name} allows")
    other = None
    if "other_specify" in spec or "other_column" in spec:
        if "column" not in spec or "other_column" not in spec or not isinstance(spec.get("other_specify"), dict):
            raise ConfigError(
                f"{vwhere}: other (specify) needs 'column', 'other_column' (the free text) and "
                "'other_specify' (text: raw option)"
            )
        other = OtherSpecify(
            column=str(spec["other_column"]),
            value=code_key(spec.get("other_value", "other")),
            recode={normalise_name(text): code_key(option) for text, option in spec["other_specify"].items()},
        )
    constant = spec.get("constant")
    if constant is not None:
        if codes is not None or spec.get("choice") is not None:
            raise ConfigError(f"{vwhere}: a constant is already a harmonised value; drop 'codes'/'choice'")
        constant = code_key(constant)
    return VariableMapping(
        variable=name,
        column=None if spec.get("column") is None else str(spec["column"]),
        codes=codes,
        use_value_labels=bool(spec.get("use_value_labels", False)),
        choice=None if spec.get("choice") is None else str(spec["choice"]),
        when_blank=when_blank,
        constant=constant,
        per_row=bool(spec.get("per_row", False)),
        other=other,
        wording=_wording(spec, vwhere),
    )


def _wording(spec: dict, where: str) -> dict[str, str] | None:
    """``wording:`` as one text per report language: a string is the questionnaire's own words, for both."""
    given = spec.get("wording")
    if given is None:
        return None
    if isinstance(given, str):
        return {lang: given for lang in LANGUAGES}
    return bilingual(given, f"{where}: wording")


def _action(spec: dict, where: str, allowed: tuple[str, ...], default: str) -> str:
    action = spec.get("action", default)
    if action not in allowed:
        raise ConfigError(f"{where}: action must be one of {', '.join(allowed)} (got {action!r})")
    return action


def _known_variables(names: Any, codebook: Codebook, where: str) -> tuple[str, ...]:
    if not isinstance(names, list) or not names:
        raise ConfigError(f"{where}: needs a list of codebook variables")
    unknown = [n for n in names if n not in codebook.variables]
    if unknown:
        raise ConfigError(f"{where}: not codebook variable(s): {', '.join(map(str, unknown))}")
    return tuple(str(n) for n in names)


def _as_list(raw: Any) -> list:
    return raw if isinstance(raw, list) else [raw]


def _parse_checks(raw: Any, codebook: Codebook, mapped: set[str], where: str) -> tuple[Check, ...]:
    """The ``checks:`` block of a mapping: what to look for and what to do about it."""
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: checks must be a mapping (see config/README.md)")
    known = {"duplicate_submission", "duration", "straightlining", "skip_logic"}
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"{where}: unknown check(s) {', '.join(sorted(unknown))} (have: {', '.join(sorted(known))})")
    checks: list[Check] = []
    if "duplicate_submission" in raw:
        spec, cwhere = raw["duplicate_submission"], f"{where}.duplicate_submission"
        if not isinstance(spec, dict) or "column" not in spec:
            raise ConfigError(f"{cwhere}: needs 'column' (e.g. _uuid)")
        checks.append(
            DuplicateSubmissionCheck(str(spec["column"]), _action(spec, cwhere, CHECK_ACTIONS[:2], "quarantine"))
        )
    if "duration" in raw:
        spec, cwhere = raw["duration"], f"{where}.duration"
        if not isinstance(spec, dict) or "start" not in spec or "end" not in spec:
            raise ConfigError(f"{cwhere}: needs 'start' and 'end' columns and min_minutes and/or max_minutes")
        low, high = spec.get("min_minutes"), spec.get("max_minutes")
        if low is None and high is None:
            raise ConfigError(f"{cwhere}: give min_minutes, max_minutes or both")
        checks.append(
            DurationCheck(
                str(spec["start"]),
                str(spec["end"]),
                None if low is None else float(low),
                None if high is None else float(high),
                _action(spec, cwhere, CHECK_ACTIONS[:2], "flag"),
            )
        )
    for i, spec in enumerate(_as_list(raw.get("straightlining") or [])):
        cwhere = f"{where}.straightlining[{i}]"
        if not isinstance(spec, dict):
            raise ConfigError(f"{cwhere}: needs 'variables' (at least two)")
        variables = _known_variables(spec.get("variables"), codebook, cwhere)
        if len(variables) < 2:
            raise ConfigError(f"{cwhere}: needs at least two variables")
        checks.append(StraightliningCheck(variables, _action(spec, cwhere, CHECK_ACTIONS, "flag")))
    for i, spec in enumerate(_as_list(raw.get("skip_logic") or [])):
        cwhere = f"{where}.skip_logic[{i}]"
        if not isinstance(spec, dict) or "variable" not in spec or not isinstance(spec.get("asked_when"), dict):
            raise ConfigError(f"{cwhere}: needs 'variable' and 'asked_when' ({{variable: [codes]}})")
        (variable,) = _known_variables([spec["variable"]], codebook, cwhere)
        conditions = _known_variables(list(spec["asked_when"]), codebook, cwhere)
        not_mapped = [v for v in (variable, *conditions) if v not in mapped]
        if not_mapped:
            raise ConfigError(f"{cwhere}: variable(s) not mapped by this source: {', '.join(not_mapped)}")
        asked_when = {c: tuple(_as_list(spec["asked_when"][c])) for c in conditions}
        checks.append(SkipLogicCheck(variable, asked_when, _action(spec, cwhere, CHECK_ACTIONS, "flag")))
    return tuple(checks)


def load_source(path: str | Path, codebook: Codebook, root: str | Path = ".") -> SourceMapping:
    """Load and check a mapping file against the codebook.

    Every problem found here is a configuration mistake a researcher can fix
    in the YAML, so the message names the file and the variable.
    """
    path = Path(path)
    raw = check_schema(load_yaml(path), "source", path)
    where = str(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping with source_id, wave, file and variables")
    for key in ("source_id", "wave", "file", "variables"):
        if key not in raw:
            raise ConfigError(f"{where}: missing key {key!r}")
    unknown = set(raw) - SOURCE_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} (see config/README.md)")
    if not isinstance(raw["variables"], dict):
        raise ConfigError(f"{where}: variables must map codebook variables to columns")
    variables = {
        name: _variable_mapping(name, spec, codebook, f"{where}: variables.{name}")
        for name, spec in raw["variables"].items()
    }
    missing_required = [v.name for v in codebook if v.required and v.name not in variables]
    if missing_required:
        raise ConfigError(f"{where}: required variable(s) not mapped: {', '.join(missing_required)}")
    read_options = dict(raw.get("read") or {})
    unknown = set(read_options) - READ_KEYS
    if unknown:
        raise ConfigError(
            f"{where}: read: unknown option(s) {', '.join(sorted(unknown))} (have: {', '.join(sorted(READ_KEYS))})"
        )
    return SourceMapping(
        source_id=str(raw["source_id"]),
        wave=str(raw["wave"]),
        partner=_partner(raw),
        partner_names=dict(raw["partner"]) if isinstance(raw.get("partner"), dict) else {},
        file=Path(root) / str(raw["file"]),
        path=path,
        read_options=read_options,
        variables=variables,
        checks=_parse_checks(raw.get("checks"), codebook, set(variables), f"{where}: checks"),
        form=None if raw.get("form") is None else Path(root) / str(raw["form"]),
    )

"""Metadata: the codebook, indicator registry, geography and source mappings.

These YAML files in ``config/`` are the single source of truth. Every later
stage (harmonise, validate, estimate, publish, the book) reads its variable
definitions, codes and labels from the objects built here, so a variable is
defined exactly once.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from perception.errors import ConfigError

LANGUAGES = ("fr", "en")
VARIABLE_TYPES = ("string", "region", "categorical", "integer", "float")


def load_yaml(path: str | Path) -> Any:
    """Read a YAML file, turning every failure into one readable ConfigError."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None


def _labels(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, dict) or any(lang not in raw for lang in LANGUAGES):
        raise ConfigError(f"{where}: needs a label in each of {', '.join(LANGUAGES)}")
    return {lang: str(raw[lang]) for lang in LANGUAGES}


def code_key(value: Any) -> str:
    """Canonical text form of a code so that 1, 1.0 and "1" compare equal."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --------------------------------------------------------------------------
# Codebook
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Variable:
    """One harmonised variable as defined in the codebook."""

    name: str
    type: str
    role: str
    required: bool
    publish: bool
    label: dict[str, str]
    codes: dict[Any, dict[str, str]] = field(default_factory=dict)
    special: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    min_exclusive: float | None = None
    quasi_identifier: bool = False
    sensitive: bool = False

    @property
    def is_coded(self) -> bool:
        return bool(self.codes)

    @property
    def has_numeric_codes(self) -> bool:
        return self.is_coded and all(isinstance(c, int) for c in self.codes)

    @property
    def is_numeric(self) -> bool:
        return self.type in ("integer", "float") or self.has_numeric_codes


@dataclass(frozen=True)
class Codebook:
    """Harmonised variables in codebook order, and the special answer codes."""

    variables: dict[str, Variable]
    special_codes: dict[str, int]
    special_labels: dict[str, dict[str, str]]

    def __getitem__(self, name: str) -> Variable:
        return self.variables[name]

    def __iter__(self):
        return iter(self.variables.values())

    @property
    def names(self) -> list[str]:
        return list(self.variables)

    def special_code(self, name: str) -> int:
        return self.special_codes[name]

    def published(self) -> list[str]:
        return [v.name for v in self if v.publish]

    def value_label(self, variable: str, code: Any, lang: str) -> str:
        var = self.variables[variable]
        for special, special_code in self.special_codes.items():
            if code_key(code) == code_key(special_code) and special in var.special:
                return self.special_labels[special][lang]
        for known, labels in var.codes.items():
            if code_key(known) == code_key(code):
                return labels[lang]
        return code_key(code)


def load_codebook(path: str | Path) -> Codebook:
    raw = load_yaml(path)
    where = str(path)
    if not isinstance(raw, dict) or "variables" not in raw:
        raise ConfigError(f"{where}: needs a 'variables' mapping")
    specials_raw = raw.get("special_codes") or {}
    special_codes = {name: int(spec["code"]) for name, spec in specials_raw.items()}
    special_labels = {
        name: _labels(spec.get("label"), f"{where}: special code {name}") for name, spec in specials_raw.items()
    }
    variables: dict[str, Variable] = {}
    for name, spec in raw["variables"].items():
        vwhere = f"{where}: variable {name}"
        vtype = spec.get("type")
        if vtype not in VARIABLE_TYPES:
            raise ConfigError(f"{vwhere}: type must be one of {', '.join(VARIABLE_TYPES)}")
        special = tuple(spec.get("special") or ())
        unknown = [s for s in special if s not in special_codes]
        if unknown:
            raise ConfigError(f"{vwhere}: unknown special code(s) {', '.join(unknown)}")
        codes = {code: _labels(labels, f"{vwhere}: code {code}") for code, labels in (spec.get("codes") or {}).items()}
        variables[name] = Variable(
            name=name,
            type=vtype,
            role=spec.get("role", "item"),
            required=bool(spec.get("required", False)),
            publish=bool(spec.get("publish", False)),
            label=_labels(spec.get("label"), vwhere),
            codes=codes,
            special=special,
            min=spec.get("min"),
            max=spec.get("max"),
            min_exclusive=spec.get("min_exclusive"),
            quasi_identifier=bool(spec.get("quasi_identifier", False)),
            sensitive=bool(spec.get("sensitive", False)),
        )
    return Codebook(variables, special_codes, special_labels)


# --------------------------------------------------------------------------
# Geography
# --------------------------------------------------------------------------


def normalise_name(text: str) -> str:
    """Fold case, accents, spaces and punctuation so spelling variants meet."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    letters = [c for c in decomposed if not unicodedata.combining(c)]
    return "".join(c for c in "".join(letters).casefold() if c.isalnum())


@dataclass(frozen=True)
class Region:
    code: str
    name: dict[str, str]
    aliases: tuple[str, ...]
    tile_row: int
    tile_col: int


@dataclass(frozen=True)
class Geography:
    """One administrative layout: regions in their configured order.

    ``elsewhere`` lists (normalised name, name, layout) of regions that exist
    only in the file's other layouts, so that a name from the wrong layout
    (Douentza, a region since 2023, in a wave using the 2012 layout) gets a
    precise hint instead of a misleading near-miss.
    """

    layout: str
    label: dict[str, str]
    regions: tuple[Region, ...]
    elsewhere: tuple[tuple[str, str, str], ...] = ()

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.regions]

    def name(self, code: str, lang: str) -> str:
        for region in self.regions:
            if region.code == code:
                return region.name[lang]
        return code

    def _lookup(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for region in self.regions:
            for text in (region.code, *region.name.values(), *region.aliases):
                table[normalise_name(text)] = region.code
        return table

    def match(self, text: Any) -> str | None:
        """Region code for a name in any known spelling, or None."""
        return self._lookup().get(normalise_name(text))

    def suggest(self, text: Any) -> str | None:
        """Closest valid region name, to help whoever fixes the file.

        The cutoff is deliberately high (0.75): a wrong hint is worse than
        none ("Kati", a cercle, must not suggest "Kita"). Typos of one or two
        letters ("Sikaso", "Kouttiala") stay well above it.
        """
        hint = self.hint(text)
        return hint[0] if hint else None

    def hint(self, text: Any) -> tuple[str, str | None] | None:
        """(closest name, other layout or None when it is in this layout), or None."""
        names: dict[str, tuple[str, str | None]] = {}
        for region in self.regions:
            names[normalise_name(region.name["fr"])] = (region.name["fr"], None)
            for alias in (*region.aliases, region.name["en"], region.code):
                names.setdefault(normalise_name(alias), (region.name["fr"], None))
        for key, name, layout in self.elsewhere:
            names.setdefault(key, (name, layout))
        close = difflib.get_close_matches(normalise_name(text), list(names), n=1, cutoff=SUGGESTION_CUTOFF)
        return names[close[0]] if close else None


SUGGESTION_CUTOFF = 0.75


def load_geography(path: str | Path, layout: str | None = None) -> Geography:
    """One layout of ``geography.yaml`` (``layout`` or the file's default)."""
    raw = load_yaml(path)
    where = str(path)
    layout = layout or raw.get("layout")
    layouts = raw.get("layouts") or {}
    if layout not in layouts:
        raise ConfigError(f"{where}: layout {layout!r} is not defined (have: {', '.join(layouts)})")
    parsed = {name: _layout_regions(spec, f"{where}: layout {name}") for name, spec in layouts.items()}
    regions = parsed[layout]
    known = {normalise_name(text) for r in regions for text in (r.code, *r.name.values(), *r.aliases)}
    elsewhere: dict[str, tuple[str, str, str]] = {}
    for other, other_regions in parsed.items():
        for region in other_regions:
            for text in (*region.name.values(), *region.aliases):
                key = normalise_name(text)
                if key not in known:
                    elsewhere.setdefault(key, (key, region.name["fr"], other))
    spec = layouts[layout]
    return Geography(
        layout, _labels(spec.get("label"), f"{where}: layout {layout}"), regions, tuple(elsewhere.values())
    )


def _layout_regions(spec: Any, where: str) -> tuple[Region, ...]:
    if not isinstance(spec, dict) or not isinstance(spec.get("regions"), list):
        raise ConfigError(f"{where}: needs a list of regions")
    regions = []
    for item in spec["regions"]:
        tile = item.get("tile") or {}
        regions.append(
            Region(
                code=str(item["code"]),
                name=_labels(item.get("name"), f"{where}: region {item.get('code')}"),
                aliases=tuple(str(a) for a in item.get("aliases") or ()),
                tile_row=int(tile.get("row", 0)),
                tile_col=int(tile.get("col", 0)),
            )
        )
    codes = [r.code for r in regions]
    if len(set(codes)) != len(codes):
        raise ConfigError(f"{where}: region codes must be unique")
    return tuple(regions)


# --------------------------------------------------------------------------
# Source mappings
# --------------------------------------------------------------------------

SOURCE_KEYS = {"source_id", "wave", "partner", "file", "read", "form", "variables", "checks"}
READ_KEYS = {"encoding", "sep", "decimal", "sheet", "timeout"}
MAPPING_KEYS = {
    "column",
    "constant",
    "per_row",
    "codes",
    "use_value_labels",
    "choice",
    "when_blank",
    "other_column",
    "other_value",
    "other_specify",
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

    @property
    def columns(self) -> list[str]:
        """Raw columns the mapping and its checks read, in first-use order, without repeats."""
        used: list[str] = []
        for spec in self.variables.values():
            if spec.column is not None:
                used.append(spec.column)
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
    sources = [key for key in ("column", "constant") if key in spec] + (["per_row"] if spec.get("per_row") else [])
    if len(sources) != 1:
        raise ConfigError(f"{vwhere}: needs exactly one of 'column', 'constant' or 'per_row: true'")
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
    )


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
    raw = load_yaml(path)
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
        partner=str(raw.get("partner", raw["source_id"])),
        file=Path(root) / str(raw["file"]),
        path=path,
        read_options=read_options,
        variables=variables,
        checks=_parse_checks(raw.get("checks"), codebook, set(variables), f"{where}: checks"),
        form=None if raw.get("form") is None else Path(root) / str(raw["form"]),
    )

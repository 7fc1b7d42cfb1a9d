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
    """One administrative layout: regions in their configured order."""

    layout: str
    label: dict[str, str]
    regions: tuple[Region, ...]

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
        """Closest valid region name, to help whoever fixes the file."""
        names = {normalise_name(r.name["fr"]): r.name["fr"] for r in self.regions}
        for region in self.regions:
            for alias in (*region.aliases, region.name["en"]):
                names.setdefault(normalise_name(alias), region.name["fr"])
        close = difflib.get_close_matches(normalise_name(text), list(names), n=1, cutoff=0.6)
        return names[close[0]] if close else None


def load_geography(path: str | Path, layout: str | None = None) -> Geography:
    raw = load_yaml(path)
    where = str(path)
    layout = layout or raw.get("layout")
    layouts = raw.get("layouts") or {}
    if layout not in layouts:
        raise ConfigError(f"{where}: layout {layout!r} is not defined (have: {', '.join(layouts)})")
    spec = layouts[layout]
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
    return Geography(layout, _labels(spec.get("label"), f"{where}: layout {layout}"), tuple(regions))


# --------------------------------------------------------------------------
# Source mappings
# --------------------------------------------------------------------------

MAPPING_KEYS = {"column", "codes", "use_value_labels", "choice", "when_blank"}


@dataclass(frozen=True)
class VariableMapping:
    """How one harmonised variable is read from one raw column."""

    variable: str
    column: str
    codes: dict[str, Any] | None = None
    use_value_labels: bool = False
    choice: str | None = None
    when_blank: str | None = None


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

    @property
    def columns(self) -> list[str]:
        """Raw columns the mapping reads, in first-use order, without repeats."""
        return list(dict.fromkeys(m.column for m in self.variables.values()))


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
    variables: dict[str, VariableMapping] = {}
    for name, spec in raw["variables"].items():
        vwhere = f"{where}: variables.{name}"
        if name not in codebook.variables:
            raise ConfigError(f"{vwhere}: {name!r} is not a codebook variable (see config/codebook.yaml)")
        if not isinstance(spec, dict) or "column" not in spec:
            raise ConfigError(f"{vwhere}: needs at least 'column'")
        unknown = set(spec) - MAPPING_KEYS
        if unknown:
            raise ConfigError(f"{vwhere}: unknown key(s) {', '.join(sorted(unknown))}")
        var = codebook[name]
        codes = spec.get("codes")
        if codes is not None:
            codes = {code_key(k): v for k, v in codes.items()}
            for raw_code, target in codes.items():
                if isinstance(target, str) and target in codebook.special_codes:
                    if target not in var.special and target != "missing":
                        raise ConfigError(
                            f"{vwhere}: code {raw_code} maps to {target!r}, which {name} does not allow "
                            f"(allowed special codes: {', '.join(var.special) or 'none'})"
                        )
                elif target != "missing" and var.is_coded and code_key(target) not in {code_key(c) for c in var.codes}:
                    raise ConfigError(
                        f"{vwhere}: code {raw_code} maps to {target!r}, not a code of {name} "
                        f"({', '.join(code_key(c) for c in var.codes)})"
                    )
        when_blank = spec.get("when_blank")
        if when_blank is not None and when_blank not in var.special:
            raise ConfigError(f"{vwhere}: when_blank {when_blank!r} is not a special code {name} allows")
        variables[name] = VariableMapping(
            variable=name,
            column=str(spec["column"]),
            codes=codes,
            use_value_labels=bool(spec.get("use_value_labels", False)),
            choice=None if spec.get("choice") is None else str(spec["choice"]),
            when_blank=when_blank,
        )
    missing_required = [v.name for v in codebook if v.required and v.name not in variables]
    if missing_required:
        raise ConfigError(f"{where}: required variable(s) not mapped: {', '.join(missing_required)}")
    return SourceMapping(
        source_id=str(raw["source_id"]),
        wave=str(raw["wave"]),
        partner=str(raw.get("partner", raw["source_id"])),
        file=Path(root) / str(raw["file"]),
        path=path,
        read_options=dict(raw.get("read") or {}),
        variables=variables,
    )

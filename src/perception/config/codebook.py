"""The codebook (``config/codebook.yaml``): every harmonised variable, defined once.

Every later stage (harmonise, validate, estimate, publish, the book) reads its
variable definitions, codes and labels from the objects built here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perception.config.schema import check
from perception.errors import ConfigError
from perception.files import load_yaml
from perception.i18n import LANGUAGES

VARIABLE_TYPES = ("string", "region", "categorical", "integer", "float")


def bilingual(raw: Any, where: str) -> dict[str, str]:
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
    raw = check(load_yaml(path), "codebook", path)
    where = str(path)
    specials_raw = raw.get("special_codes") or {}
    special_codes = {name: int(spec["code"]) for name, spec in specials_raw.items()}
    special_labels = {
        name: bilingual(spec.get("label"), f"{where}: special code {name}") for name, spec in specials_raw.items()
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
        codes = {
            code: bilingual(labels, f"{vwhere}: code {code}") for code, labels in (spec.get("codes") or {}).items()
        }
        variables[name] = Variable(
            name=name,
            type=vtype,
            role=spec.get("role", "item"),
            required=bool(spec.get("required", False)),
            publish=bool(spec.get("publish", False)),
            label=bilingual(spec.get("label"), vwhere),
            codes=codes,
            special=special,
            min=spec.get("min"),
            max=spec.get("max"),
            min_exclusive=spec.get("min_exclusive"),
            quasi_identifier=bool(spec.get("quasi_identifier", False)),
            sensitive=bool(spec.get("sensitive", False)),
        )
    return Codebook(variables, special_codes, special_labels)

"""What each released column is: labels, codes, storage and notes, from the codebook and ``config/release``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from perception.catalog.fields import FIELDS
from perception.catalog.tables import table
from perception.config.codebook import code_key
from perception.config.project import Project
from perception.errors import ConfigError, DataError
from perception.i18n import LANGUAGES, load_strings
from perception.transform import bands
from perception.transform.bands import check_bounds


@dataclass(frozen=True)
class ReleasedColumn:
    """A column of the released microdata, with everything the files and the dictionary print."""

    name: str
    storage: str  # integer, number or string: how the files store it
    type: str  # codebook type (categorical, region, ...); integer for pseudonymised ids and bands
    role: str
    label: dict[str, str]
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    special: dict[str, dict[str, str]] = field(default_factory=dict)
    notes: tuple[dict[str, str], ...] = ()
    quasi_identifier: bool = False
    sensitive: bool = False

    def code_value(self, code: str) -> int | str:
        return int(code) if self.storage == "integer" else code


def band_bounds(project: Project, variable: str) -> list[int]:
    bands = project.config["disclosure"]["bands"].get(variable)
    if not bands:
        raise ConfigError(
            f"config: disclosure.bands: quasi-identifier {variable} is numeric; give its bands "
            f"(e.g. {variable}: [18, 25, 35]) so that it can be released in groups"
        )
    return check_bounds(bands, f"config: disclosure.bands.{variable}")


def band_labels(bounds: Sequence[int]) -> dict[str, str]:
    """``18–24``, …, ``65+``: the label of each band, keyed by its code (the lower bound) as text."""
    return {str(code): label for code, label in bands.band_labels(bounds).items()}


def band(values: pd.Series, bounds: Sequence[int], special: Sequence[int], where: str) -> pd.Series:
    """Replace numbers by the lower bound of their band; special codes and blanks stay (see transform.bands)."""
    return bands.band_codes(values, bounds, special, where)


class ReleaseMetadata:
    """Labels and codes of every releasable column: the codebook, the geography and config/release."""

    def __init__(self, project: Project):
        self.project = project
        by_language = {lang: load_strings(lang) for lang in LANGUAGES}
        self.band_label = {lang: strings["release_band_label"] for lang, strings in by_language.items()}
        notes = {lang: strings["release_notes"] for lang, strings in by_language.items()}
        self.notes = {key: {lang: notes[lang][key] for lang in LANGUAGES} for key in notes[LANGUAGES[0]]}

    def _special(self, names: Sequence[str]) -> dict[str, dict[str, str]]:
        codebook = self.project.codebook
        return {str(codebook.special_code(name)): codebook.special_labels[name] for name in names}

    def column(self, name: str, wave: str) -> ReleasedColumn:
        """How ``name`` is released in ``wave``; a column the allowlist does not know is an error."""
        codebook, design = self.project.codebook, self.project.waves[wave].design
        responses = table("responses")
        if name in (*responses.columns, *responses.trailing):
            derived = FIELDS[name]
            kind = {"number": "float", "integer": "integer"}.get(derived.type, "string")
            return ReleasedColumn(name, derived.type, kind, derived.role, dict(derived.description))
        base = name.removesuffix("_group")
        if name.endswith("_group") and base in codebook.variables and codebook[base].quasi_identifier:
            var, bounds = codebook[base], band_bounds(self.project, base)
            note = {
                lang: self.notes["band"][lang].format(variable=base, bands=", ".join(band_labels(bounds).values()))
                for lang in ("fr", "en")
            }
            return ReleasedColumn(
                name,
                "integer",
                "integer",
                var.role,
                {lang: self.band_label[lang].format(label=var.label[lang]) for lang in ("fr", "en")},
                {code: {"fr": text, "en": text} for code, text in band_labels(bounds).items()},
                self._special(var.special),
                (note, self.notes["quasi_identifier"]),
                quasi_identifier=True,
            )
        if name not in codebook.variables or not codebook[name].publish:
            raise DataError(
                f"release: column {name!r} is not a codebook variable with publish: true; it is not released"
            )
        var = codebook[name]
        notes = []
        if name in (design.strata, design.psu):
            notes.append(self.notes["pseudonymised"])
        if var.quasi_identifier:
            notes.append(self.notes["quasi_identifier"])
        if var.sensitive:
            notes.append(self.notes["sensitive"])
        if var.type == "region":
            codes = {r.code: dict(r.name) for r in self.project.all_regions}
        else:
            codes = {code_key(code): labels for code, labels in var.codes.items()}
        if name in (design.strata, design.psu) or var.type == "integer" or var.has_numeric_codes:
            storage = "integer"
        else:
            storage = "number" if var.type == "float" else "string"
        return ReleasedColumn(
            name,
            storage,
            "integer" if name in (design.strata, design.psu) else var.type,
            var.role,
            dict(var.label),
            codes,
            self._special(var.special),
            tuple(notes),
            var.quasi_identifier,
            var.sensitive,
        )

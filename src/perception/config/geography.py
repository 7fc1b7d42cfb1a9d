"""The administrative geography (``config/geography.yaml``): regions per layout.

A layout (e.g. the 2012 regions, or the 2023 reform) lists its regions in
report order with their names, spelling variants and map tile. Names in
partner files are matched ignoring case, accents and punctuation.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perception.config.codebook import bilingual
from perception.config.schema import check
from perception.errors import ConfigError
from perception.files import load_yaml


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
    raw = check(load_yaml(path), "geography", path)
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
        layout, bilingual(spec.get("label"), f"{where}: layout {layout}"), regions, tuple(elsewhere.values())
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
                name=bilingual(item.get("name"), f"{where}: region {item.get('code')}"),
                aliases=tuple(str(a) for a in item.get("aliases") or ()),
                tile_row=int(tile.get("row", 0)),
                tile_col=int(tile.get("col", 0)),
            )
        )
    codes = [r.code for r in regions]
    if len(set(codes)) != len(codes):
        raise ConfigError(f"{where}: region codes must be unique")
    return tuple(regions)

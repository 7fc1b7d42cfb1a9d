"""The administrative geography (``config/geography.yaml``): regions per layout.

A layout (e.g. the 2012 regions, or the 2023 reform) lists its regions in
report order with their names, spelling variants and map tile. Names in
partner files are matched ignoring case, accents and punctuation.

A layout that splits an older one (``refines``) says which older region
each of its regions lies within (``part_of``): that is what lets a series
of waves cross a reform. :func:`same_territory` names the regions that are
the same territory in two layouts, the only ones compared between waves
drawn on them.
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
    part_of: str | None = None


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
    refines: Geography | None = None

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


def _ancestry(geography: Geography) -> list[Geography]:
    """The layout, then the layout it refines, and so on."""
    chain = [geography]
    while chain[-1].refines is not None:
        chain.append(chain[-1].refines)
    return chain


def _within(geography: Geography, ancestor: str) -> dict[str, str]:
    """Each region's code -> the code of the region of layout ``ancestor`` it lies within."""
    mapping = {code: code for code in geography.codes}
    for layout in _ancestry(geography):
        if layout.layout == ancestor:
            return mapping
        parents = {r.code: r.part_of for r in layout.regions}
        mapping = {code: parents[inside] for code, inside in mapping.items()}
    raise ValueError(f"layout {geography.layout} does not refine {ancestor}")


def same_territory(first: Geography, second: Geography) -> frozenset[str]:
    """Region codes that name the same territory in both layouts.

    Every region of a layout is itself. Across layouts, a code is the same
    territory when it exists in both and, in each, is the only part of the
    region of their closest common ancestor it lies within (Bamako through
    every reform; not Gao, which lost Ménaka in 2016). Layouts with no
    common ancestor share no territory that the configuration vouches for.
    """
    if first.layout == second.layout:
        return frozenset(first.codes)
    common = common_ancestor(first, second)
    if common is None:
        return frozenset()
    sides = [_within(first, common.layout), _within(second, common.layout)]
    parts = [_parts_per_region(side) for side in sides]
    return frozenset(
        code
        for code in set(sides[0]) & set(sides[1])
        if sides[0][code] == sides[1][code]
        and all(count[side[code]] == 1 for side, count in zip(sides, parts, strict=True))
    )


def common_ancestor(first: Geography, second: Geography) -> Geography | None:
    """The closest layout both refine (either of them, when one refines the other), or None."""
    ancestors = {g.layout for g in _ancestry(second)}
    return next((g for g in _ancestry(first) if g.layout in ancestors), None)


def former_regions(geography: Geography, ancestor: Geography) -> dict[str, tuple[str, ...]]:
    """Regions of ``ancestor`` (a layout ``geography`` refines) that it redrew -> its regions lying within each.

    In ``ancestor``'s order, the parts in ``geography``'s: Mopti of 2012 ->
    (Mopti, Douentza, Bandiagara) of 2023. A region that is the same
    territory in both is not listed. A wave on ``geography`` is compared
    with a wave on ``ancestor`` on these former territories, estimated from
    the respondents of their parts.
    """
    within = _within(geography, ancestor.layout)
    same = same_territory(geography, ancestor)
    return {
        code: tuple(part for part in geography.codes if within[part] == code)
        for code in ancestor.codes
        if code not in same
    }


def region_within(geography: Geography, ancestor: Geography, code: str) -> str:
    """The code of the region of ``ancestor`` (a layout ``geography`` refines) that region ``code`` lies within."""
    return _within(geography, ancestor.layout)[code]


def _parts_per_region(mapping: dict[str, str]) -> dict[str, int]:
    """How many regions lie within each region of the ancestor layout."""
    counts: dict[str, int] = {}
    for parent in mapping.values():
        counts[parent] = counts.get(parent, 0) + 1
    return counts


def load_geography(path: str | Path, layout: str | None = None) -> Geography:
    """One layout of ``geography.yaml`` (``layout`` or the file's default)."""
    raw = check(load_yaml(path), "geography", path)
    where = str(path)
    layout = layout or raw.get("layout")
    layouts = raw.get("layouts") or {}
    if layout not in layouts:
        raise ConfigError(f"{where}: layout {layout!r} is not defined (have: {', '.join(layouts)})")
    parsed = {name: _layout_regions(spec, f"{where}: layout {name}") for name, spec in layouts.items()}
    _check_refinements(layouts, parsed, where)
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
    refined = spec.get("refines")
    return Geography(
        layout,
        bilingual(spec.get("label"), f"{where}: layout {layout}"),
        regions,
        tuple(elsewhere.values()),
        load_geography(path, refined) if refined else None,
    )


def _check_refinements(layouts: dict, parsed: dict[str, tuple[Region, ...]], where: str) -> None:
    """``refines`` names another layout, without cycles; ``part_of`` is given exactly then, naming its regions."""
    for name, spec in layouts.items():
        refined, seen = spec.get("refines"), [name]
        while refined is not None:
            if refined not in layouts:
                raise ConfigError(
                    f"{where}: layout {name}: refines {refined!r}, which is not a layout (have: {', '.join(layouts)})"
                )
            if refined in seen:
                raise ConfigError(
                    f"{where}: layout {name}: refines goes round in a circle ({' -> '.join([*seen, refined])})"
                )
            seen.append(refined)
            refined = layouts[refined].get("refines")
        refined = spec.get("refines")
        older = {r.code for r in parsed[refined]} if refined else set()
        for region in parsed[name]:
            place = f"{where}: layout {name}: region {region.code}: part_of"
            if refined is None and region.part_of is not None:
                raise ConfigError(f"{place}: given, but the layout refines no other (add refines: <older layout>)")
            if refined is not None and region.part_of is None:
                raise ConfigError(f"{place}: missing; name the region of layout {refined} it lies within")
            if refined is not None and region.part_of not in older:
                raise ConfigError(f"{place}: {region.part_of!r} is not a region of layout {refined}")
        if refined is not None:
            uncovered = sorted(older - {r.part_of for r in parsed[name]})
            if uncovered:
                raise ConfigError(
                    f"{where}: layout {name}: no region lies within {', '.join(uncovered)} of layout {refined} "
                    "(every region of the refined layout needs at least one part)"
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
                part_of=None if item.get("part_of") is None else str(item["part_of"]),
            )
        )
    codes = [r.code for r in regions]
    if len(set(codes)) != len(codes):
        raise ConfigError(f"{where}: region codes must be unique")
    return tuple(regions)

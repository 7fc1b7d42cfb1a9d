"""Maps of Mali's regions coloured by one indicator.

Two kinds, drawn with plotnine in the project's theme:

- a **tile grid** (always available): one square per region, placed by the
  ``tile: {row, col}`` of ``config/geography.yaml``, so the map needs no
  boundary file and works for any administrative layout;
- a **choropleth** when the user points ``report.boundaries`` at a GeoJSON
  file of first-level units. The file is read with :mod:`json`; each feature
  is matched to a configured region by the first of its properties that
  ``Geography.match`` recognises (so "Koulikouro" or "Segou" in an OCHA file
  find their region). Every feature must match and every region must have a
  polygon: a map that silently lost a region would mislead.

Values come from ``indicators.csv`` only. A suppressed region is grey,
hatched on the tile grid, and labelled "suppressed" instead of a value; a
region not surveyed, or an indicator not asked, is sand-coloured with those
words; a fragile estimate carries the caution mark. The fill runs from near-white to dark
blue over the range the regions span (``fitted_axis``; the caption gives it
with the national value), a single hue whose lightness carries the value, so
a greyscale print keeps the order; labels switch to white on dark tiles.

A tile map is drawn once for every screen, 4.2 in wide with its colour bar
underneath (as the chapter figures of :mod:`perception.outputs.figures`): a
phone shows it 350 px wide with 9 pt labels at 10 px and more, a desktop at
most 560 px wide. A choropleth keeps 7 in: the small southern regions need
the room for their labels.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import plotnine as p9

from perception.catalog.results import Estimates
from perception.config.geography import Geography
from perception.config.project import Project
from perception.errors import ConfigError
from perception.i18n import load_strings
from perception.i18n.numbers import format_value
from perception.i18n.typography import typeset
from perception.outputs.boundaries import _label_points
from perception.outputs.figures import missing_label
from perception.outputs.style import FONT, ValueAxis, find_indicator, theme_perception, value_axis

LOW_FILL, HIGH_FILL = "#f1f5fa", "#1f4e79"
SUPPRESSED_FILL = "#d9d9d9"
# Not surveyed, not asked: no estimate by design. A sand colour outside the blue scale (white
# would read as a low value), never hatched (hatching means masked); the reason is written on it.
BY_DESIGN_FILL = "#eee6d3"
DARK_FROM = 0.55  # share of the axis range above which a tile is dark enough for white text
TILE = 0.92  # tile side, leaving a gap between neighbours
# Tile-grid columns the map's 9 pt labels fit in (the 2012 and 2016 layouts); a wider grid (the
# 2023 layout's six) gets smaller labels, one word a line, so that no label spills onto a neighbour.
LABEL_COLUMNS = 4
WRAP_CHARS = 10


@dataclass(frozen=True)
class MapLayout:
    width_in: float
    height_in: float
    label_pt: float  # region names and values on the map
    legend_position: str
    title_chars: int  # characters per line: 12 pt bold title, 10 pt subtitle, caption
    subtitle_chars: int
    caption_chars: int
    caption_pt: float


TILE_MAP = MapLayout(4.2, 6.4, 9, "bottom", 34, 48, 66, 8)
CHOROPLETH = MapLayout(7.0, 5.0, 7, "right", 90, 90, 100, 7)
LEGEND_LABELS = 5  # at most, on a colour bar laid across
NICE_STEPS = (0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100)


def tile_positions(geography: Geography) -> dict[str, tuple[int, int]]:
    """(row, col) of each region; two regions on one tile is a configuration error."""
    seen: dict[tuple[int, int], str] = {}
    for region in geography.regions:
        spot = (region.tile_row, region.tile_col)
        if spot in seen:
            raise ConfigError(
                f"geography layout {geography.layout}: {seen[spot]} and {region.code} share tile row {spot[0]}, "
                f"col {spot[1]}; give each region its own tile"
            )
        seen[spot] = region.code
    return {code: spot for spot, code in seen.items()}


def fitted_axis(axis: ValueAxis, values: list[float]) -> ValueAxis:
    """The indicator's axis narrowed to the published regional values, on round steps.

    A fixed 0–100 scale washes out differences of a few points between
    regions; the fitted one spreads the colours over what the regions
    actually span (the caption gives the range and the national value).
    """
    shown = [v for v in values if not math.isnan(v)]
    if not shown:
        return axis
    low, high = min(shown), max(shown)
    span = axis.limits[1] - axis.limits[0]
    step = next(s for s in NICE_STEPS if s >= span / 40 and (high - low) / s <= 6)
    low = max(axis.limits[0], math.floor(low / step) * step)
    high = min(axis.limits[1], math.ceil(high / step) * step)
    if high <= low:
        low, high = max(axis.limits[0], low - step), min(axis.limits[1], high + step)
    breaks = tuple(round(low + k * step, 6) for k in range(round((high - low) / step) + 1))
    return replace(axis, limits=(low, high), breaks=breaks)


def region_values(estimates: Estimates, project: Project, wave: str, indicator_id: str, lang: str) -> pd.DataFrame:
    """One row per region in configured order: value in axis units, label, fill and text colour.

    A fragile estimate (published, flagged unreliable) carries the caution mark in its label.
    """
    strings = load_strings(lang)
    indicator = find_indicator(project, indicator_id)
    axis = value_axis(project, indicator, lang)
    cells = [
        (region, estimates.get(wave, indicator_id, "region", region.code))
        for region in project.wave_geography(wave).regions
    ]
    values = [cell.estimate * axis.factor if cell.published else math.nan for _, cell in cells]
    low, high = map_axis(estimates, project, wave, indicator_id, lang).limits
    rows = []
    for (region, cell), value in zip(cells, values, strict=True):
        shown = format_value(cell.estimate, indicator.unit, lang) if cell.published else missing_label(cell, strings)
        if cell.flagged:
            shown += strings["unreliable_mark"]
        rows.append(
            {
                "region_code": region.code,
                "published": cell.published,
                "by_design": cell.missing_by_design,
                "fragile": cell.flagged,
                "value": value,
                "label": f"{region.name[lang]}\n{shown}",
                "text_colour": "#ffffff"
                if cell.published and (value - low) / ((high - low) or 1) > DARK_FROM
                else "#1a1a1a",
            }
        )
    return pd.DataFrame(rows)


def map_axis(estimates: Estimates, project: Project, wave: str, indicator_id: str, lang: str) -> ValueAxis:
    """The colour scale of one map: the indicator's axis fitted to its published regional values."""
    axis = value_axis(project, find_indicator(project, indicator_id), lang)
    values = []
    for region in project.wave_geography(wave).regions:
        cell = estimates.get(wave, indicator_id, "region", region.code)
        values.append(cell.estimate * axis.factor if cell.published else math.nan)
    return fitted_axis(axis, values)


def _fill_scale(axis, layout: MapLayout) -> p9.scale_fill_gradient:
    breaks, labels = list(axis.breaks), axis.labels(list(axis.breaks))
    if layout.legend_position == "bottom" and len(breaks) > LEGEND_LABELS:  # side by side, labels must not touch
        step = -(-(len(breaks) - 1) // (LEGEND_LABELS - 1))
        breaks, labels = breaks[::step], labels[::step]
    return p9.scale_fill_gradient(
        low=LOW_FILL,
        high=HIGH_FILL,
        limits=axis.limits,
        breaks=breaks,
        labels=labels,
        name=axis.title,
    )


def _hatching(tiles: pd.DataFrame) -> pd.DataFrame:
    """Diagonal lines across each suppressed tile, like a hatched area on a printed map."""
    half = TILE / 2
    segments = []
    for tile in tiles.itertuples(index=False):
        x0, y0 = tile.x - half, tile.y - half
        for step in (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75):
            offset = step * TILE
            # A line x - y = const, clipped to the square.
            start = (x0 + max(0.0, offset - TILE), y0 + max(0.0, TILE - offset))
            end = (x0 + min(TILE, offset), y0 + min(TILE, 2 * TILE - offset))
            segments.append({"x": start[0], "y": start[1], "xend": end[0], "yend": end[1]})
    return pd.DataFrame(segments, columns=["x", "y", "xend", "yend"])


def _labels(
    estimates: Estimates, project: Project, wave: str, indicator_id: str, lang: str, caption: str, layout: MapLayout
) -> p9.labs:
    strings = load_strings(lang)
    indicator = find_indicator(project, indicator_id)
    axis = map_axis(estimates, project, wave, indicator_id, lang)
    lines = [strings[caption]]
    national = estimates.get(wave, indicator_id, "national")
    low, high = axis.labels(list(axis.limits))
    lines.append(
        strings["map_caption_scale"].format(
            low=low,
            high=high,
            national=format_value(national.estimate, indicator.unit, lang)
            if national.published
            else missing_label(national, strings),
        )
    )
    if region_values(estimates, project, wave, indicator_id, lang)["fragile"].any():
        lines.append(strings["map_caption_fragile"])
    codes = project.wave_geography(wave).codes
    if any(estimates.get(wave, indicator_id, "region", code).missing_by_design for code in codes):
        lines.append(strings["map_caption_by_design"])
    label = project.waves[wave].label[lang]
    subtitle = strings["not_asked_note"] if national.not_asked else strings["map_subtitle"]
    return p9.labs(
        title=textwrap.fill(typeset(indicator.label[lang], lang), layout.title_chars),
        subtitle=textwrap.fill(typeset(subtitle.format(wave=label), lang), layout.subtitle_chars),
        caption="\n".join(textwrap.fill(typeset(line, lang), layout.caption_chars) for line in lines),
        x="",
        y="",
    )


def _bare_theme(layout: MapLayout) -> p9.theme:
    across = {"legend_key_width": 220, "legend_title_position": "top"} if layout.legend_position == "bottom" else {}
    return theme_perception(
        layout.width_in,
        layout.height_in,
        axis_text=p9.element_blank(),
        axis_ticks=p9.element_blank(),
        panel_grid_major=p9.element_blank(),
        panel_border=p9.element_blank(),
        legend_position=layout.legend_position,
        plot_caption_position="plot",
        plot_caption=p9.element_text(size=layout.caption_pt, colour="#444444", ha="left"),
        **across,
    )


def tile_map(estimates: Estimates, project: Project, wave: str, indicator_id: str, lang: str) -> p9.ggplot:
    """Tile-grid map of one indicator's regional estimates in ``wave``."""
    positions = tile_positions(project.wave_geography(wave))
    axis = map_axis(estimates, project, wave, indicator_id, lang)
    tiles = region_values(estimates, project, wave, indicator_id, lang)
    columns = max(col for _, col in positions.values()) + 1
    label_pt = TILE_MAP.label_pt * min(1.0, (LABEL_COLUMNS + 1) / (columns + 1))
    if columns > LABEL_COLUMNS:
        tiles["label"] = [
            "\n".join(textwrap.fill(part, WRAP_CHARS) for part in label.split("\n")) for label in tiles["label"]
        ]
    tiles["x"] = [positions[code][1] for code in tiles["region_code"]]
    tiles["y"] = [-positions[code][0] for code in tiles["region_code"]]
    shown, hidden = tiles[tiles["published"]], tiles[~tiles["published"]]
    masked, by_design = hidden[~hidden["by_design"]], hidden[hidden["by_design"]]
    plot = p9.ggplot(tiles, p9.aes(x="x", y="y"))
    plot += p9.geom_tile(p9.aes(fill="value"), data=shown, width=TILE, height=TILE, colour="#1a1a1a", size=0.3)
    if not by_design.empty:
        plot += p9.geom_tile(data=by_design, width=TILE, height=TILE, fill=BY_DESIGN_FILL, colour="#1a1a1a", size=0.3)
    if not masked.empty:
        plot += p9.geom_tile(data=masked, width=TILE, height=TILE, fill=SUPPRESSED_FILL, colour="#1a1a1a", size=0.3)
        plot += p9.geom_segment(
            p9.aes(x="x", y="y", xend="xend", yend="yend"), data=_hatching(masked), colour="#8c8c8c", size=0.3
        )
    if not hidden.empty:
        # A white box keeps the label legible over the hatching.
        plot += p9.geom_label(
            p9.aes(label="label", colour="text_colour"),
            data=hidden,
            size=label_pt,
            family=FONT,
            fill="#ffffff",
            label_size=0,
        )
    plot += p9.geom_text(p9.aes(label="label", colour="text_colour"), data=shown, size=label_pt, family=FONT)
    plot += p9.scale_colour_identity()
    plot += _fill_scale(axis, TILE_MAP)
    plot += p9.coord_equal(expand=True)
    plot += _labels(estimates, project, wave, indicator_id, lang, "map_caption_tiles", TILE_MAP)
    return plot + _bare_theme(TILE_MAP)


# --------------------------------------------------------------------------
# Choropleth from a boundary file
# --------------------------------------------------------------------------


def choropleth(
    estimates: Estimates, boundaries: pd.DataFrame, project: Project, wave: str, indicator_id: str, lang: str
) -> p9.ggplot:
    """Regions drawn from ``read_boundaries`` polygons, filled by the regional estimate."""
    axis = map_axis(estimates, project, wave, indicator_id, lang)
    values = region_values(estimates, project, wave, indicator_id, lang)
    polygons = boundaries.merge(
        values[["region_code", "published", "by_design", "value"]], on="region_code", how="left"
    )
    ratio = 1 / math.cos(math.radians(boundaries["y"].mean()))  # degrees of longitude shrink with latitude
    labels = spread_labels(_label_points(boundaries).merge(values, on="region_code", how="left"), boundaries, ratio)
    plot = p9.ggplot(polygons, p9.aes(x="x", y="y", group="ring"))
    plot += p9.geom_polygon(p9.aes(fill="value"), data=polygons[polygons["published"]], colour="#1a1a1a", size=0.3)
    hidden = polygons[~polygons["published"]]
    by_design = hidden["by_design"].astype(bool)
    if by_design.any():
        plot += p9.geom_polygon(data=hidden[by_design], fill=BY_DESIGN_FILL, colour="#1a1a1a", size=0.3)
    if (~by_design).any():
        plot += p9.geom_polygon(data=hidden[~by_design], fill=SUPPRESSED_FILL, colour="#1a1a1a", size=0.3)
    moved = labels[(labels["x"] != labels["anchor_x"]) | (labels["y"] != labels["anchor_y"])]
    if not moved.empty:  # a label moved off its region points back to it
        plot += p9.geom_segment(
            p9.aes(x="anchor_x", y="anchor_y", xend="x", yend="y"),
            data=moved,
            inherit_aes=False,
            colour="#555555",
            size=0.3,
        )
    plot += p9.geom_label(
        p9.aes(x="x", y="y", label="label"),
        data=labels,
        inherit_aes=False,
        size=CHOROPLETH.label_pt,
        family=FONT,
        fill="#ffffff",
        alpha=0.85,
        label_size=0,
    )
    plot += _fill_scale(axis, CHOROPLETH)
    # Degrees of longitude shrink with latitude: keep the country's shape.
    plot += p9.coord_fixed(ratio=ratio)
    plot += _labels(estimates, project, wave, indicator_id, lang, "map_caption_boundaries", CHOROPLETH)
    return plot + _bare_theme(CHOROPLETH)


# The choropleth's panel, roughly: the figure less the colour bar on the right, the title and the caption.
PANEL_IN = (CHOROPLETH.width_in - 1.9, CHOROPLETH.height_in - 1.4)
CHAR_EM, LINE_EM, PAD_PT = 0.6, 1.25, 3.0  # a label's box: character width and line height (in ems), padding


def spread_labels(labels: pd.DataFrame, boundaries: pd.DataFrame, ratio: float) -> pd.DataFrame:
    """Choropleth labels moved apart (vertically, least first) until no two boxes overlap.

    Small neighbouring regions (Bamako inside Koulikoro, beside Ségou and
    Sikasso) would otherwise print their labels over one another. Each box
    is estimated from its text at the map's label size and the panel's
    scale; ``anchor_x``/``anchor_y`` keep the region's own point, so that a
    moved label gets a leader line. Deterministic: regions in row order.
    """
    out = labels.assign(anchor_x=labels["x"], anchor_y=labels["y"]).reset_index(drop=True)
    width, height = boundaries["x"].max() - boundaries["x"].min(), boundaries["y"].max() - boundaries["y"].min()
    inches_per_x = min(PANEL_IN[0] / width, PANEL_IN[1] / (height * ratio))
    x_per_pt, y_per_pt = 1 / 72 / inches_per_x, 1 / 72 / (inches_per_x * ratio)
    lines = [str(text).split("\n") for text in out["label"]]
    half_w = np.array([(max(map(len, t)) * CHAR_EM * CHOROPLETH.label_pt + 2 * PAD_PT) / 2 for t in lines]) * x_per_pt
    half_h = np.array([(len(t) * LINE_EM * CHOROPLETH.label_pt + 2 * PAD_PT) / 2 for t in lines]) * y_per_pt
    x, y = out["x"].to_numpy(dtype=float), out["y"].to_numpy(dtype=float).copy()
    for _ in range(200):
        moved = False
        for i in range(len(out)):
            for j in range(i + 1, len(out)):
                overlap_x = half_w[i] + half_w[j] - abs(x[i] - x[j])
                overlap_y = half_h[i] + half_h[j] - abs(y[i] - y[j])
                if overlap_x > 0 and overlap_y > 0:
                    step = overlap_y / 2 + 1e-9
                    upper, lower = (i, j) if y[i] >= y[j] else (j, i)
                    y[upper] += step
                    y[lower] -= step
                    moved = True
        if not moved:
            break
    out["y"] = y
    return out


def map_alt_text(estimates: Estimates, project: Project, wave: str, indicator_id: str, lang: str) -> str:
    """Every region's value in configured order, which is all the map says."""
    strings = load_strings(lang)
    values = region_values(estimates, project, wave, indicator_id, lang)
    parts = [label.replace("\n", strings["colon"]) for label in values["label"]]
    return strings["map_alt"].format(
        indicator=find_indicator(project, indicator_id).label[lang],
        wave=project.waves[wave].label[lang],
        values=strings["alt_separator"].join(parts),
    )

"""One trend chart per indicator: the country and every region, wave after wave, with their intervals.

Small multiples (one panel for the country, one per region, in configured
order) put every wave on the same axis, so a forum sees at a glance where a
figure moved and whether the intervals let it say so. Only what
``indicators.csv`` publishes is drawn; consecutive waves with a published
estimate are joined, and a wave without one leaves a gap with the reason
written in its place (question not asked, region not surveyed, estimate
masked): never a marker on the axis, which would read as zero.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import pandas as pd
import plotnine as p9

from perception.catalog.results import REDRAWN, Estimates
from perception.config.geography import Geography
from perception.config.project import Project
from perception.i18n import load_strings
from perception.i18n.numbers import format_value
from perception.i18n.typography import typeset
from perception.outputs.figures import missing_label
from perception.outputs.style import FONT, find_indicator, theme_perception, value_axis
from perception.outputs.territories import former_areas, territory_cell


@dataclass(frozen=True)
class TrendLayout:
    """How the small multiples are laid out for one kind of screen."""

    width_in: float
    panels_per_row: int
    caption_chars: int  # the caption's lines wrap at this width
    title_chars: int
    subtitle_chars: int
    strip_pt: float  # panel titles
    axis_pt: float
    caption_pt: float
    note_pt: float  # the reason written where a wave has no estimate
    panel_row_in: float = 1.9
    frame_in: float = 1.6  # title, axis titles and caption
    strip_chars: int = 24  # panel titles wrap at this width


PAGE_TRENDS = TrendLayout(7.0, 5, 110, 90, 90, 9, 8, 8, 7)
# 4.2 in at 150 dpi, shown 350 px wide: 10 pt text is 11.6 px on the phone.
PHONE_TRENDS = TrendLayout(4.2, 3, 46, 34, 40, 10, 10, 9, 8, panel_row_in=1.6, frame_in=2.8, strip_chars=16)
TREND_WIDTH_IN = PAGE_TRENDS.width_in


def trend_height(project: Project, layout: TrendLayout = PAGE_TRENDS) -> float:
    panels = 1 + len(project.report_geography.regions) + len(former_areas(project))
    rows = -(-panels // layout.panels_per_row)
    return layout.frame_in + layout.panel_row_in * rows


def trend_data(estimates: Estimates, project: Project, indicator_id: str, lang: str) -> pd.DataFrame:
    """One row per area (national, then each region) and wave, in axis units; unpublished cells carry their reason.

    Regions are the report's (the latest wave's layout); a wave that drew a
    region differently has no point there ("autre découpage"), so no line
    joins two territories. The baseline's regions that today's layout
    redrew follow, each as the one territory it was (:func:`former_areas`).
    """
    strings = load_strings(lang)
    axis = value_axis(project, find_indicator(project, indicator_id), lang)
    report = project.report_geography

    def former(layout: Geography, code: str):
        return lambda wave: territory_cell(estimates, project, wave, indicator_id, layout, code)

    areas = [(lambda wave: estimates.get(wave, indicator_id, "national"), strings["national"])]
    areas += [(former(report, region.code), region.name[lang]) for region in report.regions]
    areas += [
        (former(layout, code), strings["trend_former_area"].format(region=layout.name(code, lang)))
        for layout, code in former_areas(project)
    ]
    rows = []
    for cell_in, name in areas:
        for position, wave in enumerate(project.wave_ids, start=1):
            cell = cell_in(wave)
            rows.append(
                {
                    "area": name,
                    "wave": position,
                    "published": cell.published,
                    "estimate": cell.estimate * axis.factor if cell.published else axis.limits[0],
                    "ci_low": cell.ci_low * axis.factor if cell.published else axis.limits[0],
                    "ci_high": cell.ci_high * axis.factor if cell.published else axis.limits[0],
                    "label": "" if cell.published else missing_label(cell, strings),
                }
            )
    frame = pd.DataFrame(rows)
    frame["area"] = pd.Categorical(frame["area"], categories=[name for _, name in areas], ordered=True)
    return frame


def _segments(frame: pd.DataFrame) -> pd.DataFrame:
    """Lines between consecutive waves that both have a published estimate, per area."""
    parts = []
    for _, area in frame.groupby("area", observed=True, sort=False):
        area = area.sort_values("wave")
        after = area.shift(-1)
        joined = area["published"] & after["published"].astype("boolean").fillna(False)
        parts.append(
            pd.DataFrame(
                {
                    "area": area.loc[joined, "area"],
                    "x": area.loc[joined, "wave"],
                    "xend": after.loc[joined, "wave"],
                    "y": area.loc[joined, "estimate"],
                    "yend": after.loc[joined, "estimate"],
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def trend_by_region(
    estimates: Estimates, project: Project, indicator_id: str, lang: str, layout: TrendLayout = PAGE_TRENDS
) -> p9.ggplot:
    """The indicator in every wave, nationally and in each region (small multiples), with 95 % intervals.

    Drawn at ``layout.width_in`` by ``trend_height(project, layout)`` inches.
    """
    strings = load_strings(lang)
    indicator = find_indicator(project, indicator_id)
    axis = value_axis(project, indicator, lang)
    frame = trend_data(estimates, project, indicator_id, lang)
    shown, hidden = frame[frame["published"]], frame[~frame["published"]]
    # the reason stands upright in the middle of the panel, where the longest ("autre découpage") fits a phone's
    hidden = hidden.assign(estimate=sum(axis.limits) / 2)
    waves = project.wave_ids
    plot = p9.ggplot(frame, p9.aes(x="wave"))
    segments = _segments(frame)
    if not segments.empty:
        plot += p9.geom_segment(
            p9.aes(x="x", xend="xend", y="y", yend="yend"), data=segments, colour="#555555", size=0.6
        )
    plot += p9.geom_linerange(p9.aes(ymin="ci_low", ymax="ci_high"), data=shown, colour="#1f4e79", size=0.9)
    plot += p9.geom_point(p9.aes(y="estimate"), data=shown, fill="#1f4e79", colour="#000000", size=2.2, stroke=0.4)
    if not hidden.empty:
        plot += p9.geom_text(
            p9.aes(y="estimate", label="label"),
            data=hidden,
            angle=90,
            ha="center",
            va="center",
            size=layout.note_pt,
            colour="#555555",
            fontstyle="italic",
            family=FONT,
        )
    plot += p9.facet_wrap("~area", ncol=layout.panels_per_row, labeller=lambda name: _wrapped(name, layout.strip_chars))
    plot += p9.scale_x_continuous(breaks=list(range(1, len(waves) + 1)), limits=(0.5, len(waves) + 0.5))
    plot += p9.scale_y_continuous(limits=axis.limits, breaks=list(axis.breaks), labels=axis.labels)
    legend = strings["list_separator"].join(
        strings["trend_wave_key"].format(number=k, wave=project.waves[w].label[lang]) for k, w in enumerate(waves, 1)
    )
    notes = [legend, strings["trend_caption"].format(min_n=project.min_cell_n)]
    if (frame["label"] == missing_label(REDRAWN, strings)).any():
        notes.append(strings["fig_note_not_comparable"])
    if former_areas(project):
        notes.append(strings["trend_former_note"].format(baseline=project.waves[waves[0]].label[lang]))
    plot += p9.labs(
        title=textwrap.fill(typeset(indicator.label[lang], lang), layout.title_chars),
        subtitle=textwrap.fill(typeset(strings["trend_subtitle"], lang), layout.subtitle_chars),
        caption="\n".join(textwrap.fill(typeset(line, lang), layout.caption_chars) for line in notes),
        x=strings["trend_axis"],
        y=axis.title,
    )
    plot += theme_perception(
        layout.width_in,
        trend_height(project, layout),
        strip_text=p9.element_text(size=layout.strip_pt),
        axis_text=p9.element_text(size=layout.axis_pt, colour="#1a1a1a"),
        plot_caption=p9.element_text(size=layout.caption_pt, colour="#333333", ha="left"),
    )
    return plot


def _wrapped(text: str, width: int) -> str:
    """Each line of a panel title wrapped at ``width`` characters (words are never cut)."""
    return "\n".join(textwrap.fill(line, width, break_long_words=False) for line in str(text).split("\n"))


def trend_alt_text(estimates: Estimates, project: Project, indicator_id: str, lang: str) -> str:
    """The national figure in every wave, in words, and how many regional values the chart leaves out."""
    strings = load_strings(lang)
    indicator = find_indicator(project, indicator_id)
    national = []
    for wave in project.wave_ids:
        cell = estimates.get(wave, indicator_id, "national")
        value = format_value(cell.estimate, indicator.unit, lang) if cell.published else missing_label(cell, strings)
        national.append(strings["trend_alt_wave"].format(wave=project.waves[wave].label[lang], value=value))
    frame = trend_data(estimates, project, indicator_id, lang)
    return strings["trend_alt"].format(
        indicator=indicator.label[lang],
        national=strings["list_separator"].join(national),
        missing=int((~frame["published"]).sum()),
        cells=len(frame),
    )

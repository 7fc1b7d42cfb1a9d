"""Figures of the book: one dot-and-whisker chart per language, wave and indicator.

The charts only draw what ``data/processed/indicators.csv`` says: no estimate
is recomputed here. A cell flagged ``is_suppressed`` (or absent) gets no
marker (one on the axis would read as a zero) but a "suppressed" label in its
place, and a cell whose question was not asked or whose region was not
surveyed gets those words instead, so that a reader never reads a value off
it. Every word comes from the project metadata or from
``book/templates/strings.yaml``, the single place that holds the book's
per-language strings; the number formatting helpers live here too because the
report (``perception.report``) must print numbers exactly as the figures do.

Values are drawn in their indicator's unit (``Indicator.unit``): proportions
as percentages, indices on 0–100, mean scores on the code scale. The same
theme (``theme_perception``) dresses every chart of the project, including the
maps of ``perception.maps``.

PNG files are byte-identical across runs: fixed size, dpi and font, and no
"Software" metadata (which would embed the matplotlib version).

A figure is drawn once for every screen: 4.2 in wide (``FIGURE_WIDTH_IN``),
the width of the page charts' phone layout, so that a phone showing it 350 px
wide still prints its 10 pt text at 11.6 px, while a desktop shows it at most
560 px wide (``custom.css``) and paper at 4.2 in. Its height grows with the
number of regions; titles, subtitles and captions wrap to that width.
"""

from __future__ import annotations

import math
import textwrap

import pandas as pd
import plotnine as p9

from perception.catalog.results import Cell, Estimates
from perception.config.project import Project
from perception.i18n import load_strings
from perception.i18n.numbers import format_value
from perception.i18n.typography import typeset
from perception.outputs.chart_specs import GENDER_COLOURS, GENDER_SHAPES
from perception.outputs.style import (
    FONT,
    _gender_label,
    find_indicator,
    gender_codes,
    theme_perception,
    value_axis,
)

DODGE = 0.6
FIGURE_WIDTH_IN = 4.2
REGION_ROW_IN, FRAME_IN = 0.36, 2.9  # per region (two markers), and for title, axis, legend and caption
# Characters per line at 4.2 in: 12 pt bold title, 10 pt subtitle, 9 pt caption.
TITLE_CHARS, SUBTITLE_CHARS, CAPTION_CHARS = 34, 50, 58


def figure_height(project: Project, wave: str) -> float:
    """Inches for one wave's figure: a row per region of the wave's own layout."""
    return FRAME_IN + REGION_ROW_IN * len(project.wave_geography(wave).regions)


def _wrapped(text: str, width: int, lang: str) -> str:
    """``text`` typeset for ``lang`` first, so that a line never starts with ":" or "»", then wrapped."""
    return textwrap.fill(typeset(text, lang), width)


def missing_label(cell: Cell, strings: dict) -> str:
    """The words beside a cell without a number: not asked, not surveyed, or suppressed."""
    return strings[f"fig_{cell.status}"] if cell.missing_by_design else strings["fig_suppressed"]


def plot_data(estimates: Estimates, project: Project, wave: str, indicator_id: str, lang: str) -> pd.DataFrame:
    """What the chart draws: one row per region and gender, in configured order.

    Values are in axis units (see ``value_axis``). Unpublished cells get
    ``published=False``, the axis minimum and the "suppressed" label instead
    of their value.
    """
    strings = load_strings(lang)
    axis = value_axis(project, find_indicator(project, indicator_id), lang)
    floor = axis.limits[0]
    rows = []
    for region in project.wave_geography(wave).regions:
        for position, code in enumerate(gender_codes(project)):
            cell = estimates.get(wave, indicator_id, "region_gender", region.code, code)
            rows.append(
                {
                    "region": region.name[lang],
                    "gender": _gender_label(project, code, lang),
                    "slot": -position,
                    "published": cell.published,
                    "estimate": cell.estimate * axis.factor if cell.published else floor,
                    "ci_low": cell.ci_low * axis.factor if cell.published else floor,
                    "ci_high": cell.ci_high * axis.factor if cell.published else floor,
                    "label": ""
                    if cell.published
                    else f"{_gender_label(project, code, lang)}{strings['colon']}{missing_label(cell, strings)}",
                }
            )
    frame = pd.DataFrame(rows)
    # coord_flip draws the first category at the bottom: reverse so the
    # first configured region is on top, as in the tables.
    regions = [r.name[lang] for r in project.wave_geography(wave).regions]
    frame["region"] = pd.Categorical(frame["region"], categories=regions[::-1], ordered=True)
    genders = [_gender_label(project, c, lang) for c in gender_codes(project)]
    frame["gender"] = pd.Categorical(frame["gender"], categories=genders, ordered=True)
    return frame


def indicator_by_region(
    indicators: pd.DataFrame, project: Project, wave: str, indicator_id: str, lang: str
) -> p9.ggplot:
    """Estimates by region and gender with 95 % CIs and the national reference line."""
    estimates = Estimates(indicators)
    strings = load_strings(lang)
    indicator = find_indicator(project, indicator_id)
    axis = value_axis(project, indicator, lang)
    frame = plot_data(estimates, project, wave, indicator_id, lang)
    shown = frame[frame["published"]]
    hidden = frame[~frame["published"]]
    dodge = p9.position_dodge(width=DODGE)
    genders = list(frame["gender"].cat.categories)

    # Dodging by ``slot`` (minus the configured position) stacks the first
    # gender on top within each region after coord_flip, as in the legend.
    plot = p9.ggplot(frame, p9.aes(x="region", group="slot"))
    national = estimates.get(wave, indicator_id, "national")
    if national.published:
        plot += p9.annotate(
            "rect",
            xmin=-math.inf,
            xmax=math.inf,
            ymin=national.ci_low * axis.factor,
            ymax=national.ci_high * axis.factor,
            fill="#000000",
            alpha=0.08,
        )
        plot += p9.geom_hline(
            p9.aes(yintercept="y", linetype="what"),
            data=pd.DataFrame(
                {
                    "y": [national.estimate * axis.factor],
                    "what": [
                        strings["fig_national"].format(value=format_value(national.estimate, indicator.unit, lang))
                    ],
                }
            ),
            colour="#333333",
        )
    plot += p9.geom_linerange(
        p9.aes(ymin="ci_low", ymax="ci_high", colour="gender"), data=shown, position=dodge, size=0.9
    )
    plot += p9.geom_point(
        p9.aes(y="estimate", fill="gender", shape="gender"),
        data=shown,
        position=dodge,
        size=3,
        stroke=0.6,
        colour="#000000",
    )
    if not hidden.empty:
        # No marker for a suppressed cell: on the axis it would read as zero.
        plot += p9.geom_text(
            p9.aes(y="estimate", label="label"),
            data=hidden,
            position=dodge,
            ha="left",
            va="center",
            size=8.5,
            colour="#555555",
            fontstyle="italic",
            family=FONT,
            show_legend=False,
        )
    plot += p9.scale_shape_manual(values=dict(zip(genders, GENDER_SHAPES, strict=True)), drop=False)
    plot += p9.scale_fill_manual(values=dict(zip(genders, GENDER_COLOURS, strict=True)), drop=False)
    plot += p9.scale_colour_manual(values=dict(zip(genders, GENDER_COLOURS, strict=True)), drop=False)
    plot += p9.scale_linetype_manual(values=["dashed"])
    plot += p9.scale_y_continuous(limits=axis.limits, breaks=list(axis.breaks), labels=axis.labels)
    plot += p9.scale_x_discrete(drop=False)
    plot += p9.coord_flip()
    subtitle = (
        strings["not_asked_note"].format(wave=project.waves[wave].label[lang])
        if national.not_asked
        else project.waves[wave].label[lang]
    )
    plot += p9.labs(
        title=_wrapped(indicator.label[lang], TITLE_CHARS, lang),
        subtitle=_wrapped(subtitle, SUBTITLE_CHARS, lang),
        caption=_wrapped(strings["fig_caption"].format(min_n=project.min_cell_n), CAPTION_CHARS, lang),
        x="",
        y=axis.title,
        fill=project.codebook["gender_code"].label[lang],
        shape=project.codebook["gender_code"].label[lang],
        colour=project.codebook["gender_code"].label[lang],
        linetype="",
    )
    plot += p9.guides(linetype=p9.guide_legend(order=2), fill=p9.guide_legend(order=1))
    plot += theme_perception(
        FIGURE_WIDTH_IN,
        figure_height(project, wave),
        legend_position="bottom",
        legend_box="vertical",
        panel_grid_major_y=p9.element_blank(),
    )
    return plot


def alt_text(indicators: pd.DataFrame | Estimates, project: Project, wave: str, indicator_id: str, lang: str) -> str:
    """What the chart shows, in words, for readers who cannot see it.

    Built from the published regional estimates (all genders together): the
    highest and lowest region, the national figure, women and men, and how
    many cells of the chart are suppressed. Ties go to the region configured
    first, so the text is stable.
    """
    estimates = indicators if isinstance(indicators, Estimates) else Estimates(indicators)
    strings = load_strings(lang)
    indicator = find_indicator(project, indicator_id)
    mark = strings["suppressed_mark"]

    def shown(cell: Cell) -> str:
        if cell.missing_by_design:
            return strings[f"status_{cell.status}"]
        return format_value(cell.estimate, indicator.unit, lang) if cell.published else mark

    fields = {
        "indicator": indicator.label[lang],
        "wave": project.waves[wave].label[lang],
        "national": shown(estimates.get(wave, indicator_id, "national")),
    }
    regional = [
        (region, estimates.get(wave, indicator_id, "region", region.code))
        for region in project.wave_geography(wave).regions
    ]
    regional = [(region, cell) for region, cell in regional if cell.published]
    if regional:
        high = max(regional, key=lambda item: item[1].estimate)
        low = min(regional, key=lambda item: item[1].estimate)
        text = strings["alt_text"].format(
            **fields,
            high_region=high[0].name[lang],
            high=shown(high[1]),
            low_region=low[0].name[lang],
            low=shown(low[1]),
        )
    else:
        text = strings["alt_text_no_region"].format(**fields)
    women, men = "f", "m"  # the gender codes of the estimation domains (config/codebook.yaml)
    text += strings["alt_text_gender"].format(
        women_label=_gender_label(project, women, lang),
        women=shown(estimates.get(wave, indicator_id, "gender", gender=women)),
        men_label=_gender_label(project, men, lang),
        men=shown(estimates.get(wave, indicator_id, "gender", gender=men)),
    )
    hidden = sum(
        not (cell := estimates.get(wave, indicator_id, "region_gender", region.code, code)).published
        and not cell.missing_by_design
        for region in project.wave_geography(wave).regions
        for code in gender_codes(project)
    )
    if hidden:
        text += strings["alt_text_suppressed"].format(count=hidden, min_n=project.min_cell_n)
    return text

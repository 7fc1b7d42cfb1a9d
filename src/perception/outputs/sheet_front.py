"""Page 1 of a fact sheet: what the sheet is about (fieldwork, sample, publication) and its one chart.

The chart shows trust in each institution (the shares of the trust chapter)
for the region, the country, and the region's women and men, with 95 %
intervals, drawn straight with matplotlib into the sheet's page so it prints
sharp on any printer. Numbers are cells of ``indicators.csv`` only.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D

from perception.catalog.results import Estimates
from perception.config.geography import Region
from perception.config.project import Project
from perception.config.registry import Indicator
from perception.i18n import load_strings
from perception.i18n.numbers import format_count, format_date, format_percent
from perception.outputs.chart_specs import GENDER_COLOURS, NATIONAL_COLOUR, REGION_COLOUR, missing_word
from perception.outputs.style import FONT

TRUST_CHAPTER = "trust"  # the institutions the page-1 chart shows
CHART_ROW = 0.022  # height of one institution's row in the page-1 chart, fraction of the page


def about_lines(project: Project, sample: pd.DataFrame, region: Region, lang: str) -> list[str]:
    """Fieldwork, sample, publication date and version: what a reader needs to judge and cite the sheet."""
    strings = load_strings(lang)
    wave = project.waves[project.wave_ids[-1]]
    publication = project.publication
    here = sample.loc[sample["region_code"] == region.code, "n_respondents"].sum()
    lines = []
    if wave.fieldwork:
        lines.append(
            strings["about_fieldwork"].format(
                start=format_date(wave.fieldwork[0], lang), end=format_date(wave.fieldwork[1], lang)
            )
        )
    lines.append(
        strings["about_sample" if here else "about_sample_none"].format(
            n=format_count(here, lang),
            region=region.name[lang],
            total=format_count(sample["n_respondents"].sum(), lang),
        )
    )
    published = []
    if publication.date:
        published.append(strings["about_date"].format(date=format_date(publication.date, lang)))
    if publication.version:
        published.append(strings["about_version"].format(version=publication.version))
    if published:
        lines.append(strings["about_separator"].join(published))
    return lines


def institutions_chart(
    figure: plt.Figure,
    box: tuple[float, float, float, float],
    project: Project,
    estimates: Estimates,
    region: Region,
    indicators: list[Indicator],
    lang: str,
) -> None:
    """Institutions: the region, the country, the region's women and men, with 95 % intervals.

    An unpublished cell gets no marker (one on the axis would read as zero)
    but the word "suppressed"; a fragile one is hollow.
    """
    strings = load_strings(lang)
    wave = project.wave_ids[-1]
    women = project.codebook.value_label("gender_code", "f", lang)
    men = project.codebook.value_label("gender_code", "m", lang)
    series = [
        (region.name[lang], REGION_COLOUR, "o", lambda i: estimates.get(wave, i.id, "region", region.code)),
        (strings["national"], NATIONAL_COLOUR, "D", lambda i: estimates.get(wave, i.id, "national")),
        (women, GENDER_COLOURS[0], "o", lambda i: estimates.get(wave, i.id, "region_gender", region.code, "f")),
        (men, GENDER_COLOURS[1], "s", lambda i: estimates.get(wave, i.id, "region_gender", region.code, "m")),
    ]
    left = 0.34  # share of the box for the institution labels
    axes = figure.add_axes((box[0] + left * box[2], box[1] + 0.2 * box[3], (1 - left) * box[2], 0.74 * box[3]))
    step = 0.8 / len(series)
    for row, indicator in enumerate(indicators):
        y0 = len(indicators) - 1 - row
        figure.text(
            box[0],
            box[1] + 0.2 * box[3] + 0.74 * box[3] * (y0 + 0.5) / len(indicators),
            textwrap.fill(indicator.label[lang], 38),
            size=7,
            family=FONT,
            va="center",
        )
        missing: dict[str, list[str]] = {}  # word -> the series it applies to, in order
        for k, (label, colour, shape, get) in enumerate(series):
            y = y0 + 0.9 - step * (k + 0.5)
            cell = get(indicator)
            if not cell.published:
                missing.setdefault(missing_word(cell, strings), []).append(label)
                continue
            axes.plot([cell.ci_low * 100, cell.ci_high * 100], [y, y], color=colour, lw=1.2)
            axes.plot(
                cell.estimate * 100,
                y,
                marker=shape,
                markersize=5,
                markeredgecolor="#000000" if not cell.flagged else colour,
                markerfacecolor="#ffffff" if cell.flagged else colour,
                markeredgewidth=0.6 if not cell.flagged else 1.2,
                linestyle="none",
            )
        # one note per reason, naming the series it covers unless it covers them all: four
        # stacked notes in one row would overprint at this size
        labels = [label for label, *_ in series]
        for k, (word, which) in enumerate(missing.items()):
            y = y0 + 0.5 if which == labels else y0 + 0.75 - 0.5 * k / max(1, len(missing) - 1)
            text = word if which == labels else f"{strings['list_separator'].join(which)}{strings['colon']}{word}"
            axes.text(1, y, text, size=6, family=FONT, color="#555555", va="center")
    axes.set_xlim(0, 100)
    axes.set_ylim(0, len(indicators))
    axes.set_yticks([])
    axes.set_xticks(range(0, 101, 20))
    axes.set_xticklabels([format_percent(v / 100, lang, digits=0) for v in range(0, 101, 20)], size=7, family=FONT)
    axes.grid(axis="x", color="#dddddd", lw=0.5)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    handles = [
        Line2D([], [], color=colour, marker=shape, markeredgecolor="#000000", markersize=5, lw=1.2, label=label)
        for label, colour, shape, _ in series
    ]
    legend = axes.legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=4, frameon=False, fontsize=7
    )
    for text in legend.get_texts():
        text.set_family(FONT)

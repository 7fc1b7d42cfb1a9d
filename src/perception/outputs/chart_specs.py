"""What the page charts show, without drawing them: the summary, gender, trends and regional charts.

A ``Chart`` is panels of ``Series`` (a legend label, a colour, a shape and
where its cells come from in ``indicators.csv``). ``perception.outputs.charts``
draws it with plotnine; the book only needs its title and its alt text, so
building a book never loads the plotting libraries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from perception.catalog.paths import page_chart_names
from perception.catalog.results import Cell, Estimates
from perception.config.geography import Region
from perception.config.project import Project
from perception.config.registry import Indicator
from perception.i18n import load_strings
from perception.i18n.numbers import format_value

# Women and men differ by marker shape *and* by fill lightness, so a chart
# stays readable when printed in greyscale.
GENDER_SHAPES = ("o", "s")
GENDER_COLOURS = ("#1f4e79", "#e69f00")
NATIONAL_COLOUR, REGION_COLOUR = "#8c8c8c", "#6a3d9a"
WAVE_COLOURS = ("#9ecae1", "#4292c6", "#08519c", "#08306b", "#6baed6", "#2171b5", "#c6dbef", "#084594")
WAVE_SHAPES = ("o", "s", "D", "^", "v", "P", "X", "h")


@dataclass(frozen=True)
class Series:
    """One kind of marker: its legend label, colour, shape and where its cells come from."""

    label: str
    colour: str
    shape: str
    cell: Callable[[Indicator], Cell]


@dataclass(frozen=True)
class Panel:
    title: str
    series: list[Series]


@dataclass(frozen=True)
class Chart:
    """What one chart shows: its panels, title and subtitle (drawn by ``dot_chart``, told by ``chart_alt``)."""

    panels: list[Panel]
    title: str
    subtitle: str


def missing_word(cell: Cell, strings: dict) -> str:
    """Why a cell has no marker, in a word: not asked, not surveyed, other boundaries, or suppressed."""
    return strings[f"fig_{cell.status}"] if cell.missing_by_design else strings["fig_suppressed"]


def shares(project: Project) -> list[Indicator]:
    return [indicator for indicator in project.indicators if indicator.is_proportion]


def chart_alt(project: Project, chart: Chart, lang: str) -> str:
    """Every value the chart draws, in words, for readers who cannot see it."""
    strings = load_strings(lang)
    parts = []
    for panel in chart.panels:
        lines = []
        for indicator in shares(project):
            values = []
            for series in panel.series:
                cell = series.cell(indicator)
                shown = missing_word(cell, strings)
                if cell.published:
                    shown = format_value(cell.estimate, "proportion", lang)
                values.append(f"{series.label} {shown}")
            lines.append(f"{indicator.label[lang]}{strings['colon']}{', '.join(values)}")
        parts.append((f"{panel.title}{strings['colon']}" if panel.title else "") + strings["alt_separator"].join(lines))
    return f"{chart.title} ({chart.subtitle}). " + ". ".join(parts) + "."


def _gender(project: Project, lang: str) -> list[tuple[str, str, str, str]]:
    """(code, label, colour, shape) of each configured gender."""
    gender = project.codebook["gender_code"]
    return [
        (str(code), labels[lang], colour, shape)
        for (code, labels), colour, shape in zip(gender.codes.items(), GENDER_COLOURS, GENDER_SHAPES, strict=False)
    ]


def summary_chart(estimates: Estimates, project: Project, lang: str) -> Chart:
    """National shares of the latest wave."""
    strings = load_strings(lang)
    wave = project.wave_ids[-1]
    national = Series(strings["national"], REGION_COLOUR, "o", lambda i: estimates.get(wave, i.id, "national"))
    return Chart([Panel("", [national])], strings["chart_summary_title"], project.waves[wave].label[lang])


def gender_chart(estimates: Estimates, project: Project, lang: str) -> Chart:
    """Women and men nationally, latest wave."""
    strings = load_strings(lang)
    wave = project.wave_ids[-1]
    series = [
        Series(label, colour, shape, lambda i, c=code: estimates.get(wave, i.id, "gender", gender=c))
        for code, label, colour, shape in _gender(project, lang)
    ]
    return Chart([Panel("", series)], strings["chart_gender_title"], project.waves[wave].label[lang])


def trends_chart(estimates: Estimates, project: Project, lang: str) -> Chart:
    """National shares in every wave, oldest first."""
    strings = load_strings(lang)
    series = [
        Series(
            project.waves[wave].label[lang],
            WAVE_COLOURS[k % len(WAVE_COLOURS)],
            WAVE_SHAPES[k % len(WAVE_SHAPES)],
            lambda i, w=wave: estimates.get(w, i.id, "national"),
        )
        for k, wave in enumerate(project.wave_ids)
    ]
    return Chart([Panel("", series)], strings["chart_trends_title"], strings["national"])


def region_chart(estimates: Estimates, project: Project, region: Region, lang: str) -> Chart:
    """The region against the country, beside the region's women against its men (latest wave)."""
    strings = load_strings(lang)
    wave = project.wave_ids[-1]
    name = region.name[lang]
    versus = Panel(
        strings["chart_region_panel"].format(region=name),
        [
            Series(name, REGION_COLOUR, "o", lambda i: estimates.get(wave, i.id, "region", region.code)),
            Series(strings["national"], NATIONAL_COLOUR, "D", lambda i: estimates.get(wave, i.id, "national")),
        ],
    )
    gender = Panel(
        strings["chart_region_gender_panel"].format(region=name),
        [
            Series(label, colour, shape, lambda i, c=code: estimates.get(wave, i.id, "region_gender", region.code, c))
            for code, label, colour, shape in _gender(project, lang)
        ],
    )
    return Chart([versus, gender], strings["chart_region_title"].format(region=name), project.waves[wave].label[lang])


def page_charts(estimates: Estimates, project: Project, lang: str) -> dict[str, Chart]:
    """Every page chart of one language, keyed by its name (``catalog.paths.chart_names``)."""
    charts = {"summary": summary_chart(estimates, project, lang), "gender": gender_chart(estimates, project, lang)}
    if len(project.wave_ids) > 1:
        charts["trends"] = trends_chart(estimates, project, lang)
    for region in project.report_geography.regions:
        charts[f"region-{region.code}"] = region_chart(estimates, project, region, lang)
    assert list(charts) == page_chart_names(project.wave_ids, project.report_geography.codes)
    return charts

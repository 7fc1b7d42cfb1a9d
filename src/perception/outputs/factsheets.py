"""Printable regional fact sheets: a two-page A4 PDF per region, in each language of the book.

Dialogue forums meet where there is no connection and often no colour
printer, so each region gets an A4 sheet built offline with matplotlib's PDF
backend (no browser, no LaTeX): the region's key indicators against the
national figure with 95 % confidence intervals, its gender gaps, what changed
since the baseline, a tile map locating the region, and a short method note.

Numbers are cells of ``indicators.csv`` and ``comparisons.csv`` formatted as
in the book; a difference is called clear only where the comparisons table
says it is significant. Words come from ``book/templates/strings.yaml`` and
the project metadata. The PDF carries no creation date and a fixed producer,
so the same inputs give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.patches import Rectangle

from perception.catalog.domains import on_layout
from perception.catalog.results import Cell, Comparisons, Difference, Estimates
from perception.catalog.status import BY_DESIGN
from perception.config.geography import Region
from perception.config.project import Project
from perception.config.registry import Indicator
from perception.i18n import load_strings
from perception.i18n.numbers import (
    format_count,
    format_difference,
    format_difference_ci,
    format_estimate,
    format_value,
    listed,
)
from perception.i18n.typography import typeset
from perception.outputs.designs import describe_wave
from perception.outputs.headlines import region_headlines
from perception.outputs.maps import HIGH_FILL, LOW_FILL, tile_positions
from perception.outputs.sheet_front import CHART_ROW, TRUST_CHAPTER, about_lines, institutions_chart
from perception.outputs.sheet_layout import PAGES, SCALES, Sheet
from perception.outputs.style import FONT
from perception.outputs.territories import territory_cell


def _difference(row: Difference, indicator: Indicator, mark: str, lang: str) -> str:
    """The difference with its 95 % interval, e.g. "+4,7 pts [+0,9 ; +8,5]"."""
    if not row.published:
        return mark
    return (
        f"{format_difference(row.difference, indicator.unit, lang)} "
        f"{format_difference_ci(row.ci_low, row.ci_high, indicator.unit, lang)}"
    )


def _locator(page: Sheet, project: Project, region: Region, strings: dict, lang: str) -> None:
    """Tile map in the top-right corner with the region dark and the others light."""
    positions = tile_positions(project.report_geography)
    rows = max(r for r, _ in positions.values()) + 1
    cols = max(c for _, c in positions.values()) + 1
    axes = page.figure.add_axes((0.66, 0.80, 0.27, 0.16))
    for other in project.report_geography.regions:
        row, col = positions[other.code]
        mine = other.code == region.code
        axes.add_patch(
            Rectangle((col, -row), 0.92, 0.92, facecolor=HIGH_FILL if mine else LOW_FILL, edgecolor="#1a1a1a", lw=0.4)
        )
        axes.text(
            col + 0.46,
            -row + 0.46,
            other.name[lang],
            size=5,
            ha="center",
            va="center",
            family=FONT,
            color="#ffffff" if mine else "#1a1a1a",
            weight="bold" if mine else "normal",
        )
    axes.set_xlim(-0.1, cols)
    axes.set_ylim(-rows + 0.9, 1.0)
    axes.set_aspect("equal")
    axes.axis("off")
    axes.set_title(strings["factsheet_locator"], size=7, family=FONT)


def _missing(status: str, strings: dict, printed: set[str]) -> str:
    """The words for a cell without a number (recorded in ``printed`` for the note), or the suppression mark."""
    if status in BY_DESIGN:
        printed.add(status)
        return strings[f"status_mark_{status}"]
    return strings["suppressed_mark"]


def _status_notes(printed: set[str], strings: dict) -> str:
    return " ".join(strings[f"status_note_{status}"] for status in BY_DESIGN if status in printed)


def _verdict(row: Difference, strings: dict) -> str:
    if not row.published:
        return "" if row.missing_by_design else strings["suppressed_mark"]
    return strings["verdict_clear"] if row.significant else strings["verdict_unclear"]


def write_factsheet(
    path: Path,
    project: Project,
    estimates: Estimates,
    comparisons: Comparisons,
    sample: pd.DataFrame,
    region: Region,
    lang: str,
) -> Sheet:
    """One region's sheet, written to ``path``: two A4 pages, or more rather than a lost row.

    Drawn at the text size :func:`measure_factsheet` chose; returns the drawn
    sheet (its ``drawn`` rows).
    """
    strings = load_strings(lang)
    title = strings["factsheet_title"].format(region=region.name[lang])
    metadata = {
        "Title": typeset(title, lang),
        "Author": typeset(strings["author"], lang),
        "Creator": None,
        "Producer": "perception",
        "CreationDate": None,
    }
    scale = measure_factsheet(project, estimates, comparisons, sample, region, lang).scale
    with PdfPages(path, metadata=metadata) as pdf:
        return _lay_out(pdf, scale, project, estimates, comparisons, sample, region, lang)


def measure_factsheet(
    project: Project,
    estimates: Estimates,
    comparisons: Comparisons,
    sample: pd.DataFrame,
    region: Region,
    lang: str,
) -> Sheet:
    """The sheet laid out, not drawn, at the largest text size at which it fits on two pages (else the smallest).

    Its ``pages`` and ``drawn`` rows are those :func:`write_factsheet` draws.
    """
    for scale in SCALES:
        sheet = _lay_out(None, scale, project, estimates, comparisons, sample, region, lang)
        if sheet.pages <= PAGES:
            return sheet
    return sheet


def _lay_out(pdf: PdfPages | None, scale: float, project, estimates, comparisons, sample, region, lang) -> Sheet:
    sheet = Sheet(pdf, scale, lang)
    _contents(sheet, project, estimates, comparisons, sample, region, lang)
    sheet.finish()
    return sheet


def _contents(
    sheet: Sheet,
    project: Project,
    estimates: Estimates,
    comparisons: Comparisons,
    sample: pd.DataFrame,
    region: Region,
    lang: str,
) -> None:
    """Title, the region against the country, women and men, changes since the baseline, method."""
    strings = load_strings(lang)
    mark, flag = strings["suppressed_mark"], strings["unreliable_mark"]
    waves = project.wave_ids
    wave, baseline = waves[-1], waves[0]
    name = region.name[lang]
    publication = project.publication
    survey = publication.survey[lang] if publication.survey else strings["book_title"]
    sheet.text(survey, size=9, gap=0.3, width=70)
    sheet.text(strings["factsheet_title"].format(region=name), size=16, weight="bold", gap=0.8, width=40)
    sheet.text(project.waves[wave].label[lang], size=10, gap=0.6)
    respondents = sample.loc[sample["region_code"] == region.code, "n_respondents"].sum()
    for line in about_lines(project, sample, region, lang):
        sheet.text(line, size=7.5, gap=0.1, width=95)
    sheet.y -= sheet.row * 0.8
    if sheet.figure is not None:
        _locator(sheet, project, region, strings, lang)
    sheet.heading(strings["region_findings"], keep=sheet.row * 3)
    findings = list(region_headlines(project, estimates, comparisons, region, lang).all)
    if not respondents:  # a wave that did not reach the region: say so first, under the findings
        findings.insert(
            0, strings["region_not_surveyed_intro"].format(wave=project.waves[wave].label[lang], region=name)
        )
    for line in findings:
        sheet.text(f"• {line}", size=8.5, gap=0.5, width=110)
    sheet.y -= sheet.row * 0.4
    institutions = [i for i in project.indicators if i.chapter == TRUST_CHAPTER and i.is_proportion]
    if institutions:
        sheet.text(strings["factsheet_chart_title"].format(region=name), size=9, weight="bold", gap=0.3, width=100)
        height = CHART_ROW * (len(institutions) + 1.6)
        sheet.block(
            height, lambda figure, box: institutions_chart(figure, box, project, estimates, region, institutions, lang)
        )
    intro = strings["factsheet_intro" if respondents else "factsheet_intro_none"].format(
        region=name, n=format_count(respondents, lang)
    )
    sheet.text(intro, size=7, gap=1.0, width=140)
    rows = []
    printed: set[str] = set()
    for indicator in project.indicators:
        here = estimates.get(wave, indicator.id, "region", region.code)
        national = estimates.get(wave, indicator.id, "national")
        rows.append(
            [
                indicator.label[lang],
                *(
                    format_estimate(cell, indicator.unit, lang, mark, flag)
                    if cell.published or not cell.missing_by_design
                    else _missing(cell.status, strings, printed)
                    for cell in (here, national)
                ),
                format_count(here.n, lang),
            ]
        )
    sheet.heading(strings["factsheet_key"], keep=sheet.row * 3)
    sheet.table(
        [strings["col_indicator"], name, strings["national"], strings["col_n"]],
        rows,
        [0.52, 0.2, 0.2, 0.08],
        [False] * len(rows),
    )
    note = strings["factsheet_table_note"].format(min_n=project.min_cell_n)
    sheet.text(" ".join(filter(None, [note, _status_notes(printed, strings)])), size=7, width=140, gap=1.5)
    sheet.heading(strings["factsheet_gaps"].format(wave=project.waves[wave].label[lang]), keep=sheet.row * 3)
    women = project.codebook.value_label("gender_code", "f", lang)
    men = project.codebook.value_label("gender_code", "m", lang)
    _comparison_table(
        sheet,
        project,
        strings,
        lang,
        [
            strings["col_indicator"],
            women,
            men,
            strings["col_gap_gender"].format(women=women.lower(), men=men.lower()),
            strings["col_reading"],
        ],
        lambda indicator: comparisons.gap(wave, indicator.id, "region", region.code),
        reference_first=False,
        sides=lambda indicator: (
            estimates.get(wave, indicator.id, "region_gender", region.code, "f"),
            estimates.get(wave, indicator.id, "region_gender", region.code, "m"),
        ),
    )
    if len(waves) > 1:
        _changes(sheet, project, estimates, comparisons, region, lang, strings)
    sheet.room(sheet.row * 4)
    sheet.text(strings["factsheet_method_title"], size=9, weight="bold", gap=0.3)
    # how each wave shown was sampled and weighted, from its configured design
    shown = dict.fromkeys([baseline, wave] if len(waves) > 1 else [wave])
    design = " ".join(describe_wave(project, w, lang, short=True) for w in shown)
    sheet.text(strings["factsheet_method"].format(design=design, min_n=project.min_cell_n), size=7, width=140)
    cite = [
        *([strings["factsheet_citation"].format(citation=publication.citation[lang])] if publication.citation else []),
        *([strings["factsheet_contact"].format(contact=publication.contact)] if publication.contact else []),
    ]
    for line in cite:
        sheet.text(line, size=7, width=140, gap=0.2)


def _changes(
    sheet: Sheet,
    project: Project,
    estimates: Estimates,
    comparisons: Comparisons,
    region: Region,
    lang: str,
    strings: dict,
) -> None:
    """Changes since the baseline: the region's own, or, where the reform redrew it, its former territory's.

    A printed sheet has room for one table: for Douentza or Mopti of a 2023
    wave against a 2012 baseline, every row of the region's own table would
    read "autre découpage", so the sheet shows the change over Mopti as
    drawn in 2012 instead (:mod:`perception.estimate.territories`).
    """
    waves = project.wave_ids
    baseline, wave = waves[0], waves[-1]
    labels = {"baseline": project.waves[baseline].label[lang], "wave": project.waves[wave].label[lang]}
    found = project.former_territory(wave, baseline, region.code)
    if found is None:
        heading = strings["factsheet_changes"].format(**labels)
        domain, code, own = (
            project.change_domain(wave, baseline, region.code),
            region.code,
            project.wave_geography(wave),
        )

        def sides(indicator: Indicator) -> tuple[Cell, Cell]:
            return tuple(territory_cell(estimates, project, w, indicator.id, own, code) for w in (wave, baseline))
    else:
        layout, code, parts = found
        domain = on_layout("region", layout.layout)
        own = project.wave_geography(wave)
        heading = strings["factsheet_territory_changes"].format(
            former=layout.name(code, lang), parts=listed([own.name(part, lang) for part in parts], strings), **labels
        )

        def sides(indicator: Indicator) -> tuple[Cell, Cell]:
            return tuple(territory_cell(estimates, project, w, indicator.id, layout, code) for w in (wave, baseline))

    sheet.heading(heading, keep=sheet.row * 3)
    _comparison_table(
        sheet,
        project,
        strings,
        lang,
        [strings["col_indicator"], labels["baseline"], labels["wave"], strings["col_change"], strings["col_reading"]],
        lambda indicator: comparisons.change(wave, indicator.id, domain, code),
        reference_first=True,
        sides=sides,
    )


def _comparison_table(
    page: Sheet,
    project: Project,
    strings: dict,
    lang: str,
    header: list[str],
    lookup: Callable[[Indicator], Difference],
    reference_first: bool,
    sides: Callable[[Indicator], tuple[Cell, Cell]],
) -> None:
    """Both estimates, their difference with its interval, and the verdict; clear differences shaded.

    A gender gap reads women then men (estimate, reference); a change reads
    baseline then latest wave (reference first), as time runs. A side without
    a number says why in its own words (``sides``: its cell in the indicators
    table): a baseline estimate masked as unreliable is not "not surveyed"
    because the latest wave did not reach the region.
    """
    rows, shade = [], []
    printed: set[str] = set()
    for indicator in project.indicators:
        row = lookup(indicator)
        values = []
        for value, side in zip((row.estimate, row.reference_estimate), sides(indicator), strict=True):
            if row.published or (row.missing_by_design and value is not None):
                values.append(format_value(value, indicator.unit, lang))
            elif row.missing_by_design and side.published:  # no comparison by design: the side's figure stands
                values.append(format_value(side.estimate, indicator.unit, lang))
            else:
                values.append(_missing(side.status if value is None else row.status, strings, printed))
        if reference_first:
            values.reverse()
        difference = _difference(row, indicator, _missing(row.status, strings, printed), lang)
        rows.append([indicator.label[lang], *values, difference, _verdict(row, strings)])
        shade.append(row.published and row.significant)
    page.table(header, rows, [0.38, 0.1, 0.1, 0.23, 0.19], shade)
    if printed:
        page.text(_status_notes(printed, strings), size=7, width=140, gap=1.0)

"""Printable regional fact sheets: a two-page French PDF per region.

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

import textwrap
from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from perception.catalog.results import Comparisons, Difference, Estimates
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
)
from perception.outputs.maps import HIGH_FILL, LOW_FILL, tile_positions
from perception.outputs.style import FONT

LANG = "fr"  # the language of the forums; the English edition links to the same sheets
A4_IN = (8.27, 11.69)
MARGIN = 0.07  # left/right margin, fraction of the page width
ROW = 11 / (A4_IN[1] * 72)  # one line of table text, fraction of the page height
TABLE_PT = 7
CHAR_PT = 4.3  # average width of a 7 pt DejaVu Sans character, to wrap cells to their column


def _difference(row: Difference, indicator: Indicator, mark: str) -> str:
    """The difference with its 95 % interval, e.g. "+4,7 pts [+0,9 ; +8,5]"."""
    if not row.published:
        return mark
    return (
        f"{format_difference(row.difference, indicator.unit, LANG)} "
        f"{format_difference_ci(row.ci_low, row.ci_high, indicator.unit, LANG)}"
    )


class _Page:
    """One A4 page on which text and tables are laid out from the top down."""

    def __init__(self) -> None:
        self.figure = plt.figure(figsize=A4_IN)
        self.y = 1 - 0.06

    def text(self, text: str, size: float = 8, weight: str = "normal", gap: float = 0.6, width: int = 120) -> None:
        lines = textwrap.wrap(text, width=width) or [""]
        for line in lines:
            self.figure.text(MARGIN, self.y, line, size=size, weight=weight, family=FONT, va="top")
            self.y -= ROW * size / TABLE_PT
        self.y -= ROW * gap

    def table(self, header: list[str], rows: list[list[str]], widths: list[float], shade: list[bool]) -> None:
        """Columns at ``widths`` (fractions of the text width); first column left, others right-aligned.

        Every cell wraps to its column's width, so long labels and wave
        names never run into the next column. ``shade`` marks rows drawn on a
        light grey band (clear differences), visible in a greyscale print too.
        """
        usable = 1 - 2 * MARGIN
        edges = [MARGIN]
        for width in widths:
            edges.append(edges[-1] + width * usable)
        chars = [max(4, int(width * usable * A4_IN[0] * 72 / CHAR_PT)) for width in widths]

        def draw(cells: list[str], weight: str) -> None:
            lines = [textwrap.wrap(cell, width=n) or [""] for cell, n in zip(cells, chars, strict=True)]
            for column, cell_lines in enumerate(lines):
                x, align = (edges[0], "left") if column == 0 else (edges[column + 1] - 0.005, "right")
                for i, line in enumerate(cell_lines):
                    self.figure.text(
                        x, self.y - i * ROW, line, size=TABLE_PT, weight=weight, family=FONT, va="top", ha=align
                    )
            self.y -= ROW * max(len(cell_lines) for cell_lines in lines) + ROW * 0.3

        def rule(width: float) -> None:
            self.figure.add_artist(Line2D([MARGIN, 1 - MARGIN], [self.y + ROW * 0.15] * 2, lw=width, color="#1a1a1a"))

        draw(header, "bold")
        rule(0.8)
        for row, shaded in zip(rows, shade, strict=True):
            top = self.y + ROW * 0.3
            draw(row, "normal")
            if shaded:
                band = Rectangle(
                    (MARGIN, self.y + ROW * 0.3), 1 - 2 * MARGIN, top - self.y - ROW * 0.3, color="#e6e6e6", zorder=-1
                )
                self.figure.add_artist(band)
        rule(0.5)
        self.y -= ROW


def _locator(page: _Page, project: Project, region: Region, strings: dict) -> None:
    """Tile map in the top-right corner with the region dark and the others light."""
    positions = tile_positions(project.geography)
    rows = max(r for r, _ in positions.values()) + 1
    cols = max(c for _, c in positions.values()) + 1
    axes = page.figure.add_axes((0.66, 0.80, 0.27, 0.16))
    for other in project.geography.regions:
        row, col = positions[other.code]
        mine = other.code == region.code
        axes.add_patch(
            Rectangle((col, -row), 0.92, 0.92, facecolor=HIGH_FILL if mine else LOW_FILL, edgecolor="#1a1a1a", lw=0.4)
        )
        axes.text(
            col + 0.46,
            -row + 0.46,
            other.name[LANG],
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


def _verdict(row: Difference, strings: dict) -> str:
    if not row.published:
        return strings["suppressed_mark"]
    return strings["verdict_clear"] if row.significant else strings["verdict_unclear"]


def write_factsheet(
    path: Path,
    project: Project,
    estimates: Estimates,
    comparisons: Comparisons,
    sample: pd.DataFrame,
    region: Region,
) -> None:
    """The two pages of one region's sheet, written to ``path``."""
    strings = load_strings(LANG)
    mark, flag = strings["suppressed_mark"], strings["unreliable_mark"]
    waves = project.wave_ids
    wave, baseline = waves[-1], waves[0]
    name = region.name[LANG]
    title = strings["factsheet_title"].format(region=name)
    metadata = {
        "Title": title,
        "Author": strings["author"],
        "Creator": None,
        "Producer": "perception",
        "CreationDate": None,
    }
    with PdfPages(path, metadata=metadata) as pdf:
        first = _Page()
        first.text(strings["book_title"], size=9, gap=0.3)
        first.text(title, size=16, weight="bold", gap=0.8, width=40)
        first.text(project.waves[wave].label[LANG], size=10, gap=1.0)
        respondents = sample.loc[sample["region_code"] == region.code, "n_respondents"].sum()
        first.text(strings["factsheet_intro"].format(region=name, n=format_count(respondents, LANG)), gap=1.2, width=80)
        _locator(first, project, region, strings)
        first.text(strings["factsheet_key"], size=11, weight="bold")
        rows, shade = [], []
        for indicator in project.indicators:
            here = estimates.get(wave, indicator.id, "region", region.code)
            national = estimates.get(wave, indicator.id, "national")
            rows.append(
                [
                    indicator.label[LANG],
                    format_estimate(here, indicator.unit, LANG, mark, flag),
                    format_estimate(national, indicator.unit, LANG, mark, flag),
                    format_count(here.n, LANG),
                ]
            )
            shade.append(False)
        first.table(
            [strings["col_indicator"], name, strings["national"], strings["col_n"]],
            rows,
            [0.52, 0.2, 0.2, 0.08],
            shade,
        )
        first.text(strings["factsheet_table_note"].format(min_n=project.min_cell_n), size=7, width=140, gap=1.5)
        first.text(strings["factsheet_method_title"], size=9, weight="bold", gap=0.3)
        first.text(strings["factsheet_method"].format(min_n=project.min_cell_n), size=7, width=140)
        pdf.savefig(first.figure)
        plt.close(first.figure)

        second = _Page()
        second.text(strings["factsheet_gaps"].format(wave=project.waves[wave].label[LANG]), size=11, weight="bold")
        women = project.codebook.value_label("gender_code", "f", LANG)
        men = project.codebook.value_label("gender_code", "m", LANG)
        _comparison_table(
            second,
            project,
            strings,
            [strings["col_indicator"], women, men, strings["col_gap"], strings["col_reading"]],
            lambda indicator: comparisons.gap(wave, indicator.id, "region", region.code),
            reference_first=False,
        )
        if len(waves) > 1:
            second.text(
                strings["factsheet_changes"].format(baseline=project.waves[baseline].label[LANG]),
                size=11,
                weight="bold",
            )
            _comparison_table(
                second,
                project,
                strings,
                [
                    strings["col_indicator"],
                    project.waves[baseline].label[LANG],
                    project.waves[wave].label[LANG],
                    strings["col_change"],
                    strings["col_reading"],
                ],
                lambda indicator: comparisons.change(wave, indicator.id, "region", region.code),
                reference_first=True,
            )
        pdf.savefig(second.figure)
        plt.close(second.figure)


def _comparison_table(
    page: _Page,
    project: Project,
    strings: dict,
    header: list[str],
    lookup: Callable[[Indicator], Difference],
    reference_first: bool,
) -> None:
    """Both estimates, their difference with its interval, and the verdict; clear differences shaded.

    A gender gap reads women then men (estimate, reference); a change reads
    baseline then latest wave (reference first), as time runs.
    """
    mark = strings["suppressed_mark"]
    rows, shade = [], []
    for indicator in project.indicators:
        row = lookup(indicator)
        values = [
            format_value(value, indicator.unit, LANG) if row.published else mark
            for value in (row.estimate, row.reference_estimate)
        ]
        if reference_first:
            values.reverse()
        rows.append([indicator.label[LANG], *values, _difference(row, indicator, mark), _verdict(row, strings)])
        shade.append(row.published and row.significant)
    page.table(header, rows, [0.38, 0.1, 0.1, 0.23, 0.19], shade)

"""Markdown pieces shared by the pages: captioned tables and their marks (``md`` escapes external text)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from perception.catalog.results import Difference
from perception.catalog.status import BY_DESIGN, SUPPRESSED
from perception.config.project import Project
from perception.config.registry import Indicator
from perception.i18n import load_strings
from perception.i18n.numbers import format_difference, format_difference_ci, format_estimate, format_value
from perception.i18n.typography import keep_figures_together


@dataclass
class Table:
    """A captioned Markdown table, as ``_macros.md.j2`` renders it."""

    caption: str
    name: str
    header: list[str]
    align: str  # one letter per column: "l" left, "r" right
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)

    @property
    def rule(self) -> str:
        """The header separator line, which sets each column's alignment."""
        return "|" + "".join(":---|" if a == "l" else "---:|" for a in self.align)


class Marks:
    """The suppression and caution marks of one table, and the notes they call for.

    A table records which marks it printed; only those get a footnote, so
    a reader never sees a legend for a sign that is not there.
    """

    def __init__(self, project: Project, lang: str):
        self.strings = load_strings(lang)
        self.lang = lang
        self.min_n = project.min_cell_n
        self.suppressed = self.flagged = False
        self.statuses: set[str] = set()  # not asked, not surveyed: printed in words, each with its note

    def missing(self, status: str) -> str:
        """The words for a row without a number: the status's, or the suppression mark."""
        if status in BY_DESIGN:
            self.statuses.add(status)
            return self.strings[f"status_mark_{status}"]
        self.suppressed = True
        return self.strings["suppressed_mark"]

    def estimate(self, cell, indicator: Indicator) -> str:
        if not cell.published:
            return self.missing(cell.status)
        self.flagged |= cell.flagged
        return keep_figures_together(
            format_estimate(
                cell, indicator.unit, self.lang, self.strings["suppressed_mark"], self.strings["unreliable_mark"]
            )
        )

    def value(self, value: float | None, published: bool, indicator: Indicator, status: str = SUPPRESSED) -> str:
        if not published:
            return self.missing(status)
        return format_value(value, indicator.unit, self.lang)

    def difference(self, row: Difference, indicator: Indicator) -> list[str]:
        """Difference with its 95 % interval, then the verdict the comparisons table supports."""
        if not row.published:
            return [self.missing(row.status), ""] if row.missing_by_design else [self.missing(row.status)] * 2
        text = (
            f"{format_difference(row.difference, indicator.unit, self.lang)} "
            f"{format_difference_ci(row.ci_low, row.ci_high, indicator.unit, self.lang)}"
        )
        if row.significant:
            return [f"**{text}**", f"**{self.strings['verdict_clear']}**"]
        return [text, self.strings["verdict_unclear"]]

    def notes(self) -> list[str]:
        notes = []
        if self.suppressed:
            notes.append(self.strings["suppressed_note"].format(min_n=self.min_n))
        if self.flagged:
            notes.append(self.strings["unreliable_note"])
        notes += [self.strings[f"status_note_{status}"] for status in BY_DESIGN if status in self.statuses]
        return notes


def read_csv(path: Path, what: str) -> pd.DataFrame:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: {what} not found (is the workflow output up to date?)")
    return pd.read_csv(path, keep_default_na=False, na_values={"sum_weights": [""]})


def in_configured_order(frame: pd.DataFrame, column: str, order: list[str]) -> pd.DataFrame:
    """Rows sorted by the configured order of ``column``; unknown values last, as read."""
    rank = {value: i for i, value in enumerate(order)}
    key = frame[column].astype(str).map(lambda value: rank.get(value, len(rank)))
    return frame.assign(_rank=key).sort_values("_rank", kind="stable").drop(columns="_rank")


def plural(strings: dict, key: str, count: int, **fields) -> str:
    """``key_one`` or ``key_many`` of strings.yaml, so that French and English agree in number."""
    return strings[f"{key}_{'one' if count == 1 else 'many'}"].format(count=count, **fields)


def page_chart(chart, project: Project, lang: str, path: str, name: str, phone: str) -> dict:
    """A page chart (``perception.outputs.charts.Chart``) as ``_macros.md.j2``'s figure: path, name, alt, caption.

    ``phone`` is the same chart drawn for small screens, which the book
    shows in its place there (``custom.css``).
    """
    from perception.book.escape import option
    from perception.book.escape import text as md
    from perception.outputs.chart_specs import chart_alt

    strings = load_strings(lang)
    return {
        "path": path,
        "phone": phone,
        "name": name,
        "figclass": "page-chart has-phone",
        "alt": option(chart_alt(project, chart, lang)),
        "caption": strings["chart_figure_caption"].format(title=md(chart.title), subtitle=md(chart.subtitle)),
    }

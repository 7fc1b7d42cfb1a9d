"""The bilingual book: MyST sources from the workflow's tables, then HTML.

``write_book_sources`` turns the workflow outputs into one Jupyter Book source
tree per language:

- ``indicators.csv`` (estimates with CIs, reliability flags, suppression) and
  ``comparisons.csv`` (gender gaps and changes since the baseline, with their
  adjusted significance) feed every table and every sentence of findings;
- each wave's ``quality_summary.csv`` and ``sample_summary.csv`` and, when
  present, ``weighting_diagnostics.csv`` feed the methodology;
- the PNGs of ``perception.figures`` and ``perception.maps`` and the PDFs of
  ``perception.factsheets`` are copied in, as are the released CSVs, so that
  the downloads work offline.

It computes no statistic: every number printed is a cell of those files,
formatted for the language, and a difference is called clear only where
``comparisons.csv`` says ``is_significant``. Words come from the project
metadata (labels of waves, indicators, regions, codes) or from
``book/templates/strings.yaml``; page layout lives in the Jinja templates
next to it. Everything follows the configured order and nothing depends on
the clock, so the same inputs give the same Markdown byte for byte.

``build_book`` runs Jupyter Book 1.x on each edition (warnings are errors,
nothing is executed or fetched) and swaps the finished site into place only
when every edition built, so a failed build never leaves a half-written site.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pandas as pd

from perception.factsheets import factsheet_path
from perception.figures import (
    alt_text,
    figure_path,
    format_count,
    format_decimal,
    format_difference,
    format_difference_ci,
    format_estimate,
    format_interval,
    format_value,
    load_strings,
)
from perception.indicators import Indicator
from perception.maps import map_alt_text, map_path
from perception.metadata import LANGUAGES
from perception.project import Project
from perception.results import Comparisons, Difference, Estimates, read_comparisons, read_indicators

TEMPLATES_DIR = Path("book/templates")
STATIC_DIR = Path("book/static")
FIGURES_SUBDIR = "figures"
DOWNLOADS_SUBDIR = "downloads"
REGIONS_PAGE = "regions"
TRUST_CHAPTER = "trust"  # the chapter whose institutions the summary ranks
TOP_FINDINGS = 3  # differences listed per finding; the chapters hold the rest
UNIT_ORDER = {"proportion": 0, "index": 1, "score": 2}  # differences are ranked within a unit


class BookBuildError(RuntimeError):
    """Jupyter Book failed (or warned) on at least one edition."""


# --------------------------------------------------------------------------
# Formatting helpers shared by the pages
# --------------------------------------------------------------------------


def _md(text: object) -> str:
    """Text safe inside a Markdown table cell (a "|" would split the cell)."""
    return str(text).replace("|", "\\|")


@dataclass
class _Table:
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


class _Marks:
    """The suppression and caution marks of one table, and the notes they call for.

    A table records which marks it printed; only those get a footnote, so
    a reader never sees a legend for a sign that is not there.
    """

    def __init__(self, project: Project, lang: str):
        self.strings = load_strings(project, lang)
        self.lang = lang
        self.min_n = project.min_cell_n
        self.suppressed = self.flagged = False

    def estimate(self, cell, indicator: Indicator) -> str:
        self.suppressed |= not cell.published
        self.flagged |= cell.flagged
        return format_estimate(
            cell, indicator.unit, self.lang, self.strings["suppressed_mark"], self.strings["unreliable_mark"]
        )

    def value(self, value: float | None, published: bool, indicator: Indicator) -> str:
        self.suppressed |= not published
        return format_value(value, indicator.unit, self.lang) if published else self.strings["suppressed_mark"]

    def difference(self, row: Difference, indicator: Indicator) -> list[str]:
        """Difference with its 95 % interval, then the verdict the comparisons table supports."""
        if not row.published:
            self.suppressed = True
            return [self.strings["suppressed_mark"], self.strings["suppressed_mark"]]
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
        return notes


def _chapters(project: Project) -> list[str]:
    """Chapters in the order their first indicator appears in the registry."""
    return list(dict.fromkeys(indicator.chapter for indicator in project.indicators))


def _pages(project: Project) -> list[str]:
    """Top-level pages in reading order; the trends page only once there is a second wave."""
    trends = ["trends"] if len(project.wave_ids) > 1 else []
    return [
        "index",
        *_chapters(project),
        "gender",
        *trends,
        REGIONS_PAGE,
        "methodology",
        QUALITY_PAGE,
        "dictionary",
        "downloads",
    ]


def _region_page(code: str) -> str:
    return f"{REGIONS_PAGE}/{code}"


def _read_csv(path: Path, what: str) -> pd.DataFrame:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: {what} not found (is the workflow output up to date?)")
    return pd.read_csv(path, keep_default_na=False, na_values={"sum_weights": [""]})


def _in_configured_order(frame: pd.DataFrame, column: str, order: list[str]) -> pd.DataFrame:
    """Rows sorted by the configured order of ``column``; unknown values last, as read."""
    rank = {value: i for i, value in enumerate(order)}
    key = frame[column].astype(str).map(lambda value: rank.get(value, len(rank)))
    return frame.assign(_rank=key).sort_values("_rank", kind="stable").drop(columns="_rank")


def _plural(strings: dict, key: str, count: int, **fields) -> str:
    """``key_one`` or ``key_many`` of strings.yaml, so that French and English agree in number."""
    return strings[f"{key}_{'one' if count == 1 else 'many'}"].format(count=count, **fields)


@dataclass(frozen=True)
class _Data:
    """Everything the pages read, loaded once per build."""

    project: Project
    estimates: Estimates
    comparisons: Comparisons
    processed_dir: Path

    @property
    def latest(self) -> str:
        return self.project.wave_ids[-1]

    @property
    def baseline(self) -> str:
        return self.project.wave_ids[0]

    def wave_label(self, wave: str, lang: str) -> str:
        return self.project.waves[wave].label[lang]

    def sample(self, wave: str) -> pd.DataFrame:
        return _read_csv(self.processed_dir / wave / "sample_summary.csv", "sample summary")


# --------------------------------------------------------------------------
# Page contents
# --------------------------------------------------------------------------


def _switch(project: Project, lang: str, page: str) -> dict:
    """Links to the same page in the other editions (siblings in the site)."""
    strings = load_strings(project, lang)
    up = "../" * (page.count("/") + 1)
    links = [
        {"lang": other, "href": f"{up}{other}/{page}.html", "text": load_strings(project, other)["chooser_link"]}
        for other in project.languages
        if other != lang
    ]
    return {"aria": strings["switch_aria"], "links": links}


def _indicator_link(indicator: Indicator, lang: str) -> str:
    return f"{{ref}}`{_md(indicator.label[lang])} <ind-{indicator.id}>`"


def _indicator_table(data: _Data, indicator: Indicator, lang: str) -> _Table:
    """National, regional and gender estimates of one indicator, one column pair per wave."""
    project = data.project
    strings = load_strings(project, lang)
    marks = _Marks(project, lang)
    header = [""]
    for wave in project.wave_ids:
        header += [strings["col_estimate"].format(wave=data.wave_label(wave, lang)), strings["col_n"]]

    def row(label: str, domain: str, region: str = "", gender: str = "") -> list[str]:
        cells = []
        for wave in project.wave_ids:
            cell = data.estimates.get(wave, indicator.id, domain, region, gender)
            cells += [marks.estimate(cell, indicator), format_count(cell.n, lang)]
        return [_md(label), *cells]

    blank = [""] * (2 * len(project.wave_ids))
    rows = [row(f"**{strings['national']}**", "national")]
    rows.append([f"**{_md(project.codebook['region_code'].label[lang])}**", *blank])
    rows += [row(region.name[lang], "region", region.code) for region in project.geography.regions]
    gender = project.codebook["gender_code"]
    rows.append([f"**{_md(gender.label[lang])}**", *blank])
    rows += [row(labels[lang], "gender", gender=str(code)) for code, labels in gender.codes.items()]
    return _Table(
        caption=strings["chapter_table_caption"].format(indicator=indicator.label[lang]),
        name=f"tbl-{indicator.id}",
        header=header,
        align="l" + "r" * (2 * len(project.wave_ids)),
        rows=rows,
        notes=marks.notes(),
    )


def _headline_table(data: _Data, chapter: str, lang: str) -> _Table:
    """National estimates of the latest wave for one chapter's indicators."""
    strings = load_strings(data.project, lang)
    marks = _Marks(data.project, lang)
    rows = []
    for indicator in data.project.indicators:
        if indicator.chapter != chapter:
            continue
        cell = data.estimates.get(data.latest, indicator.id, "national")
        value, interval = marks.value(cell.estimate, cell.published, indicator), strings["suppressed_mark"]
        if cell.published:
            interval = format_interval(cell.ci_low, cell.ci_high, indicator.unit, lang)
            value += strings["unreliable_mark"] if cell.flagged else ""
            marks.flagged |= cell.flagged
        rows.append([_indicator_link(indicator, lang), value, interval, format_count(cell.n, lang)])
    return _Table(
        caption=strings["index_headline"].format(wave=data.wave_label(data.latest, lang)),
        name=f"tbl-headline-{chapter}",
        header=[strings["col_indicator"], strings["col_share"], strings["col_ci"], strings["col_n"]],
        align="lrrr",
        rows=rows,
        notes=marks.notes(),
    )


# Key findings ---------------------------------------------------------------


def _gap_item(data: _Data, indicator: Indicator, row: Difference, lang: str) -> str:
    strings = load_strings(data.project, lang)
    codebook = data.project.codebook
    return strings["finding_gap_item"].format(
        indicator=indicator.label[lang],
        women_label=codebook.value_label("gender_code", "f", lang),
        men_label=codebook.value_label("gender_code", "m", lang),
        women=format_value(row.estimate, indicator.unit, lang),
        men=format_value(row.reference_estimate, indicator.unit, lang),
        difference=format_difference(row.difference, indicator.unit, lang),
        ci=format_difference_ci(row.ci_low, row.ci_high, indicator.unit, lang),
    )


def _change_item(data: _Data, indicator: Indicator, row: Difference, lang: str) -> str:
    strings = load_strings(data.project, lang)
    return strings["finding_change_item"].format(
        indicator=indicator.label[lang],
        before=format_value(row.reference_estimate, indicator.unit, lang),
        after=format_value(row.estimate, indicator.unit, lang),
        difference=format_difference(row.difference, indicator.unit, lang),
        ci=format_difference_ci(row.ci_low, row.ci_high, indicator.unit, lang),
    )


def _clear_differences(
    data: _Data, lookup: Callable[[Indicator], Difference]
) -> tuple[list[tuple[Indicator, Difference]], int]:
    """Significant published differences, largest first (ties in registry order), and how many were published.

    Sizes are compared only within a unit (percentage points first, then
    index points, then scores), so a 0–100 index never outranks a share by
    its scale alone.
    """
    published = [(i, row) for i in data.project.indicators if (row := lookup(i)).published]
    clear = [(i, row) for i, row in published if row.significant]
    clear.sort(key=lambda item: (UNIT_ORDER[item[0].unit], -abs(item[1].difference)))
    return clear, len(published)


def _differences_finding(
    data: _Data,
    lang: str,
    key: str,
    lookup: Callable[[Indicator], Difference],
    item: Callable[[_Data, Indicator, Difference, str], str],
    **fields,
) -> dict:
    """One finding: how many clear differences, the largest few, or an explicit "no clear difference"."""
    strings = load_strings(data.project, lang)
    clear, total = _clear_differences(data, lookup)
    if not clear:
        return {"text": strings[f"{key}_none"].format(total=total, **fields), "items": []}
    return {
        "text": _plural(strings, key, len(clear), total=total, **fields),
        "items": [item(data, indicator, row, lang) for indicator, row in clear[:TOP_FINDINGS]],
    }


def _trust_finding(data: _Data, lang: str) -> dict | None:
    """Highest and lowest national trust estimate among the institutions (shares only)."""
    strings = load_strings(data.project, lang)
    cells = [
        (indicator, cell)
        for indicator in data.project.indicators
        if indicator.chapter == TRUST_CHAPTER and indicator.is_proportion
        if (cell := data.estimates.get(data.latest, indicator.id, "national")).published
    ]
    if len(cells) < 2:
        return None
    high = max(cells, key=lambda item: item[1].estimate)
    low = min(cells, key=lambda item: item[1].estimate)
    return {
        "text": strings["finding_trust"].format(
            wave=data.wave_label(data.latest, lang),
            high_label=high[0].label[lang],
            high=format_value(high[1].estimate, "proportion", lang),
            high_ci=format_interval(high[1].ci_low, high[1].ci_high, "proportion", lang),
            low_label=low[0].label[lang],
            low=format_value(low[1].estimate, "proportion", lang),
            low_ci=format_interval(low[1].ci_low, low[1].ci_high, "proportion", lang),
        ),
        "items": [],
    }


def _gap_finding(data: _Data, lang: str, domain: str = "national", region: str = "") -> dict:
    """Clear gender gaps in the latest wave, nationally or in one region."""
    return _differences_finding(
        data,
        lang,
        f"finding_gaps_{domain}",
        lambda i: data.comparisons.gap(data.latest, i.id, domain, region),
        _gap_item,
        wave=data.wave_label(data.latest, lang),
    )


def _change_finding(data: _Data, lang: str, domain: str = "national", region: str = "") -> dict:
    """Clear changes between the baseline and the latest wave, nationally or in one region."""
    return _differences_finding(
        data,
        lang,
        f"finding_changes_{domain}",
        lambda i: data.comparisons.change(data.latest, i.id, domain, region),
        _change_item,
        wave=data.wave_label(data.latest, lang),
        baseline=data.wave_label(data.baseline, lang),
    )


def _regional_gaps_finding(data: _Data, lang: str) -> dict:
    """How many regional gender gaps are clear, and where the largest are."""
    strings = load_strings(data.project, lang)
    clear, total = [], 0
    for region in data.project.geography.regions:
        found, published = _clear_differences(
            data, lambda i, r=region: data.comparisons.gap(data.latest, i.id, "region", r.code)
        )
        clear += [(region, indicator, row) for indicator, row in found]
        total += published
    wave = data.wave_label(data.latest, lang)
    if not clear:
        return {"text": strings["finding_gaps_regions_none"].format(total=total, wave=wave), "items": []}
    clear.sort(key=lambda item: (UNIT_ORDER[item[1].unit], -abs(item[2].difference)))
    items = [
        strings["finding_region_item"].format(region=region.name[lang], item=_gap_item(data, indicator, row, lang))
        for region, indicator, row in clear[:TOP_FINDINGS]
    ]
    return {"text": _plural(strings, "finding_gaps_regions", len(clear), total=total, wave=wave), "items": items}


def _index_context(data: _Data, lang: str) -> dict:
    project = data.project
    strings = load_strings(project, lang)
    sample = data.sample(data.latest)
    sample_sentence = strings["index_sample"].format(
        wave=data.wave_label(data.latest, lang),
        n=format_count(sample["n_respondents"].sum(), lang),
        women=format_count(sample["n_women"].sum(), lang),
        men=format_count(sample["n_men"].sum(), lang),
        regions=format_count((sample["n_respondents"] > 0).sum(), lang),
    )
    trust = _trust_finding(data, lang)
    findings = [*([trust] if trust else []), _gap_finding(data, lang), _regional_gaps_finding(data, lang)]
    if len(project.wave_ids) > 1:
        findings.append(_change_finding(data, lang))
    headline = [
        {"title": strings["chapters"][chapter]["title"], "table": _headline_table(data, chapter, lang)}
        for chapter in _chapters(project)
    ]
    return {
        "sample_sentence": sample_sentence,
        "findings": findings,
        "headline": headline,
        "contents": _pages(project)[1:],
    }


# Chapters -------------------------------------------------------------------


def _chapter_context(data: _Data, chapter: str, lang: str, figures: dict[tuple[str, str], str]) -> dict:
    project = data.project
    strings = load_strings(project, lang)
    if chapter not in strings["chapters"]:
        raise KeyError(f"{TEMPLATES_DIR / 'strings.yaml'}: chapters.{chapter} (title, intro) is missing")
    sections = []
    for indicator in project.indicators:
        if indicator.chapter != chapter:
            continue
        charts = [
            {
                "path": figures[(wave, indicator.id)],
                "name": f"fig-{indicator.id}-{wave}",
                "alt": alt_text(data.estimates, project, wave, indicator.id, lang),
                "caption": strings["figure_caption"].format(
                    indicator=indicator.label[lang], wave=data.wave_label(wave, lang)
                ),
            }
            for wave in project.wave_ids
        ]
        charts.append(
            {
                "path": figures[("map", indicator.id)],
                "name": f"fig-{indicator.id}-map",
                "alt": map_alt_text(data.estimates, project, data.latest, indicator.id, lang),
                "caption": strings["map_figure_caption"].format(
                    indicator=indicator.label[lang], wave=data.wave_label(data.latest, lang)
                ),
            }
        )
        sections.append(
            {
                "anchor": f"ind-{indicator.id}",
                "label": indicator.label[lang],
                "definition": indicator.definition[lang],
                "table": _indicator_table(data, indicator, lang),
                "figures": charts,
            }
        )
    return {"chapter": strings["chapters"][chapter], "sections": sections}


def _comparison_table(
    data: _Data,
    lang: str,
    name: str,
    caption: str,
    header: list[str],
    rows: list[tuple[str, Indicator, Difference]],
    reference_first: bool,
) -> _Table:
    """Both estimates, the difference with its interval and the verdict, one row per (label, indicator, row).

    A gender gap reads women then men (estimate, reference); a change reads
    baseline then later wave (reference first), as time runs.
    """
    marks = _Marks(data.project, lang)
    body = []
    for label, indicator, row in rows:
        values = [marks.value(v, row.published, indicator) for v in (row.estimate, row.reference_estimate)]
        if reference_first:
            values.reverse()
        body.append([label, *values, *marks.difference(row, indicator)])
    strings = load_strings(data.project, lang)
    return _Table(
        caption=caption,
        name=name,
        header=header,
        align="lrrrl",
        rows=body,
        notes=[*marks.notes(), strings["verdict_note"]],
    )


def _gap_header(data: _Data, lang: str, first: str) -> list[str]:
    strings = load_strings(data.project, lang)
    codebook = data.project.codebook
    return [
        first,
        codebook.value_label("gender_code", "f", lang),
        codebook.value_label("gender_code", "m", lang),
        strings["col_gap"],
        strings["col_reading"],
    ]


def _change_header(data: _Data, lang: str, wave: str, first: str) -> list[str]:
    strings = load_strings(data.project, lang)
    return [
        first,
        data.wave_label(data.baseline, lang),
        data.wave_label(wave, lang),
        strings["col_change"],
        strings["col_reading"],
    ]


def _gender_context(data: _Data, lang: str) -> dict:
    """Per indicator: women, men and the gap nationally and in each region, latest wave."""
    project = data.project
    strings = load_strings(project, lang)
    wave = data.latest
    sections = []
    for indicator in project.indicators:
        rows = [(f"**{strings['national']}**", indicator, data.comparisons.gap(wave, indicator.id, "national"))]
        rows += [
            (_md(region.name[lang]), indicator, data.comparisons.gap(wave, indicator.id, "region", region.code))
            for region in project.geography.regions
        ]
        sections.append(
            {
                "label": indicator.label[lang],
                "link": _indicator_link(indicator, lang),
                "table": _comparison_table(
                    data,
                    lang,
                    f"tbl-gap-{indicator.id}",
                    strings["gender_table_caption"].format(
                        indicator=indicator.label[lang], wave=data.wave_label(wave, lang)
                    ),
                    _gap_header(data, lang, project.codebook["region_code"].label[lang]),
                    rows,
                    reference_first=False,
                ),
            }
        )
    return {
        "intro": strings["gender_intro"].format(wave=data.wave_label(wave, lang)),
        "findings": [_gap_finding(data, lang), _regional_gaps_finding(data, lang)],
        "sections": sections,
    }


def _trends_context(data: _Data, lang: str) -> dict:
    """Per later wave and indicator: change since the baseline nationally, by gender and by region."""
    project = data.project
    strings = load_strings(project, lang)
    gender = project.codebook["gender_code"]
    waves = []
    for wave in project.wave_ids[1:]:
        sections = []
        for indicator in project.indicators:
            change = data.comparisons.change
            rows = [(f"**{strings['national']}**", indicator, change(wave, indicator.id, "national"))]
            rows += [
                (_md(labels[lang]), indicator, change(wave, indicator.id, "gender", gender=str(code)))
                for code, labels in gender.codes.items()
            ]
            rows += [
                (_md(region.name[lang]), indicator, change(wave, indicator.id, "region", region.code))
                for region in project.geography.regions
            ]
            sections.append(
                {
                    "label": indicator.label[lang],
                    "link": _indicator_link(indicator, lang),
                    "table": _comparison_table(
                        data,
                        lang,
                        f"tbl-change-{wave}-{indicator.id}",
                        strings["trends_table_caption"].format(
                            indicator=indicator.label[lang],
                            wave=data.wave_label(wave, lang),
                            baseline=data.wave_label(data.baseline, lang),
                        ),
                        _change_header(data, lang, wave, ""),
                        rows,
                        reference_first=True,
                    ),
                }
            )
        waves.append({"title": data.wave_label(wave, lang), "sections": sections})
    return {
        "intro": strings["trends_intro"].format(baseline=data.wave_label(data.baseline, lang)),
        "findings": [_change_finding(data, lang)],
        "waves": waves,
    }


# Regions --------------------------------------------------------------------


def _regions_context(data: _Data, lang: str) -> dict:
    project = data.project
    strings = load_strings(project, lang)
    sample = data.sample(data.latest).set_index("region_code")
    rows = [
        [
            f"{{doc}}`{_md(region.name[lang])} <{REGIONS_PAGE}/{region.code}>`",
            format_count(sample["n_respondents"].get(region.code, 0), lang),
            f"{{download}}`{strings['factsheet_link_short']} <{DOWNLOADS_SUBDIR}/factsheets/{region.code}.pdf>`",
        ]
        for region in project.geography.regions
    ]
    table = _Table(
        caption=strings["regions_table_caption"].format(wave=data.wave_label(data.latest, lang)),
        name="tbl-regions",
        header=[project.codebook["region_code"].label[lang], strings["col_respondents"], strings["col_factsheet"]],
        align="lrl",
        rows=rows,
    )
    return {"table": table}


def _region_context(data: _Data, region, lang: str) -> dict:
    """One region's indicators against the national figure, its gender gaps and its changes."""
    project = data.project
    strings = load_strings(project, lang)
    wave = data.latest
    sample = data.sample(wave)
    respondents = sample.loc[sample["region_code"] == region.code, "n_respondents"].sum()
    marks = _Marks(project, lang)
    rows = []
    for chapter in _chapters(project):
        rows.append([f"**{_md(strings['chapters'][chapter]['title'])}**", "", "", ""])
        for indicator in project.indicators:
            if indicator.chapter != chapter:
                continue
            here = data.estimates.get(wave, indicator.id, "region", region.code)
            rows.append(
                [
                    _indicator_link(indicator, lang),
                    marks.estimate(here, indicator),
                    marks.estimate(data.estimates.get(wave, indicator.id, "national"), indicator),
                    format_count(here.n, lang),
                ]
            )
    versus = _Table(
        caption=strings["region_table_caption"].format(region=region.name[lang], wave=data.wave_label(wave, lang)),
        name=f"tbl-region-{region.code}",
        header=[
            strings["col_indicator"],
            strings["col_region_estimate"].format(region=region.name[lang]),
            strings["col_national_estimate"],
            strings["col_n"],
        ],
        align="lrrr",
        rows=rows,
        notes=marks.notes(),
    )
    gaps = _comparison_table(
        data,
        lang,
        f"tbl-region-gaps-{region.code}",
        strings["region_gaps_caption"].format(region=region.name[lang], wave=data.wave_label(wave, lang)),
        _gap_header(data, lang, strings["col_indicator"]),
        [(_md(i.label[lang]), i, data.comparisons.gap(wave, i.id, "region", region.code)) for i in project.indicators],
        reference_first=False,
    )
    changes = None
    if len(project.wave_ids) > 1:
        changes = _comparison_table(
            data,
            lang,
            f"tbl-region-changes-{region.code}",
            strings["region_changes_caption"].format(
                region=region.name[lang], baseline=data.wave_label(data.baseline, lang)
            ),
            _change_header(data, lang, wave, strings["col_indicator"]),
            [
                (_md(i.label[lang]), i, data.comparisons.change(wave, i.id, "region", region.code))
                for i in project.indicators
            ],
            reference_first=True,
        )
    return {
        "region": region.name[lang],
        "intro": strings["region_intro"].format(
            region=region.name[lang], wave=data.wave_label(wave, lang), n=format_count(respondents, lang)
        ),
        "factsheet": f"{{download}}`{strings['factsheet_link']} <../{DOWNLOADS_SUBDIR}/factsheets/{region.code}.pdf>`",
        "findings": [
            _gap_finding(data, lang, "region", region.code),
            *([_change_finding(data, lang, "region", region.code)] if changes else []),
        ],
        "versus": versus,
        "gaps": gaps,
        "changes": changes,
    }


# Methodology, dictionary, downloads -----------------------------------------


QUALITY_PAGE = "quality"


def _quality_context(data: _Data, lang: str) -> dict:
    """Data-quality annex: each source's rows, quarantine reasons, flags and changes.

    Reads ``<wave>/quality_annex.csv`` (written by the validate stage, see
    ``perception.pipeline.quality_annex``); names of reasons and checks are
    those of ``perception check`` (``perception.problems``).
    """
    from perception.problems import TEMPLATES, title

    project = data.project
    strings = load_strings(project, lang)

    def named(item: str) -> str:
        return title(item, lang) if item in TEMPLATES else item

    waves = []
    for wave in project.wave_ids:
        partners = {mapping.source_id: mapping.partner for mapping in project.sources(wave)}
        annex = pd.read_csv(data.processed_dir / wave / "quality_annex.csv", dtype=str, keep_default_na=False)
        sources = []
        for source_id in dict.fromkeys([*partners, *annex["source_id"]]):
            part = annex[annex["source_id"] == source_id]
            if part.empty:
                continue
            counts = {row.item: int(row.count) for row in part[part["section"] == "rows"].itertuples(index=False)}
            tables = []
            sections = (
                ("quarantine", "quality_quarantine_caption", ["quality_col_reason"], lambda r: [named(r.item)]),
                (
                    "flags",
                    "quality_flags_caption",
                    ["quality_col_check", "quality_col_action"],
                    lambda r: [named(r.item), strings["quality_actions"].get(r.action, r.action)],
                ),
                (
                    "cleaning",
                    "quality_cleaning_caption",
                    ["quality_col_change"],
                    lambda r: [strings["quality_rules"].get(r.item, r.item)],
                ),
            )
            for section, caption, columns, describe in sections:
                rows = part[part["section"] == section]
                if rows.empty:
                    continue
                count_column = "quality_col_changes" if section == "cleaning" else "quality_col_rows"
                tables.append(
                    _Table(
                        caption=strings[caption],
                        name=f"tbl-quality-{wave}-{source_id}-{section}",
                        header=[*(strings[c] for c in columns), strings[count_column]],
                        align="l" * len(columns) + "r",
                        rows=[
                            [*(_md(cell) for cell in describe(r)), format_count(int(r.count), lang)]
                            for r in rows.itertuples(index=False)
                        ],
                    )
                )
            sources.append(
                {
                    "partner": _md(partners.get(source_id, source_id)),
                    "file": Path(str(part["source_file"].iloc[0])).name,
                    "sentence": strings["quality_rows"].format(
                        **{
                            key: format_count(counts.get(key, 0), lang)
                            for key in ("received", "released", "quarantined")
                        }
                    ),
                    "tables": tables,
                }
            )
        waves.append({"label": data.wave_label(wave, lang), "sources": sources})
    return {"waves": waves}


def _methodology_context(data: _Data, lang: str) -> dict:
    project = data.project
    processed_dir = data.processed_dir
    strings = load_strings(project, lang)
    source_tables, sample_tables = [], []
    for wave in project.wave_ids:
        label = data.wave_label(wave, lang)
        partners = {mapping.source_id: mapping.partner for mapping in project.sources(wave)}
        quality = _read_csv(processed_dir / wave / "quality_summary.csv", "quality summary")
        quality = _in_configured_order(quality, "source_id", list(partners))
        source_tables.append(
            _Table(
                caption=label,
                name=f"tbl-sources-{wave}",
                header=[strings[f"col_{c}"] for c in ("source", "file", "received", "released", "quarantined")],
                align="llrrr",
                rows=[
                    [
                        _md(partners.get(row.source_id, row.source_id)),
                        f"`{Path(str(row.source_file)).name}`",
                        format_count(row.rows_received, lang),
                        format_count(row.rows_released, lang),
                        format_count(row.rows_quarantined, lang),
                    ]
                    for row in quality.itertuples(index=False)
                ],
            )
        )
        sample = _in_configured_order(data.sample(wave), "region_code", project.geography.codes)
        sample_tables.append(
            _Table(
                caption=label,
                name=f"tbl-sample-{wave}",
                header=[
                    project.codebook["region_code"].label[lang],
                    strings["col_respondents"],
                    # sample_summary.csv has fixed n_women / n_men columns
                    project.codebook.value_label("gender_code", "f", lang),
                    project.codebook.value_label("gender_code", "m", lang),
                    strings["col_sum_weights"],
                ],
                align="lrrrr",
                rows=[
                    [
                        _md(project.geography.name(str(row.region_code), lang)),
                        format_count(row.n_respondents, lang),
                        format_count(row.n_women, lang),
                        format_count(row.n_men, lang),
                        format_count(row.sum_weights, lang),
                    ]
                    for row in sample.itertuples(index=False)
                ],
            )
        )
    return {
        "source_tables": source_tables,
        "sample_tables": sample_tables,
        "sample_intro": strings["methodology_sample_intro"].format(layout=project.geography.label[lang]),
        "weighting": _weighting_table(data, lang),
        "alpha": _alpha_table(data, lang),
        "disclosure": _disclosure_table(data, lang),
        "suppression": strings["methodology_suppression"].format(min_n=project.min_cell_n),
        "definitions": _definitions(project, lang),
    }


def _weighting_table(data: _Data, lang: str) -> _Table | None:
    """Weighting diagnostics per wave, when the estimation stage wrote them."""
    path = data.processed_dir / "weighting_diagnostics.csv"
    if not path.is_file():
        return None
    strings = load_strings(data.project, lang)
    frame = _in_configured_order(_read_csv(path, "weighting diagnostics"), "wave", data.project.wave_ids)
    return _Table(
        caption=strings["weighting_caption"],
        name="tbl-weighting",
        header=[strings[f"col_{c}"] for c in ("wave", "respondents", "kish_deff", "effective_n", "weight_ratio")],
        align="lrrrr",
        rows=[
            [
                _md(data.wave_label(str(row.wave), lang)),
                format_count(row.n, lang),
                format_decimal(row.kish_deff, lang, 2),
                format_count(row.effective_n, lang),
                format_decimal(row.weight_ratio, lang, 1),
            ]
            for row in frame.itertuples(index=False)
        ],
        notes=[strings["weighting_note"]],
    )


def _alpha_table(data: _Data, lang: str) -> _Table | None:
    """Cronbach's alpha of each composite index and wave, as the estimation stage wrote it."""
    path = data.processed_dir / "index_reliability.csv"
    if not path.is_file():
        return None
    frame = _read_csv(path, "index reliability")
    if frame.empty:
        return None
    strings = load_strings(data.project, lang)
    labels = {i.id: i.label[lang] for i in data.project.indicators}
    frame = _in_configured_order(frame, "wave", data.project.wave_ids)
    return _Table(
        caption=strings["alpha_caption"],
        name="tbl-alpha",
        header=[strings["col_wave"], strings["col_index"], strings["col_alpha"], strings["col_respondents"]],
        align="llrr",
        rows=[
            [
                _md(data.wave_label(str(row.wave), lang)),
                _md(labels.get(str(row.indicator), str(row.indicator))),
                format_decimal(row.cronbach_alpha, lang, 2),
                format_count(row.n, lang),
            ]
            for row in frame.itertuples(index=False)
        ],
        notes=[strings["alpha_note"]],
    )


DISCLOSURE_MEASURES = ("records_below_k", "expected_reidentifications")


def _disclosure_table(data: _Data, lang: str) -> _Table | None:
    """Re-identification risk of the released microdata before and after protection."""
    path = data.processed_dir / "release" / "disclosure_report.csv"
    if not path.is_file():
        return None
    strings = load_strings(data.project, lang)
    frame = _read_csv(path, "disclosure report")
    frame = frame[frame["measure"].isin(DISCLOSURE_MEASURES) & (frame["variable"].astype(str) == "")]
    rows = []
    for wave in data.project.wave_ids:
        part = frame[frame["wave"] == wave].set_index(["stage", "measure"])["value"].astype(float)
        if part.empty:
            continue
        rows.append(
            [_md(data.wave_label(wave, lang))]
            + [
                format_count(part[(stage, measure)], lang)
                for measure in DISCLOSURE_MEASURES
                for stage in ("before", "after")
            ]
        )
    if not rows:
        return None
    settings = data.project.config["disclosure"]
    return _Table(
        caption=strings["disclosure_caption"],
        name="tbl-disclosure",
        header=[
            strings["col_wave"],
            *(strings[f"col_{c}"] for c in ("below_k_before", "below_k_after", "reid_before", "reid_after")),
        ],
        align="lrrrr",
        rows=rows,
        notes=[strings["disclosure_note"].format(k=settings["k"], l=settings["l"])],
    )


def _definitions(project: Project, lang: str) -> list[dict]:
    """Each indicator's questions, counted answers, population and exclusions, from the metadata."""
    strings = load_strings(project, lang)
    separator = strings["list_separator"]
    codebook = project.codebook
    definitions = []
    for indicator in project.indicators:
        first = codebook[indicator.variable]
        excluded = [s for s in first.special if s not in indicator.denominator_includes]
        among = ""
        if indicator.among is not None:
            among = strings["methodology_among_value"].format(
                question=codebook[indicator.among.variable].label[lang],
                answers=separator.join(
                    codebook.value_label(indicator.among.variable, c, lang) for c in indicator.among.codes
                ),
            )
        definitions.append(
            {
                "anchor": f"def-{indicator.id}",
                "label": indicator.label[lang],
                "definition": indicator.definition[lang],
                "kind": strings["indicator_types"][indicator.type],
                "questions": [codebook[v].label[lang] for v in indicator.variables],
                "counted": separator.join(
                    codebook.value_label(indicator.variable, code, lang) for code in indicator.success_codes
                ),
                "among": among,
                "excluded": separator.join(codebook.special_labels[s][lang] for s in excluded),
            }
        )
    return definitions


def _dictionary_context(project: Project, lang: str) -> dict:
    """The columns of the released responses.csv: pipeline columns, then published codebook variables."""
    strings = load_strings(project, lang)
    codebook = project.codebook
    separator = strings["codes_separator"]
    rows = [[f"`{name}`", _md(label), ""] for name, label in strings["dictionary_columns"].items()]
    for variable in codebook:
        if not variable.publish:
            continue
        if variable.type == "region":
            codes = [f"`{r.code}` = {r.name[lang]}" for r in project.geography.regions]
        else:
            codes = [f"`{code}` = {labels[lang]}" for code, labels in variable.codes.items()]
        codes += [f"`{codebook.special_code(s)}` = {codebook.special_labels[s][lang]}" for s in variable.special]
        rows.append([f"`{variable.name}`", _md(variable.label[lang]), _md(separator.join(codes))])
    return {
        "table": _Table(
            caption=strings["dictionary_caption"],
            name="tbl-dictionary",
            header=[strings["col_variable"], strings["col_label"], strings["col_codes"]],
            align="lll",
            rows=rows,
        )
    }


def _released_files(project: Project, processed_dir: Path) -> list[tuple[Path, str, str]]:
    """(source, path in the edition, kind) of every file the downloads page offers."""
    files = [
        (processed_dir / "indicators.csv", "indicators.csv", "indicators"),
        (processed_dir / "comparisons.csv", "comparisons.csv", "comparisons"),
    ]
    files += [
        (processed_dir / wave / "responses.csv", f"{wave}/responses.csv", "responses") for wave in project.wave_ids
    ]
    files += [
        (factsheet_path(processed_dir / "factsheets", r.code), f"factsheets/{r.code}.pdf", "factsheet")
        for r in project.geography.regions
    ]
    return files


def _downloads_context(project: Project, processed_dir: Path, lang: str) -> dict:
    strings = load_strings(project, lang)
    items = []
    for _, relative, kind in _released_files(project, processed_dir):
        wave = relative.split("/")[0]
        if kind == "responses":
            text = strings["download_responses"].format(wave=project.waves[wave].label[lang])
        elif kind == "factsheet":
            code = Path(relative).stem
            text = strings["download_factsheet"].format(region=project.geography.name(code, lang))
        else:
            text = strings[f"download_{kind}"]
        items.append(
            {"kind": kind, "link": f"{{download}}`{Path(relative).name} <{DOWNLOADS_SUBDIR}/{relative}>`", "text": text}
        )
    return {
        "data": [i for i in items if i["kind"] != "factsheet"],
        "factsheets": [i for i in items if i["kind"] == "factsheet"],
    }


# --------------------------------------------------------------------------
# Writing the sources
# --------------------------------------------------------------------------


def _environment(project: Project) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(project.root / TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Only the chooser page is HTML; Markdown and YAML must stay verbatim.
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
    )
    # A JSON string is a valid YAML double-quoted scalar, whatever it contains.
    env.filters["yaml"] = lambda value: json.dumps(value, ensure_ascii=False)
    return env


def _tidy(text: str) -> str:
    """At most one blank line in a row, and one final newline."""
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"


def _copy(source: Path, target: Path, missing: list[str]) -> None:
    if not source.is_file():
        missing.append(str(source))
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _copy_figures(project: Project, figures_dir: Path, edition: Path, lang: str) -> dict[tuple[str, str], str]:
    """Copy this edition's charts and maps into its source tree; paths relative to the pages.

    Keys are (wave, indicator) for the charts and ("map", indicator) for the maps.
    """
    missing, paths = [], {}
    for indicator in project.indicators:
        sources = {
            (wave, indicator.id): figure_path(figures_dir, lang, wave, indicator.id) for wave in project.wave_ids
        }
        sources[("map", indicator.id)] = map_path(figures_dir, lang, indicator.id)
        for key, source in sources.items():
            relative = Path(FIGURES_SUBDIR) / key[0] / f"{indicator.id}.png"
            _copy(source, edition / relative, missing)
            paths[key] = relative.as_posix()
    if missing:
        raise FileNotFoundError("figures not found (run write_figures and write_maps first): " + ", ".join(missing))
    return paths


def _copy_downloads(project: Project, processed_dir: Path, edition: Path) -> None:
    """The released files, inside the edition so that Sphinx serves them offline."""
    missing = []
    for source, relative, _ in _released_files(project, processed_dir):
        _copy(source, edition / DOWNLOADS_SUBDIR / relative, missing)
    if missing:
        raise FileNotFoundError("released files not found (run the workflow first): " + ", ".join(missing))


def _page_contexts(data: _Data, lang: str, figures: dict[tuple[str, str], str]) -> dict[str, tuple[str, dict]]:
    """Every page of one edition: page name -> (template, context)."""
    project = data.project
    pages = {"index": ("index.md.j2", _index_context(data, lang))}
    for chapter in _chapters(project):
        pages[chapter] = ("chapter.md.j2", _chapter_context(data, chapter, lang, figures))
    pages["gender"] = ("gender.md.j2", _gender_context(data, lang))
    if len(project.wave_ids) > 1:
        pages["trends"] = ("trends.md.j2", _trends_context(data, lang))
    pages[REGIONS_PAGE] = ("regions.md.j2", _regions_context(data, lang))
    for region in project.geography.regions:
        pages[_region_page(region.code)] = ("region.md.j2", _region_context(data, region, lang))
    pages["methodology"] = ("methodology.md.j2", _methodology_context(data, lang))
    pages[QUALITY_PAGE] = ("quality.md.j2", _quality_context(data, lang))
    pages["dictionary"] = ("dictionary.md.j2", _dictionary_context(project, lang))
    pages["downloads"] = ("downloads.md.j2", _downloads_context(project, data.processed_dir, lang))
    return pages


def write_book_sources(project: Project, processed_dir: Path, figures_dir: Path, out_dir: Path) -> None:
    """Render ``out_dir/<lang>/`` (pages, ``_config.yml``, ``_toc.yml``, figures, downloads) per language.

    Also writes ``out_dir/index.html``, the page where readers choose an
    edition, which ``build_book`` places at the root of the site. Each
    edition directory is emptied first so that no stale page or figure from
    an earlier configuration survives.
    """
    processed_dir, figures_dir, out_dir = Path(processed_dir), Path(figures_dir), Path(out_dir)
    data = _Data(
        project,
        Estimates(read_indicators(processed_dir / "indicators.csv")),
        Comparisons(read_comparisons(processed_dir / "comparisons.csv")),
        processed_dir,
    )
    env = _environment(project)
    for lang in LANGUAGES:  # an edition dropped from the configuration must not be built
        if lang not in project.languages and (out_dir / lang).exists():
            shutil.rmtree(out_dir / lang)
    for lang in project.languages:
        edition = out_dir / lang
        if edition.exists():
            shutil.rmtree(edition)
        edition.mkdir(parents=True)
        shutil.copytree(project.root / STATIC_DIR, edition / "_static")
        figures = _copy_figures(project, figures_dir, edition, lang)
        _copy_downloads(project, processed_dir, edition)
        base = {"s": load_strings(project, lang), "lang": lang}
        for page, (template, context) in _page_contexts(data, lang, figures).items():
            text = env.get_template(template).render(**base, **context, switch=_switch(project, lang, page))
            (edition / f"{page}.md").parent.mkdir(parents=True, exist_ok=True)
            (edition / f"{page}.md").write_text(_tidy(text), encoding="utf-8")
        (edition / "_config.yml").write_text(_tidy(env.get_template("_config.yml.j2").render(**base)), encoding="utf-8")
        chapters = [
            {
                "file": page,
                "sections": [_region_page(r.code) for r in project.geography.regions] if page == REGIONS_PAGE else [],
            }
            for page in _pages(project)[1:]
        ]
        (edition / "_toc.yml").write_text(
            _tidy(env.get_template("_toc.yml.j2").render(chapters=chapters)), encoding="utf-8"
        )
    editions = []
    for lang in project.languages:
        strings = load_strings(project, lang)
        editions.append(
            {
                "lang": lang,
                "title": strings["book_title"],
                "name": strings["language_name"],
                "choose": strings["chooser_title"],
                "link": strings["chooser_link"],
            }
        )
    chooser = env.get_template("chooser.html.j2").render(editions=editions)
    (out_dir / "index.html").write_text(_tidy(chooser), encoding="utf-8")


# Building the HTML
# --------------------------------------------------------------------------


def _jupyter_book() -> Path:
    """The ``jupyter-book`` entry point of the interpreter running this code."""
    command = Path(sys.executable).parent / "jupyter-book"
    if not command.exists():
        raise BookBuildError(f"{command} not found: install jupyter-book<2 in this environment")
    return command


def build_book(sources_dir: Path, html_dir: Path) -> None:
    """Build every edition in ``sources_dir`` into ``html_dir/<lang>/``, plus the chooser page.

    The editions build in parallel, each into its own scratch directory (which
    also holds Sphinx's doctrees and any Jupyter cache, keeping them out of the
    sources). Only when all succeeded does the new site replace ``html_dir``.
    """
    sources_dir, html_dir = Path(sources_dir).resolve(), Path(html_dir).resolve()
    editions = sorted(config.parent for config in sources_dir.glob("*/_config.yml"))
    if not editions:
        raise BookBuildError(f"{sources_dir}: no edition (<lang>/_config.yml) to build")
    html_dir.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{html_dir.name}-", dir=html_dir.parent))
    try:
        command = _jupyter_book()
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        running = [
            (
                edition,
                subprocess.Popen(
                    [
                        str(command),
                        "build",
                        str(edition),
                        "--path-output",
                        str(scratch / "work" / edition.name),
                        "--builder",
                        "html",
                        "--warningiserror",
                        "--keep-going",
                        "--quiet",
                    ],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    env=env,
                ),
            )
            for edition in editions
        ]
        failures = []
        for edition, process in running:
            output, _ = process.communicate()
            if process.returncode != 0:
                failures.append(f"--- {edition.name} (exit {process.returncode}) ---\n{output[-4000:]}")
        if failures:
            raise BookBuildError("jupyter-book build failed:\n" + "\n".join(failures))
        site = scratch / "site"
        site.mkdir()
        for edition in editions:
            shutil.move(scratch / "work" / edition.name / "_build" / "html", site / edition.name)
        if (sources_dir / "index.html").is_file():
            shutil.copyfile(sources_dir / "index.html", site / "index.html")
        if html_dir.exists():
            html_dir.rename(scratch / "previous")
        site.rename(html_dir)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

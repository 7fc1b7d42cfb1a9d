"""The bilingual book: MyST sources from the workflow's CSVs, then HTML.

``write_book_sources`` turns the workflow outputs (``indicators.csv``, each
wave's ``quality_summary.csv`` and ``sample_summary.csv``, and the PNGs of
``perception.figures``) into one Jupyter Book source tree per language. It
computes no statistic: every number printed is a cell of those files,
formatted for the language. Words come from the project metadata (labels of
waves, indicators, regions, codes) or from ``book/templates/strings.yaml``;
page layout lives in the Jinja templates next to it. Everything follows the
configured order, and nothing depends on the clock, so the same inputs give
the same Markdown byte for byte.

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
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pandas as pd

from perception.figures import (
    Cell,
    Estimates,
    alt_text,
    figure_path,
    format_ci,
    format_count,
    format_percent,
    load_strings,
    read_indicators,
)
from perception.indicators import Indicator
from perception.metadata import LANGUAGES
from perception.project import Project

TEMPLATES_DIR = Path("book/templates")
STATIC_DIR = Path("book/static")
FIGURES_SUBDIR = "figures"


class BookBuildError(RuntimeError):
    """Jupyter Book failed (or warned) on at least one edition."""


# --------------------------------------------------------------------------
# Formatting helpers shared by the pages
# --------------------------------------------------------------------------


def _md(text: object) -> str:
    """Text safe inside a Markdown table cell (a "|" would split the cell)."""
    return str(text).replace("|", "\\|")


def _estimate_with_ci(cell: Cell, lang: str, mark: str) -> str:
    if not cell.published:
        return mark
    return f"{format_percent(cell.estimate, lang)} ({format_ci(cell.ci_low, cell.ci_high, lang)})"


@dataclass
class _Table:
    """A captioned Markdown table, as ``_macros.md.j2`` renders it."""

    caption: str
    name: str
    header: list[str]
    align: str  # one letter per column: "l" left, "r" right
    rows: list[list[str]]
    note: str = ""

    @property
    def rule(self) -> str:
        """The header separator line, which sets each column's alignment."""
        return "|" + "".join(":---|" if a == "l" else "---:|" for a in self.align)


def _chapters(project: Project) -> list[str]:
    """Chapters in the order their first indicator appears in the registry."""
    return list(dict.fromkeys(indicator.chapter for indicator in project.indicators))


def _pages(project: Project) -> list[str]:
    return ["index", *_chapters(project), "methodology"]


def _read_csv(path: Path, what: str) -> pd.DataFrame:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: {what} not found (is the workflow output up to date?)")
    return pd.read_csv(path, keep_default_na=False, na_values={"sum_weights": [""]})


def _in_configured_order(frame: pd.DataFrame, column: str, order: list[str]) -> pd.DataFrame:
    """Rows sorted by the configured order of ``column``; unknown values last, as read."""
    rank = {value: i for i, value in enumerate(order)}
    key = frame[column].astype(str).map(lambda value: rank.get(value, len(rank)))
    return frame.assign(_rank=key).sort_values("_rank", kind="stable").drop(columns="_rank")


# --------------------------------------------------------------------------
# Page contents
# --------------------------------------------------------------------------


def _switch(project: Project, lang: str, page: str) -> dict:
    """Links to the same page in the other editions (siblings in the site)."""
    strings = load_strings(project, lang)
    links = [
        {"lang": other, "href": f"../{other}/{page}.html", "text": load_strings(project, other)["chooser_link"]}
        for other in project.languages
        if other != lang
    ]
    return {"aria": strings["switch_aria"], "links": links}


def _indicator_table(project: Project, estimates: Estimates, indicator: Indicator, lang: str) -> _Table:
    """National, regional and gender estimates of one indicator, one column pair per wave."""
    strings = load_strings(project, lang)
    mark = strings["suppressed_mark"]
    waves = project.wave_ids
    header = [""]
    for wave in waves:
        header += [strings["col_estimate"].format(wave=project.waves[wave].label[lang]), strings["col_n"]]
    suppressed = False

    def row(label: str, domain: str, region: str = "", gender: str = "") -> list[str]:
        nonlocal suppressed
        cells = []
        for wave in waves:
            cell = estimates.get(wave, indicator.id, domain, region, gender)
            suppressed |= not cell.published
            cells += [_estimate_with_ci(cell, lang, mark), format_count(cell.n, lang)]
        return [_md(label), *cells]

    blank = [""] * (2 * len(waves))
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
        align="l" + "r" * (2 * len(waves)),
        rows=rows,
        note=strings["suppressed_note"].format(min_n=project.min_cell_n) if suppressed else "",
    )


def _headline_table(project: Project, estimates: Estimates, chapter: str, lang: str) -> _Table:
    """National estimates of the latest wave for one chapter's indicators."""
    strings = load_strings(project, lang)
    mark = strings["suppressed_mark"]
    wave = project.wave_ids[-1]
    rows, suppressed = [], False
    for indicator in project.indicators:
        if indicator.chapter != chapter:
            continue
        cell = estimates.get(wave, indicator.id, "national")
        suppressed |= not cell.published
        rows.append(
            [
                f"{{ref}}`{_md(indicator.label[lang])} <ind-{indicator.id}>`",
                format_percent(cell.estimate, lang) if cell.published else mark,
                format_ci(cell.ci_low, cell.ci_high, lang) if cell.published else mark,
                format_count(cell.n, lang),
            ]
        )
    return _Table(
        caption=strings["index_headline"].format(wave=project.waves[wave].label[lang]),
        name=f"tbl-headline-{chapter}",
        header=[strings["col_indicator"], strings["col_share"], strings["col_ci"], strings["col_n"]],
        align="lrrr",
        rows=rows,
        note=strings["suppressed_note"].format(min_n=project.min_cell_n) if suppressed else "",
    )


def _index_context(project: Project, estimates: Estimates, processed_dir: Path, lang: str) -> dict:
    strings = load_strings(project, lang)
    wave = project.wave_ids[-1]
    sample = _read_csv(processed_dir / wave / "sample_summary.csv", "sample summary")
    sample_sentence = strings["index_sample"].format(
        wave=project.waves[wave].label[lang],
        n=format_count(sample["n_respondents"].sum(), lang),
        women=format_count(sample["n_women"].sum(), lang),
        men=format_count(sample["n_men"].sum(), lang),
        regions=format_count((sample["n_respondents"] > 0).sum(), lang),
    )
    headline = [
        {"title": strings["chapters"][chapter]["title"], "table": _headline_table(project, estimates, chapter, lang)}
        for chapter in _chapters(project)
    ]
    return {"sample_sentence": sample_sentence, "headline": headline, "contents": _pages(project)[1:]}


def _chapter_context(
    project: Project, estimates: Estimates, chapter: str, lang: str, figures: dict[tuple[str, str], str]
) -> dict:
    strings = load_strings(project, lang)
    if chapter not in strings["chapters"]:
        raise KeyError(f"{TEMPLATES_DIR / 'strings.yaml'}: chapters.{chapter} (title, intro) is missing")
    sections = []
    for indicator in project.indicators:
        if indicator.chapter != chapter:
            continue
        sections.append(
            {
                "anchor": f"ind-{indicator.id}",
                "label": indicator.label[lang],
                "definition": indicator.definition[lang],
                "table": _indicator_table(project, estimates, indicator, lang),
                "figures": [
                    {
                        "path": figures[(wave, indicator.id)],
                        "name": f"fig-{indicator.id}-{wave}",
                        "alt": alt_text(estimates, project, wave, indicator.id, lang),
                        "caption": strings["figure_caption"].format(
                            indicator=indicator.label[lang], wave=project.waves[wave].label[lang]
                        ),
                    }
                    for wave in project.wave_ids
                ],
            }
        )
    return {"chapter": strings["chapters"][chapter], "sections": sections}


def _methodology_context(project: Project, processed_dir: Path, lang: str) -> dict:
    strings = load_strings(project, lang)
    source_tables, sample_tables = [], []
    for wave in project.wave_ids:
        label = project.waves[wave].label[lang]
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
        sample = _read_csv(processed_dir / wave / "sample_summary.csv", "sample summary")
        sample = _in_configured_order(sample, "region_code", project.geography.codes)
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
    separator = strings["list_separator"]
    definitions = []
    for indicator in project.indicators:
        variable = project.codebook[indicator.variable]
        excluded = [s for s in variable.special if s not in indicator.denominator_includes]
        definitions.append(
            {
                "label": indicator.label[lang],
                "definition": indicator.definition[lang],
                "question": variable.label[lang],
                "counted": separator.join(
                    project.codebook.value_label(indicator.variable, code, lang) for code in indicator.success_codes
                ),
                "excluded": separator.join(project.codebook.special_labels[s][lang] for s in excluded),
            }
        )
    return {
        "source_tables": source_tables,
        "sample_tables": sample_tables,
        "sample_intro": strings["methodology_sample_intro"].format(layout=project.geography.label[lang]),
        "suppression": strings["methodology_suppression"].format(min_n=project.min_cell_n),
        "definitions": definitions,
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


def _copy_figures(project: Project, figures_dir: Path, edition: Path, lang: str) -> dict[tuple[str, str], str]:
    """Copy this edition's PNGs into its source tree; paths relative to the pages."""
    missing, paths = [], {}
    for wave in project.wave_ids:
        for indicator in project.indicators:
            source = figure_path(figures_dir, lang, wave, indicator.id)
            if not source.is_file():
                missing.append(str(source))
                continue
            relative = Path(FIGURES_SUBDIR) / wave / f"{indicator.id}.png"
            (edition / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, edition / relative)
            paths[(wave, indicator.id)] = relative.as_posix()
    if missing:
        raise FileNotFoundError("figures not found (run write_figures first): " + ", ".join(missing))
    return paths


def write_book_sources(project: Project, processed_dir: Path, figures_dir: Path, out_dir: Path) -> None:
    """Render ``out_dir/<lang>/`` (pages, ``_config.yml``, ``_toc.yml``, figures) per language.

    Also writes ``out_dir/index.html``, the page where readers choose an
    edition, which ``build_book`` places at the root of the site. Each
    edition directory is emptied first so that no stale page or figure from
    an earlier configuration survives.
    """
    processed_dir, figures_dir, out_dir = Path(processed_dir), Path(figures_dir), Path(out_dir)
    estimates = Estimates(read_indicators(processed_dir / "indicators.csv"))
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
        base = {"s": load_strings(project, lang), "lang": lang}
        contexts = {
            "index": _index_context(project, estimates, processed_dir, lang),
            "methodology": _methodology_context(project, processed_dir, lang),
        }
        for chapter in _chapters(project):
            contexts[chapter] = _chapter_context(project, estimates, chapter, lang, figures)
        for page in _pages(project):
            text = env.get_template(f"{page}.md.j2").render(
                **base, **contexts[page], switch=_switch(project, lang, page)
            )
            (edition / f"{page}.md").write_text(_tidy(text), encoding="utf-8")
        (edition / "_config.yml").write_text(_tidy(env.get_template("_config.yml.j2").render(**base)), encoding="utf-8")
        toc = env.get_template("_toc.yml.j2").render(chapters=_pages(project)[1:])
        (edition / "_toc.yml").write_text(_tidy(toc), encoding="utf-8")
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


# --------------------------------------------------------------------------
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

"""Writing the MyST sources of every edition from the workflow's tables and figures."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jinja2

from perception.book.annexes import dictionary_context, downloads_context, quality_context, released_files
from perception.book.chapters import chapter_context, index_context
from perception.book.comparisons import gender_context, trends_context
from perception.book.data import (
    DOWNLOADS_SUBDIR,
    FIGURES_SUBDIR,
    QUALITY_PAGE,
    REGIONS_PAGE,
    BookData,
    chapter_ids,
    page_names,
    region_page,
)
from perception.book.methodology import methodology_context
from perception.book.regions import region_context, regions_context
from perception.catalog.paths import chart_names, chart_path, figure_path, map_path
from perception.catalog.results import (
    Breakdowns,
    Comparisons,
    Estimates,
    read_breakdowns,
    read_comparisons,
    read_indicators,
)
from perception.config.project import Project
from perception.i18n import LANGUAGES, load_strings
from perception.i18n.typography import typeset_markdown


def language_switch(project: Project, lang: str, page: str) -> dict:
    """Links to the same page in the other editions (siblings in the site)."""
    strings = load_strings(lang)
    up = "../" * (page.count("/") + 1)
    links = [
        {"lang": other, "href": f"{up}{other}/{page}.html", "text": load_strings(other)["chooser_link"]}
        for other in project.languages
        if other != lang
    ]
    return {"aria": strings["switch_aria"], "links": links}


def environment(templates_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
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


def tidy(text: str) -> str:
    """At most one blank line in a row, and one final newline."""
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"


def copy_file(source: Path, target: Path, missing: list[str]) -> None:
    if not source.is_file():
        missing.append(str(source))
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def edition_figures(project: Project, figures_dir: Path, lang: str) -> dict[tuple[str, str], tuple[Path, str]]:
    """Each chart and map of one edition: key -> (the drawn file, its path relative to the pages).

    Keys are (wave, indicator) for the indicator charts, ("map", indicator)
    for the maps and ("chart", name) for the page charts.
    """
    figures = {}
    for indicator in project.indicators:
        for wave in project.wave_ids:
            relative = Path(FIGURES_SUBDIR) / wave / f"{indicator.id}.png"
            figures[(wave, indicator.id)] = (figure_path(figures_dir, lang, wave, indicator.id), relative.as_posix())
        relative = Path(FIGURES_SUBDIR) / "map" / f"{indicator.id}.png"
        figures[("map", indicator.id)] = (map_path(figures_dir, lang, indicator.id), relative.as_posix())
    for name in chart_names(project.wave_ids, project.report_geography.codes, [i.id for i in project.indicators]):
        relative = Path(FIGURES_SUBDIR) / "charts" / f"{name}.png"
        figures[("chart", name)] = (chart_path(figures_dir, lang, name), relative.as_posix())
    return figures


def copy_figures(project: Project, figures_dir: Path, edition: Path, lang: str) -> dict[tuple[str, str], str]:
    """Copy this edition's charts and maps into its sources (keys as ``edition_figures``), paths relative to pages."""
    missing, paths = [], {}
    for key, (source, relative) in edition_figures(project, figures_dir, lang).items():
        copy_file(source, edition / relative, missing)
        paths[key] = relative
    if missing:
        raise FileNotFoundError(
            "figures not found (run the figures, maps and charts rules first): " + ", ".join(missing)
        )
    return paths


def copy_downloads(project: Project, processed_dir: Path, edition: Path) -> None:
    """The released files, inside the edition so that Sphinx serves them offline."""
    missing = []
    for source, relative, _ in released_files(project, processed_dir):
        copy_file(source, edition / DOWNLOADS_SUBDIR / relative, missing)
    if missing:
        raise FileNotFoundError("released files not found (run the workflow first): " + ", ".join(missing))


def page_contexts(data: BookData, lang: str, figures: dict[tuple[str, str], str]) -> dict[str, tuple[str, dict]]:
    """Every page of one edition: page name -> (template, context)."""
    project = data.project
    charts = {name: path for (kind, name), path in figures.items() if kind == "chart"}
    pages = {"index": ("index.md.j2", index_context(data, lang, charts))}
    for chapter in chapter_ids(project):
        pages[chapter] = ("chapter.md.j2", chapter_context(data, chapter, lang, figures))
    pages["gender"] = ("gender.md.j2", gender_context(data, lang, charts))
    if len(project.wave_ids) > 1:
        pages["trends"] = ("trends.md.j2", trends_context(data, lang, charts))
    pages[REGIONS_PAGE] = ("regions.md.j2", regions_context(data, lang))
    for region in project.report_geography.regions:
        pages[region_page(region.code)] = ("region.md.j2", region_context(data, region, lang, charts))
    pages["methodology"] = ("methodology.md.j2", methodology_context(data, lang))
    pages[QUALITY_PAGE] = ("quality.md.j2", quality_context(data, lang))
    pages["dictionary"] = ("dictionary.md.j2", dictionary_context(project, lang, data.processed_dir))
    pages["downloads"] = ("downloads.md.j2", downloads_context(project, data.processed_dir, lang))
    return pages


def book_data(project: Project, processed_dir: Path) -> BookData:
    """The workflow's tables the pages are written from."""
    return BookData(
        project,
        Estimates(read_indicators(processed_dir / "indicators.csv")),
        Comparisons(read_comparisons(processed_dir / "comparisons.csv")),
        processed_dir,
        Breakdowns(read_breakdowns(processed_dir / "breakdowns.csv")),
    )


def render_page(env: jinja2.Environment, project: Project, lang: str, page: str, template: str, context: dict) -> str:
    """One page's Markdown, typeset for its language."""
    base = {"s": load_strings(lang), "lang": lang}
    text = env.get_template(template).render(**base, **context, switch=language_switch(project, lang, page))
    return typeset_markdown(tidy(text), lang)


def write_book_sources(
    project: Project, processed_dir: Path, figures_dir: Path, templates_dir: Path, static_dir: Path, out_dir: Path
) -> None:
    """Render ``out_dir/<lang>/`` (pages, ``_config.yml``, ``_toc.yml``, figures, downloads) per language.

    Also writes ``out_dir/index.html``, the page where readers choose an
    edition, which ``build_book`` places at the root of the site. Each
    edition directory is emptied first so that no stale page or figure from
    an earlier configuration survives.
    """
    processed_dir, figures_dir, out_dir = Path(processed_dir), Path(figures_dir), Path(out_dir)
    data = book_data(project, processed_dir)
    env = environment(Path(templates_dir))
    for lang in LANGUAGES:  # an edition dropped from the configuration must not be built
        if lang not in project.languages and (out_dir / lang).exists():
            shutil.rmtree(out_dir / lang)
    for lang in project.languages:
        edition = out_dir / lang
        if edition.exists():
            shutil.rmtree(edition)
        edition.mkdir(parents=True)
        shutil.copytree(static_dir, edition / "_static")
        # Sphinx templates overriding the theme's (templates/sphinx/layout.html escapes the print title).
        shutil.copytree(Path(templates_dir) / "sphinx", edition / "_templates")
        figures = copy_figures(project, figures_dir, edition, lang)
        copy_downloads(project, processed_dir, edition)
        base = {"s": load_strings(lang), "lang": lang}
        for page, (template, context) in page_contexts(data, lang, figures).items():
            (edition / f"{page}.md").parent.mkdir(parents=True, exist_ok=True)
            (edition / f"{page}.md").write_text(
                render_page(env, project, lang, page, template, context), encoding="utf-8"
            )
        (edition / "_config.yml").write_text(tidy(env.get_template("_config.yml.j2").render(**base)), encoding="utf-8")
        chapters = [
            {
                "file": page,
                "sections": [region_page(r.code) for r in project.report_geography.regions]
                if page == REGIONS_PAGE
                else [],
            }
            for page in page_names(project)[1:]
        ]
        (edition / "_toc.yml").write_text(
            tidy(env.get_template("_toc.yml.j2").render(chapters=chapters)), encoding="utf-8"
        )
    editions = []
    for lang in project.languages:
        strings = load_strings(lang)
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
    (out_dir / "index.html").write_text(tidy(chooser), encoding="utf-8")

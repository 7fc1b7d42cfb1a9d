"""Book sources and HTML: numbers come from the tables given, localised, in configured order."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from builders import LEAKED, STATIC, TEMPLATES, make_book

from perception.book.build import BookBuildError, build_book
from perception.book.sources import write_book_sources
from perception.config.project import Project
from perception.i18n.numbers import (
    format_count,
    format_difference,
    format_difference_ci,
    format_interval,
    format_percent,
    format_value,
)
from perception.i18n.typography import keep_figures_together, typeset

NBSP = "\u00a0"
NUMBER = re.compile(r"[+\u2212]?\d+[,.]\d+")


def pages(project: Project) -> list[str]:
    """Every page of an edition, regional pages included."""
    chapters = list(dict.fromkeys(i.chapter for i in project.indicators))
    regions = [f"regions/{code}" for code in project.geography.codes]
    top = ["index", *chapters, "gender", "trends", "regions", "methodology", "dictionary", "downloads"]
    return top + regions


def marked_book(project, tmp_path):
    """One suppressed national estimate, one flagged one, and two significant comparisons."""
    latest = project.wave_ids[-1]
    return make_book(
        project,
        tmp_path,
        suppressed={(latest, "knows_complaint_mechanism", "national", "", "")},
        flagged={(latest, "trust_courts", "national", "", "")},
        significant={
            ("gender_gap", latest, "feel_unsafe", "national", "", ""),
            ("gender_gap", latest, "victim_12m", "region", "ML-5", ""),
            ("change", latest, "trust_army", "national", "", ""),
        },
    )


@pytest.fixture(scope="module")
def book(project, tmp_path_factory):
    """:func:`marked_book`, written once for the tests that only read it."""
    return marked_book(project, tmp_path_factory.mktemp("book"))


def table_row(page: str, marker: str) -> list[str]:
    """Cells of the Markdown table row that contains ``marker``."""
    line = next(line for line in page.splitlines() if marker in line and line.startswith("|"))
    return [cell.strip() for cell in line.strip("|").split(" | ")]


def findings_block(page: str) -> str:
    return page.split(":::{div} findings")[1].split(":::")[0]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_summary_numbers_equal_indicator_rows(project, book, lang):
    frame, *_, out = book
    page = (out / lang / "index.md").read_text(encoding="utf-8")
    latest = frame[(frame.wave == project.wave_ids[-1]) & (frame.domain == "national")]

    for indicator in project.indicators:
        row = latest[latest.indicator == indicator.id].iloc[0]
        cells = table_row(page, f"(#ind-{indicator.id})")
        assert typeset(indicator.label[lang], lang) in cells[0]
        if row.is_suppressed:
            assert cells[1:] == ["—", "—", format_count(row.n, lang)]
        else:
            mark = " †" if not row.is_reliable else ""
            assert cells[1:] == [
                format_value(row.estimate, indicator.unit, lang) + mark,
                format_interval(row.ci_low, row.ci_high, indicator.unit, lang),
                format_count(row.n, lang),
            ]
    assert format_percent(LEAKED, lang) not in page
    notes = [line for line in page.splitlines() if line.startswith("—")]
    assert notes and all(str(project.min_cell_n) in note for note in notes)
    assert any(line.startswith("†") for line in page.splitlines())


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_number_in_the_key_findings_is_a_cell_of_the_tables(project, book, lang):
    frame, comparisons, *_, out = book
    findings = findings_block((out / lang / "index.md").read_text(encoding="utf-8"))
    units = {i.id: i.unit for i in project.indicators}
    latest = project.wave_ids[-1]
    allowed = set()
    for row in frame[(frame.wave == latest) & (frame.domain == "national") & ~frame.is_suppressed].itertuples():
        unit = units[row.indicator]
        allowed.add(format_value(row.estimate, unit, lang))
        allowed.add(format_interval(row.ci_low, row.ci_high, unit, lang))
    for row in comparisons[(comparisons.wave == latest) & ~comparisons.is_suppressed].itertuples():
        unit = units[row.indicator]
        allowed |= {format_value(row.estimate, unit, lang), format_value(row.reference_estimate, unit, lang)}
        allowed.add(format_difference(row.difference, unit, lang))
        allowed.add(format_difference_ci(row.ci_low, row.ci_high, unit, lang))
        allowed.add(format_difference_ci(row.ci_low_adjusted, row.ci_high_adjusted, unit, lang))
        allowed.add(format_percent(row.ci_level_adjusted, lang))
    allowed_numbers = {n for text in allowed for n in NUMBER.findall(text)}

    numbers = NUMBER.findall(findings)
    assert numbers and set(numbers) <= allowed_numbers

    # The named comparisons are exactly the significant ones, with their own numbers.
    gap = comparisons[
        (comparisons.comparison == "gender_gap")
        & (comparisons.indicator == "feel_unsafe")
        & (comparisons.domain == "national")
        & (comparisons.wave == latest)
    ].iloc[0]
    label = typeset(next(i for i in project.indicators if i.id == "feel_unsafe").label[lang], lang)
    item = next(line for line in findings.splitlines() if label in line and "  - " in line)
    assert format_difference(gap.difference, "proportion", lang) in item
    # The interval printed beside the verdict is the one the verdict used, with its own level.
    assert format_difference_ci(gap.ci_low_adjusted, gap.ci_high_adjusted, "proportion", lang) in item
    assert format_difference_ci(gap.ci_low, gap.ci_high, "proportion", lang) not in item
    assert format_percent(gap.ci_level_adjusted, lang) in item
    assert "95% CI" not in item and "IC à 95" not in item
    listed = [i.id for i in project.indicators if typeset(i.label[lang], lang) in findings]
    trust = [i for i in project.indicators if i.chapter == "trust" and i.is_proportion]
    assert set(listed) - {i.id for i in trust} == {"feel_unsafe", "victim_12m"}  # only significant comparisons


@pytest.mark.parametrize(
    "lang, wording", [("fr", "ne montrent de différence nette"), ("en", "show no clear difference")]
)
def test_without_significant_comparisons_no_difference_is_claimed(project, tmp_path, lang, wording):
    *_, out = make_book(project, tmp_path)
    summary = findings_block((out / lang / "index.md").read_text(encoding="utf-8"))
    assert wording in summary
    assert not re.search(r"^ +- ", summary, re.MULTILINE)  # no difference listed
    for page in ("gender", "trends", "regions/ML-5"):
        text = (out / lang / f"{page}.md").read_text(encoding="utf-8")
        assert "**Différence nette**" not in text and "**Clear difference**" not in text


def test_trust_finding_names_highest_and_lowest_institution(project, book):
    frame, *_, out = book
    latest = project.wave_ids[-1]
    trust = [i for i in project.indicators if i.chapter == "trust" and i.is_proportion]
    national = frame[(frame.wave == latest) & (frame.domain == "national")].set_index("indicator")
    high = max(trust, key=lambda i: national.loc[i.id, "estimate"])
    low = min(trust, key=lambda i: national.loc[i.id, "estimate"])
    findings = findings_block((out / "en" / "index.md").read_text(encoding="utf-8"))
    value = format_percent(national.loc[high.id, "estimate"], "en")
    assert f"highest national trust indicator is “{typeset(high.label['en'], 'en')}” ({value};" in findings
    assert (
        f"lowest “{typeset(low.label['en'], 'en')}” ({format_percent(national.loc[low.id, 'estimate'], 'en')};"
        in findings
    )


def test_region_page_compares_with_national_and_marks_clear_gaps(project, book):
    frame, *_, out = book
    latest = project.wave_ids[-1]
    page = (out / "fr" / "regions" / "ML-5.md").read_text(encoding="utf-8")
    cell = frame[(frame.wave == latest) & (frame.indicator == "trust_police") & (frame.region_code == "ML-5")]
    region = cell[cell.domain == "region"].iloc[0]
    cells = table_row(page, "(#ind-trust_police)")
    interval = format_interval(region.ci_low, region.ci_high, "proportion", "fr")
    assert cells[1] == keep_figures_together(f"{format_percent(region.estimate, 'fr')} ({interval})")
    victim = typeset(next(i for i in project.indicators if i.id == "victim_12m").label["fr"], "fr")
    gap_rows = [line for line in page.split("## Femmes et hommes")[1].splitlines() if line.startswith("|")]
    clear = [line for line in gap_rows if "**Différence nette**" in line]
    assert len(clear) == 1 and victim in clear[0]
    assert "{download}`télécharger la fiche (PDF, 2 pages) <../downloads/factsheets/fr/ML-5.pdf>`" in page
    assert (out / "fr" / "downloads" / "factsheets" / "fr" / "ML-5.pdf").is_file()


def test_french_edition_formats_numbers_the_french_way(project, book):
    frame, *_, out = book
    row = frame[
        (frame.wave == project.wave_ids[0]) & (frame.indicator == "trust_police") & (frame.domain == "national")
    ].iloc[0]
    french = (out / "fr" / "trust.md").read_text(encoding="utf-8")
    english = (out / "en" / "trust.md").read_text(encoding="utf-8")
    assert re.fullmatch(r"\d+,\d\u00a0%", format_percent(row.estimate, "fr"))
    for lang, text in (("fr", french), ("en", english)):
        interval = format_interval(row.ci_low, row.ci_high, "proportion", lang)
        assert keep_figures_together(f"{format_percent(row.estimate, lang)} ({interval})") in text
    index = (out / "fr" / "index.md").read_text(encoding="utf-8")
    assert f"2{NBSP}700 personnes" in index  # 9 regions × 300 respondents, French thousands separator


def test_every_page_links_to_the_same_page_in_the_other_edition(project, book):
    out = book[-1]
    for lang, other in (("fr", "en"), ("en", "fr")):
        for page in pages(project):
            text = (out / lang / f"{page}.md").read_text(encoding="utf-8")
            up = "../" * (page.count("/") + 1)
            assert f'<a href="{up}{other}/{page}.html" hreflang="{other}" lang="{other}">' in text


def test_tables_and_region_pages_follow_configured_order(project, book):
    out = book[-1]
    page = (out / "en" / "trust.md").read_text(encoding="utf-8")
    section = page.split("(ind-trust_police)=")[1].split("(ind-")[0]
    rows = [line.split(" | ")[0].strip("| ") for line in section.splitlines() if line.startswith("| ")]
    names = [region.name["en"] for region in project.geography.regions]
    assert [row for row in rows if row in names] == names  # Bamako last, as configured, not alphabetical
    toc = (out / "en" / "_toc.yml").read_text(encoding="utf-8")
    assert re.findall(r"file: regions/(\S+)", toc) == project.geography.codes


def test_dictionary_and_downloads_come_from_the_metadata(project, book):
    out = book[-1]
    dictionary = (out / "fr" / "dictionary.md").read_text(encoding="utf-8")
    for variable in project.codebook:
        assert (f"`{variable.name}`" in dictionary) == variable.publish
    assert "`ML-BKO` = Bamako" in dictionary
    downloads = (out / "en" / "downloads.md").read_text(encoding="utf-8")
    for wave in project.wave_ids:
        assert f"<downloads/responses_{wave}.csv>" in downloads
        assert "age_group" in (out / "en" / "downloads" / f"responses_{wave}.csv").read_text(encoding="utf-8")
    for name in ("indicators.csv", "comparisons.csv", "data_dictionary.csv", "README.md"):
        assert f"<downloads/{name}>" in downloads
        assert (out / "fr" / "downloads" / name).read_text(encoding="utf-8") == "released\n"  # the release's copy
    copied = [p.read_text(encoding="utf-8") for p in out.rglob("*.csv")]
    assert not any(text.startswith("wave,region_code,age\n") for text in copied)  # never the internal responses


def test_sources_are_deterministic_and_carry_figures_with_alt_text(project, book, tmp_path):
    *_, processed, figures, out = book
    again = tmp_path / "again"
    write_book_sources(project, processed, figures, TEMPLATES, STATIC, again)
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert all((out / f).read_bytes() == (again / f).read_bytes() for f in files)

    trust = (out / "fr" / "trust.md").read_text(encoding="utf-8")
    for wave in project.wave_ids:
        assert (out / "fr" / "figures" / wave / "trust_police.png").is_file()
        assert f"```{{figure}} figures/{wave}/trust_police.png" in trust
    assert "```{figure} figures/map/trust_police.png" in trust
    assert ':alt: "Confiance dans la police par région' in trust
    assert ':alt: "Carte des régions du Mali\u00a0: Confiance dans la police' in trust
    assert {"_config.yml", "_toc.yml"} <= {p.name for p in (out / "fr").iterdir()}


def test_missing_figure_is_reported(project, tmp_path):
    *_, processed, figures, _ = marked_book(project, tmp_path)
    (figures / "en" / project.wave_ids[0] / "victim_12m.png").unlink()
    with pytest.raises(FileNotFoundError, match=r"victim_12m\.png"):
        write_book_sources(project, processed, figures, TEMPLATES, STATIC, tmp_path / "other")


class _Links(HTMLParser):
    """Every href and src of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.targets += [value for name, value in attrs if name in ("href", "src") and value]


def broken_links(site: Path) -> list[str]:
    """Relative links of every built page whose target file does not exist.

    ``_static`` holds the theme's own Jinja fragments (not pages), so it is skipped.
    """
    broken = []
    for page in site.rglob("*.html"):
        if "_static" in page.relative_to(site).parts:
            continue
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for target in parser.targets:
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not parts.path:
                continue  # external (none should exist offline), or an anchor within the page
            if not (page.parent / unquote(parts.path)).resolve().exists():
                broken.append(f"{page.relative_to(site)} -> {target}")
    return broken


@pytest.mark.slow
def test_built_book_is_offline_with_working_links(workflow_run, run_project):
    """The site the shared run built: every page in its language, every link resolved, nothing fetched."""
    html = workflow_run / "book/_build/html"
    assert broken_links(html) == []
    for lang in ("fr", "en"):
        for page in pages(run_project):
            text = (html / lang / f"{page}.html").read_text(encoding="utf-8")
            assert f'<html lang="{lang}"' in text
            assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', text), "fetches from network"
    downloads = (html / "fr" / "downloads.html").read_text(encoding="utf-8")
    assert re.search(r'href="_downloads/[0-9a-f]+/indicators\.csv"', downloads)
    chooser = (html / "index.html").read_text(encoding="utf-8")
    assert chooser.index('href="fr/index.html"') < chooser.index('href="en/index.html"')
    sources = workflow_run / "book/_src"
    assert not list(sources.rglob("*jupyter_cache*")) and not list(sources.rglob("_build"))
    assert [p.name for p in (workflow_run / "book/_build").iterdir() if p.name.startswith(".")] == []


@pytest.mark.slow
def test_a_failing_build_leaves_the_previous_site_untouched(workflow_run, tmp_path):
    """A warning is an error: one broken page in one edition, and the site already there stays as it was."""
    html = tmp_path / "html"
    shutil.copytree(workflow_run / "book/_build/html", html)
    before = {p.relative_to(html): p.read_bytes() for p in sorted(html.rglob("*")) if p.is_file()}
    built = workflow_run / "book/_src"
    sources = tmp_path / "src"
    for lang in ("fr", "en"):  # two small editions (the templates' configuration), one broken page in English
        edition = sources / lang
        shutil.copytree(built / lang / "_static", edition / "_static")
        shutil.copytree(built / lang / "_templates", edition / "_templates")
        shutil.copyfile(built / lang / "_config.yml", edition / "_config.yml")
        (edition / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n- file: trust\n", encoding="utf-8")
        (edition / "index.md").write_text("# Index\n", encoding="utf-8")
        (edition / "trust.md").write_text("# Trust\n", encoding="utf-8")
    (sources / "en" / "trust.md").write_text("# Broken\n\n{ref}`no-such-label`\n", encoding="utf-8")
    shutil.copyfile(built / "index.html", sources / "index.html")
    with pytest.raises(BookBuildError, match="en"):
        build_book(sources, html)
    after = {p.relative_to(html): p.read_bytes() for p in sorted(html.rglob("*")) if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_broken_link_check_finds_a_missing_target(tmp_path):
    (tmp_path / "a.html").write_text('<a href="b.html#x">b</a><img src="missing.png"><a href="#top">t</a>')
    (tmp_path / "b.html").write_text("")
    assert broken_links(tmp_path) == ["a.html -> missing.png"]


def test_french_pages_set_non_breaking_spaces_and_curly_apostrophes(project, book):
    """No ordinary space before : ; ? ! or inside « », no straight apostrophe after a letter (code spans aside)."""
    out = book[-1]
    for page in sorted((out / "fr").rglob("*.md")):
        text = re.sub(r"(`+).*?\1", "", page.read_text(encoding="utf-8"))
        assert not re.search(r" \\*[:;?!]| »|« ", text), page.name
        assert not re.search(r"[^\W\d_]'", text), page.name
    english = (out / "en" / "index.md").read_text(encoding="utf-8")
    assert "\u202f" not in english and not re.search(r"[^\W\d_]'", english)

"""Book sources and HTML: numbers come from the tables given, localised, in configured order."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from test_figures import LEAKED, indicators_frame

from perception.figures import format_ci, format_count, format_percent
from perception.project import Project
from perception.report import BookBuildError, build_book, write_book_sources

NBSP = "\u00a0"
PAGES = ["index", "trust", "security", "methodology"]


def write_inputs(tmp_path: Path, project: Project, frame: pd.DataFrame) -> tuple[Path, Path]:
    """Workflow outputs in their published layout: processed tables and figure PNGs."""
    processed = tmp_path / "processed"
    processed.mkdir()
    frame.to_csv(processed / "indicators.csv", index=False)
    for wave in project.wave_ids:
        (processed / wave).mkdir()
        pd.DataFrame(
            [
                {
                    "source_id": source,
                    "source_file": f"data/raw/{wave}/{source}.csv",
                    "rows_received": 1000 + i,
                    "rows_released": 990 + i,
                    "rows_quarantined": 10,
                }
                for i, source in enumerate(project.source_ids(wave))
            ]
        ).to_csv(processed / wave / "quality_summary.csv", index=False)
        pd.DataFrame(
            [
                {"region_code": code, "n_respondents": 300, "n_women": 140, "n_men": 160, "sum_weights": 12345.6}
                for code in project.geography.codes
            ]
        ).to_csv(processed / wave / "sample_summary.csv", index=False)
    figures = tmp_path / "figures"
    for lang in project.languages:
        for wave in project.wave_ids:
            for indicator in project.indicators:
                path = figures / lang / wave / f"{indicator.id}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                plt.imsave(path, np.zeros((2, 2, 3)))
    return processed, figures


@pytest.fixture
def book(project, tmp_path):
    """Sources written from a table where one national estimate of the latest wave is suppressed."""
    suppressed = (project.wave_ids[-1], "knows_complaint_mechanism", "national", "", "")
    frame = indicators_frame(project, suppressed={suppressed})
    processed, figures = write_inputs(tmp_path, project, frame)
    out = tmp_path / "src"
    write_book_sources(project, processed, figures, out)
    return frame, processed, figures, out


def table_row(page: str, marker: str) -> list[str]:
    """Cells of the Markdown table row that contains ``marker``."""
    line = next(line for line in page.splitlines() if marker in line and line.startswith("|"))
    return [cell.strip() for cell in line.strip("|").split(" | ")]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_summary_numbers_equal_indicator_rows(project, book, lang):
    frame, _, _, out = book
    page = (out / lang / "index.md").read_text(encoding="utf-8")
    latest = frame[(frame.wave == project.wave_ids[-1]) & (frame.domain == "national")]

    for indicator in project.indicators:
        row = latest[latest.indicator == indicator.id].iloc[0]
        cells = table_row(page, f"<ind-{indicator.id}>")
        assert indicator.label[lang] in cells[0]
        if row.is_suppressed:
            assert cells[1:] == ["—", "—", format_count(row.n, lang)]
        else:
            assert cells[1:] == [
                format_percent(row.estimate, lang),
                format_ci(row.ci_low, row.ci_high, lang),
                format_count(row.n, lang),
            ]
    assert format_percent(LEAKED, lang) not in page
    notes = [line for line in page.splitlines() if line.startswith("—")]
    assert notes and all(str(project.min_cell_n) in note for note in notes)


def test_french_edition_formats_numbers_the_french_way(project, book):
    frame, _, _, out = book
    row = frame[
        (frame.wave == project.wave_ids[0]) & (frame.indicator == "trust_police") & (frame.domain == "national")
    ].iloc[0]
    french = (out / "fr" / "trust.md").read_text(encoding="utf-8")
    english = (out / "en" / "trust.md").read_text(encoding="utf-8")
    assert re.fullmatch(r"\d+,\d\u00a0%", format_percent(row.estimate, "fr"))
    assert f"{format_percent(row.estimate, 'fr')} ({format_ci(row.ci_low, row.ci_high, 'fr')})" in french
    assert f"{format_percent(row.estimate, 'en')} ({format_ci(row.ci_low, row.ci_high, 'en')})" in english
    index = (out / "fr" / "index.md").read_text(encoding="utf-8")
    assert f"2{NBSP}700 personnes" in index  # 9 regions × 300 respondents, French thousands separator


def test_every_page_links_to_the_other_edition(project, book):
    out = book[3]
    for lang, other in (("fr", "en"), ("en", "fr")):
        for page in PAGES:
            text = (out / lang / f"{page}.md").read_text(encoding="utf-8")
            assert f'<a href="../{other}/{page}.html" hreflang="{other}" lang="{other}">' in text


def test_tables_follow_configured_region_order(project, book):
    out = book[3]
    page = (out / "en" / "trust.md").read_text(encoding="utf-8")
    section = page.split("(ind-trust_police)=")[1].split("(ind-")[0]
    rows = [line.split(" | ")[0].strip("| ") for line in section.splitlines() if line.startswith("| ")]
    names = [region.name["en"] for region in project.geography.regions]
    assert [row for row in rows if row in names] == names  # Bamako last, as configured, not alphabetical


def test_sources_are_deterministic_and_carry_figures_with_alt_text(project, book, tmp_path):
    _, processed, figures, out = book
    again = tmp_path / "again"
    write_book_sources(project, processed, figures, again)
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert all((out / f).read_bytes() == (again / f).read_bytes() for f in files)

    trust = (out / "fr" / "trust.md").read_text(encoding="utf-8")
    for wave in project.wave_ids:
        assert (out / "fr" / "figures" / wave / "trust_police.png").is_file()
        assert f"```{{figure}} figures/{wave}/trust_police.png" in trust
    assert ":alt: Confiance dans la police par région" in trust
    assert {"_config.yml", "_toc.yml"} <= {p.name for p in (out / "fr").iterdir()}


def test_missing_figure_is_reported(project, book, tmp_path):
    _, processed, figures, _ = book
    (figures / "en" / project.wave_ids[0] / "victim_12m.png").unlink()
    with pytest.raises(FileNotFoundError, match=r"victim_12m\.png"):
        write_book_sources(project, processed, figures, tmp_path / "other")


@pytest.mark.slow
def test_build_book_offline_with_language_attributes(book, tmp_path):
    out = book[3]
    html = tmp_path / "html"
    build_book(out, html)

    for lang, other in (("fr", "en"), ("en", "fr")):
        for page in PAGES:
            text = (html / lang / f"{page}.html").read_text(encoding="utf-8")
            assert f'<html lang="{lang}"' in text
            assert f'href="../{other}/{page}.html"' in text and (html / other / f"{page}.html").is_file()
            assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', text), "fetches from network"
    chooser = (html / "index.html").read_text(encoding="utf-8")
    assert chooser.index('href="fr/index.html"') < chooser.index('href="en/index.html"')
    assert not list(out.rglob("*jupyter_cache*")) and not list(out.rglob("_build"))

    # A failing build (a warning is an error) leaves the previous site untouched.
    (out / "en" / "trust.md").write_text("# Broken\n\n{ref}`no-such-label`\n", encoding="utf-8")
    with pytest.raises(BookBuildError, match="en"):
        build_book(out, html)
    assert (html / "index.html").read_text(encoding="utf-8") == chooser
    assert (html / "fr" / "index.html").is_file()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

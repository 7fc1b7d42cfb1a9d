"""The built book in a real browser: no table wider than the page, no word wider than its cell.

Skipped without Chromium (Debian: apt-get install -y chromium). The pages
are built from the synthetic tables of test_report, then opened from
file:// at 390 px and 1280 px; a small script added to a copy of each page
measures every table against the article and writes what overflows into the
page, which Chromium dumps.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from builders import make_book

from perception.book.build import build_book
from perception.i18n import load_strings

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Headless Chromium will not make its window narrower than 500 px, so the
# page is opened in a frame of the wanted width (media queries follow the frame).
# ``{measure}`` runs in the loaded frame (doc, view) and fills the array ``found``.
PROBE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="page" src="{src}" style="border:0;width:{width}px;height:1200px"></iframe>
<script>
document.getElementById("page").addEventListener("load", (event) => {{
  const doc = event.target.contentDocument, view = event.target.contentWindow;
  const found = [];
  {measure}
  const out = document.createElement("pre");
  out.id = "probe-report";
  out.textContent = "W" + view.innerWidth + " FOUND[" + found.join(" | ") + "]";
  document.body.appendChild(out);
}});
</script></body></html>"""

TABLES_WIDER_THAN_THE_PAGE = """
  const article = doc.querySelector("article.bd-article") || doc.body;
  const style = view.getComputedStyle(article);
  const limit = article.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  // wider than the article's text, or than the box it scrolls in
  found.push(...[...doc.querySelectorAll("table")]
    .filter((t) => t.getBoundingClientRect().width > limit + 1
      || t.parentElement.scrollWidth > t.parentElement.clientWidth + 1)
    .map((t) => (t.id || "table") + " " + Math.round(t.getBoundingClientRect().width) + ">" + Math.round(limit)));
  // a word wider than its cell spills over the next column or is clipped
  const spilled = [...doc.querySelectorAll("table td, table th")]
    .filter((c) => c.scrollWidth > c.clientWidth + 1)
    .map((c) => (c.closest("table").id || "table") + " cell '" + c.textContent.trim().slice(0, 30) + "'");
  found.push(...new Set(spilled));
"""

# Every page chart image shown (both drawings of it): its file, and shown width / drawn width.
CHARTS_SHOWN = """
  for (const img of doc.querySelectorAll("img.phone-chart, figure.page-chart img")) {
    if (img.offsetWidth > 0) {
      found.push(img.src.split("/").pop() + " " + (img.getBoundingClientRect().width / img.naturalWidth).toFixed(3));
    }
  }
"""


def probe(page, width: int, measure: str) -> str:
    """What ``measure`` found in ``page`` opened ``width`` px wide in headless Chromium, joined by " | "."""
    probe = page.with_name(f"_probe_{width}_{page.name}")
    probe.write_text(PROBE.format(src=page.name, width=width, measure=measure), encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--allow-file-access-from-files",
                f"--user-data-dir={profile}",
                "--window-size=1400,1300",
                "--dump-dom",
                probe.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    probe.unlink()
    found = re.search(r'id="probe-report"[^>]*>W(\d+) FOUND\[(.*?)\]</pre>', result.stdout, re.S)
    assert found, f"{page}: the measuring script did not run ({result.stderr[-300:]})"
    assert int(found.group(1)) == width, f"{page}: viewport {found.group(1)} px, not {width} px"
    return found.group(2)


def overflowing(page, width: int) -> str:
    return probe(page, width, TABLES_WIDER_THAN_THE_PAGE)


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_no_table_is_wider_than_the_page_on_a_phone_or_a_desktop(project, tmp_path):
    *_, out = make_book(project, tmp_path)
    site = tmp_path / "html"
    build_book(out, site)
    pages = ["index", "trust", "gender", "trends", "regions/ML-5", "methodology", "dictionary", "quality"]
    wide = {
        f"{lang}/{page} @{width}px": found
        for lang, page in [*(("fr", page) for page in pages), ("en", "regions/ML-5"), ("en", "gender")]
        for width in (390, 1280)
        if (found := overflowing(site / lang / f"{page}.html", width))
    }
    assert wide == {}


def printed_pages(page, pdf) -> int:
    """Pages of ``page`` printed to A4 by Chromium (the book's print stylesheet)."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
                f"--user-data-dir={profile}",
                f"--print-to-pdf={pdf}",
                page.as_uri(),
            ],
            capture_output=True,
            timeout=120,
        )
    return len(re.findall(rb"/Type /Page\b", pdf.read_bytes()))


@pytest.fixture(scope="module")
def printed_mopti(project, tmp_path_factory) -> dict[str, tuple[Path, int]]:
    """The Mopti page of each edition printed to A4: (PDF, pages)."""
    import matplotlib.pyplot as plt
    import numpy as np

    from perception.outputs.charts import CHART_WIDTH_IN, chart_height

    tmp_path = tmp_path_factory.mktemp("print")
    *_, out = make_book(project, tmp_path)  # every cell of every table filled: the longest page
    # the region's chart as tall as the real one (one row per indicator), not the 2-pixel stand-in
    charts = sorted(out.glob("*/**/region-ML-5.png"))
    assert len(charts) == len(project.languages), charts
    for chart in charts:
        plt.imsave(chart, np.zeros((int(chart_height(project) * 20), int(CHART_WIDTH_IN * 20), 3)))
    site = tmp_path / "html"
    build_book(out, site)
    printed = {}
    for lang in project.languages:
        pdf = tmp_path / f"{lang}.pdf"
        printed[lang] = (pdf, printed_pages(site / lang / "regions/ML-5.html", pdf))
    return printed


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_a_regional_page_prints_on_at_most_four_a4_pages(printed_mopti):
    for lang, (_, pages) in printed_mopti.items():
        assert 1 <= pages <= 4, f"{lang}: the Mopti page prints on {pages} A4 pages"


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_the_first_printed_page_goes_on_to_the_regions_table(workflow_run, project, tmp_path):
    """Page 1 holds the findings and the start of the table beside the country, not the findings and white space.

    On the shared run's own book, whose Mopti findings are as long as the
    demo's: kept whole after them, the page-tall chart left a third of page 1
    blank; on paper it now follows the table.
    """
    for lang in project.languages:
        pdf = tmp_path / f"{lang}.pdf"
        printed_pages(workflow_run / "book/_build/html" / lang / "regions/ML-5.html", pdf)
        first = subprocess.run(
            ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert load_strings(lang)["region_versus"] in " ".join(first.split()), f"{lang}: page 1 is\n{first}"


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_no_table_of_the_workflows_own_book_is_wider_than_the_page(workflow_run, tmp_path):
    """The book the shared run built from real tables: non-response, disclosure, four-digit n, long wave labels."""
    site = tmp_path / "html"
    shutil.copytree(workflow_run / "book/_build/html", site)
    pages = ["trust", "security", "victimisation", "rights", "regions/ML-5", "regions/ML-8", "methodology"]
    wide = {
        f"{lang}/{page} @{width}px": found
        for lang in ("fr", "en")
        for page in pages
        for width in (390, 1280)
        if (found := overflowing(site / lang / f"{page}.html", width))
    }
    assert wide == {}


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_page_charts_keep_11_px_text_on_a_phone_and_a_desktop(workflow_run, tmp_path):
    """A phone shows the narrow drawing in place of the page chart, each at least 11 px text at 100 % zoom."""
    from perception.outputs.style import DPI

    axis_px = 10 / 72 * DPI  # the charts' smallest labels (10 pt) in the PNG's pixels
    site = tmp_path / "html"
    shutil.copytree(workflow_run / "book/_build/html", site)
    for lang in ("fr", "en"):
        for page, chart in (("index", "summary"), ("regions/ML-5", "region-ML-5"), ("gender", "gender")):
            for width, drawing in ((390, f"{chart}-phone.png"), (1280, f"{chart}.png")):
                shown = probe(site / lang / f"{page}.html", width, CHARTS_SHOWN).split(" | ")
                assert len(shown) == 1 and shown[0].split()[0] == drawing, (lang, page, width, shown)
                text_px = float(shown[0].split()[1]) * axis_px
                assert text_px >= 11, f"{lang}/{page} @{width}px: chart text {text_px:.1f} px"


FIGURES_SHOWN = """
  for (const img of doc.querySelectorAll("figure img, img.phone-chart")) {
    if (img.offsetWidth > 0) {
      found.push(img.src.split("/").pop() + " " + (img.getBoundingClientRect().width / img.naturalWidth).toFixed(3));
    }
  }
"""


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_chapter_figures_maps_and_trend_charts_keep_11_px_text_on_a_phone(workflow_run, tmp_path):
    """Every figure a chapter shows on a 390 px phone keeps its 10 pt labels at 11 px or more, and fits a desktop."""
    from perception.outputs.style import DPI

    label_px = 10 / 72 * DPI
    site = tmp_path / "html"
    shutil.copytree(workflow_run / "book/_build/html", site)
    for lang in ("fr", "en"):
        for width in (390, 1280):
            shown = probe(site / lang / "trust.html", width, FIGURES_SHOWN).split(" | ")
            names = [entry.split()[0] for entry in shown]
            # each wave's figure, the map and the trend chart (its phone drawing on the phone)
            assert any(name.startswith("trend-") and name.endswith("-phone.png") == (width == 390) for name in names)
            assert len(names) >= 3, (lang, width, names)
            small = {
                entry: round(float(entry.split()[1]) * label_px, 1)
                for entry in shown
                if float(entry.split()[1]) * label_px < 11
            }
            assert small == {}, f"{lang}/trust @{width}px: figures with text under 11 px: {small}"

"""The built book in a real browser: no table wider than the page, no word wider than its cell.

Skipped without Chromium (Debian: apt-get install -y chromium). The pages
are built from the synthetic tables of test_report, then opened from
file:// at 390 px and 1280 px; a small script added to a copy of each page
measures every table against the article and writes what overflows into the
page, which Chromium dumps.
"""

from __future__ import annotations

import html
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

# Headless Chromium will not make its window narrower than 500 px, so each
# page is opened in a frame of the wanted width (media queries follow the
# frame). All the frames of one call share one page, one over the other at
# the top left so that none is off screen, and one Chromium launch; the
# parent's load event waits for every frame's, so the dump holds every report.
# ``{measure}`` runs in each loaded frame (doc, view) and fills the array ``found``.
PROBE = """<!DOCTYPE html><html><head><script>
function measure(frame) {{
  const doc = frame.contentDocument, view = frame.contentWindow;
  const found = [];
  {measure}
  const out = document.createElement("pre");
  out.className = "probe-report";
  out.textContent = frame.dataset.view + " W" + view.innerWidth + " FOUND[" + found.join(" | ") + "]";
  document.body.appendChild(out);
}}
</script></head><body style="margin:0">
{frames}
</body></html>"""

FRAME = (
    '<iframe data-view="{view}" src="{src}" onload="measure(this)"'
    ' style="position:absolute;top:0;left:0;border:0;width:{width}px;height:1200px"></iframe>'
)

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


def probe(site: Path, views: list[tuple[str, int]], measure: str) -> dict[tuple[str, int], str]:
    """What ``measure`` found in each (page under ``site``, width in px), opened in one headless Chromium.

    Each value is the findings joined by " | " ("" when none).
    """
    frames = "\n".join(
        FRAME.format(view=number, src=html.escape(page), width=width) for number, (page, width) in enumerate(views)
    )
    probe = site / "_probe.html"
    probe.write_text(PROBE.format(measure=measure, frames=frames), encoding="utf-8")
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
            timeout=300,
        )
    probe.unlink()
    reports = {
        int(number): (int(width), found)
        for number, width, found in re.findall(
            r'class="probe-report"[^>]*>(\d+) W(\d+) FOUND\[(.*?)\]</pre>', result.stdout, re.S
        )
    }
    out = {}
    for number, (page, width) in enumerate(views):
        assert number in reports, f"{page} @{width}px: the measuring script did not run ({result.stderr[-300:]})"
        shown_width, found = reports[number]
        assert shown_width == width, f"{page}: viewport {shown_width} px, not {width} px"
        out[page, width] = html.unescape(found)
    return out


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
def synthetic_site(project, tmp_path_factory) -> Path:
    """The book built from test_report's synthetic tables: every cell of every table filled, the longest pages.

    Each region's chart is as tall as the real one (one row per indicator),
    not the 2-pixel stand-in, so that printed pages are as long as a real book's.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    from perception.outputs.charts import CHART_WIDTH_IN, chart_height

    tmp_path = tmp_path_factory.mktemp("synthetic")
    *_, out = make_book(project, tmp_path)
    charts = sorted(out.glob("*/**/region-ML-5.png"))
    assert len(charts) == len(project.languages), charts
    for chart in charts:
        plt.imsave(chart, np.zeros((int(chart_height(project) * 20), int(CHART_WIDTH_IN * 20), 3)))
    site = tmp_path / "html"
    build_book(out, site)
    return site


def wider_than_the_page(site: Path, pages: list[str]) -> dict[str, str]:
    """Each of ``pages`` (language/page) at 390 and 1280 px: what overflows, for the views where anything does."""
    views = [(f"{page}.html", width) for page in pages for width in (390, 1280)]
    found = probe(site, views, TABLES_WIDER_THAN_THE_PAGE)
    return {f"{page} @{width}px": wide for (page, width), wide in found.items() if wide}


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_no_table_is_wider_than_the_page_on_a_phone_or_a_desktop(synthetic_site):
    pages = ["index", "trust", "gender", "trends", "regions/ML-5", "methodology", "dictionary", "quality"]
    shown = [*(f"fr/{page}" for page in pages), "en/regions/ML-5", "en/gender"]
    assert wider_than_the_page(synthetic_site, shown) == {}


@pytest.fixture(scope="module")
def printed_mopti(project, synthetic_site, tmp_path_factory) -> dict[str, tuple[Path, int]]:
    """The Mopti page of each edition printed to A4: (PDF, pages)."""
    tmp_path = tmp_path_factory.mktemp("print")
    printed = {}
    for lang in project.languages:
        pdf = tmp_path / f"{lang}.pdf"
        printed[lang] = (pdf, printed_pages(synthetic_site / lang / "regions/ML-5.html", pdf))
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


@pytest.fixture(scope="module")
def workflow_site(workflow_run, tmp_path_factory) -> Path:
    """A copy of the book the shared run built (the probe page is written into it, never into the run's own)."""
    site = tmp_path_factory.mktemp("workflow-book") / "html"
    shutil.copytree(workflow_run / "book/_build/html", site)
    return site


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_no_table_of_the_workflows_own_book_is_wider_than_the_page(workflow_site):
    """The book the shared run built from real tables: non-response, disclosure, four-digit n, long wave labels."""
    pages = ["trust", "security", "victimisation", "rights", "regions/ML-5", "regions/ML-8", "methodology"]
    assert wider_than_the_page(workflow_site, [f"{lang}/{page}" for lang in ("fr", "en") for page in pages]) == {}


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_page_charts_keep_11_px_text_on_a_phone_and_a_desktop(workflow_site):
    """A phone shows the narrow drawing in place of the page chart, each at least 11 px text at 100 % zoom."""
    from perception.outputs.style import DPI

    axis_px = 10 / 72 * DPI  # the charts' smallest labels (10 pt) in the PNG's pixels
    expected = {
        (f"{lang}/{page}.html", width): drawing
        for lang in ("fr", "en")
        for page, chart in (("index", "summary"), ("regions/ML-5", "region-ML-5"), ("gender", "gender"))
        for width, drawing in ((390, f"{chart}-phone.png"), (1280, f"{chart}.png"))
    }
    for (page, width), found in probe(workflow_site, list(expected), CHARTS_SHOWN).items():
        shown = found.split(" | ")
        assert len(shown) == 1 and shown[0].split()[0] == expected[page, width], (page, width, shown)
        text_px = float(shown[0].split()[1]) * axis_px
        assert text_px >= 11, f"{page} @{width}px: chart text {text_px:.1f} px"


FIGURES_SHOWN = """
  for (const img of doc.querySelectorAll("figure img, img.phone-chart")) {
    if (img.offsetWidth > 0) {
      found.push(img.src.split("/").pop() + " " + (img.getBoundingClientRect().width / img.naturalWidth).toFixed(3));
    }
  }
"""


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_chapter_figures_maps_and_trend_charts_keep_11_px_text_on_a_phone(workflow_site):
    """Every figure a chapter shows on a 390 px phone keeps its 10 pt labels at 11 px or more, and fits a desktop."""
    from perception.outputs.style import DPI

    label_px = 10 / 72 * DPI
    views = [(f"{lang}/trust.html", width) for lang in ("fr", "en") for width in (390, 1280)]
    for (page, width), found in probe(workflow_site, views, FIGURES_SHOWN).items():
        shown = found.split(" | ")
        names = [entry.split()[0] for entry in shown]
        # each wave's figure, the map and the trend chart (its phone drawing on the phone)
        assert any(name.startswith("trend-") and name.endswith("-phone.png") == (width == 390) for name in names)
        assert len(names) >= 3, (page, width, names)
        small = {
            entry: round(float(entry.split()[1]) * label_px, 1)
            for entry in shown
            if float(entry.split()[1]) * label_px < 11
        }
        assert small == {}, f"{page} @{width}px: figures with text under 11 px: {small}"

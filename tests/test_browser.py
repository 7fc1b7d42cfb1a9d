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

import pytest
from test_report import make_book

from perception.book.build import build_book

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Headless Chromium will not make its window narrower than 500 px, so the
# page is opened in a frame of the wanted width (media queries follow the frame).
PROBE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="page" src="{src}" style="border:0;width:{width}px;height:1200px"></iframe>
<script>
document.getElementById("page").addEventListener("load", (event) => {{
  const doc = event.target.contentDocument, view = event.target.contentWindow;
  const article = doc.querySelector("article.bd-article") || doc.body;
  const style = view.getComputedStyle(article);
  const limit = article.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  // wider than the article's text, or than the box it scrolls in
  const wide = [...doc.querySelectorAll("table")]
    .filter((t) => t.getBoundingClientRect().width > limit + 1
      || t.parentElement.scrollWidth > t.parentElement.clientWidth + 1)
    .map((t) => (t.id || "table") + " " + Math.round(t.getBoundingClientRect().width) + ">" + Math.round(limit));
  // a word wider than its cell spills over the next column or is clipped
  const spilled = [...doc.querySelectorAll("table td, table th")]
    .filter((c) => c.scrollWidth > c.clientWidth + 1)
    .map((c) => (c.closest("table").id || "table") + " cell '" + c.textContent.trim().slice(0, 30) + "'");
  wide.push(...new Set(spilled));
  const out = document.createElement("pre");
  out.id = "overflow-report";
  out.textContent = "W" + view.innerWidth + " OVERFLOW[" + wide.join(" | ") + "]";
  document.body.appendChild(out);
}});
</script></body></html>"""


def overflowing(page, width: int) -> str:
    probe = page.with_name(f"_probe_{width}_{page.name}")
    probe.write_text(PROBE.format(src=page.name, width=width), encoding="utf-8")
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
    found = re.search(r'id="overflow-report"[^>]*>W(\d+) OVERFLOW\[(.*?)\]</pre>', result.stdout, re.S)
    assert found, f"{page}: the measuring script did not run ({result.stderr[-300:]})"
    assert int(found.group(1)) == width, f"{page}: viewport {found.group(1)} px, not {width} px"
    return found.group(2)


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

"""The built book in a real browser: no table is wider than its container on a phone or a desktop.

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

MEASURE = """<script>
window.addEventListener("load", () => {
  const article = document.querySelector("article.bd-article") || document.body;
  const limit = article.clientWidth;
  const wide = [...document.querySelectorAll("table")]
    .filter((t) => t.getBoundingClientRect().width > limit + 1)
    .map((t) => (t.id || t.querySelector("caption")?.textContent || "table").trim().slice(0, 60) + " " +
      Math.round(t.getBoundingClientRect().width) + ">" + limit);
  const out = document.createElement("pre");
  out.id = "overflow-report";
  out.textContent = "OVERFLOW[" + wide.join(" | ") + "]";
  document.body.appendChild(out);
});
</script>"""


def overflowing(page, width: int) -> str:
    probe = page.with_name(f"_probe_{page.name}")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--window-size={width},1200",
                "--virtual-time-budget=3000",
                "--dump-dom",
                probe.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    found = re.search(r'<pre id="overflow-report">OVERFLOW\[(.*?)\]</pre>', result.stdout, re.S)
    assert found, f"{page}: the measuring script did not run ({result.stderr[-300:]})"
    return found.group(1)


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

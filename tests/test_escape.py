"""Markup stays text: hostile labels from configuration files reach the book, charts and fact sheets as text.

Every kind of external string (partner names, wave labels, codebook variable,
value and special-code labels, indicator labels and definitions, region names,
the geography layout label) is planted with HTML, MyST roles, Jinja syntax,
backticks, a table pipe, a newline and mathtext in a copy of the project's
configuration; the book must build, show each planted string literally, and
carry no active markup from it.
"""

from __future__ import annotations

import html
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml
from builders import STATIC, TEMPLATES, comparisons_frame, indicators_frame, write_inputs
from markdown_it import MarkdownIt

from perception.book.build import build_book
from perception.book.escape import code, one_line, option, text
from perception.book.escape import html as html_text
from perception.book.sources import write_book_sources
from perception.catalog.results import Comparisons, Estimates, read_comparisons, read_indicators
from perception.config.project import Project
from perception.outputs.factsheets import write_factsheet
from perception.outputs.figures import FIGURE_WIDTH_IN, figure_height, indicator_by_region
from perception.outputs.maps import TILE_MAP, tile_map
from perception.outputs.style import save_png

# One payload per trick: raw HTML, an event handler, a MyST role, Jinja
# (expression, statement, raw block), backticks, a cell separator, a line
# break, mathtext that matplotlib cannot parse, entities and a colon fence.
ATTACK = (
    "<script>alert(1)</script> <img src=x onerror=alert(1)> {download}`x` {{ 7*7 }} {% raw %}x{% endraw %} "
    "``code`` a|b\n# c $\\frac{x$ &amp; *e* [l](http://x) ::: (t)= \\"
)
REPO_CONFIG = Path(__file__).resolve().parents[1] / "config"
SHOWN = one_line(ATTACK)  # what a reader must see (a line break shows as a space)


def test_escaped_text_renders_as_itself():
    rendered = MarkdownIt("commonmark").render(text(ATTACK))
    # Backslashes stay doubled for Sphinx's smart quotes, which show them single.
    assert rendered == f"<p>{html.escape(SHOWN.replace(chr(92), chr(92) * 2), quote=False)}</p>\n"
    table = MarkdownIt("commonmark").enable("table").render(f"| h |\n|---|\n| {text('a|b')} |\n")
    assert "<td>a|b</td>" in table
    assert MarkdownIt("commonmark").render(code("a``b`")) == "<p><code>a``b`</code></p>\n"
    assert option('say "hi"\nthere') == '"say \\"hi\\" there"'
    assert html_text('<a href="x">') == "&lt;a href=&quot;x&quot;&gt;"


def plant(config: Path, label: str) -> None:
    """Put ``label`` (tagged with where it went) into every kind of external string of ``config``."""

    def bilingual(where: str) -> dict:
        return {lang: f"{where}-{lang} {label}" for lang in ("fr", "en")}

    def edit(path: Path, change) -> None:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    def project(data):
        for wave, spec in data["waves"].items():
            spec["label"] = bilingual(f"wave-{wave}")

    def codebook(data):
        for name, spec in data["special_codes"].items():
            spec["label"] = bilingual(f"special-{name}")
        for name, spec in data["variables"].items():
            spec["label"] = bilingual(f"variable-{name}")
            for value, _ in (spec.get("codes") or {}).items():
                spec["codes"][value] = bilingual(f"value-{name}-{value}")

    def indicators(data):
        for spec in data["indicators"]:
            spec["label"] = bilingual(f"indicator-{spec['id']}")
            spec["definition"] = bilingual(f"definition-{spec['id']}")

    def geography(data):
        layout = data["layouts"][data["layout"]]
        layout["label"] = bilingual("layout")
        for region in layout["regions"]:
            region["name"] = bilingual(f"region-{region['code']}")

    def partner(data):
        data["partner"] = f"partner-{data['source_id']} {label}"

    edit(config / "config.yaml", project)
    edit(config / "codebook.yaml", codebook)
    edit(config / "indicators.yaml", indicators)
    edit(config / "geography.yaml", geography)
    for source in (config / "sources").glob("*.yaml"):
        edit(source, partner)


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Project:
    root = tmp_path_factory.mktemp("planted")
    shutil.copytree(REPO_CONFIG, root / "config")
    plant(root / "config", ATTACK)
    return Project.from_file("config/config.yaml", root=root)


class _Page(HTMLParser):
    """Visible text, script contents and event-handler attributes of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.scripts, self.handlers, self.tags = [], [], [], []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_script = tag == "script"
        self.handlers += [f"{tag} {name}={value}" for name, value in attrs if name.startswith("on")]
        self.text += [value for name, value in attrs if name in ("alt", "title", "aria-label") and value]

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        (self.scripts if self._in_script else self.text).append(data)


def read_page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.mark.slow
def test_planted_markup_builds_and_reaches_the_reader_as_text(planted, tmp_path):
    frame = indicators_frame(planted)
    comparisons = comparisons_frame(
        planted, frame, significant={("gender_gap", planted.wave_ids[-1], "feel_unsafe", "national", "", "")}
    )
    processed, figures_dir = write_inputs(tmp_path, planted, frame, comparisons)
    sources = tmp_path / "src"
    write_book_sources(planted, processed, figures_dir, TEMPLATES, STATIC, sources)
    site = tmp_path / "html"
    build_book(sources, site)  # a broken table, role or heading would be a Sphinx warning, hence an error

    shown = []
    for page_path in sorted(site.rglob("*.html")):
        if "_static" in page_path.parts:
            continue
        page = read_page(page_path)
        # the book shows no code: a code block means a planted backtick broke a fence
        assert 'class="highlight' not in page_path.read_text(encoding="utf-8"), f"{page_path}: text shown as code"
        assert not any("alert" in s for s in page.scripts), f"{page_path}: planted script runs"
        assert not page.handlers, f"{page_path}: event handler {page.handlers[0]}"
        shown.append(" ".join(" ".join(page.text).split()))
    shown = "\n".join(shown)
    # Each kind of planted string is shown, whole and literal, in each edition.
    tags = [f"partner-{source}" for wave in planted.wave_ids for source in planted.source_ids(wave)]
    for lang in ("fr", "en"):
        tags += [f"wave-{wave}-{lang}" for wave in planted.wave_ids]
        tags += [f"{kind}-{lang}" for kind in ("variable-region_code", "value-gender_code-f", "special-dont_know")]
        tags += [f"{kind}-{lang}" for kind in ("indicator-trust_police", "definition-trust_police", "region-ML-5")]
        tags += [f"layout-{lang}"]
    missing = [tag for tag in tags if f"{tag} {SHOWN}" not in shown]
    assert missing == [], "planted strings not shown literally"
    trust = (site / "fr" / "trust.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in trust and "{{ 7*7 }}" in trust
    # (that a site is the same bytes whichever folder it is built in: test_workflow.py's two runs)
    assert not list(site.rglob(".buildinfo"))


def test_planted_labels_draw_in_charts_maps_and_fact_sheets(planted, tmp_path):
    """Mathtext is off: "$\\frac{x$" in a label would otherwise stop matplotlib with a parse error.

    The planted indicator's chart and map (its label, every planted region
    name) and the planted region's fact sheet in each language: every other
    chart or sheet draws the same kinds of label.
    """
    wave = planted.wave_ids[-1]
    frame = indicators_frame(planted)
    processed = tmp_path / "processed"
    (processed / wave).mkdir(parents=True)
    frame.to_csv(processed / "indicators.csv", index=False)
    comparisons_frame(planted, frame).to_csv(processed / "comparisons.csv", index=False)
    (processed / wave / "sample_summary.csv").write_text(
        "region_code,n_respondents,n_women,n_men,sum_weights\n"
        + "".join(f"{c},300,150,150,1.0\n" for c in planted.geography.codes),
        encoding="utf-8",
    )
    estimates, changes = (
        Estimates(read_indicators(processed / "indicators.csv")),
        Comparisons(read_comparisons(processed / "comparisons.csv")),
    )
    chart, tiles = tmp_path / "chart.png", tmp_path / "map.png"
    save_png(
        indicator_by_region(read_indicators(processed / "indicators.csv"), planted, wave, "trust_police", "fr"),
        chart,
        "fr",
        FIGURE_WIDTH_IN,
        figure_height(planted, wave),
    )
    save_png(
        tile_map(estimates, planted, wave, "trust_police", "en"), tiles, "en", TILE_MAP.width_in, TILE_MAP.height_in
    )
    sample = pd.read_csv(processed / wave / "sample_summary.csv", keep_default_na=False)
    region = next(r for r in planted.geography.regions if r.code == "ML-5")
    sheets = [tmp_path / f"{lang}.pdf" for lang in planted.languages]
    for lang, sheet in zip(planted.languages, sheets, strict=True):
        write_factsheet(sheet, planted, estimates, changes, sample, region, lang)
    assert all(p.stat().st_size > 0 for p in [chart, tiles, *sheets])

"""Page charts: values from indicators.csv, no marker for an unpublished cell, typeset PNGs that are reproducible."""

from __future__ import annotations

from test_figures import LEAKED, indicators_frame, rendered_texts

from perception.catalog.results import Estimates
from perception.i18n.numbers import format_percent
from perception.outputs.chart_specs import chart_alt, page_charts, region_chart
from perception.outputs.charts import chart_height, dot_chart
from perception.outputs.style import save_png


def test_region_chart_marks_a_suppressed_cell_in_words_and_draws_no_marker_for_it(project):
    wave = project.wave_ids[-1]
    mopti = project.geography.regions[4]
    frame = indicators_frame(project, suppressed={(wave, "trust_police", "region", mopti.code, "")})
    estimates = Estimates(frame)
    chart = region_chart(estimates, project, mopti, "fr")
    plot = dot_chart(project, chart, "fr")
    row = plot.data[(plot.data["indicator_id"] == "trust_police") & (plot.data["series"] == mopti.name["fr"])]
    assert not row["published"].any() and row["estimate"].isna().all()  # no value to put a marker at
    texts = rendered_texts(plot)
    assert f"{mopti.name['fr']}\u00a0: masqué" in texts
    assert not any(format_percent(LEAKED, "fr") in t for t in texts)
    national = estimates.get(wave, "trust_army", "national")
    assert f"National {format_percent(national.estimate, 'fr')}" in chart_alt(project, chart, "fr")


def test_every_page_chart_is_drawn_the_same_twice(project, tmp_path):
    estimates = Estimates(indicators_frame(project))
    charts = page_charts(estimates, project, "fr")
    assert list(charts)[:2] == ["summary", "gender"] and f"region-{project.geography.codes[0]}" in charts
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    for path in (first, second):
        save_png(dot_chart(project, charts["summary"], "fr"), path, "fr", height=chart_height(project))
    assert first.read_bytes() == second.read_bytes()

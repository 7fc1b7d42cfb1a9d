"""Page charts: values from indicators.csv, no marker for an unpublished cell, typeset PNGs that are reproducible."""

from __future__ import annotations

from builders import LEAKED, indicators_frame, rendered_texts

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


def test_trend_chart_leaves_a_gap_with_its_reason_where_a_wave_has_no_estimate(project, tmp_path):
    from perception.outputs.trends import (
        TREND_WIDTH_IN,
        _segments,
        trend_alt_text,
        trend_by_region,
        trend_data,
        trend_height,
    )

    first, middle, last = project.wave_ids[0], project.wave_ids[1], project.wave_ids[-1]
    mopti = project.geography.regions[4]
    frame = indicators_frame(project, suppressed={(middle, "trust_police", "region", mopti.code, "")})
    estimates = Estimates(frame)
    data = trend_data(estimates, project, "trust_police", "fr")
    # the country first, then every region in configured order, each wave in order
    assert list(data["area"].cat.categories) == ["National", *(r.name["fr"] for r in project.geography.regions)]
    here = data[data["area"] == mopti.name["fr"]].set_index("wave")
    assert here.loc[2, "label"] == "masqué" and not here.loc[2, "published"]
    assert here.loc[2, "estimate"] == 0  # the reason sits on the axis; no marker is drawn there
    lines = _segments(data)
    mopti_lines = lines[lines["area"] == mopti.name["fr"]]
    assert mopti_lines.empty if len(project.wave_ids) == 3 else (mopti_lines["x"] != 2).all()
    national = data[data["area"] == "National"]
    assert len(lines[lines["area"] == "National"]) == len(project.wave_ids) - 1  # published throughout: joined
    expected = round(estimates.get(last, "trust_police", "national").estimate * 100, 6)
    assert round(float(national.loc[national["wave"] == len(project.wave_ids), "estimate"].iloc[0]), 6) == expected
    texts = rendered_texts(trend_by_region(estimates, project, "trust_police", "fr"))
    assert "masqué" in texts and not any(format_percent(LEAKED, "fr") in t for t in texts)
    assert "1 = " + project.waves[first].label["fr"] in " ".join(texts)
    assert trend_alt_text(estimates, project, "trust_police", "fr").endswith("masquées) : 1 sur 30.")
    paths = [tmp_path / "a.png", tmp_path / "b.png"]
    for path in paths:
        save_png(
            trend_by_region(estimates, project, "trust_police", "fr"), path, "fr", TREND_WIDTH_IN, trend_height(project)
        )
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_a_row_nobody_was_asked_gets_one_note_not_one_per_marker(project):
    wave = project.wave_ids[-1]
    mopti = project.geography.regions[4]
    frame = indicators_frame(project)
    never = (frame["wave"] == wave) & (frame["indicator"] == "trust_national_guard")
    frame["status"] = frame["is_suppressed"].map({True: "suppressed", False: "estimated"})
    frame.loc[never, "status"] = "not_asked"
    frame.loc[never, ["estimate", "se", "ci_low", "ci_high"]] = float("nan")
    plot = dot_chart(project, region_chart(Estimates(frame), project, mopti, "fr"), "fr")
    notes = [t for t in rendered_texts(plot) if t.endswith("non posée")]
    assert notes == ["non posée", "non posée"]  # one per panel (region against the country, women and men)

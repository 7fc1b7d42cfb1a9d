"""Figures: suppressed cells never show a number, PNGs are reproducible, text is localised."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from builders import LEAKED, indicators_frame, rendered_texts

from perception.catalog.results import Estimates
from perception.config.project import Project
from perception.files import load_yaml
from perception.i18n.numbers import (
    format_ci,
    format_count,
    format_difference,
    format_difference_ci,
    format_interval,
    format_percent,
    format_value,
)
from perception.outputs.figures import alt_text, indicator_by_region, plot_data
from perception.outputs.style import save_png
from perception.stages import figures as write_figures

REPO = Path(__file__).resolve().parents[1]
NBSP = "\u00a0"


def small_project(tmp_path: Path, indicator_ids: list[str]) -> Project:
    """The real configuration restricted to a few indicators, to keep tests fast."""
    config = load_yaml(REPO / "config/config.yaml")
    registry = load_yaml(REPO / "config/indicators.yaml")
    registry["indicators"] = [i for i in registry["indicators"] if i["id"] in indicator_ids]
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
    config["indicators"] = str(path)
    return Project(config, root=REPO)


def test_french_and_english_number_formats():
    assert format_percent(0.452, "fr") == f"45,2{NBSP}%"
    assert format_percent(0.452, "en") == "45.2%"
    assert format_ci(0.41, 0.494, "fr") == "41,0–49,4"
    assert format_ci(0.41, 0.494, "en") == "41.0–49.4"
    assert format_count(12345, "fr") == f"12{NBSP}345"
    assert format_count(12345, "en") == "12,345"


def test_values_are_printed_in_their_unit():
    assert format_value(0.452, "proportion", "fr") == f"45,2{NBSP}%"
    assert format_value(61.23, "index", "fr") == "61,2"
    assert format_value(2.416, "score", "en") == "2.42"
    assert format_interval(0.41, 0.494, "proportion", "en") == "41.0–49.4"
    assert format_interval(60.2, 62.3, "index", "fr") == "60,2–62,3"
    assert format_difference(-0.0471, "proportion", "fr") == f"\u22124,7{NBSP}pts"
    assert format_difference(0.0471, "proportion", "en") == "+4.7 pts"
    assert format_difference(0.0004, "proportion", "en") == "0.0 pts"  # no sign on a rounded zero
    assert format_difference_ci(-0.029, 0.18, "proportion", "fr") == f"[\u22122,9{NBSP}; +18,0]"
    assert format_difference_ci(-0.029, 0.18, "proportion", "en") == "[\u22122.9, +18.0]"


def test_index_is_drawn_on_its_own_0_100_scale(project):
    frame = indicators_frame(project)
    wave = project.wave_ids[0]
    drawn = plot_data(Estimates(frame), project, wave, "trust_security_forces_index", "en")
    assert drawn["estimate"].between(0, 100).all() and drawn["estimate"].max() > 1
    texts = rendered_texts(indicator_by_region(frame, project, wave, "trust_security_forces_index", "en"))
    assert "Index (0 to 100)" in texts and "100" in texts and "100%" not in texts


@pytest.mark.parametrize("lang, word", [("fr", "masqué"), ("en", "suppressed")])
def test_suppressed_cell_is_drawn_without_a_number(project, lang, word):
    wave = project.wave_ids[-1]
    cell = (wave, "trust_police", "region_gender", "ML-8", "f")
    frame = indicators_frame(project, suppressed={cell})

    plot = indicator_by_region(frame, project, wave, "trust_police", lang)

    texts = rendered_texts(plot)
    assert any(word in text for text in texts)
    leaked = format_percent(LEAKED, lang)
    assert not any(leaked in text or "77" in text for text in texts)
    # The suppressed cell sits on the axis (0), not at its leaked value.
    kidal = project.geography.name("ML-8", lang)
    women = project.codebook.value_label("gender_code", "f", lang)
    drawn = plot_data(Estimates(frame), project, wave, "trust_police", lang)
    cell_rows = drawn[(drawn["region"] == kidal) & (drawn["gender"] == women)]
    assert len(cell_rows) == 1
    assert not cell_rows["published"].any()
    assert (cell_rows[["estimate", "ci_low", "ci_high"]] == 0).all(axis=None)
    assert "77" not in alt_text(frame, project, wave, "trust_police", lang)


def test_regions_follow_configured_order_and_language(project):
    frame = indicators_frame(project)
    plot = indicator_by_region(frame, project, project.wave_ids[0], "trust_police", "fr")
    names = [r.name["fr"] for r in project.geography.regions]
    # coord_flip draws the first category at the bottom, so the scale is reversed.
    assert list(plot.data["region"].cat.categories) == names[::-1]
    assert "Ségou" in names and "Tombouctou" in names


def test_alt_text_names_highest_and_lowest_region(project):
    frame = indicators_frame(project)
    wave = project.wave_ids[0]
    regional = frame[(frame.wave == wave) & (frame.indicator == "trust_police") & (frame.domain == "region")]
    high = regional.loc[regional.estimate.idxmax()]
    low = regional.loc[regional.estimate.idxmin()]

    text = alt_text(frame, project, wave, "trust_police", "en")

    assert text.startswith("Trust in the police")
    name = project.geography.name
    assert f"highest in {name(high.region_code, 'en')} ({format_percent(high.estimate, 'en')})" in text
    assert f"lowest in {name(low.region_code, 'en')} ({format_percent(low.estimate, 'en')})" in text


def test_png_bytes_are_reproducible(project, tmp_path):
    frame = indicators_frame(project)
    wave = project.wave_ids[0]
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    save_png(indicator_by_region(frame, project, wave, "victim_12m", "fr"), first, "fr")
    save_png(indicator_by_region(frame, project, wave, "victim_12m", "fr"), second, "fr")
    assert first.read_bytes() == second.read_bytes()
    assert b"matplotlib" not in first.read_bytes()


def test_write_figures_paths_in_configured_order(tmp_path):
    project = small_project(tmp_path, ["trust_police"])
    csv = tmp_path / "indicators.csv"
    indicators_frame(project).to_csv(csv, index=False)

    paths = [
        path
        for lang in project.languages
        for wave in project.wave_ids
        for path in write_figures(project, lang, wave, csv, tmp_path / "figures")
    ]

    expected = [
        tmp_path / "figures" / lang / wave / "trust_police.png"
        for lang in project.languages
        for wave in project.wave_ids
    ]
    assert paths == expected
    assert all(p.is_file() and p.read_bytes().startswith(b"\x89PNG") for p in paths)

"""Figures: suppressed cells never show a number, PNGs are reproducible, text is localised."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import matplotlib.text
import pandas as pd
import pytest
import yaml

from perception.figures import (
    Estimates,
    alt_text,
    format_ci,
    format_count,
    format_percent,
    indicator_by_region,
    plot_data,
    save_png,
    write_figures,
)
from perception.metadata import load_yaml
from perception.project import Project

REPO = Path(__file__).resolve().parents[1]
NBSP = "\u00a0"
LEAKED = 0.777  # a value a suppressed row must never show, even if the file carries it


def indicators_frame(project: Project, suppressed: set[tuple[str, ...]] = frozenset()) -> pd.DataFrame:
    """A complete indicators table with distinct estimates per cell.

    Cells listed in ``suppressed`` as (wave, indicator, domain, region, gender)
    get n below the threshold and is_suppressed=True, but keep an estimate of
    ``LEAKED`` to prove that nothing downstream prints it.
    """
    regions = project.geography.codes
    keys = [("national", "", "")]
    keys += [("region", r, "") for r in regions]
    keys += [("gender", "", g) for g in ("f", "m")]
    keys += [("region_gender", r, g) for r in regions for g in ("f", "m")]
    rows = []
    for w, wave in enumerate(project.wave_ids):
        for i, indicator in enumerate(project.indicators):
            for k, (domain, region, gender) in enumerate(keys):
                hidden = (wave, indicator.id, domain, region, gender) in suppressed
                estimate = LEAKED if hidden else round(0.20 + 0.01 * ((7 * k + 3 * i + 5 * w) % 50), 4)
                rows.append(
                    {
                        "wave": wave,
                        "indicator": indicator.id,
                        "domain": domain,
                        "region_code": region,
                        "gender_code": gender,
                        "estimate": estimate,
                        "se": 0.02,
                        "ci_low": round(estimate - 0.04, 4),
                        "ci_high": round(estimate + 0.04, 4),
                        "n": 12 if hidden else 250,
                        "is_suppressed": hidden,
                    }
                )
    return pd.DataFrame(rows)


def small_project(tmp_path: Path, indicator_ids: list[str]) -> Project:
    """The real configuration restricted to a few indicators, to keep tests fast."""
    config = load_yaml(REPO / "config/config.yaml")
    registry = load_yaml(REPO / "config/indicators.yaml")
    registry["indicators"] = [i for i in registry["indicators"] if i["id"] in indicator_ids]
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
    config["indicators"] = str(path)
    return Project(config, root=REPO)


def rendered_texts(plot) -> list[str]:
    figure = plot.draw()
    try:
        return [t.get_text() for t in figure.findobj(matplotlib.text.Text)]
    finally:
        plt.close(figure)


def test_french_and_english_number_formats():
    assert format_percent(0.452, "fr") == f"45,2{NBSP}%"
    assert format_percent(0.452, "en") == "45.2%"
    assert format_ci(0.41, 0.494, "fr") == "41,0–49,4"
    assert format_ci(0.41, 0.494, "en") == "41.0–49.4"
    assert format_count(12345, "fr") == f"12{NBSP}345"
    assert format_count(12345, "en") == "12,345"


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
    save_png(indicator_by_region(frame, project, wave, "victim_12m", "fr"), first)
    save_png(indicator_by_region(frame, project, wave, "victim_12m", "fr"), second)
    assert first.read_bytes() == second.read_bytes()
    assert b"matplotlib" not in first.read_bytes()


def test_write_figures_paths_in_configured_order(tmp_path):
    project = small_project(tmp_path, ["trust_police"])
    csv = tmp_path / "indicators.csv"
    indicators_frame(project).to_csv(csv, index=False)

    paths = write_figures(csv, project, tmp_path / "figures")

    expected = [
        tmp_path / "figures" / lang / wave / "trust_police.png"
        for lang in project.languages
        for wave in project.wave_ids
    ]
    assert paths == expected
    assert all(p.is_file() and p.read_bytes().startswith(b"\x89PNG") for p in paths)

"""Figures: suppressed cells never show a number, PNGs are reproducible, text is localised."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import matplotlib.text
import pandas as pd
import pytest
import yaml

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
LEAKED = 0.777  # a value a suppressed row must never show, even if the file carries it


def indicators_frame(
    project: Project, suppressed: set[tuple[str, ...]] = frozenset(), flagged: set[tuple[str, ...]] = frozenset()
) -> pd.DataFrame:
    """A complete indicators table with distinct estimates per cell, in the workflow's format.

    Cells listed in ``suppressed`` as (wave, indicator, domain, region, gender)
    get n below the threshold and is_suppressed=True, but keep an estimate of
    ``LEAKED`` to prove that nothing downstream prints it. Cells in
    ``flagged`` are published with is_reliable=False. Index indicators are on
    0–100, as the estimation stage writes them.
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
                key = (wave, indicator.id, domain, region, gender)
                hidden = key in suppressed
                estimate = LEAKED if hidden else round(0.20 + 0.01 * ((7 * k + 3 * i + 5 * w) % 50), 4)
                scale = 100 if indicator.unit == "index" else 1
                rows.append(
                    {
                        "wave": wave,
                        "indicator": indicator.id,
                        "domain": domain,
                        "region_code": region,
                        "gender_code": gender,
                        "estimate": estimate * scale,
                        "se": 0.02 * scale,
                        "ci_low": round(estimate - 0.04, 4) * scale,
                        "ci_high": round(estimate + 0.04, 4) * scale,
                        "n": 12 if hidden else 250,
                        "is_reliable": not hidden and key not in flagged,
                        "reliability_note": "fewer than 8 degrees of freedom" if key in flagged else "",
                        "is_suppressed": hidden,
                        "suppression_reason": "small_cell" if hidden else "",
                    }
                )
    return pd.DataFrame(rows)


def comparisons_frame(
    project: Project, indicators: pd.DataFrame, significant: set[tuple[str, ...]] = frozenset()
) -> pd.DataFrame:
    """Gender gaps and changes since the baseline built from ``indicators``, in the workflow's format.

    Keys in ``significant`` are (comparison, wave, indicator, domain, region,
    gender); those rows get is_significant=True, every other row False. A
    comparison involving a suppressed cell is suppressed, with empty numbers.
    """
    cells = {
        tuple(row[k] for k in ("wave", "indicator", "domain", "region_code", "gender_code")): row
        for row in indicators.to_dict("records")
    }
    rows = []

    def add(kind, wave, reference_wave, indicator, domain, region, gender, group, reference_group, a, b):
        hidden = a["is_suppressed"] or b["is_suppressed"]
        difference = a["estimate"] - b["estimate"]
        clear = (kind, wave, indicator, domain, region, gender) in significant and not hidden
        # The interval the verdict used: it excludes 0 exactly when the verdict is "clear".
        if clear:
            adjusted = (difference - abs(difference) / 2, difference + abs(difference) / 2)
        else:
            adjusted = (min(difference, 0) - 0.05, max(difference, 0) + 0.05)
        rows.append(
            {
                "comparison": kind,
                "indicator": indicator,
                "domain": domain,
                "region_code": region,
                "gender_code": gender,
                "wave": wave,
                "reference_wave": reference_wave,
                "group": group,
                "reference_group": reference_group,
                "estimate": None if hidden else a["estimate"],
                "reference_estimate": None if hidden else b["estimate"],
                "difference": None if hidden else round(difference, 6),
                "se": None if hidden else 0.03,
                "ci_low": None if hidden else round(difference - 0.06, 6),
                "ci_high": None if hidden else round(difference + 0.06, 6),
                "df": 200,
                "p_value": None if hidden else 0.5,
                "family_size": 10,
                "p_adjusted": None if hidden else 1.0,
                "ci_level_adjusted": None if hidden else 0.995,
                "ci_low_adjusted": None if hidden else round(adjusted[0], 6),
                "ci_high_adjusted": None if hidden else round(adjusted[1], 6),
                "is_significant": clear,
                "is_suppressed": hidden,
            }
        )

    baseline = project.wave_ids[0]
    for wave in project.wave_ids:
        for indicator in project.indicators:
            i = indicator.id
            for domain, region in [("national", ""), *(("region", r) for r in project.geography.codes)]:
                gendered = "region_gender" if domain == "region" else "gender"
                women, men = cells[(wave, i, gendered, region, "f")], cells[(wave, i, gendered, region, "m")]
                add("gender_gap", wave, "", i, domain, region, "", "f", "m", women, men)
                if domain == "region":  # against the rest of the country (here the national cell stands in)
                    here, rest = cells[(wave, i, "region", region, "")], cells[(wave, i, "national", "", "")]
                    add("region_vs_rest", wave, "", i, "region", region, "", region, "rest", here, rest)
            if wave == baseline:
                continue
            keys = [("national", "", ""), *(("region", r, "") for r in project.geography.codes)]
            keys += [("gender", "", g) for g in ("f", "m")]
            keys += [("region_gender", r, g) for r in project.geography.codes for g in ("f", "m")]
            for domain, region, gender in keys:
                after, before = cells[(wave, i, domain, region, gender)], cells[(baseline, i, domain, region, gender)]
                add("change", wave, baseline, i, domain, region, gender, wave, baseline, after, before)
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

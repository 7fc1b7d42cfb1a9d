"""Maps: tiles placed as configured, suppressed regions drawn as such, boundary files matched by name."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from builders import LEAKED, indicators_frame, rendered_texts

from perception.catalog.results import Estimates
from perception.errors import ConfigError
from perception.i18n.numbers import format_percent
from perception.outputs.boundaries import read_boundaries
from perception.outputs.maps import choropleth, map_alt_text, tile_map, tile_positions
from perception.outputs.style import save_png
from perception.stages import maps as write_maps

OCHA = Path("reference/geo/mli_adm1_ocha_itos_9regions.geojson")


@pytest.fixture
def kidal_hidden(project):
    """An indicators table where Kidal's regional estimate of the latest wave is suppressed."""
    wave = project.wave_ids[-1]
    return Estimates(indicators_frame(project, suppressed={(wave, "trust_police", "region", "ML-8", "")}))


def test_tile_map_places_regions_and_marks_the_suppressed_one(project, kidal_hidden):
    wave = project.wave_ids[-1]
    plot = tile_map(kidal_hidden, project, wave, "trust_police", "fr")

    tiles = plot.data.set_index("region_code")
    assert list(tiles.index) == project.geography.codes  # configured order
    assert tiles.loc["ML-8", "label"] == "Kidal\nmasqué" and not tiles.loc["ML-8", "published"]
    texts = rendered_texts(plot)
    assert "Kidal\nmasqué" in texts
    assert not any(format_percent(LEAKED, "fr") in t for t in texts)
    # The hatching is drawn only over the suppressed tile.
    hatch = next(layer for layer in plot.layers if type(layer.geom).__name__ == "geom_segment")
    assert hatch.data["x"].between(tiles.loc["ML-8", "x"] - 0.5, tiles.loc["ML-8", "x"] + 0.5).all()


def test_map_alt_text_lists_every_region_in_order(project, kidal_hidden):
    text = map_alt_text(kidal_hidden, project, project.wave_ids[-1], "trust_police", "en")
    positions = [text.index(region.name["en"]) for region in project.geography.regions]
    assert positions == sorted(positions)
    assert "Kidal: suppressed" in text and "77" not in text


def test_two_regions_on_one_tile_is_a_configuration_error(project):
    regions = list(project.geography.regions)
    regions[1] = replace(regions[1], tile_row=regions[0].tile_row, tile_col=regions[0].tile_col)
    with pytest.raises(ConfigError, match="share tile"):
        tile_positions(replace(project.geography, regions=tuple(regions)))


def feature(name: str, x: float) -> dict:
    square = [[x, 10.0], [x + 1, 10.0], [x + 1, 11.0], [x, 11.0], [x, 10.0]]
    return {
        "type": "Feature",
        "properties": {"admin0Name": "Mali", "admin1Name": name},
        "geometry": {"type": "Polygon", "coordinates": [square]},
    }


def test_boundaries_match_region_names_and_report_strangers(project, tmp_path):
    names = ["Koulikouro" if r.code == "ML-2" else r.name["fr"] for r in project.geography.regions]
    path = tmp_path / "regions.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature(n, i) for i, n in enumerate(names)]}))
    polygons = read_boundaries(path, project.geography)
    assert list(dict.fromkeys(polygons["region_code"])) == project.geography.codes

    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature("Atlantis", 0)]}))
    with pytest.raises(ConfigError, match=r"Atlantis.*no polygon for ML-1"):
        read_boundaries(path, project.geography)


def test_ocha_boundaries_give_a_choropleth(project, shared, kidal_hidden, tmp_path):
    polygons = read_boundaries(shared / OCHA, project.geography)  # spells Koulikouro and Segou
    assert set(polygons["region_code"]) == set(project.geography.codes)
    wave = project.wave_ids[-1]
    assert "Kidal\nmasqué" in rendered_texts(choropleth(kidal_hidden, polygons, project, wave, "trust_police", "fr"))
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    save_png(choropleth(kidal_hidden, polygons, project, wave, "trust_police", "fr"), first, "fr")
    save_png(choropleth(kidal_hidden, polygons, project, wave, "trust_police", "fr"), second, "fr")
    assert first.read_bytes() == second.read_bytes()


def test_write_maps_one_per_indicator(project, tmp_path):
    csv = tmp_path / "indicators.csv"
    indicators_frame(project).to_csv(csv, index=False)
    paths = write_maps(project, "en", csv, tmp_path / "figures", None)
    assert paths == [tmp_path / "figures" / "en" / "maps" / f"{i.id}.png" for i in project.indicators]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in paths)


def test_choropleth_labels_of_small_neighbours_are_moved_apart_with_their_anchor_kept():
    from perception.outputs.maps import CHAR_EM, CHOROPLETH, LINE_EM, PAD_PT, PANEL_IN, spread_labels

    square = pd.DataFrame({"x": [0.0, 10.0, 10.0, 0.0], "y": [0.0, 0.0, 10.0, 10.0]})
    labels = pd.DataFrame(
        {
            "region_code": ["A", "B", "C", "D"],
            "x": [5.0, 5.2, 4.9, 1.0],
            "y": [5.0, 5.1, 4.8, 9.0],  # three regions a label apart or less, one far away
            "label": ["Koulikoro\n58,7 %", "Bamako\n54,5 %", "Ségou\n51,4 %", "Kidal\nmasqué"],
        }
    )
    out = spread_labels(labels, square, ratio=1.0)
    assert list(out["anchor_x"]) == list(labels["x"]) and list(out["anchor_y"]) == list(labels["y"])
    assert list(out["x"]) == list(labels["x"])  # moved vertically only
    assert out.loc[3, "y"] == 9.0  # a label clear of the others stays on its region
    scale = min(PANEL_IN[0] / 10, PANEL_IN[1] / 10) * 72  # points per unit
    half_w = [
        (max(map(len, t.split("\n"))) * CHAR_EM * CHOROPLETH.label_pt + 2 * PAD_PT) / 2 / scale for t in out["label"]
    ]
    half_h = [(len(t.split("\n")) * LINE_EM * CHOROPLETH.label_pt + 2 * PAD_PT) / 2 / scale for t in out["label"]]
    for i in range(4):
        for j in range(i + 1, 4):
            apart_x = abs(out.loc[i, "x"] - out.loc[j, "x"]) >= half_w[i] + half_w[j]
            apart_y = abs(out.loc[i, "y"] - out.loc[j, "y"]) >= half_h[i] + half_h[j] - 1e-9
            assert apart_x or apart_y, (i, j)

"""Harmonisation and validation on small inline partner files."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest
from builders import KOBO_HEADER, kobo_row, partner_b_mapping

from perception.config.geography import load_geography
from perception.config.sources import load_source
from perception.errors import ConfigError
from perception.ingest.columns import select_mapped_columns
from perception.ingest.readers import read_file
from perception.transform.harmonise import convert, harmonise
from perception.transform.validate import validate


@pytest.fixture()
def kobo(tmp_path, project):
    rows = [
        kobo_row("B1", "Ségou"),
        kobo_row("B2", "SEGOU", sexe="homme", menaces="groupes_armes vols"),
        kobo_row("B3", "segou ", victime="oui", signale="non"),
        kobo_row("B4", "Douentza"),
        kobo_row("B5", "Mopti", poids=""),
        kobo_row("B6", "Mopti", police="beaucop"),
        kobo_row("B6", "Gao"),
        kobo_row("B7", "Timbuktu"),
    ]
    data = tmp_path / "data.csv"
    data.write_text(KOBO_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    mapping_path = tmp_path / "mapping.yaml"
    mapping_path.write_text(partner_b_mapping(project, data), encoding="utf-8")
    return load_source(mapping_path, project.codebook, root="/")


def run(mapping, project):
    raw = select_mapped_columns(read_file(mapping.file, mapping.read_options), mapping)
    frame = harmonise(raw, mapping, project.codebook, project.geography)
    return frame, validate(frame, project.codebook, project.geography)


def test_personal_data_never_leaves_ingest(kobo, project):
    raw = select_mapped_columns(read_file(kobo.file, kobo.read_options), kobo)
    assert "identification/telephone" not in raw.data.columns


def test_codes_are_harmonised_and_specials_kept_distinct(kobo, project):
    frame, _ = run(kobo, project)
    first = frame.iloc[0]
    assert first["region_code"] == "ML-4"
    assert first["gender_code"] == "f"
    assert first["trust_police"] == 2
    assert first["trust_national_guard"] == project.codebook.special_code("dont_know")
    assert first["trust_courts"] == project.codebook.special_code("refused")
    assert first["reported_to_police"] == project.codebook.special_code("not_applicable")
    assert frame.loc[2, "reported_to_police"] == 0
    assert list(frame["threat_armed_groups"]) == [0, 1, 0, 0, 0, 0, 0, 0]
    assert list(frame["threat_theft"]) == [1] * 8


def test_spelling_variants_accepted_and_bad_rows_quarantined_with_reasons(kobo, project):
    frame, result = run(kobo, project)
    assert len(result.released) + len(result.quarantine) == len(frame) == 8
    assert list(result.released["respondent_id"]) == ["B1", "B2", "B3", "B7"]
    assert list(result.released["region_code"]) == ["ML-4", "ML-4", "ML-4", "ML-6"]
    reasons = dict(zip(result.quarantine["source_row"], result.quarantine["reasons"], strict=True))
    assert reasons[4] == (
        "identification/region = Douentza: unknown region "
        "(Douentza is a region of layout regions_2023, not of regions_2012 used by this wave)"
    )
    assert reasons[5] == "weight_design is missing (required)"
    assert "confiance/police = beaucop: code not listed in the mapping for trust_police" in reasons[6]
    assert "respondent_id B6 is duplicated (source rows 6, 7)" in reasons[6]
    assert reasons[7] == "respondent_id B6 is duplicated (source rows 6, 7)"


@pytest.mark.parametrize("layout", ["regions_2012", "regions_2016", "regions_2023"])
@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Koulikouro", "ML-2"),
        ("SEGOU", "ML-4"),
        ("Timbuktu", "ML-6"),
        ("ségou ", "ML-4"),
        ("District de Bamako", "ML-BKO"),
    ],
)
def test_spelling_variants_match_in_every_layout(project, layout, name, code):
    assert load_geography(project.root / "config/geography.yaml", layout).match(name) == code


def test_2023_layout_has_19_regions_and_bamako(project):
    geography = load_geography(project.root / "config/geography.yaml", "regions_2023")
    assert len(geography.codes) == len(set(geography.codes)) == 20
    assert geography.match("Dioila") == "MLX-DIO" and geography.match("Nioro du Sahel") == "MLX-NIO"
    assert {r.code for r in geography.regions if r.code.startswith("ML-")} == {
        *(f"ML-{i}" for i in range(1, 11)),
        "ML-BKO",
    }
    tiles = [(r.tile_row, r.tile_col) for r in geography.regions]
    assert len(set(tiles)) == len(tiles)


def test_closest_region_is_suggested(project):
    layouts = {
        name: load_geography(project.root / "config/geography.yaml", name) for name in ("regions_2012", "regions_2023")
    }
    assert layouts["regions_2023"].hint("Kouttiala") == ("Koutiala", None)
    assert layouts["regions_2012"].hint("Kouttiala") == ("Koutiala", "regions_2023")  # named with its layout
    assert layouts["regions_2012"].suggest("Sikaso") == "Sikasso"
    assert layouts["regions_2012"].suggest("Kati") is None  # a cercle: no misleading "Kita"
    assert layouts["regions_2012"].match("KOULIKOURO") == "ML-2"


def test_wave_layout_is_configurable(project, tmp_path):
    from perception.config.project import Project

    config = {**project.config, "waves": {w: dict(spec) for w, spec in project.config["waves"].items()}}
    config["waves"]["2025-followup"]["layout"] = "regions_2023"
    configured = Project(config, root=project.root)
    assert configured.wave_geography("2025-followup").layout == "regions_2023"
    assert configured.wave_geography("2024-baseline").layout == "regions_2012"
    assert configured.wave_geography("not-a-wave").layout == "regions_2012"


def test_constants_ranges_and_per_row_values(tmp_path, project):
    data = tmp_path / "d.csv"
    data.write_text("id,age,trust\nA,34,995\nB,997,2\nC,40,7\n", encoding="utf-8")
    mapping_path = tmp_path / "m.yaml"
    mapping_path.write_text(
        f"""source_id: ab
wave: w
file: {data}
variables:
  respondent_id: {{column: id}}
  region_code: {{constant: Tombouctou}}
  stratum_id: {{constant: AB-R6}}
  psu_id: {{per_row: true}}
  weight_design: {{constant: 1.0}}
  age: {{column: age, codes: {{"990..999": refused}}}}
  trust_police: {{column: trust, codes: {{0: 0, 1: 1, 2: 2, 3: 3, "990..999": dont_know}}}}
""",
        encoding="utf-8",
    )
    mapping = load_source(mapping_path, project.codebook, root="/")
    assert mapping.columns == ["id", "age", "trust"]
    frame, result = run(mapping, project)
    assert frame["stratum_id"].tolist() == ["AB-R6"] * 3
    assert frame["psu_id"].tolist() == ["ab-1", "ab-2", "ab-3"]
    assert frame["region_code"].tolist() == ["ML-6"] * 3
    assert frame["age"].tolist() == [34, -2, 40]
    assert frame["trust_police"].tolist()[:2] == [-1, 2]
    assert result.quarantine["reasons"].tolist() == ["trust = 7: code not listed in the mapping for trust_police"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("{column: x, constant: 1}", "exactly one of"),
        ("{constant: 1, codes: {1: 1}}", "drop 'codes'"),
        ("{column: x, codes: {'1..x': missing}}", "two numbers"),
        ("{column: x, colum: y}", "unknown key"),
        ("{column: x, other_specify: {a: b}}", "other_column"),
    ],
)
def test_mapping_mistakes_are_named(tmp_path, project, spec, message):
    path = tmp_path / "m.yaml"
    required = "\n  ".join(
        f"{v}: {{column: {v[0]}}}" for v in ("respondent_id", "region_code", "stratum_id", "psu_id", "weight_design")
    )
    path.write_text(f"source_id: s\nwave: w\nfile: f.csv\nvariables:\n  {required}\n  age: {spec}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_source(path, project.codebook, root="/")


def test_out_of_range_pass_through_value_is_quarantined(tmp_path, project):
    data = tmp_path / "d.csv"
    data.write_text(textwrap.dedent(KOBO_HEADER + "\n" + kobo_row("B1", "Gao").replace(",34,", ",7,") + "\n"))
    mapping_path = tmp_path / "m.yaml"
    mapping_path.write_text(partner_b_mapping(project, data), encoding="utf-8")
    mapping = load_source(mapping_path, project.codebook, root="/")
    _, result = run(mapping, project)
    assert result.released.empty
    assert result.quarantine.loc[0, "reasons"].startswith("age = 7: outside 18–110")
    assert isinstance(result.quarantine, pd.DataFrame)


@pytest.mark.parametrize("raw", ["1E100", "-1e30", "9.3e18"])
def test_whole_number_too_large_for_storage_is_an_invalid_value(project, raw):
    with pytest.raises(ValueError, match="too large"):
        convert(raw, project.codebook["age"])


REQUIRED = "\n  ".join(f"{v}: {{column: {v[0]}}}" for v in ("respondent_id", "region_code", "weight_design"))


@pytest.mark.parametrize(
    ("partner", "fr", "en"),
    [
        ('"IMRAP"', "IMRAP", "IMRAP"),
        ('{fr: "Partenaire B", en: "Partner B"}', "Partenaire B", "Partner B"),
    ],
)
def test_partner_name_is_one_name_or_one_per_language(tmp_path, project, partner, fr, en):
    path = tmp_path / "m.yaml"
    path.write_text(
        f"source_id: s\nwave: w\npartner: {partner}\nfile: f.csv\nvariables:\n  {REQUIRED}\n",
        encoding="utf-8",
    )
    mapping = load_source(path, project.codebook, root="/")
    assert (mapping.partner_in("fr"), mapping.partner_in("en")) == (fr, en)


def test_a_partner_name_missing_a_language_is_refused(tmp_path, project):
    path = tmp_path / "m.yaml"
    path.write_text(
        f'source_id: s\nwave: w\npartner: {{fr: "Partenaire B"}}\nfile: f.csv\nvariables:\n  {REQUIRED}\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="partner"):
        load_source(path, project.codebook, root="/")

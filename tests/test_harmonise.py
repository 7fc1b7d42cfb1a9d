"""Harmonisation and validation on small inline partner files."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from perception.harmonise import harmonise
from perception.ingest import read_file, select_mapped_columns
from perception.metadata import load_source
from perception.validate import validate

KOBO_HEADER = (
    "identification/id_repondant,identification/region,identification/milieu,identification/strate,"
    "identification/zd,poids,repondant/sexe,repondant/age,confiance/police,confiance/gendarmerie,"
    "confiance/garde_nationale,confiance/armee,confiance/tribunaux,confiance/autorites_coutumieres,"
    "securite/insecurite,securite/victime,securite/signale,securite/menaces,droits/abus,droits/plainte,"
    "identification/telephone"
)


def kobo_row(rid, region, sexe="femme", police="assez", poids="1.5", victime="non", signale="", menaces="vols"):
    return (
        f"{rid},{region},urbain,S1,Z1,{poids},{sexe},34,{police},un_peu,nsp,beaucoup,refus,assez,"
        f"jamais,{victime},{signale},{menaces},non,oui,+22370000000"
    )


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
    mapping_text = (project.root / "config/sources/partner_b_2024-baseline.yaml").read_text(encoding="utf-8")
    mapping_text = mapping_text.replace("data/raw/2024-baseline/partner_b_kobo.csv", str(data))
    mapping_path = tmp_path / "mapping.yaml"
    mapping_path.write_text(mapping_text, encoding="utf-8")
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
    assert reasons[4] == "identification/region = Douentza: unknown region"
    assert reasons[5] == "weight_design is missing (required)"
    assert "confiance/police = beaucop: code not listed in the mapping for trust_police" in reasons[6]
    assert "respondent_id B6 is duplicated (source rows 6, 7)" in reasons[6]
    assert reasons[7] == "respondent_id B6 is duplicated (source rows 6, 7)"


def test_closest_region_is_suggested(project):
    assert project.geography.suggest("Kouttiala") is None or isinstance(project.geography.suggest("Kouttiala"), str)
    assert project.geography.suggest("Sikaso") == "Sikasso"
    assert project.geography.match("KOULIKOURO") == "ML-2"


def test_out_of_range_pass_through_value_is_quarantined(tmp_path, project):
    data = tmp_path / "d.csv"
    data.write_text(textwrap.dedent(KOBO_HEADER + "\n" + kobo_row("B1", "Gao").replace(",34,", ",7,") + "\n"))
    mapping_text = (project.root / "config/sources/partner_b_2024-baseline.yaml").read_text(encoding="utf-8")
    mapping_path = tmp_path / "m.yaml"
    mapping_path.write_text(mapping_text.replace("data/raw/2024-baseline/partner_b_kobo.csv", str(data)))
    mapping = load_source(mapping_path, project.codebook, root="/")
    _, result = run(mapping, project)
    assert result.released.empty
    assert result.quarantine.loc[0, "reasons"].startswith("age = 7: outside 18–110")
    assert isinstance(result.quarantine, pd.DataFrame)

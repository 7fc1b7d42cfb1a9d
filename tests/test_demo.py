"""The demo generator: committed exports are its output, readable by the mappings, messy on purpose."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from perception import demo
from perception.ingest.columns import select_mapped_columns
from perception.ingest.readers import read_file
from perception.transform.harmonise import harmonise

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "data/raw"
FILES = [demo.A_BASELINE_FILE, demo.B_FILE, demo.A_FOLLOWUP_FILE, "demo_truth.csv", demo.C_FILE]


def read_raw(name: str) -> pd.DataFrame:
    """A committed export as its format stores it (codes, not labels; CSV as text)."""
    path = RAW / name
    if path.suffix == ".sav":
        return pyreadstat.read_sav(str(path), user_missing=True)[0]
    if path.suffix == ".dta":
        return pyreadstat.read_dta(str(path))[0]
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> tuple[Path, list[Path]]:
    root = tmp_path_factory.mktemp("demo")
    return root, demo.write_demo(root)


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    """The default population's true values (a copy per test: a test may index it its own way)."""
    return demo.true_values()


@pytest.fixture(scope="module")
def harmonised(project) -> dict[str, pd.DataFrame]:
    """Each committed export read and mapped exactly as the pipeline does."""
    frames = {}
    for wave in project.wave_ids:
        for mapping in project.sources(wave):
            raw = select_mapped_columns(read_file(mapping.file, mapping.read_options), mapping)
            frames[mapping.source_id] = harmonise(raw, mapping, project.codebook, project.geography)
    return frames


def mess_rows(file: str, column: str | None = None) -> set[int]:
    return {m.row for m in demo.MESS if m.file == file and column in (None, m.column)}


def test_committed_demo_is_the_generators_output(regenerated):
    root, paths = regenerated
    assert paths == [root / "data/raw" / name for name in FILES]
    for name, path in zip(FILES, paths, strict=True):
        assert path.read_bytes() == (RAW / name).read_bytes(), f"data/raw/{name} differs: rerun `perception demo`"


def test_exports_have_every_column_the_mappings_name(project):
    for wave in project.wave_ids:
        for mapping in project.sources(wave):
            columns = set(read_raw(str(mapping.file.relative_to(RAW))).columns)
            assert set(mapping.columns) <= columns, mapping.source_id


def test_exports_carry_the_personal_data_the_pipeline_drops():
    assert {"NOM_REP", "TEL", "ENQUETEUR", "GPS_LAT", "GPS_LON"} <= set(read_raw(demo.A_BASELINE_FILE).columns)
    assert {"nom_rep", "tel", "enqueteur", "gps_lat", "gps_lon"} <= set(read_raw(demo.A_FOLLOWUP_FILE).columns)
    kobo = read_raw(demo.B_FILE)
    assert {"identification/enqueteur", "identification/telephone", "identification/gps", "deviceid", "_uuid"} <= set(
        kobo.columns
    )


def test_spss_export_is_labelled_in_french_with_user_missing_codes():
    _, meta = pyreadstat.read_sav(str(RAW / demo.A_BASELINE_FILE), metadataonly=True, user_missing=True)
    labels = meta.variable_value_labels
    assert labels["REGION"][9] == "District de Bamako"
    assert labels["Q11_1"] == {1: "Pas du tout", 2: "Un peu", 3: "Assez", 4: "Beaucoup", 8: "NSP", 9: "Refus"}
    coded = ["REGION", "MILIEU", "SEXE", "AGE", *(f"Q11_{k}" for k in range(1, 7)), "Q20", "Q21", "Q22", "Q30", "Q31"]
    assert set(coded) <= set(labels)
    missing = {c: sorted(r["lo"] for r in ranges) for c, ranges in meta.missing_ranges.items()}
    assert missing["Q11_2"] == [8, 9]
    assert missing["Q22"] == [7, 8, 9]
    assert all(meta.column_names_to_labels.values())


def test_stata_export_labels_regions_by_name():
    _, meta = pyreadstat.read_dta(str(RAW / demo.A_FOLLOWUP_FILE), metadataonly=True)
    assert meta.variable_value_labels["region"][5] == "Mopti"
    assert meta.variable_value_labels["q27"][97] == "Sans objet (non victime)"


@pytest.mark.parametrize("mess", demo.MESS, ids=lambda m: f"{m.file}:{m.row}:{m.column}")
def test_deliberate_mess_is_in_the_file(mess):
    frame = read_raw(mess.file)
    value = frame.loc[mess.row - 1, mess.column]
    if mess.value == demo.COPY_PREVIOUS:
        assert value == frame.loc[mess.row - 2, mess.column]
        assert frame[mess.column].duplicated().sum() == 1
    else:
        assert value == mess.value


def test_pipeline_finds_exactly_the_deliberate_mess(harmonised):
    files = {
        "partner_a_2024-baseline": demo.A_BASELINE_FILE,
        "partner_b_2024-baseline": demo.B_FILE,
        "partner_a_2025-followup": demo.A_FOLLOWUP_FILE,
    }
    for source_id, file in files.items():
        frame = harmonised[source_id]
        mess = [m for m in demo.MESS if m.file == file]
        # an unknown code or region is reported by harmonise; blanks and duplicates by validation
        unmappable = {m.row for m in mess if m.value not in ("", demo.COPY_PREVIOUS)}
        assert set(frame.loc[frame["issues"] != "", "source_row"]) == unmappable
        assert set(frame.loc[frame["region_code"].isna(), "source_row"]) == mess_rows(file, "identification/region")
        assert set(frame.loc[frame["weight_design"].isna(), "source_row"]) == mess_rows(file, "poids")
        duplicated = frame.loc[frame["respondent_id"].duplicated(), "source_row"]
        assert set(duplicated) == {m.row for m in mess if m.value == demo.COPY_PREVIOUS}


def test_kobo_regions_come_in_accepted_spelling_variants(harmonised):
    kobo = read_raw(demo.B_FILE)["identification/region"]
    assert {"Ségou", "SEGOU", "segou ", "TOMBOUCTOU", "Timbuktu"} <= set(kobo)
    regions = harmonised["partner_b_2024-baseline"]["region_code"].dropna()
    assert set(regions) == set(demo.B_REGIONS)


def test_kobo_skip_logic_and_select_multiple_are_consistent():
    kobo = read_raw(demo.B_FILE)
    assert (kobo.loc[kobo["securite/victime"] != "oui", "securite/signale"] == "").all()
    assert (kobo.loc[kobo["securite/victime"] == "oui", "securite/signale"] != "").all()
    for choice in ("groupes_armes", "banditisme", "conflits_communautaires", "conflits_fonciers", "vols", "autre"):
        named = kobo["securite/menaces"].str.split().map(lambda chosen, c=choice: c in chosen)
        assert (named.astype(int).astype(str) == kobo[f"securite/menaces/{choice}"]).all()
    assert (kobo["securite/menaces"] != "").all()


def test_truth_table_has_every_indicator_and_domain(project, truth):
    truth = truth.copy()
    regions = project.geography.codes
    domains = [("", ""), *((r, "") for r in regions), ("", "f"), ("", "m"), *((r, g) for r in regions for g in "fm")]
    expected = {(w, i.id, r, g) for w in project.wave_ids for i in project.indicators for r, g in domains}
    keys = list(zip(truth["wave"], truth["indicator"], truth["region_code"], truth["gender_code"], strict=True))
    assert len(keys) == len(set(keys)) == len(expected)
    assert set(keys) == expected
    proportions = truth["indicator"].isin([i.id for i in project.indicators if i.is_proportion])
    assert truth.loc[proportions, "true_value"].between(0, 1, inclusive="neither").all()
    assert truth.loc[~proportions, "true_value"].between(0, 100, inclusive="neither").all()
    committed = pd.read_csv(RAW / "demo_truth.csv", keep_default_na=False, dtype={"true_value": float})
    pd.testing.assert_frame_equal(committed, truth, check_dtype=False)


def test_truth_is_a_population_average_of_the_cells(truth):
    truth = truth.copy().set_index(["wave", "indicator", "region_code", "gender_code"])["true_value"]
    cells = demo.cell_populations()
    women = cells.loc[(cells["region_code"] == "ML-5") & (cells["gender_code"] == "f"), "population"]
    men = cells.loc[(cells["region_code"] == "ML-5") & (cells["gender_code"] == "m"), "population"]
    share_f = women.sum() / (women.sum() + men.sum())
    both = truth[("2024-baseline", "trust_police", "ML-5", "")]
    by_gender = (
        share_f * truth[("2024-baseline", "trust_police", "ML-5", "f")]
        + (1 - share_f) * truth[("2024-baseline", "trust_police", "ML-5", "m")]
    )
    assert both == pytest.approx(by_gender, abs=1e-6)
    assert truth[("2025-followup", "trust_police", "ML-5", "")] > both  # the documented follow-up change


def test_weighted_sample_shares_are_close_to_the_truth(project, harmonised, truth):
    truth = truth.copy().set_index(["wave", "indicator", "region_code", "gender_code"])["true_value"]
    for wave in project.wave_ids:
        rows = pd.concat([harmonised[s] for s in project.source_ids(wave)])
        rows = rows[(rows["issues"] == "") & rows["weight_design"].notna()]
        for indicator in (i for i in project.indicators if i.type == "share" and i.among is None):
            answered = rows[rows[indicator.variable].notna() & (rows[indicator.variable] >= 0)]
            if answered.empty:  # not asked in this wave (partner C's short questionnaire)
                continue
            success = answered[indicator.variable].isin(indicator.success_codes).to_numpy(dtype=float)
            estimate = np.average(success, weights=answered["weight_design"].to_numpy(dtype=float))
            assert estimate == pytest.approx(truth[(wave, indicator.id, "", "")], abs=0.04), (wave, indicator.id)


def test_seed_changes_the_population(truth):
    """(That one seed always gives the same population: the committed demo is the generator's output.)"""
    assert not demo.true_values(1).equals(truth)


def test_partner_c_asks_a_subset_of_the_questions_and_did_not_reach_kidal(project, harmonised, truth):
    """The demo's short questionnaire: what it omits is not asked in its wave; its truth is the follow-up's."""
    from perception.estimate.availability import Availability

    frame = harmonised["partner_c_2025-partner-c"]
    assert "ML-8" not in set(frame["region_code"].dropna()) and set(frame["region_code"].dropna()) == set(
        demo.C_REGIONS
    )
    wave = Availability(project)["2025-partner-c"]
    asked = {i.id for i in project.indicators if wave.is_asked(i)}
    assert {"trust_national_guard", "knows_complaint_mechanism", "trust_security_forces_index"}.isdisjoint(asked)
    assert {"trust_police", "trust_gendarmerie", "reported_to_police", "threat_violence_any"} <= asked
    assert project.waves["2025-partner-c"].design.strata is None and project.waves["2025-partner-c"].design.psu is None
    truth = truth.copy().set_index(["wave", "indicator", "region_code", "gender_code"])["true_value"]
    assert truth.loc["2025-partner-c"].equals(truth.loc["2025-followup"])

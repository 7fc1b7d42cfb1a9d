"""Availability per wave: what each wave's sources asked, and where it surveyed, on inline data.

A small project is written to a temporary folder: the repository's codebook,
registry and geography, two waves whose mappings ask different questions,
and responses generated here with a seeded draw. Wave 1 has two sources: A
asks trust in the gendarmerie, B does not; wave 2's only source never asks
it and did not reach Kidal (ML-8). Before availability existed the estimate
stage died with ``IndexError: index 0 is out of bounds`` from inside svy.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from perception.catalog.status import ESTIMATED, NOT_ASKED, NOT_SURVEYED, STATUSES, SUPPRESSED, combine
from perception.config.project import Project
from perception.estimate.availability import Availability
from perception.estimate.indicators import read_responses
from perception.estimate.run import run_estimation
from perception.estimate.survey import SurveyDesign, estimate_shares

REPO = Path(__file__).resolve().parents[1]
REGIONS = ["ML-1", "ML-2", "ML-3", "ML-4", "ML-5", "ML-6", "ML-7", "ML-8", "ML-BKO"]
TRUST = ["trust_police", "trust_gendarmerie", "trust_army"]
REQUIRED = {
    "respondent_id": {"column": "id"},
    "region_code": {"column": "region"},
    "stratum_id": {"column": "stratum"},
    "psu_id": {"column": "psu"},
    "weight_design": {"column": "w"},
    "gender_code": {"column": "sex"},
}


def mapping(source_id: str, wave: str, items: list[str]) -> dict:
    return {
        "source_id": source_id,
        "wave": wave,
        "partner": source_id,
        "file": f"data/raw/{wave}/{source_id}.csv",
        "variables": {**REQUIRED, **{name: {"column": name} for name in items}},
    }


def responses(source_id: str, wave: str, regions: list[str], items: list[str], n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    region = rng.choice(regions, n)
    frame = pd.DataFrame(
        {
            "wave": wave,
            "source_id": source_id,
            "response_id": [f"{source_id}-{i}" for i in range(n)],
            "region_code": region,
            "gender_code": rng.choice(["f", "m"], n),
            "stratum_id": [f"{source_id}-{r}" for r in region],
            "psu_id": [f"{source_id}-{r}-{k}" for r, k in zip(region, rng.integers(0, 6, n), strict=True)],
            "weight_design": rng.uniform(50, 150, n).round(3),
        }
    )
    for name in TRUST:
        frame[name] = rng.choice([0, 1, 2, 3], n).astype(float) if name in items else np.nan
    return frame


def write_project(root: Path, waves: dict[str, list[tuple[str, list[str], list[str], int]]]) -> Project:
    """``waves``: wave -> [(source_id, items asked, regions reached, n)]; returns the project and writes responses."""
    (root / "config/sources").mkdir(parents=True)
    config = {
        "codebook": str(REPO / "config/codebook.yaml"),
        "indicators": str(REPO / "config/indicators.yaml"),
        "geography": str(REPO / "config/geography.yaml"),
        "waves": {},
        "min_cell_n": 10,
    }
    seed = 0
    frames = {}
    for wave, sources in waves.items():
        paths, parts = [], []
        for source_id, items, regions, n in sources:
            path = root / f"config/sources/{source_id}.yaml"
            path.write_text(yaml.safe_dump(mapping(source_id, wave, items)), encoding="utf-8")
            paths.append(str(path.relative_to(root)))
            seed += 1
            parts.append(responses(source_id, wave, regions, items, n, seed))
        frames[wave] = pd.concat(parts, ignore_index=True)
        config["waves"][wave] = {
            "label": {"fr": wave, "en": wave},
            "sources": paths,
            "design": {"weight": "weight_design", "strata": "stratum_id", "psu": "psu_id"},
        }
    project = Project(config, root=root)
    for wave, frame in frames.items():
        # as responses.csv: every published variable, blank where no source maps it
        blank = {name: np.nan for name in project.codebook.published() if name not in frame}
        folder = root / "data/processed" / wave
        folder.mkdir(parents=True)
        frame.assign(**blank).to_csv(folder / "responses.csv", index=False)
    return project


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("availability")
    project = write_project(
        root,
        {
            "w1": [("a-w1", TRUST, REGIONS, 500), ("b-w1", ["trust_police", "trust_army"], REGIONS, 400)],
            "w2": [("a-w2", ["trust_police", "trust_army"], [r for r in REGIONS if r != "ML-8"], 600)],
        },
    )
    paths = {wave: root / "data/processed" / wave / "responses.csv" for wave in project.wave_ids}
    return project, paths, run_estimation(project, paths)


def cells(table: pd.DataFrame, **where) -> pd.DataFrame:
    mask = pd.Series(True, index=table.index)
    for column, value in where.items():
        mask &= table[column].astype("string").fillna("") == value
    return table[mask]


def test_a_wave_that_never_asks_an_indicator_is_estimated_not_asked_instead_of_crashing(run):
    """The regression: svy raised IndexError on a value column with no value at all."""
    _, _, tables = run
    indicators = tables["indicators"]
    gendarmerie = cells(indicators, wave="w2", indicator="trust_gendarmerie")
    assert len(gendarmerie) == 1 + 9 + 2 + 18  # every cell of the grid, none estimated
    assert (
        gendarmerie.loc[gendarmerie["region_code"].astype("string").fillna("") != "ML-8", "status"] == NOT_ASKED
    ).all()
    assert gendarmerie["estimate"].isna().all() and not gendarmerie["is_suppressed"].any()
    # an indicator nobody in the project asks is not asked everywhere, never "suppressed"
    courts = cells(indicators, indicator="trust_courts", domain="national")
    assert set(courts["status"]) == {NOT_ASKED}


def test_an_item_one_source_asks_is_estimated_over_that_source_only(run):
    project, paths, tables = run
    national = cells(tables["indicators"], wave="w1", indicator="trust_gendarmerie", domain="national").iloc[0]
    frame = read_responses(paths["w1"])
    asked = frame[frame["source_id"] == "a-w1"]
    assert national["status"] == ESTIMATED and national["n"] == len(asked)
    # the same share on the full design with only source A's answers (B's respondents stay in the design)
    data = frame.assign(y=(frame["trust_gendarmerie"] >= 2).astype(float).where(frame["source_id"] == "a-w1"))
    expected = estimate_shares(data, SurveyDesign("weight_design", "stratum_id", "psu_id"), ["y"]).iloc[0]
    assert national["estimate"] == pytest.approx(expected["estimate"], abs=1e-12)
    assert national["se"] == pytest.approx(expected["se"], abs=1e-12)
    table = Availability(project).table()
    row = table[(table["wave"] == "w1") & (table["indicator"] == "trust_gendarmerie")]
    assert row.set_index("source_id")["is_asked"].to_dict() == {"a-w1": True, "b-w1": False}
    assert row.set_index("source_id")["missing_variables"]["b-w1"] == "trust_gendarmerie"


def test_an_index_is_not_asked_by_a_source_that_maps_only_some_of_its_items(run):
    project, _, tables = run
    index = next(i for i in project.indicators if i.type == "index")
    assert not Availability(project)["w1"].asking_sources(index)  # no source maps the national guard
    assert set(cells(tables["indicators"], indicator=index.id)["status"]) <= {NOT_ASKED, NOT_SURVEYED}


def test_a_region_without_respondents_is_not_surveyed(run):
    _, _, tables = run
    kidal = cells(tables["indicators"], wave="w2", region_code="ML-8")
    assert set(kidal["status"]) == {NOT_SURVEYED}
    assert (kidal["n"] == 0).all() and kidal["estimate"].isna().all()
    police = cells(tables["indicators"], wave="w2", indicator="trust_police", domain="region")
    surveyed = police.loc[police["region_code"] != "ML-8", "status"]
    assert set(surveyed) <= {ESTIMATED, SUPPRESSED} and (surveyed == ESTIMATED).any()


def test_cells_without_a_number_take_no_part_in_disclosure_control(run):
    _, _, tables = run
    indicators = tables["indicators"]
    assert set(indicators["status"]) <= set(STATUSES)
    # a not-surveyed Kidal never forces a complementary suppression in the other regions
    police = cells(indicators, wave="w2", indicator="trust_police", domain="region")
    assert not (police["suppression_reason"] == "complementary").any()
    suppressed = indicators["status"] == SUPPRESSED
    assert (indicators.loc[suppressed, "is_suppressed"]).all()
    assert not indicators.loc[indicators["status"].isin([NOT_ASKED, NOT_SURVEYED]), "is_suppressed"].any()
    assert indicators.loc[indicators["status"] != ESTIMATED, "estimate"].isna().all()


def test_comparisons_carry_the_status_of_their_cells(run):
    _, _, tables = run
    comparisons = tables["comparisons"]
    change = cells(comparisons, comparison="change", indicator="trust_gendarmerie", domain="national").iloc[0]
    assert change["status"] == NOT_ASKED and pd.isna(change["difference"]) and not change["is_suppressed"]
    gap = cells(comparisons, comparison="gender_gap", wave="w2", indicator="trust_gendarmerie", domain="national")
    assert gap["status"].tolist() == [NOT_ASKED]
    kidal = cells(comparisons, comparison="region_vs_rest", wave="w2", indicator="trust_police", region_code="ML-8")
    assert kidal["status"].tolist() == [NOT_SURVEYED]
    police = cells(comparisons, comparison="change", indicator="trust_police", domain="national").iloc[0]
    assert police["status"] == ESTIMATED and pd.notna(police["difference"])
    assert set(comparisons["status"]) <= set(STATUSES)
    assert comparisons.loc[comparisons["status"] != ESTIMATED, "p_adjusted"].isna().all()


def test_combined_status_names_the_reason_that_explains_most():
    assert combine([ESTIMATED, ESTIMATED]) == ESTIMATED
    assert combine([ESTIMATED, SUPPRESSED]) == SUPPRESSED
    assert combine([NOT_SURVEYED, SUPPRESSED]) == NOT_SURVEYED
    assert combine([NOT_SURVEYED, NOT_ASKED]) == NOT_ASKED
    assert combine([ESTIMATED, float("nan")]) == SUPPRESSED


def test_models_leave_out_what_a_wave_did_not_ask_with_a_note(run):
    from perception.catalog.status import NOTE_OUTCOME_NOT_ASKED, NOTE_PREDICTOR_NOT_ASKED
    from perception.estimate.models import fit_models

    project, paths, _ = run
    project.config["models"] = {
        **project.config["models"],
        "outcomes": ["trust_police", "trust_gendarmerie"],
        "predictors": ["gender_code", "region_code", "urban_rural_code"],
    }
    models = fit_models(project, paths).fillna({"predictor": "", "note": ""})
    gendarmerie = models[(models["wave"] == "w2") & (models["outcome"] == "trust_gendarmerie")]
    assert gendarmerie[["predictor", "note"]].values.tolist() == [["", NOTE_OUTCOME_NOT_ASKED]]
    police = models[(models["wave"] == "w2") & (models["outcome"] == "trust_police")]
    assert police.loc[police["predictor"] == "urban_rural_code", "note"].tolist() == [NOTE_PREDICTOR_NOT_ASKED]
    fitted = police[police["note"] == ""]
    assert set(fitted["predictor"]) == {"gender_code", "region_code"}
    assert "ML-8" not in set(fitted["level"])  # Kidal was not surveyed in w2
    assert fitted["odds_ratio"].gt(0).all()
    # wave 1 asked trust in the gendarmerie of source A only: modelled over its respondents
    w1 = models[(models["wave"] == "w1") & (models["outcome"] == "trust_gendarmerie") & (models["note"] == "")]
    assert set(w1["n"]) == {500}


def test_raking_to_levels_a_wave_did_not_survey_stops_or_restricts_as_configured(tmp_path):
    from perception.errors import DataError
    from perception.estimate.indicators import prepare
    from perception.estimate.survey import final_weights

    regions = [r for r in REGIONS if r != "ML-8"]
    project = write_project(tmp_path, {"w": [("c-w", ["trust_police"], regions, 900)]})
    margins = tmp_path / "config/margins"
    margins.mkdir(parents=True)
    population = {r: 1000.0 * (i + 1) for i, r in enumerate(REGIONS)}
    rows = [f"region_code,{r},{p},test" for r, p in population.items()]
    (margins / "region.csv").write_text("variable,level,population,source\n" + "\n".join(rows) + "\n")
    total = sum(population.values())
    (margins / "sex.csv").write_text(
        f"variable,level,population,source\ngender_code,f,{total * 0.6},test\ngender_code,m,{total * 0.4},test\n"
    )
    config = project.config
    config["waves"]["w"]["weighting"] = {"rake_to": ["config/margins/region.csv", "config/margins/sex.csv"]}
    responses = read_responses(tmp_path / "data/processed/w/responses.csv")
    with pytest.raises(DataError) as error:
        prepare(Project(config, root=tmp_path), "w", responses)
    message = str(error.value)
    assert "wave w" in message and "config/margins/region.csv" in message and "ML-8" in message
    assert "\n" not in message and "absent_levels" in message
    config["waves"]["w"]["weighting"]["absent_levels"] = "restrict"
    restricted = Project(config, root=tmp_path)
    data, design = prepare(restricted, "w", responses)
    weights = final_weights(data, design)
    surveyed = total - population["ML-8"]
    assert weights.sum() == pytest.approx(surveyed, rel=1e-8)
    by_region = weights.groupby(responses["region_code"].to_numpy()).sum()
    assert by_region.to_dict() == pytest.approx({r: population[r] for r in regions}, rel=1e-6)
    by_sex = weights.groupby(responses["gender_code"].to_numpy()).sum()
    assert by_sex["f"] == pytest.approx(0.6 * surveyed, rel=1e-6)
    kidal = cells(
        run_estimation(restricted, {"w": tmp_path / "data/processed/w/responses.csv"})["indicators"], region_code="ML-8"
    )
    assert set(kidal["status"]) == {NOT_SURVEYED}

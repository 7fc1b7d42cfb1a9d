"""Real partner data through a mapping alone: Afrobarometer Round 6, Mali (../shared).

The example mapping config/sources/examples/afrobarometer_mali_r6.yaml is the
only thing written for this file. Estimates from the harmonised rows must
equal an independent computation on the raw file to 1e-12.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyreadstat
import pytest

from perception.config.sources import load_source
from perception.estimate.survey import SurveyDesign, estimate_shares
from perception.ingest.columns import select_mapped_columns
from perception.ingest.readers import read_source
from perception.transform.checks import prepare_source
from perception.transform.validate import validate

REPO = Path(__file__).resolve().parents[1]
MAPPING = REPO / "config/sources/examples/afrobarometer_mali_r6.yaml"
ITEMS = {"trust_police": "Q52H", "trust_army": "Q52I", "trust_courts": "Q52J"}
TRUSTS = [2, 3]  # "somewhat" or "a lot", as the trust indicators of config/indicators.yaml


@pytest.fixture(scope="module")
def harmonised(shared, project):
    mapping = load_source(MAPPING, project.codebook, root=REPO)
    assert mapping.file.resolve() == (shared / "fixtures/afrobarometer_mali/mli_r6_data_2015_eng.sav").resolve()
    raw = select_mapped_columns(read_source(mapping.file, mapping), mapping)
    prepared = prepare_source(raw, mapping, project.codebook, project.geography)
    return mapping, prepared, validate(prepared.frame, project.codebook, project.geography)


@pytest.fixture(scope="module")
def raw_file(shared):
    return pyreadstat.read_sav(str(shared / "fixtures/afrobarometer_mali/mli_r6_data_2015_eng.sav"))[0]


def test_every_row_is_released(harmonised):
    _, prepared, result = harmonised
    assert len(result.released) == 1200 and result.quarantine.empty
    assert len(prepared.cleaning_log) == 0


def test_codes_are_mapped_by_the_mapping(harmonised, raw_file, project):
    _, _, result = harmonised
    data = result.released
    regions = {501: "ML-1", 502: "ML-2", 503: "ML-3", 504: "ML-4", 505: "ML-5", 506: "ML-6", 507: "ML-7", 508: "ML-8"}
    expected = raw_file["REGION"].map({**regions, 509: "ML-BKO"})
    assert data["region_code"].tolist() == expected.tolist()
    assert (data["age"] == project.codebook.special_code("refused")).sum() == (raw_file["Q1"] == 998).sum()
    assert (data["age"] == project.codebook.special_code("dont_know")).sum() == (raw_file["Q1"] == 999).sum()
    assert data.loc[data["age"] >= 0, "age"].between(18, 110).all()
    assert (data["trust_police"] == project.codebook.special_code("dont_know")).sum() == (raw_file["Q52H"] == 9).sum()
    assert data["psu_id"].isna().all() and data["stratum_id"].isna().all()  # weights only: no fake design
    assert data["weight_design"].to_numpy(dtype=float) == pytest.approx(raw_file["withinwt"].to_numpy())


def test_trust_shares_equal_an_independent_computation(harmonised, raw_file):
    _, _, result = harmonised
    data = result.released.copy()
    for variable in ITEMS:
        values = data[variable].astype("Float64")
        data[variable] = values.isin(TRUSTS).astype(float).where(values >= 0).astype(float)
    # withinwt has mean 1; estimate_shares also computes a without-replacement
    # design effect, which svy refuses when the weights sum to n. A constant
    # factor (adults per respondent, roughly) leaves every share unchanged.
    data["weight_design"] = data["weight_design"] * 7000.0
    design = SurveyDesign(weight="weight_design")
    estimates = estimate_shares(data, design, list(ITEMS)).set_index("variable")["estimate"]
    for variable, column in ITEMS.items():
        answers = raw_file[column]
        substantive = answers.isin([0, 1, 2, 3]).to_numpy()
        trusts = answers.isin(TRUSTS).to_numpy(dtype=float)
        expected = np.average(trusts[substantive], weights=raw_file["withinwt"].to_numpy()[substantive])
        assert abs(estimates[variable] - expected) < 1e-12, variable
        assert 0.2 < expected < 0.9  # a plausible share, not an empty selection


def test_traditional_leaders_item_is_found_by_its_label(shared, harmonised):
    mapping, _, _ = harmonised
    labels = pyreadstat.read_sav(
        str(shared / "fixtures/afrobarometer_mali/mli_r6_data_2015_eng.sav"), metadataonly=True
    )[1].column_names_to_labels
    column = mapping.variables["trust_customary"].column
    assert column in {f"Q52{c}" for c in "ABCDEFGHIJKL"}
    assert "traditional leaders" in labels[column].lower()


def test_knowing_attacker_protection_on_real_keys(harmonised, project):
    """Region, area, gender and age band of 1,200 real respondents: k = 5 and l = 2 hold for an attacker."""
    from perception.disclosure.anonymise import anonymise, suppression_order
    from perception.disclosure.attacker import anonymity_sets, protect
    from perception.release.columns import band

    _, _, result = harmonised
    data = result.released.reset_index(drop=True)
    special = [project.codebook.special_code(s) for s in project.codebook["age"].special]
    data["age_group"] = band(data["age"], project.config["disclosure"]["bands"]["age"], special, "age")
    keys = ["region_code", "urban_rural_code", "gender_code", "age_group"]
    sensitive = ["trust_police"]
    order = suppression_order(data, keys)
    first = anonymise(data, order, 5, sensitive, 2)
    out = protect(data, first, order, [], 5, sensitive, 2)
    sets = anonymity_sets(data, out, keys, sensitive)
    assert anonymity_sets(data, data, keys)["k"].min() < 5  # the raw keys do single people out
    assert sets["k"].min() >= 5
    assert not ((sets["trust_police"] >= 1) & (sets["trust_police"] < 2)).any()

"""Estimators against R survey's published values and simple invariants."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from perception.errors import DataError
from perception.estimate.survey import SurveyDesign, designed_sample, estimate_means, estimate_shares, final_weights


def rel(value: float, published: float) -> float:
    return abs(value - published) / abs(published)


@pytest.fixture(scope="module")
def api(shared):
    folder = shared / "reference/survey/api"
    return {name: pd.read_csv(folder / f"{name}.csv") for name in ("apistrat", "apiclus1")}


# R's printout rounds to 5 significant digits: compare within that rounding.
ROUNDING = 5e-5


def test_stratified_mean_and_total_match_r(api):
    design = SurveyDesign("pw", strata="stype", fpc="fpc")
    result = estimate_means(api["apistrat"], design, ["api00"]).iloc[0]
    assert rel(result["estimate"], 662.29) < ROUNDING
    assert rel(result["se"], 9.4089) < ROUNDING
    totals = api["apistrat"].assign(one=1.0)
    # a total is the mean times the estimated population size; check the SE via R's svytotal
    total = designed_sample(totals, design, ["enroll"]).sample.estimation.total("enroll", drop_nulls=True).to_polars()
    assert rel(total["est"][0], 3687178) < ROUNDING
    assert rel(total["se"][0], 114642) < ROUNDING


def test_one_stage_cluster_mean_matches_r(api):
    result = estimate_means(api["apiclus1"], SurveyDesign("pw", psu="dnum", fpc="fpc"), ["api00"]).iloc[0]
    assert rel(result["estimate"], 644.17) < ROUNDING
    assert rel(result["se"], 23.542) < ROUNDING


def test_raked_cluster_mean_and_se_match_r_rake(api):
    design = SurveyDesign(
        "pw",
        psu="dnum",
        fpc="fpc",
        rake_to={"stype": {"E": 4421, "H": 755, "M": 1018}, "sch.wide": {"No": 1072, "Yes": 5122}},
    )
    result = estimate_means(api["apiclus1"], design, ["api00"]).iloc[0]
    assert rel(result["estimate"], 641.23) < ROUNDING
    assert rel(result["se"], 23.704) < ROUNDING
    weights = final_weights(api["apiclus1"], design)
    by_type = weights.groupby(api["apiclus1"]["stype"]).sum()
    # raking stops at a tolerance, as R's rake() does (epsilon)
    assert by_type.to_dict() == pytest.approx({"E": 4421, "H": 755, "M": 1018}, rel=1e-5)


def test_design_is_immutable():
    design = SurveyDesign("w", rake_to={"sex": {"f": 1.0}})
    with pytest.raises(dataclasses.FrozenInstanceError):
        design.weight = "other"
    with pytest.raises(TypeError):
        design.rake_to["sex"]["f"] = 2.0


def small_survey() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 600
    frame = pd.DataFrame(
        {
            "stratum": rng.choice(["a", "b", "c"], n),
            "weight": rng.uniform(0.5, 3.0, n),
            "region": rng.choice(["north", "south"], n),
            "y": rng.normal(10, 2, n),
            "share": rng.integers(0, 2, n).astype(float),
        }
    )
    frame["psu"] = frame["stratum"] + rng.integers(0, 12, n).astype(str)
    frame.loc[rng.random(n) < 0.1, "y"] = np.nan
    return frame


def test_missing_values_leave_only_that_variable_and_domains_are_weighted_means():
    data = small_survey()
    design = SurveyDesign("weight", strata="stratum", psu="psu")
    result = estimate_means(data, design, ["y", "share"], by=["region"])
    assert list(result.columns) == [
        "variable",
        "region",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "cv",
        "deff",
        "df",
        "n",
    ]
    for _, row in result.iterrows():
        part = data[(data["region"] == row["region"]) & data[row["variable"]].notna()]
        expected = np.average(part[row["variable"]], weights=part["weight"])
        assert row["estimate"] == pytest.approx(expected, rel=1e-12)
        assert row["n"] == len(part)
        assert row["ci_low"] < row["estimate"] < row["ci_high"]


def test_shares_have_logit_intervals_inside_unit_interval():
    data = small_survey()
    data.loc[data["region"] == "north", "share"] = 0.0
    result = estimate_shares(data, SurveyDesign("weight", strata="stratum", psu="psu"), ["share"], by=["region"])
    north = result[result["region"] == "north"].iloc[0]
    assert north["estimate"] == 0.0
    assert north["ci_low"] == pytest.approx(0.0) and 0.0 < north["ci_high"] < 0.1
    south = result[result["region"] == "south"].iloc[0]
    assert 0.0 < south["ci_low"] < south["estimate"] < south["ci_high"] < 1.0


def test_two_stage_cluster_mean_matches_r(shared):
    data = pd.read_csv(shared / "reference/survey/api/apiclus2.csv")
    design = SurveyDesign("pw", psu="dnum", ssu="snum", fpc=("fpc1", "fpc2"))
    result = estimate_means(data, design, ["api00"]).iloc[0]
    assert rel(result["estimate"], 670.81) < ROUNDING
    assert rel(result["se"], 30.099) < ROUNDING


def test_post_stratified_cluster_mean_matches_r_calibrate(api):
    # caleg.Rout.save: calibrate(dclus1, ~stype, c(6194, H=755, M=1018)) is post-stratification on stype
    design = SurveyDesign("pw", psu="dnum", fpc="fpc", rake_to={"stype": {"E": 4421, "H": 755, "M": 1018}})
    result = estimate_means(api["apiclus1"], design, ["api00"]).iloc[0]
    assert rel(result["estimate"], 642.31) < ROUNDING
    assert rel(result["se"], 23.921) < ROUNDING


def test_singleton_strata_stop_with_their_names_unless_a_rule_is_chosen():
    data = small_survey()
    data.loc[data["stratum"] == "c", "psu"] = "c-only"
    with pytest.raises(DataError, match=r"single PSU.*c \(PSU c-only\)"):
        estimate_means(data, SurveyDesign("weight", strata="stratum", psu="psu"), ["share"])
    adjusted = estimate_means(data, SurveyDesign("weight", strata="stratum", psu="psu", singleton="adjust"), ["share"])
    removed = estimate_means(data, SurveyDesign("weight", strata="stratum", psu="psu", singleton="remove"), ["share"])
    assert adjusted["se"].iloc[0] > 0 and removed["se"].iloc[0] > 0
    with pytest.raises(ValueError, match="singleton must be one of"):
        SurveyDesign("weight", singleton="collapse-everything")


def test_trimming_caps_weights_at_a_multiple_of_the_median():
    data = small_survey()
    data.loc[0, "weight"] = 100.0
    weights = final_weights(data, SurveyDesign("weight", strata="stratum", psu="psu", trim_ratio=5.0))
    assert weights.max() <= 5.0 * weights.median() * (1 + 1e-6)
    assert weights.sum() == pytest.approx(data["weight"].sum())


def test_a_text_domain_whose_first_value_is_missing_is_estimated():
    # polars cannot read an object array starting with a missing value: the first rows once crashed svy's input
    data = pd.DataFrame(
        {
            "w": [1.0, 1.0, 2.0, 1.0, 1.0],
            "y": [1.0, 0.0, 1.0, 1.0, 0.0],
            "area": [None, None, "urban", "rural", "rural"],
        }
    )
    out = estimate_means(data, SurveyDesign(weight="w"), ["y"], by=["area"])
    by_area = out.dropna(subset=["area"]).set_index("area")["estimate"]
    assert by_area.to_dict() == pytest.approx({"urban": 1.0, "rural": 0.5})

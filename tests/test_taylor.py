"""The numpy domain means (perception.estimate.taylor) against svy's own, and against R's survey package.

Every design is built on inline data: a stratified two-stage sample with
missing answers, raked to two margins, estimated by one and two domain
columns; the same without raking, without strata and without PSUs. The
fast path must give svy's numbers (to 1e-10, relative), the same rows in the
same order and the same types; designs it does not cover go to svy.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from perception.estimate.survey import DesignedSample, SurveyDesign, designed_sample

TOLERANCE = 1e-10
RAKE = {"region": {"north": 5200.0, "centre": 7100.0, "south": 6400.0}, "gender": {"f": 9500.0, "m": 9200.0}}


def survey_frame(seed: int = 7, strata: int = 4, psus: int = 5, per_psu: int = 12) -> pd.DataFrame:
    """A stratified clustered sample: three regions, two genders, answers missing at random, one empty domain."""
    rng = np.random.default_rng(seed)
    rows = []
    for stratum in range(strata):
        for psu in range(psus):
            region = ["north", "centre", "south"][(stratum + psu) % 3]
            for _ in range(per_psu):
                rows.append({"stratum": f"s{stratum}", "psu": f"p{psu}", "region": region})
    frame = pd.DataFrame(rows)
    n = len(frame)
    frame["gender"] = rng.choice(["f", "m"], n)
    frame["weight"] = rng.uniform(20, 80, n)
    frame["trust"] = rng.binomial(1, 0.3 + 0.3 * (frame["region"] == "south"), n).astype(float)
    frame.loc[rng.random(n) < 0.15, "trust"] = np.nan
    frame["score"] = rng.normal(2.5, 1.0, n) + (frame["gender"] == "f")
    frame.loc[rng.random(n) < 0.1, "score"] = np.nan
    frame["unasked_north"] = frame["trust"].where(frame["region"] != "north")
    return frame


DESIGNS = {
    "raked": SurveyDesign("weight", strata="stratum", psu="psu", rake_to=RAKE),
    "stratified clustered": SurveyDesign("weight", strata="stratum", psu="psu"),
    "clustered": SurveyDesign("weight", psu="psu"),
    "stratified": SurveyDesign("weight", strata="stratum", rake_to={"gender": RAKE["gender"]}),
    "trimmed": SurveyDesign("weight", strata="stratum", psu="psu", trim_ratio=1.5),
}
VARIABLES = ["trust", "score", "unasked_north"]
DOMAINS = [[], ["region"], ["gender"], ["region", "gender"]]


def by_svy(sample: DesignedSample) -> DesignedSample:
    """The same sample, with svy estimating everything."""
    slow = DesignedSample(sample.data, sample.sample)
    slow.__dict__["taylor"] = None
    return slow


def assert_same_table(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    assert list(fast.columns) == list(slow.columns)
    assert list(fast.dtypes) == list(slow.dtypes)
    assert len(fast) == len(slow)
    for column in fast.columns:
        if fast[column].dtype.kind == "f":
            np.testing.assert_allclose(fast[column], slow[column], rtol=TOLERANCE, atol=0, equal_nan=True)
        else:
            assert fast[column].astype(str).tolist() == slow[column].astype(str).tolist(), column


@pytest.mark.parametrize("name", DESIGNS)
def test_domain_means_and_shares_are_svys(name):
    frame = survey_frame()
    sample = designed_sample(frame, DESIGNS[name], [*VARIABLES, "region", "gender"])
    assert sample.taylor is not None
    slow = by_svy(sample)
    for by in DOMAINS:
        assert_same_table(sample.means(VARIABLES, by), slow.means(VARIABLES, by))
        assert_same_table(sample.shares(["trust"], by), slow.shares(["trust"], by))
    # the region no one was asked is left out, as svy leaves it
    assert "north" not in set(sample.means(["unasked_north"], ["region"])["region"])


@pytest.mark.parametrize("name", ["raked", "stratified clustered"])
def test_differences_are_svys_contrasts(name):
    frame = survey_frame(seed=11)
    sample = designed_sample(frame, DESIGNS[name], [*VARIABLES, "region", "gender"])
    pairs = [((r, "f"), (r, "m")) for r in ("north", "centre", "south", "west")]
    for variable in ("trust", "unasked_north"):
        fast = sample.differences(variable, ["region", "gender"], pairs)
        slow = by_svy(sample).differences(variable, ["region", "gender"], pairs)
        assert [d is None for d in fast] == [d is None for d in slow]
        assert fast[-1] is None  # no region "west"
        for a, b in zip(fast, slow, strict=True):
            if a is not None:
                got, expected = (a.estimate, a.se, a.first, a.second), (b.estimate, b.se, b.first, b.second)
                np.testing.assert_allclose(got, expected, rtol=TOLERANCE)
    (national,) = sample.differences("score", ["gender"], [(("f",), ("m",))])
    women = sample.means(["score"], ["gender"]).set_index("gender")["estimate"]
    assert national.estimate == pytest.approx(women["f"] - women["m"], rel=1e-12)


def test_designs_it_does_not_cover_go_to_svy():
    frame = survey_frame()
    lonely = frame[~((frame["stratum"] == "s0") & (frame["psu"] != "p0"))]  # stratum s0 keeps one PSU
    sample = designed_sample(lonely, SurveyDesign("weight", strata="stratum", psu="psu", singleton="adjust"), ["trust"])
    assert sample.taylor is None
    assert len(sample.means(["trust"], [])) == 1
    with_fpc = frame.assign(population=400.0)
    sample = designed_sample(with_fpc, SurveyDesign("weight", psu="psu", fpc="population"), ["trust"])
    assert sample.taylor is None


R_SCRIPT = r"""
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], stringsAsFactors = TRUE)
design <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = data, nest = TRUE)
design <- rake(design, list(~region, ~gender),
  list(data.frame(region = c("centre", "north", "south"), Freq = c(7100, 5200, 6400)),
       data.frame(gender = c("f", "m"), Freq = c(9500, 9200))),
  control = list(maxit = 1000, epsilon = 1e-12))
out <- NULL
for (variable in c("trust", "score")) {
  fit <- svyby(as.formula(paste0("~", variable)), ~region + gender, design, svymean, na.rm = TRUE, deff = "replace")
  out <- rbind(out, data.frame(variable = variable, region = fit$region, gender = fit$gender,
    estimate = coef(fit), se = SE(fit), deff = fit[[grep("^DEff", names(fit), value = TRUE)]]))
}
write.csv(out, args[2], row.names = FALSE)
"""


def test_raked_domain_means_match_r_survey(tmp_path):
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip("R is not installed (apt-get install r-base-core r-cran-survey to run this check)")
    frame = survey_frame(seed=3)
    frame.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "check.R").write_text(R_SCRIPT)
    run = subprocess.run(
        [rscript, str(tmp_path / "check.R"), str(tmp_path / "data.csv"), str(tmp_path / "r.csv")],
        capture_output=True,
        text=True,
    )
    if run.returncode != 0 and "survey" in run.stderr:
        pytest.skip("R's survey package is not installed")
    assert run.returncode == 0, run.stderr
    expected = pd.read_csv(tmp_path / "r.csv")
    sample = designed_sample(frame, DESIGNS["raked"], [*VARIABLES, "region", "gender"])
    assert sample.taylor is not None
    got = sample.means(["trust", "score"], ["region", "gender"])
    merged = got.merge(expected, on=["variable", "region", "gender"], suffixes=("", "_r"), validate="1:1")
    assert len(merged) == len(expected) == len(got)
    # R's raking stops at its epsilon, svy's at 1e-10 of the margins: the numbers agree to about that
    for column in ("estimate", "se", "deff"):
        np.testing.assert_allclose(merged[column], merged[f"{column}_r"], rtol=1e-9)


def test_a_domain_where_everyone_answers_alike():
    frame = survey_frame()
    frame.loc[frame["region"] == "north", "trust"] = 1.0
    frame.loc[frame["region"] == "south", "trust"] = 0.0
    table = designed_sample(frame, DESIGNS["raked"], ["trust", "region"]).shares(["trust"], ["region"])
    north, south = (table.set_index("region").loc[r] for r in ("north", "south"))
    assert (north["estimate"], north["se"], north["cv"]) == (1.0, 0.0, 0.0)
    assert (south["estimate"], south["se"], south["cv"]) == (0.0, 0.0, np.inf)  # svy's CV at 0
    assert np.isnan(north["deff"]) and np.isnan(south["deff"])  # 0/0, as R's svyby(deff = "replace")
    assert north["kg_low"] < 1.0 == north["kg_high"] and south["kg_low"] == 0.0 < south["kg_high"]

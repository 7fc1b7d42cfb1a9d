"""Shares from one estimate each: the same numbers as svy's ``prop`` and R's ``svyciprop``.

``DesignedSample.shares`` estimates a 0/1 variable once with svy's ``mean``
and computes the logit and Korn-Graubard intervals from its estimate, SE, df
and n (:mod:`perception.estimate.intervals`). These tests hold it to what it
replaced, svy's ``prop`` run once per interval, bit for bit, on a design with
strata, PSUs, missing answers and domains whose share is 0 or 1; and to R's
``svyciprop`` (logit; beta where the NCHS truncation at n does not bind).
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from perception.errors import DataError
from perception.estimate.intervals import share_intervals
from perception.estimate.survey import DEFF_METHOD, SurveyDesign, designed_sample, estimate_shares

DESIGN = SurveyDesign(weight="w", strata="stratum", psu="psu")
VARIABLES = ["common", "rare", "edges"]


def _sample_data(seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for stratum in range(4):
        for psu in range(8):
            size = int(rng.integers(15, 40))
            effect = rng.normal(0, 0.8)
            for _ in range(size):
                rows.append({"stratum": f"s{stratum}", "psu": f"s{stratum}-p{psu}", "u": effect})
    data = pd.DataFrame(rows)
    n = len(data)
    data["w"] = rng.uniform(0.5, 4.0, n)
    data["group"] = rng.choice(["a", "b", "c", "d"], n, p=[0.4, 0.3, 0.2, 0.1])
    data["sex"] = rng.choice(["f", "m"], n)
    common = (rng.uniform(size=n) < 1 / (1 + np.exp(-(data["u"] - 0.3)))).astype(float)
    rare = (rng.uniform(size=n) < 0.03).astype(float)
    edges = common.copy()
    edges[data["group"].eq("c")] = 0.0  # a domain where the share is 0
    edges[data["group"].eq("d")] = 1.0  # and one where it is 1
    data["common"] = np.where(rng.uniform(size=n) < 0.1, np.nan, common)  # item non-response
    data["rare"] = rare
    data["edges"] = edges
    return data


def _svy_prop(sample, variable: str, by: list[str], method: str) -> pd.DataFrame:
    """The former implementation: svy's prop, row of the level 1."""
    result = sample.estimation.prop(variable, by=by or None, drop_nulls=True, ci_method=method, deff=DEFF_METHOD)
    frame = result.to_polars().to_pandas()
    return frame[frame[variable] == 1].reset_index(drop=True)


def _same(a, b) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


@pytest.mark.parametrize("by", [[], ["group"], ["group", "sex"]])
@pytest.mark.parametrize("ci_method", ["logit", "korn-graubard"])
def test_bit_for_bit_the_numbers_of_svy_prop(by, ci_method):
    data = _sample_data()
    designed = designed_sample(data, DESIGN, [*VARIABLES, "group", "sex"])
    fast = designed.shares(VARIABLES, by=by, ci_method=ci_method)
    designed = designed_sample(data, DESIGN, [*VARIABLES, "group", "sex"])
    designed.__dict__["taylor"] = None  # svy's own means: the intervals from them must be bit for bit svy's prop
    ours = designed.shares(VARIABLES, by=by, ci_method=ci_method)
    # numpy's means (perception.estimate.taylor) are svy's to rounding, and so are the intervals drawn from them
    assert list(fast.columns) == list(ours.columns) and len(fast) == len(ours)
    # where p is 0 or 1 the design effect is 0/0: NaN, as R's svyby gives; svy's arithmetic gives 0 at p = 1
    degenerate = ours["se"] == 0
    assert fast.loc[degenerate, "deff"].isna().all()
    for column in ours.select_dtypes("number").columns:
        kept = ~degenerate if column == "deff" else slice(None)
        got, expected = fast.loc[kept, column], ours.loc[kept, column]
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15, equal_nan=True)
    for variable in VARIABLES:
        mine = ours[ours["variable"] == variable].reset_index(drop=True)
        logit = _svy_prop(designed.sample, variable, by, ci_method)
        korn = _svy_prop(designed.sample, variable, by, "korn-graubard")
        if by:  # same domains, in the order of the data's levels
            keys = [tuple(map(str, r)) for r in mine[by].itertuples(index=False)]
            order = {k: i for i, k in enumerate(keys)}
            theirs_keys = [tuple(map(str, r)) for r in logit[by].itertuples(index=False)]
            assert sorted(theirs_keys) == sorted(keys)
            position = np.argsort([order[k] for k in theirs_keys])
            logit, korn = logit.iloc[position].reset_index(drop=True), korn.iloc[position].reset_index(drop=True)
        for ours_name, theirs_name in [("estimate", "est"), ("se", "se"), ("df", "df"), ("n", "n"), ("deff", "deff")]:
            assert _same(mine[ours_name], logit[theirs_name]), (variable, ours_name)
        undefined = logit["lci"].isna() | logit["uci"].isna()
        assert _same(mine["ci_low"], logit["lci"].where(~undefined, korn["lci"])), variable
        assert _same(mine["ci_high"], logit["uci"].where(~undefined, korn["uci"])), variable
        assert _same(mine["kg_low"], korn["lci"]) and _same(mine["kg_high"], korn["uci"]), variable
    edges = ours[ours["variable"] == "edges"]
    if by:
        assert set(edges["estimate"]) >= {0.0, 1.0}  # the degenerate domains were exercised


def test_degenerate_rows():
    low, high = share_intervals([0.3, 0.3, 0.0, 1.0], [0.05, 0.0, 0.0, 0.0], [0, 10, 10, 10], [50, 50, 50, 50], "logit")
    assert np.isnan(low[0]) and np.isnan(high[0])  # no degrees of freedom: as R, no interval
    assert (low[1], high[1]) == (0.3, 0.3)  # no variance
    assert np.isnan(low[2:]).all()  # logit undefined at 0 and 1
    low, high = share_intervals([0.0, 1.0], [0.0, 0.0], [10, 10], [50, 50], "korn-graubard")
    assert low[0] == 0.0 and 0 < high[0] < 0.1 and high[1] == 1.0 and 0.9 < low[1] < 1
    with pytest.raises(ValueError, match="method must be one of"):
        share_intervals([0.5], [0.1], [5], [10], "wald")


def test_a_share_of_something_else_than_0_and_1_is_refused():
    data = _sample_data().assign(common=lambda d: d["common"].replace({1.0: 2.0}))
    with pytest.raises(DataError, match=r"common: a share needs values 0 and 1 \(or missing\), found 2"):
        estimate_shares(data, DESIGN, ["common"])


R_SCRIPT = """
suppressPackageStartupMessages(library(survey))
args <- commandArgs(TRUE)
d <- read.csv(args[1])
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE)
out <- NULL
for (v in c("common", "rare")) {
  for (m in c("logit", "beta")) {
    r <- svyby(as.formula(paste0("~", v)), ~group, des, svyciprop, method = m, vartype = "ci", na.rm = TRUE)
    out <- rbind(out, data.frame(variable = v, method = m, group = r$group, estimate = r[[v]],
                                 low = r$ci_l, high = r$ci_u))
  }
}
write.csv(out, args[2], row.names = FALSE)
"""


def test_same_as_r_svyciprop(tmp_path):
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip("R is not installed (apt-get install r-base-core r-cran-survey to compare with svyciprop)")
    if subprocess.run([rscript, "-e", "library(survey)"], capture_output=True).returncode != 0:
        pytest.skip("R's survey package is not installed")
    data = _sample_data()
    data.to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "s.R").write_text(R_SCRIPT, encoding="utf-8")
    result = subprocess.run(
        [rscript, str(tmp_path / "s.R"), str(tmp_path / "d.csv"), str(tmp_path / "r.csv")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    r = pd.read_csv(tmp_path / "r.csv")
    designed = designed_sample(data, DESIGN, ["common", "rare", "group"])
    compared = {"logit": 0, "beta": 0}
    for method, ours_method in [("logit", "logit"), ("beta", "korn-graubard")]:
        ours = designed.shares(["common", "rare"], by=["group"], ci_method=ours_method)
        merged = ours.astype({"group": str}).merge(r[r["method"] == method], on=["variable", "group"])
        assert len(merged) == 8
        # R's logit share comes from an iterated svyglm fit (converged to about 1e-10), its beta share is svymean's
        np.testing.assert_allclose(merged["estimate_x"], merged["estimate_y"], rtol=0, atol=1e-9)
        if method == "beta":
            # R's beta interval is the Korn-Graubard one before the NCHS truncation at n respondents
            # and its t(n - 1) counts the domain's rows, answered or not: compared where every row answered
            keys = list(zip(merged["variable"], merged["group"], strict=True))
            cells = ours.astype({"group": str}).set_index(["variable", "group"]).loc[keys]
            untruncated = (cells["n"] > _n_eff_df(cells)).to_numpy()
            merged = merged[untruncated & merged["variable"].eq("rare").to_numpy()]
        np.testing.assert_allclose(merged["ci_low"], merged["low"], rtol=0, atol=1e-9)
        np.testing.assert_allclose(merged["ci_high"], merged["high"], rtol=0, atol=1e-9)
        compared[method] = len(merged)
    assert compared["logit"] == 8 and compared["beta"] >= 3, compared


def _n_eff_df(frame: pd.DataFrame) -> np.ndarray:
    from scipy import stats

    p, se, df, n = (frame[c].to_numpy(dtype=float) for c in ("estimate", "se", "df", "n"))
    return p * (1 - p) / se**2 * (stats.t.ppf(0.975, n - 1) / stats.t.ppf(0.975, df)) ** 2

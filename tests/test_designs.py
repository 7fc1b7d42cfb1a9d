"""Designs as they come: weights only, stratified, clustered, stratified and clustered.

A wave declares the design its file supports (``waves.<wave>.design``); its
mappings name exactly the design columns that design uses, validation
requires them, the published responses and the release carry only them, and
svy's standard errors equal R survey's for each design type.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from perception.config.project import Project
from perception.disclosure.variance_units import masked_units, microaggregated_weights
from perception.errors import ConfigError
from perception.estimate.survey import SurveyDesign, estimate_means

REPO = Path(__file__).resolve().parents[1]
R_SCRIPT = REPO / "tests/r/designs.R"

# R survey's data(fpc): two strata, PSUs numbered within strata (nest = TRUE).
FPC = pd.DataFrame(
    {
        "stratid": ["1"] * 5 + ["2"] * 3,
        "psuid": ["1", "2", "3", "4", "5", "1", "2", "3"],
        "weight": [3.0] * 5 + [4.0] * 3,
        "x": [2.8, 4.1, 6.8, 6.8, 9.2, 3.7, 6.6, 4.2],
    }
)

# svymean(~x, design) in R survey 4.4: stratified and clustered values are
# printed in its own test transcript (../shared/reference/survey/r_outputs/
# check.Rout.save); the weights-only value is svydesign(ids = ~1, weights =
# ~weight, data = fpc), computed with R 4.2 / survey 4.1 by tests/r/designs.R.
R_FPC = {
    "weights": (5.448148, None),
    "stratified": (5.4481, 0.7413),
    "clustered": (5.4481, 0.7938),
    "stratified_clustered": (5.4481, 0.7413),
}
DESIGNS = {
    "weights": SurveyDesign(weight="weight"),
    "stratified": SurveyDesign(weight="weight", strata="stratid"),
    "clustered": SurveyDesign(weight="weight", psu="psuid"),
    "stratified_clustered": SurveyDesign(weight="weight", strata="stratid", psu="psuid"),
}


def with_replacement_se(frame: pd.DataFrame) -> float:
    """SE of a weighted mean of independent draws: sqrt(n/(n-1) sum(w (y - m) / W)^2)."""
    w, y = frame["weight"], frame["x"]
    z = w * (y - np.average(y, weights=w)) / w.sum()
    return float(np.sqrt(len(y) / (len(y) - 1) * (z**2).sum()))


@pytest.mark.parametrize("kind", list(DESIGNS))
def test_each_design_type_matches_r_survey(kind):
    result = estimate_means(FPC, DESIGNS[kind], ["x"]).iloc[0]
    estimate, se = R_FPC[kind]
    assert result["estimate"] == pytest.approx(estimate, abs=5e-5)
    if se is None:  # weights only: the with-replacement formula R's ids = ~1 uses
        assert result["se"] == pytest.approx(with_replacement_se(FPC), rel=1e-12)
        assert result["se"] == pytest.approx(0.7237250, abs=1e-6)
    else:
        assert result["se"] == pytest.approx(se, abs=5e-5)


def test_weights_only_understates_a_clustered_designs_se():
    """Why the book warns: ignoring clusters of similar respondents makes intervals too narrow."""
    rng = np.random.default_rng(3)
    cluster_effect = np.repeat(rng.normal(size=40), 25)
    data = pd.DataFrame(
        {
            "psu": np.repeat([f"p{i}" for i in range(40)], 25),
            "w": rng.uniform(1, 3, 1000),
            "y": cluster_effect + rng.normal(scale=0.5, size=1000),
        }
    )
    clustered = estimate_means(data, SurveyDesign(weight="w", psu="psu"), ["y"]).iloc[0]["se"]
    weights_only = estimate_means(data, SurveyDesign(weight="w"), ["y"]).iloc[0]["se"]
    assert weights_only < clustered / 2


@pytest.mark.skipif(
    shutil.which("Rscript") is None, reason="R is not installed (apt-get install r-base-core r-cran-survey)"
)
def test_r_script_gives_the_same_values_for_every_design(tmp_path):
    """tests/r/designs.R recomputes every design type on data it did not see before (a seeded sample)."""
    rng = np.random.default_rng(11)
    n = 300
    data = pd.DataFrame(
        {
            "stratum": rng.choice(["a", "b", "c"], n),
            "psu": [f"u{i}" for i in rng.integers(0, 45, n)],
            "weight": rng.uniform(0.5, 4.0, n),
            "y": rng.normal(size=n),
        }
    )
    data["psu"] = data["stratum"] + "-" + data["psu"]
    path = tmp_path / "sample.csv"
    data.to_csv(path, index=False)
    result = subprocess.run(
        ["Rscript", str(R_SCRIPT), str(path)], capture_output=True, text=True, timeout=300, check=False
    )
    if "there is no package called" in result.stderr:
        pytest.skip("R package survey is not installed (apt-get install r-cran-survey)")
    assert result.returncode == 0, result.stderr
    r_values = pd.read_csv(pd.io.common.StringIO(result.stdout)).set_index("design")
    designs = {
        "weights": SurveyDesign(weight="weight"),
        "stratified": SurveyDesign(weight="weight", strata="stratum"),
        "clustered": SurveyDesign(weight="weight", psu="psu"),
        "stratified_clustered": SurveyDesign(weight="weight", strata="stratum", psu="psu"),
    }
    for kind, design in designs.items():
        ours = estimate_means(data, design, ["y"]).iloc[0]
        assert ours["estimate"] == pytest.approx(r_values.at[kind, "mean"], rel=1e-10), kind
        assert ours["se"] == pytest.approx(r_values.at[kind, "se"], rel=1e-9), kind
        assert ours["df"] == r_values.at[kind, "df"], kind


# --------------------------------------------------------------------------
# configuration: a mapping names exactly the columns its wave's design uses
# --------------------------------------------------------------------------

MAPPING = """source_id: {source}
wave: {wave}
file: {file}
variables:
  respondent_id: {{column: id}}
  region_code: {{column: region}}
  weight_design: {{column: w}}
{extra}"""


def configured(project: Project, tmp_path: Path, design: dict, extra: str = "") -> Project:
    data = tmp_path / "data.csv"
    data.write_text("id,region,w,s,p\n1,Mopti,1.5,s1,p1\n2,Kayes,2.0,s2,p2\n", encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING.format(source="only", wave="w1", file=data, extra=extra), encoding="utf-8")
    config = {**project.config}
    config["waves"] = {
        "w1": {"label": {"fr": "V", "en": "W"}, "sources": [str(mapping)], "design": design, "weighting": {}}
    }
    return Project(config, root=project.root)


def test_weights_only_wave_needs_no_stratum_or_psu(project, tmp_path):
    weights_only = configured(project, tmp_path, {"weight": "weight_design"})
    (mapping,) = weights_only.sources("w1")
    assert "stratum_id" not in mapping.variables and "psu_id" not in mapping.variables
    assert weights_only.waves["w1"].design.kind == "weights"
    published = weights_only.published("w1")
    assert "weight_design" in published
    assert "stratum_id" not in published and "psu_id" not in published


@pytest.mark.parametrize(
    ("design", "extra", "kind"),
    [
        ({"weight": "weight_design", "strata": "stratum_id"}, "  stratum_id: {column: s}\n", "stratified"),
        ({"weight": "weight_design", "psu": "psu_id"}, "  psu_id: {column: p}\n", "clustered"),
    ],
)
def test_stratified_or_clustered_only(project, tmp_path, design, extra, kind):
    configured_project = configured(project, tmp_path, design, extra)
    assert configured_project.waves["w1"].design.kind == kind
    published = configured_project.published("w1")
    assert [c for c in ("stratum_id", "psu_id") if c in published] == [design.get("strata") or design.get("psu")]


def test_a_design_column_the_mapping_lacks_is_named(project, tmp_path):
    clustered = configured(project, tmp_path, {"weight": "weight_design", "psu": "psu_id"})
    with pytest.raises(ConfigError, match=r"mapping.yaml: design column\(s\) psu_id not mapped; the design of wave w1"):
        clustered.sources("w1")


def test_a_design_variable_the_design_does_not_use_is_refused(project, tmp_path):
    """A fake constant stratum in a weights-only wave would be published as if it were a design."""
    weights_only = configured(project, tmp_path, {"weight": "weight_design"}, "  stratum_id: {constant: AB-R6}\n")
    with pytest.raises(
        ConfigError, match=r"variables.stratum_id: a design variable the design of wave w1 does not use"
    ):
        weights_only.sources("w1")


def test_a_design_naming_no_codebook_variable_is_named(project, tmp_path):
    odd = configured(project, tmp_path, {"weight": "weight_design", "psu": "cluster"})
    with pytest.raises(ConfigError, match=r"waves.w1.design: 'cluster' is not a codebook variable"):
        odd.sources("w1")


def test_validation_requires_exactly_the_design_columns(project, tmp_path):
    from perception.config.sources import load_source
    from perception.ingest.columns import select_mapped_columns
    from perception.ingest.readers import read_file
    from perception.transform.harmonise import harmonise
    from perception.transform.validate import validate

    data = tmp_path / "data.csv"
    data.write_text("id,region,w,p\n1,Mopti,1.5,p1\n2,Kayes,2.0,\n", encoding="utf-8")
    mapping_path = tmp_path / "mapping.yaml"
    mapping_path.write_text(
        MAPPING.format(source="only", wave="w1", file=data, extra="  psu_id: {column: p}\n"), encoding="utf-8"
    )
    mapping = load_source(mapping_path, project.codebook, root="/")
    frame = harmonise(select_mapped_columns(read_file(data), mapping), mapping, project.codebook, project.geography)
    weights_only = validate(frame, project.codebook, project.geography, "weight_design", ["weight_design"])
    assert len(weights_only.released) == 2
    clustered = validate(frame, project.codebook, project.geography, "weight_design", ["weight_design", "psu_id"])
    assert len(clustered.released) == 1
    assert clustered.quarantine["reasons"].tolist() == ["psu_id is missing (required)"]


# --------------------------------------------------------------------------
# release: masked variance units for whatever units the design has
# --------------------------------------------------------------------------


def sample(n: int = 240, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "region": rng.choice(["r1", "r2"], n),
            "stratum": rng.choice(["s1", "s2", "s3", "s4"], n),
            "psu": [f"p{i}" for i in rng.integers(0, 30, n)],
            "w": rng.uniform(0.5, 3.0, n).round(6),
            "wf": rng.uniform(0.5, 3.0, n).round(6),
            "gender": rng.choice(["f", "m"], n),
        }
    )
    frame["stratum"] = frame["region"] + frame["stratum"]
    frame["psu"] = frame["stratum"] + frame["psu"]
    return frame


def test_masked_units_without_strata_group_psus_of_the_one_stratum():
    frame = sample()
    strata, psus = masked_units(frame, None, "psu", "region", seed=4)
    assert strata is None
    assert psus.nunique() == max(2, frame["psu"].nunique() // 4)
    assert frame.groupby("psu").apply(lambda g: psus[g.index].nunique(), include_groups=False).max() == 1
    assert masked_units(frame, None, "psu", "region", seed=4)[1].equals(psus)


def test_masked_units_without_psus_merge_small_strata_only():
    frame = sample(60)
    strata, psus = masked_units(frame, "stratum", None, "region", seed=4)
    assert psus is None
    # every pseudo-stratum holds whole strata of one region, and at least 8 records
    assert frame.groupby("stratum").apply(lambda g: strata[g.index].nunique(), include_groups=False).max() == 1
    assert frame.groupby(strata)["region"].nunique().max() == 1
    assert frame.groupby(strata).size().min() >= 8
    assert masked_units(frame, None, None, "region", seed=4) == (None, None)


def test_microaggregated_weights_keep_totals_and_share_each_value():
    frame = sample(103)
    pooled = microaggregated_weights(frame, ["w", "wf"], ["region", "gender"], 5)
    for column in ("w", "wf"):
        totals = frame.groupby(["region", "gender"])[column].sum()
        assert pooled[column].groupby([frame["region"], frame["gender"]]).sum().to_numpy() == pytest.approx(totals)
        assert pooled.groupby(["w", "wf"]).size().min() >= 5
    # similar weights are pooled together: the released weight stays close to the respondent's
    assert (pooled["wf"] - frame["wf"]).abs().median() < 0.1
    again = microaggregated_weights(frame.iloc[::-1], ["w", "wf"], ["region", "gender"], 5).sort_index()
    assert np.allclose(again.to_numpy(), pooled.to_numpy(), rtol=1e-12)

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
from perception.disclosure.variance_units import PSUS_PER_UNIT, masked_units, microaggregated_weights
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
    assert psus.nunique() == max(2, frame["psu"].nunique() // PSUS_PER_UNIT)
    assert frame.groupby("psu").apply(lambda g: psus[g.index].nunique(), include_groups=False).max() == 1
    assert masked_units(frame, None, "psu", "region", seed=4)[1].equals(psus)


def test_masked_units_without_psus_merge_small_strata_only():
    frame = sample(60)
    strata, psus = masked_units(frame, "stratum", None, "region", seed=4)
    assert psus is None
    # every pseudo-stratum holds whole strata of one region, and records for at least two pseudo-PSUs
    assert frame.groupby("stratum").apply(lambda g: strata[g.index].nunique(), include_groups=False).max() == 1
    assert frame.groupby(strata)["region"].nunique().max() == 1
    assert frame.groupby(strata).size().min() >= 2 * PSUS_PER_UNIT
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


# --------------------------------------------------------------------------
# the report says what each wave's design is, from the configuration
# --------------------------------------------------------------------------


def weights_only_followup(project: Project, tmp_path: Path) -> Project:
    """The demo configuration with the follow-up wave's design reduced to weights (its mapping to match)."""
    text = (project.root / "config/sources/partner_a_2025-followup.yaml").read_text(encoding="utf-8")
    text = text.replace("  stratum_id: {column: strate}\n  psu_id: {column: zd}\n", "")
    text = text.replace("file: data/raw/", f"file: {project.root}/data/raw/")
    mapping = tmp_path / "partner_a_2025-followup.yaml"
    mapping.write_text(text, encoding="utf-8")
    config = {**project.config, "waves": {w: dict(spec) for w, spec in project.config["waves"].items()}}
    config["waves"]["2025-followup"]["design"] = {"weight": "weight_design"}
    config["waves"]["2025-followup"]["sources"] = [str(mapping)]
    return Project(config, root=project.root)


@pytest.mark.parametrize(
    ("design", "fr", "en"),
    [
        ({"weight": "weight_design"}, "Échantillon pondéré", "Weighted sample"),
        ({"weight": "weight_design", "strata": "stratum_id"}, "Échantillon stratifié :", "Stratified sample:"),
        ({"weight": "weight_design", "psu": "psu_id"}, "Échantillon en grappes, sans", "Cluster sample without"),
        (
            {"weight": "weight_design", "strata": "stratum_id", "psu": "psu_id"},
            "Échantillon stratifié en grappes",
            "Stratified cluster sample",
        ),
    ],
)
def test_each_design_is_described_with_its_weighting_and_caveat(project, design, fr, en):
    from perception.outputs.designs import describe_wave

    config = {**project.config, "waves": {w: dict(spec) for w, spec in project.config["waves"].items()}}
    config["waves"]["2025-followup"]["design"] = design
    configured_project = Project(config, root=project.root)
    clustered = design.get("psu") is not None  # (defaults are filled in place: psu may be null)
    for lang, kind in (("fr", fr), ("en", en)):
        text = describe_wave(configured_project, "2025-followup", lang)
        label = project.waves["2025-followup"].label[lang]
        assert text.startswith(f"{label} — {kind}")
        caveat = "sous-estiment l'incertitude" if lang == "fr" else "understate the uncertainty"
        assert (caveat in text) is not clustered
        short = describe_wave(configured_project, "2025-followup", lang, short=True)
        assert (
            short.startswith(f"{label}") and (("sous-estimées" in short) or ("understated" in short)) is not clustered
        )
    # the demo's weighting: raked to two margins, bounded factors
    assert "aux marges de population par région et sexe" in describe_wave(configured_project, "2025-followup", "fr")
    assert "bornés entre 0,2 et 6,0" in describe_wave(configured_project, "2025-followup", "fr")
    assert "by region and gender" in describe_wave(configured_project, "2025-followup", "en")


def test_unweighted_adjustment_and_post_stratification_are_told_apart(project):
    from perception.outputs.designs import describe_wave

    config = {**project.config, "waves": {w: dict(spec) for w, spec in project.config["waves"].items()}}
    config["waves"]["2025-followup"]["weighting"] = {}
    assert "Weights supplied by the partner, not adjusted." in describe_wave(
        Project(config, root=project.root), "2025-followup", "en"
    )
    config["waves"]["2025-followup"]["weighting"] = {"rake_to": ["config/margins/mali_rgph2009_region.csv"]}
    text = describe_wave(Project(config, root=project.root), "2025-followup", "en")
    assert "post-stratified to the population by region;" in text and "raking" not in text


def test_methodology_and_region_pages_describe_each_waves_design(project, tmp_path):
    from builders import make_book

    from perception.book.escape import text as md
    from perception.i18n.typography import typeset_markdown
    from perception.outputs.designs import describe_wave

    configured_project = weights_only_followup(project, tmp_path)
    *_, out = make_book(configured_project, tmp_path)

    def plain(text: str) -> str:  # the French edition is typeset with (narrow) no-break spaces
        return text.replace("\u00a0", " ").replace("\u202f", " ")

    for lang in configured_project.languages:
        methodology = plain((out / lang / "methodology.md").read_text(encoding="utf-8"))
        region = plain((out / lang / "regions" / "ML-5.md").read_text(encoding="utf-8"))
        shown = {configured_project.wave_ids[0], configured_project.wave_ids[-1]}  # a region page: baseline, latest
        for wave in configured_project.wave_ids:
            line = plain(typeset_markdown(f"- {describe_wave(configured_project, wave, lang, md)}", lang))
            assert line in methodology.splitlines()
            assert (line in region.splitlines()) == (wave in shown), (lang, wave)
        old = "Les enquêtes reposent sur un échantillon stratifié en grappes" if lang == "fr" else "use a stratified"
        assert old not in methodology
    assert "sous-estiment l’incertitude" in (out / "fr" / "methodology.md").read_text(encoding="utf-8")


def test_fact_sheets_describe_the_designs_of_the_waves_they_show(project, tmp_path, monkeypatch):
    from builders import sheet_inputs

    from perception.outputs import factsheets, sheet_layout
    from perception.outputs.designs import describe_wave

    configured_project = weights_only_followup(project, tmp_path)
    written: list[str] = []
    original = sheet_layout.Sheet.text

    def record(self, text, *args, **kwargs):
        written.append(text)
        return original(self, text, *args, **kwargs)

    monkeypatch.setattr(sheet_layout.Sheet, "text", record)
    estimates, comparisons, sample = sheet_inputs(configured_project, tmp_path / "processed")
    region = configured_project.geography.regions[0]
    for lang in configured_project.languages:
        written.clear()
        factsheets.write_factsheet(
            tmp_path / f"{lang}.pdf", configured_project, estimates, comparisons, sample, region, lang
        )
        method = next(text for text in written if "Écart" in text or "Gap:" in text)
        for wave in configured_project.wave_ids:  # a fact sheet shows the baseline and the latest wave
            described = describe_wave(configured_project, wave, lang, short=True) in method
            assert described == (wave in {configured_project.wave_ids[0], configured_project.wave_ids[-1]}), wave
        assert ("sous-estimées" if lang == "fr" else "understated") in method


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("Rscript") is None, reason="R is not installed (apt-get install r-base-core r-cran-survey)"
)
def test_every_demo_wave_matches_r_survey_with_its_own_design(workflow_run, tmp_path):
    """tests/r/demo_estimates.R rebuilds each wave's design from its responses.csv (ids = ~1 without PSUs)."""
    configured_project = Project.from_file("config/config.yaml", root=workflow_run)
    ours = pd.read_csv(workflow_run / "data/processed/indicators.csv", keep_default_na=False)
    names = {
        "trust_police_ind": "trust_police",
        "trust_army_ind": "trust_army",
        "feel_unsafe_ind": "feel_unsafe",
        "reported_ind": "reported_to_police",
        "knows_ind": "knows_complaint_mechanism",
    }
    for wave in configured_project.wave_ids:
        margins = [str(path) for path in configured_project.waves[wave].weighting.rake_to]
        if len(margins) != 2:  # the script takes the region and sex margins, in that order
            continue
        out = tmp_path / f"{wave}.csv"
        responses = workflow_run / f"data/processed/{wave}/responses.csv"
        if configured_project.waves[wave].weighting.absent_levels == "restrict":
            margins = _surveyed_margins(margins, pd.read_csv(responses, dtype=str), tmp_path / wave)
        result = subprocess.run(
            ["Rscript", str(REPO / "tests/r/demo_estimates.R"), str(responses), *margins, str(out)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if "there is no package called" in result.stderr:
            pytest.skip("R package survey is not installed (apt-get install r-cran-survey)")
        assert result.returncode == 0, result.stderr
        compared = 0
        r_rows = pd.read_csv(out, keep_default_na=False)
        for row in r_rows[r_rows["breakdown"] == ""].itertuples():  # national and regional rows
            if row.variable not in names:
                continue
            cell = ours[(ours["wave"] == wave) & (ours["indicator"] == names[row.variable])]
            cell = cell[(cell["region_code"] == row.region_code) & cell["domain"].isin(["national", "region"])]
            if len(cell) != 1 or cell.iloc[0]["estimate"] == "":
                continue
            assert float(cell.iloc[0]["estimate"]) == pytest.approx(row.estimate, rel=1e-7, abs=1e-9), (wave, row)
            assert float(cell.iloc[0]["se"]) == pytest.approx(row.se, rel=1e-6), (wave, row)
            compared += 1
        assert compared >= 15, wave


def _surveyed_margins(files: list[str], responses: pd.DataFrame, folder: Path) -> list[str]:
    """Margins restricted to the levels with respondents, the others scaled to their population (as documented)."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = [pd.read_csv(f, dtype={"level": str}) for f in files]
    kept = [t[t["level"].isin(set(responses[t["variable"].iloc[0]].dropna()))] for t in tables]
    restricted = next(k for k, t in zip(kept, tables, strict=True) if len(k) < len(t))
    total = restricted["population"].sum()
    paths = []
    for i, table in enumerate(kept):
        path = folder / f"margin_{i}.csv"
        table.assign(population=table["population"] * total / table["population"].sum()).to_csv(path, index=False)
        paths.append(str(path))
    return paths

"""The workflow's indicators reproduced independently by R's survey package.

Runs only where R and its survey package are installed (e.g. Debian's
r-base-core and r-cran-survey); skipped with a reason otherwise. The R
script (tests/r/demo_estimates.R) rebuilds the design, rakes to the same
census margins and estimates national and regional shares, including a
subpopulation share (reported to the police among victims) and a share
counting "don't know" as "no" (knows where to complain).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

R_SCRIPT = Path(__file__).parent / "r" / "demo_estimates.R"
INDICATORS = {
    "trust_police_ind": "trust_police",
    "trust_army_ind": "trust_army",
    "feel_unsafe_ind": "feel_unsafe",
    "reported_ind": "reported_to_police",
    "knows_ind": "knows_complaint_mechanism",  # don't know counted as "no"
}

pytestmark = pytest.mark.slow


def baseline_margins(root: Path) -> list[str]:
    """The baseline's region and sex target files, as configured (the R scripts take them in that order)."""
    from perception.config.project import Project

    files = Project.from_file("config/config.yaml", root=root).waves["2024-baseline"].weighting.rake_to
    assert len(files) == 2 and "region" in str(files[0]) and "sex" in str(files[1]), files
    return [str(root / f) for f in files]


@pytest.fixture(scope="module")
def r_estimates(workflow_run, tmp_path_factory) -> pd.DataFrame:
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip("R is not installed (apt-get install r-base-core r-cran-survey to run this check)")
    probe = subprocess.run([rscript, "-e", "library(survey)"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip("R's survey package is not installed")
    out = tmp_path_factory.mktemp("r") / "estimates.csv"
    result = subprocess.run(
        [
            rscript,
            str(R_SCRIPT),
            str(workflow_run / "data/processed/2024-baseline/responses.csv"),
            *baseline_margins(workflow_run),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return pd.read_csv(out, keep_default_na=False)


def test_indicators_match_r_survey(workflow_run, r_estimates):
    ours = pd.read_csv(workflow_run / "data/processed/indicators.csv", keep_default_na=False)
    ours = ours[(ours["wave"] == "2024-baseline") & ours["domain"].isin(["national", "region"])]
    compared = 0
    for row in r_estimates[r_estimates["breakdown"] == ""].itertuples():
        match = ours[(ours["indicator"] == INDICATORS[row.variable]) & (ours["region_code"] == row.region_code)]
        assert len(match) == 1, (row.variable, row.region_code)
        mine = match.iloc[0]
        if str(mine["is_suppressed"]) == "True":
            continue
        assert float(mine["estimate"]) == pytest.approx(row.estimate, rel=1e-7, abs=1e-9)
        assert float(mine["se"]) == pytest.approx(row.se, rel=1e-6)
        compared += 1
    # The small .test project: 4 indicators nationally and in 9 regions, small regional cells suppressed.
    assert compared >= 12


def test_breakdowns_match_r_survey(workflow_run, run_project, r_estimates):
    # the R script bands age at 18, 25, 35, 50, the default models.age_bounds
    assert run_project.config["models"]["age_bounds"] == [18, 25, 35, 50]
    ours = pd.read_csv(workflow_run / "data/processed/breakdowns.csv", keep_default_na=False)
    ours = ours[ours["wave"] == "2024-baseline"]
    compared = 0
    for row in r_estimates[r_estimates["breakdown"] != ""].itertuples():
        match = ours[
            (ours["indicator"] == INDICATORS[row.variable])
            & (ours["breakdown"] == row.breakdown)
            & (ours["level"] == row.level)
        ]
        assert len(match) == 1, (row.variable, row.breakdown, row.level)
        mine = match.iloc[0]
        if mine["status"] != "estimated":
            continue
        assert float(mine["estimate"]) == pytest.approx(row.estimate, rel=1e-7, abs=1e-9)
        assert float(mine["se"]) == pytest.approx(row.se, rel=1e-6)
        compared += 1
    assert compared >= 20  # 5 indicators × 6 levels, a few small or unreliable cells hidden


@pytest.fixture(scope="module")
def r_comparisons(workflow_run, r_estimates, tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("r") / "comparisons.csv"
    result = subprocess.run(
        [
            shutil.which("Rscript"),
            str(Path(__file__).parent / "r" / "demo_comparisons.R"),
            str(workflow_run / "data/processed/2024-baseline/responses.csv"),
            *baseline_margins(workflow_run),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return pd.read_csv(out, keep_default_na=False)


def test_domain_comparisons_match_r_svyttest(workflow_run, r_comparisons):
    """Regional gender gaps use the region's df (svyttest on the subset); regions against the rest, the design's."""
    ours = pd.read_csv(workflow_run / "data/processed/comparisons.csv", keep_default_na=False)
    ours = ours[ours["wave"] == "2024-baseline"]
    indicators = pd.read_csv(workflow_run / "data/processed/indicators.csv", keep_default_na=False)
    compared = 0
    for row in r_comparisons.itertuples():
        indicator = row.variable.removesuffix("_ind")
        match = ours[
            (ours["comparison"] == row.comparison)
            & (ours["indicator"] == indicator)
            & (ours["region_code"] == row.region_code)
        ]
        assert len(match) == 1, (row.comparison, row.variable, row.region_code)
        mine = match.iloc[0]
        if str(mine["is_suppressed"]) == "True":
            continue
        assert float(mine["difference"]) == pytest.approx(row.difference, rel=1e-7, abs=1e-9)
        assert float(mine["df"]) == row.df
        assert float(mine["p_value"]) == pytest.approx(row.p_value, rel=1e-5, abs=1e-9)
        if row.comparison == "gender_gap":
            cell = indicators[
                (indicators["wave"] == "2024-baseline")
                & (indicators["indicator"] == indicator)
                & (indicators["domain"] == "region")
                & (indicators["region_code"] == row.region_code)
            ]
            assert float(cell["df"].iloc[0]) == row.degf  # the region's estimates use degf(subset)
        compared += 1
    # The small .test project: most regional gender gaps rest on cells under min_cell_n and are suppressed.
    assert compared >= 6

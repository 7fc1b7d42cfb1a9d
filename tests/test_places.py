"""Errors name their place, and outputs of what left the configuration disappear.

A failure inside a rule, a project error or any other exception (svy's
IndexError, a pandas KeyError), reaches the rule's log and the terminal as
one line naming the rule, the wave, the source or the indicator. Files of a
wave or source removed from config/config.yaml are removed from
data/processed/ and from the release folder at the start of the next run.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from perception.errors import DataError, at, in_wave, place_text
from perception.job import failure_line, run_rule
from perception.release.contents import microdata_files
from perception.stale import remove_stale, stale_outputs


class Wildcards(dict):
    """Snakemake's wildcards: a named list with ``items()``."""


def smk(tmp_path: Path, project, rule: str = "estimate", **wildcards) -> SimpleNamespace:
    return SimpleNamespace(
        log=[str(tmp_path / "logs" / f"{rule}.log")], config=project.config, rule=rule, wildcards=Wildcards(wildcards)
    )


def test_a_library_error_is_one_line_naming_wave_and_indicator(tmp_path, project, capsys):
    def stage(project, smk):
        with at(wave="2025-followup"), at(indicator="trust_army"):
            [][0]  # what svy raised when a wave lacked an item

    job = smk(tmp_path, project)
    with pytest.raises(SystemExit) as caught:
        run_rule(job, stage)
    assert caught.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(
        "perception: rule estimate, wave 2025-followup, indicator trust_army: unexpected error "
        "(IndexError: list index out of range); please report it; details in "
    )
    log = Path(job.log[0]).read_text(encoding="utf-8").splitlines()
    assert log[0] == (
        "ERROR rule estimate, wave 2025-followup, indicator trust_army: unexpected error "
        "(IndexError: list index out of range); please report it"
    )
    assert any("Traceback" in line for line in log[1:])  # for the bug report, in the log only


def test_wildcards_name_the_wave_and_source(tmp_path, project, capsys):
    def stage(project, smk):
        pd.DataFrame({"a": [1]})["missing"]

    job = smk(tmp_path, project, "harmonise", wave="2024-baseline", source="partner_b_2024-baseline")
    with pytest.raises(SystemExit):
        run_rule(job, stage)
    line = Path(job.log[0]).read_text(encoding="utf-8").splitlines()[0]
    assert line.startswith(
        "ERROR rule harmonise, wave 2024-baseline, source partner_b_2024-baseline: unexpected error (KeyError: "
    )
    capsys.readouterr()


def test_a_project_error_keeps_its_line_and_gains_only_the_missing_place():
    error = DataError("wave 2024-baseline: raking failed")
    try:
        with at(wave="2024-baseline", indicator="trust_police"):
            raise error
    except DataError as exc:
        line = failure_line(exc, {"rule": "estimate", "wave": "2024-baseline"})
    assert line == "indicator trust_police: wave 2024-baseline: raking failed"


def test_estimation_names_the_indicator_it_failed_on(project):
    from perception.estimate.indicators import estimate_wave, value_column

    class Failing:
        """A designed sample on which svy fails as it did for an item a wave never asked."""

        data = pd.DataFrame({value_column(i): [1.0] for i in project.indicators})
        weights = pd.Series([1.0])

        def shares(self, columns, by=(), ci_method="logit"):
            raise IndexError("index 0 is out of bounds for axis 0 with size 0")

        means = shares

    with pytest.raises(Exception) as caught:
        estimate_wave(project, "2025-followup", Failing())
    assert place_text(caught.value) == f"wave 2025-followup, indicator {project.indicators[0].id}"


def test_in_wave_names_the_wave_argument():
    @in_wave
    def stage(project, wave):
        raise ValueError("boom")

    with pytest.raises(ValueError) as caught:
        stage(None, "2024-baseline")
    assert place_text(caught.value, {"rule": "model"}) == "rule model, wave 2024-baseline"


# --------------------------------------------------------------------------
# outputs of what left the configuration
# --------------------------------------------------------------------------


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x", encoding="utf-8")
    return path


def test_outputs_of_removed_waves_sources_and_indicators_are_removed(tmp_path, project):
    processed = tmp_path / "data/processed"
    kept = [
        touch(processed / "indicators.csv"),
        touch(processed / "2024-baseline/responses.csv"),
        touch(processed / "2024-baseline/interim/valid.parquet"),
        touch(processed / "2024-baseline/interim/partner_b_2024-baseline.harmonised.parquet"),
        touch(processed / "figures/fr/2024-baseline/trust_police.png"),
        touch(processed / "figures/en/maps/trust_police.png"),
        touch(processed / "figures/en/charts/summary.png"),
        touch(processed / "figures/fr/charts/region-ML-5.png"),
        touch(processed / "factsheets/fr/ML-5.pdf"),
        touch(processed / "release" / microdata_files("2025-followup")["csv"]),
        touch(processed / "release/README.md"),
        touch(processed / "notes/readme.txt"),  # not a wave's folder: never touched
    ]
    stale = [
        processed / "2023-pilot",
        processed / "2024-baseline/interim/partner_c_2024-baseline.harmonised.parquet",
        processed / "figures/fr/2023-pilot",
        processed / "figures/fr/2024-baseline/trust_police_old.png",
        processed / "figures/en/maps/retired.png",
        processed / "figures/fr/charts/region-ML-99.png",
        processed / "figures/bm",
        processed / "factsheets/fr/ML-99.pdf",
        processed / "release" / microdata_files("2023-pilot")["csv"],
        processed / "release" / microdata_files("2023-pilot")["sav_en"],
    ]
    touch(processed / "2023-pilot/responses.csv")
    touch(processed / "2023-pilot/interim/partner_a_2023-pilot.ingested.parquet")
    for path in stale[1:]:
        if path.suffix:
            touch(path)
        else:
            touch(path / "x.png")
    assert set(stale_outputs(project, processed)) == set(stale)
    assert set(remove_stale(project, processed)) == set(stale)
    assert not any(path.exists() for path in stale)
    assert all(path.exists() for path in kept)
    assert stale_outputs(project, processed) == []


@pytest.mark.slow
def test_the_workflow_removes_stale_outputs_when_it_starts(tmp_path):
    from conftest import copy_repo, snakemake

    workdir = copy_repo(tmp_path / "repo")
    processed = workdir / "data/processed"
    stale = [
        touch(processed / "2023-pilot/responses.csv"),
        touch(processed / "release" / microdata_files("2023-pilot")["dta"]),
        touch(processed / "2025-followup/interim/partner_z_2025-followup.ingested.parquet"),
    ]
    target = "data/processed/2025-followup/interim/partner_a_2025-followup.ingested.json"
    result = snakemake(workdir, target)
    assert result.returncode == 0, result.stderr[-3000:]
    assert not any(path.exists() for path in stale)
    assert (workdir / target).is_file()
    assert "perception: removed data/processed/2023-pilot (no longer in the configuration)" in result.stderr

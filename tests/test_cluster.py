"""The cluster profile (issue 13 item 4): valid for Snakemake, and the job graph it submits splits per wave.

``workflow/profiles/slurm`` runs every rule instance as a SLURM job through
Snakemake's own executor plugin. A dry run on the small project's finished
run (``-F``: every job, as on a first run) lists the jobs without
submitting any: Snakemake itself checks every key of the profile (an
unknown one is refused), the plugin is installed, each wave has its own
jobs from ingest to estimation, and the heavier rules get the memory the
profile gives them.
"""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml
from conftest import REPO, SNAKEMAKE

from perception.config.project import Project

pytestmark = pytest.mark.slow

PROFILE = REPO / "workflow/profiles/slurm"
PER_WAVE = ("validate", "publish_responses", "estimate_wave")


def dry_run(workdir, profile) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SNAKEMAKE), "--workflow-profile", str(profile), "-n", "-F", "--nolock"],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )


def job_counts(output: str) -> dict[str, int]:
    table = output[output.index("Job stats:") :]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.MULTILINE)}


def test_every_rule_the_profile_sizes_exists():
    profile = yaml.safe_load((PROFILE / "config.yaml").read_text(encoding="utf-8"))
    rules = {
        m
        for path in (REPO / "workflow/rules").glob("*.smk")
        for m in re.findall(r"^rule (\w+):", path.read_text(), re.MULTILINE)
    }
    assert profile["executor"] == "slurm"
    assert set(profile["set-resources"]) <= rules, set(profile["set-resources"]) - rules


def test_the_profile_submits_each_wave_as_jobs_of_its_own(workflow_run):
    result = dry_run(workflow_run, PROFILE)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    project = Project.from_file(workflow_run / "config/config.yaml", root=workflow_run)
    counts = job_counts(result.stdout)
    for rule in PER_WAVE:
        assert counts[rule] == len(project.wave_ids), rule
    assert counts["ingest"] == sum(len(project.source_ids(wave)) for wave in project.wave_ids)
    assert counts["estimate"] == 1  # the waves compared, once
    for wave in project.wave_ids:
        block = re.search(
            rf"rule estimate_wave:(?:(?!\nrule ).)*?wildcards: wave={re.escape(wave)}\n(.*?)\n", result.stdout, re.S
        )
        assert block and "mem_mb=4000" in block.group(1) and "runtime=60" in block.group(1), wave


def test_an_unknown_key_in_the_profile_is_refused(workflow_run, tmp_path):
    text = (PROFILE / "config.yaml").read_text(encoding="utf-8")
    (tmp_path / "config.yaml").write_text(text + "lattency-wait: 5\n", encoding="utf-8")
    result = dry_run(workflow_run, tmp_path)
    assert result.returncode != 0
    assert "unrecognized arguments: --lattency-wait" in result.stderr

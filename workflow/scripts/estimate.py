"""Snakemake adapter for perception.pipeline.estimate_indicators."""

from pathlib import Path

from perception.pipeline import estimate_indicators
from perception.workflow_adapter import run_stage

smk = snakemake  # noqa: F821 - injected by Snakemake


def stage(project):
    responses = {Path(path).parent.name: Path(path) for path in smk.input.responses}
    estimate_indicators(project, responses, smk.output.indicators)


run_stage(smk, stage)

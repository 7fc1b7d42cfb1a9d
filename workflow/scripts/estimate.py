"""Snakemake adapter for perception.pipeline.estimate_indicators."""

from pathlib import Path

from perception.pipeline import estimate_indicators
from perception.workflow_adapter import run_stage

smk = snakemake  # noqa: F821 - injected by Snakemake
OUTPUTS = ("indicators", "comparisons", "weighting_diagnostics", "index_reliability")


def stage(project):
    responses = {Path(path).parent.name: Path(path) for path in smk.input.responses}
    estimate_indicators(project, responses, {name: Path(smk.output[name]) for name in OUTPUTS})


run_stage(smk, stage)

"""Snakemake adapter for perception.pipeline.validate_wave."""

from perception.pipeline import validate_wave
from perception.workflow_adapter import run_stage

smk = snakemake  # noqa: F821 - injected by Snakemake
run_stage(
    smk,
    lambda project: validate_wave(
        project, smk.input.harmonised, smk.output.valid, smk.output.quarantine, smk.output.quality
    ),
)

"""Snakemake adapter for perception.pipeline.weight_wave."""

from perception.pipeline import weight_wave
from perception.workflow_adapter import run_stage

smk = snakemake  # noqa: F821 - injected by Snakemake
run_stage(
    smk,
    lambda project: weight_wave(project, smk.wildcards.wave, smk.input.valid, smk.output.responses, smk.output.sample),
)

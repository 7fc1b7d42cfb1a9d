"""Snakemake adapter for perception.pipeline.harmonise_source."""

from perception.pipeline import harmonise_source
from perception.workflow_adapter import run_stage

smk = snakemake  # noqa: F821 - injected by Snakemake
run_stage(
    smk,
    lambda project: harmonise_source(
        project,
        smk.wildcards.wave,
        smk.wildcards.source,
        smk.input.data,
        smk.input.meta,
        smk.output.data,
        smk.output.flags,
        smk.output.cleaning_log,
    ),
)

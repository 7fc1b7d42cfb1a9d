"""Snakemake adapter for perception.pipeline.ingest_source."""

from perception.pipeline import ingest_source
from perception.workflow_adapter import run_stage

smk = snakemake  # noqa: F821 - injected by Snakemake
run_stage(
    smk,
    lambda project: ingest_source(project, smk.wildcards.wave, smk.wildcards.source, smk.output.data, smk.output.meta),
)

"""Snakemake adapter for perception.stages.ingest."""

from perception.job import run_rule
from perception.stages import ingest

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda project, smk: ingest(project, smk.wildcards.wave, smk.wildcards.source, smk.output.data, smk.output.meta),
)

"""Snakemake adapter for perception.stages.harmonise."""

from perception.job import run_rule
from perception.stages import harmonise

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda project, smk: harmonise(
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

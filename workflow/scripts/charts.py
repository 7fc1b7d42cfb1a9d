"""Snakemake adapter for perception.stages.charts (one language per job)."""

from perception.job import run_rule
from perception.stages import charts

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda project, smk: charts(project, smk.wildcards.lang, smk.input.indicators, smk.params.out_dir),
)

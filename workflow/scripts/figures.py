"""Snakemake adapter for perception.stages.figures (one language and wave per job)."""

from perception.job import run_rule
from perception.stages import figures

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda project, smk: figures(
        project, smk.wildcards.lang, smk.wildcards.wave, smk.input.indicators, smk.params.out_dir
    ),
)

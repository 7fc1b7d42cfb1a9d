"""Snakemake adapter for perception.stages.factsheets (every region in one job)."""

from perception.job import run_rule
from perception.stages import factsheets

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda project, smk: factsheets(project, smk.params.processed_dir, smk.params.out_dir),
)

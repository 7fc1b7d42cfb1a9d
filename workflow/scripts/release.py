"""Snakemake adapter for perception.stages.release."""

from perception.job import run_rule
from perception.stages import release

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda project, smk: release(
        project,
        smk.input.responses,
        smk.input.tables,
        smk.params.out_dir,
        smk.input.raw,
        smk.input.settings,
    ),
)

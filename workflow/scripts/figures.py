"""Snakemake adapter for perception.figures.write_figures (one language and wave per job)."""

from pathlib import Path

from perception.figures import write_figures
from perception.workflow_adapter import run_stage

smk = snakemake  # noqa: F821 - injected by Snakemake
run_stage(
    smk,
    lambda project: write_figures(
        Path(smk.input.indicators),
        project,
        Path(smk.params.out_dir),
        languages=[smk.wildcards.lang],
        waves=[smk.wildcards.wave],
    ),
)

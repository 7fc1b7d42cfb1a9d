"""Snakemake adapter for perception.factsheets.write_factsheets (every region in one job)."""

from pathlib import Path

from perception.factsheets import write_factsheets
from perception.workflow_adapter import run_stage

smk = snakemake  # noqa: F821 - injected by Snakemake
run_stage(
    smk,
    lambda project: write_factsheets(Path(smk.params.processed_dir), project, Path(smk.output.factsheets[0]).parent),
)

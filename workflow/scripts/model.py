"""Snakemake adapter for perception.models.fit_models."""

from pathlib import Path

from perception.models import fit_models
from perception.pipeline import write_csv
from perception.workflow_adapter import run_stage

smk = snakemake  # noqa: F821 - injected by Snakemake


def stage(project):
    responses = {Path(path).parent.name: Path(path) for path in smk.input.responses}
    write_csv(fit_models(project, responses), smk.output.models)


run_stage(smk, stage)

"""Snakemake adapter for perception.stages.model."""

from perception.job import run_rule
from perception.stages import model

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda project, smk: model(project, smk.input.responses, smk.output.models),
)

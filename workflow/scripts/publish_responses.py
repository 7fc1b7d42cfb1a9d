"""Snakemake adapter for perception.stages.publish_responses."""

from perception.job import run_rule
from perception.stages import publish_responses

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda project, smk: publish_responses(
        project, smk.wildcards.wave, smk.input.valid, smk.output.responses, smk.output.sample
    ),
)

"""Snakemake adapter for perception.stages.maps (one language per job)."""

from perception.job import run_rule
from perception.stages import maps

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda project, smk: maps(
        project,
        smk.wildcards.lang,
        smk.input.indicators,
        smk.params.out_dir,
        smk.input.boundaries[0] if smk.input.boundaries else None,
    ),
)

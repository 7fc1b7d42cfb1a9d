"""Snakemake adapter for perception.maps.write_maps (one language per job)."""

from pathlib import Path

from perception.maps import write_maps
from perception.workflow_adapter import run_stage

smk = snakemake  # noqa: F821 - injected by Snakemake
run_stage(
    smk,
    lambda project: write_maps(
        Path(smk.input.indicators),
        project,
        Path(smk.params.out_dir),
        smk.wildcards.lang,
        boundaries=Path(smk.input.boundaries[0]) if smk.input.boundaries else None,
    ),
)

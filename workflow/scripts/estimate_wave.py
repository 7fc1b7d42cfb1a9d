"""Snakemake adapter for perception.stages.estimate_wave (one wave per job)."""

from pathlib import Path

from perception.catalog.paths import WAVE_ESTIMATE_TABLES
from perception.job import run_rule
from perception.stages import estimate_wave

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda project, smk: estimate_wave(
        project,
        smk.wildcards.wave,
        Path(smk.input.responses),
        {name: Path(smk.output[name]) for name in WAVE_ESTIMATE_TABLES},
        Path(smk.output.indicators_csv),
    ),
)

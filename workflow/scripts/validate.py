"""Snakemake adapter for perception.pipeline.validate_wave."""

from pathlib import Path

from perception.pipeline import validate_wave
from perception.workflow_adapter import run_stage

smk = snakemake  # noqa: F821 - injected by Snakemake
OUTPUTS = ("valid", "quarantine", "quality", "flags", "cleaning_log", "annex")
run_stage(
    smk,
    lambda project: validate_wave(
        project,
        smk.wildcards.wave,
        smk.input.harmonised,
        smk.input.flags,
        smk.input.cleaning_logs,
        {name: Path(smk.output[name]) for name in OUTPUTS},
    ),
)

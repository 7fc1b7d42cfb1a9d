"""Snakemake adapter for perception.stages.validate."""

from pathlib import Path

from perception.job import run_rule
from perception.stages import validate

OUTPUTS = ("valid", "quarantine", "quality", "flags", "cleaning_log", "annex")
run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda project, smk: validate(
        project,
        smk.wildcards.wave,
        smk.input.harmonised,
        smk.input.flags,
        smk.input.cleaning_logs,
        {name: Path(smk.output[name]) for name in OUTPUTS},
    ),
)

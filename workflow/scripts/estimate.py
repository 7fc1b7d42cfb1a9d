"""Snakemake adapter for perception.stages.estimate."""

from pathlib import Path

from perception.job import run_rule
from perception.stages import estimate

OUTPUTS = (
    "indicators",
    "comparisons",
    "weighting_diagnostics",
    "index_reliability",
    "nonresponse",
    "breakdowns",
    "answers",
    "availability",
)
run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda project, smk: estimate(project, smk.input.wave_tables, {name: Path(smk.output[name]) for name in OUTPUTS}),
)

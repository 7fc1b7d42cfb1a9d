"""Snakemake adapter for perception.release.build_release."""

from pathlib import Path

from perception.release import build_release
from perception.workflow_adapter import run_stage

smk = snakemake  # noqa: F821 - injected by Snakemake


def stage(project):
    build_release(
        project,
        responses={Path(path).parent.name: Path(path) for path in smk.input.responses},
        tables={Path(path).stem: Path(path) for path in smk.input.tables},
        out_dir=Path(smk.output.files[0]).parent,
        raw_files=[Path(path) for path in smk.input.raw],
        config_files=[Path(path) for path in smk.input.settings],
    )


run_stage(smk, stage)

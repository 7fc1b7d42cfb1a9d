"""Snakemake adapter for perception.report: write the pages, then build both editions."""

from pathlib import Path

from perception.report import build_book, write_book_sources
from perception.workflow_adapter import run_stage

smk = snakemake  # noqa: F821 - injected by Snakemake


def stage(project):
    sources = Path(smk.params.sources_dir)
    write_book_sources(project, Path(smk.params.processed_dir), Path(smk.params.figures_dir), sources)
    build_book(sources, Path(smk.params.html_dir))


run_stage(smk, stage)

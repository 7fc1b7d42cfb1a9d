"""Snakemake adapter for perception.stages.book: write the pages, then build both editions."""

from perception.job import run_rule
from perception.stages import book

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda project, smk: book(
        project,
        smk.params.processed_dir,
        smk.params.figures_dir,
        smk.input.templates,
        smk.input.static,
        smk.params.sources_dir,
        smk.params.html_dir,
    ),
)

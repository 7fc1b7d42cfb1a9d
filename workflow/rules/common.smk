"""Shared settings and input functions for every rule."""

from pathlib import Path

from snakemake.utils import min_version, validate

from perception.project import Project

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "../schemas/config.schema.yaml")

PROJECT = Project(config, root=".")
WAVES = PROJECT.wave_ids
LANGUAGES = PROJECT.languages
INDICATOR_IDS = [indicator.id for indicator in PROJECT.indicators]


def raw_file(wildcards):
    """The partner export a source mapping points at."""
    return str(PROJECT.source(wildcards.wave, wildcards.source).file)


def mapping_file(wildcards):
    return str(PROJECT.source(wildcards.wave, wildcards.source).path)


def harmonised_files(wildcards):
    """Harmonised sources of a wave, in the order config lists them."""
    return expand(
        "data/processed/{wave}/interim/{source}.harmonised.parquet",
        wave=wildcards.wave,
        source=PROJECT.source_ids(wildcards.wave),
    )


def metadata_files(wildcards=None):
    """Configuration every stage depends on: a change reruns what it affects."""
    return [
        "config/config.yaml",
        config["codebook"],
        config["indicators"],
        config["geography"],
    ]


def weighting_target_files(wildcards=None):
    """Population margins of every wave: a corrected target reruns estimation."""
    paths = [str(p) for wave in PROJECT.waves.values() for p in wave.weighting.rake_to]
    return list(dict.fromkeys(paths))


def figures_dir(wildcards, output):
    """data/processed/figures, from the first figure path <dir>/<lang>/<wave>/<indicator>.png."""
    return str(Path(output.figures[0]).parents[2])


def processed_dir(wildcards, input):
    return str(Path(input.indicators).parent)


def figures_input_dir(wildcards, input):
    return str(Path(input.figures[0]).parents[2])


def html_dir(wildcards, output):
    return str(Path(output.index).parent)


def book_sources_dir(wildcards, input):
    """Generated Markdown goes beside the templates, in book/_src (git-ignored)."""
    return str(Path(input.templates).parent / "_src")


def boundary_file(wildcards=None):
    """The user's GeoJSON (config report.boundaries), so that editing it redraws the maps; none by default."""
    path = config["report"]["boundaries"]
    return [path] if path else []


def book_files(wildcards=None):
    """Every template and static file: editing one (e.g. strings.yaml) rebuilds the book."""
    return sorted(str(p) for folder in ("book/templates", "book/static") for p in Path(folder).iterdir())


wildcard_constraints:
    wave="|".join(WAVES),
    lang="|".join(LANGUAGES),

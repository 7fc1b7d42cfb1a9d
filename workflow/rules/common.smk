"""Shared settings and input functions for every rule."""

from snakemake.utils import min_version, validate

from perception.project import Project

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "../schemas/config.schema.yaml")

PROJECT = Project(config, root=".")
WAVES = PROJECT.wave_ids
LANGUAGES = PROJECT.languages
INDICATOR_IDS = [indicator.id for indicator in PROJECT.indicators]
INTERIM = "data/processed/{wave}/interim"


def raw_file(wildcards):
    """The partner export a source mapping points at."""
    return str(PROJECT.source(wildcards.wave, wildcards.source).file)


def mapping_file(wildcards):
    return str(PROJECT.source(wildcards.wave, wildcards.source).path)


def harmonised_files(wildcards):
    """Harmonised sources of a wave, in the order config lists them."""
    return expand(
        INTERIM + "/{source}.harmonised.parquet",
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

"""Shared settings, output folders and named input functions for every rule."""

import sys
from pathlib import Path

from snakemake.utils import min_version

from perception.errors import PerceptionError
from perception.files import load_yaml
from perception.i18n import catalogue_files
from perception.config.project import Project
from perception.catalog.paths import WAVE_ESTIMATE_TABLES, chart_names, wave_estimate_path
from perception.release.contents import release_config_files, release_files, release_raw_files, release_table_names

min_version("9.0")


def _stop(error):
    """A configuration problem found while the Snakefile is read: one line, no stack of File lines."""
    if isinstance(error, PerceptionError):
        sys.exit(f"perception: {error}")
    if isinstance(error, KeyboardInterrupt):
        sys.exit("perception: interrupted")
    sys.exit(f"perception: unexpected error while reading the configuration ({type(error).__name__}: {error})")


try:
    # Snakemake's own reader would report a malformed file in several lines.
    load_yaml("config/config.yaml")
except (Exception, KeyboardInterrupt) as error:
    _stop(error)


configfile: "config/config.yaml"


try:
    # The configuration is validated once, here, against the package's JSON schema
    # (defaults filled in); every stage re-reads it from the rule's config.
    PROJECT = Project(config, root=".")
    WAVES = PROJECT.wave_ids
    LANGUAGES = PROJECT.languages
    INDICATOR_IDS = [indicator.id for indicator in PROJECT.indicators]
    REGIONS = PROJECT.report_geography.codes
    CHART_NAMES = chart_names(WAVES, REGIONS, INDICATOR_IDS)
    SOURCES = {wave: PROJECT.source_ids(wave) for wave in WAVES}
except (Exception, KeyboardInterrupt) as error:
    _stop(error)

PROCESSED = "data/processed"
FIGURES = f"{PROCESSED}/figures"
FACTSHEETS = f"{PROCESSED}/factsheets"
RELEASE = f"{PROCESSED}/release"
BOOK_SOURCES = "book/_src"
BOOK_HTML = "book/_build/html"


def raw_file(wildcards):
    """The partner export a source mapping points at."""
    return str(PROJECT.source(wildcards.wave, wildcards.source).file)


def mapping_file(wildcards):
    """The source mapping of one source of one wave."""
    return str(PROJECT.source(wildcards.wave, wildcards.source).path)


def form_file(wildcards):
    """The XLSForm the mapping references (``form:``), if any: a new form re-reads the file."""
    form = PROJECT.source(wildcards.wave, wildcards.source).form
    return [str(form)] if form else []


def corrections_file(wildcards):
    """``config/corrections/<wave>.csv`` when it exists: editing it re-applies the corrections."""
    path = Path(f"config/corrections/{wildcards.wave}.csv")
    return [str(path)] if path.is_file() else []


def _interim(wildcards, suffix):
    return expand(
        f"{PROCESSED}/{{wave}}/interim/{{source}}.{suffix}",
        wave=wildcards.wave,
        source=SOURCES[wildcards.wave],
    )


def harmonised_files(wildcards):
    """Harmonised sources of a wave, in the order config lists them."""
    return _interim(wildcards, "harmonised.parquet")


def flag_files(wildcards):
    """Per-source quality findings of a wave, in configured order."""
    return _interim(wildcards, "flags.csv")


def cleaning_log_files(wildcards):
    """Per-source cleaning logs of a wave, in configured order."""
    return _interim(wildcards, "cleaning_log.csv")


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


def wave_weighting_target_files(wildcards):
    """Population margins of one wave: a corrected target re-estimates the waves raked to it."""
    return [str(p) for p in PROJECT.waves[wildcards.wave].weighting.rake_to]


def wave_estimate_files(wildcards=None):
    """Every wave's estimates (rule estimate_wave), wave by wave in configured order."""
    return [str(wave_estimate_path(PROCESSED, wave, name)) for wave in WAVES for name in WAVE_ESTIMATE_TABLES]


def string_files(wildcards=None):
    """The translated strings (perception.i18n): editing one redraws and rebuilds what shows it."""
    return [str(path) for path in catalogue_files()]


def boundary_file(wildcards=None):
    """The user's GeoJSON (config report.boundaries), so that editing it redraws the maps; none by default."""
    path = PROJECT.config["report"]["boundaries"]
    return [path] if path else []


def book_files(wildcards=None):
    """Every template and static file: editing one rebuilds the book."""
    return sorted(str(p) for folder in ("book/templates", "book/static") for p in Path(folder).iterdir())


def release_settings(wildcards=None):
    """Everything the release documents or depends on besides the data."""
    return [*metadata_files(), *weighting_target_files(), *release_config_files(PROJECT), *string_files()]


wildcard_constraints:
    wave="|".join(WAVES),
    lang="|".join(LANGUAGES),


def ingested_meta_files(wildcards=None):
    """Every source's ingest metadata (variable and value labels as the file had them)."""
    return [f"{PROCESSED}/{wave}/interim/{source}.ingested.json" for wave in WAVES for source in SOURCES[wave]]


# Output folders handed to stages that write a set of files (named functions, as the catalog's linter asks).
# They take ``output``, so Snakemake counts them as derived from the outputs and does not track them as
# parameters: tracking a parameter makes every DAG build import pandas (a second of a no-op run).
def processed_dir(wildcards, output):
    """Folder of the workflow's tables."""
    return PROCESSED


def figures_dir(wildcards, output):
    """Folder of the figures and maps."""
    return FIGURES


def factsheets_dir(wildcards, output):
    """Folder of the regional fact sheets."""
    return FACTSHEETS


def release_dir(wildcards, output):
    """Folder of the partner release."""
    return RELEASE


def book_html_dir(wildcards, output):
    """Folder of the rendered book."""
    return BOOK_HTML


def book_sources_dir(wildcards, output):
    """Folder of the generated book sources."""
    return BOOK_SOURCES


onstart:
    # Outputs of a wave, source, indicator, region or language taken out of the
    # configuration are removed, so that nothing stale is read as a result.
    from perception.stale import remove_stale

    for stale in remove_stale(PROJECT, Path(PROCESSED)):
        print(f"perception: removed {stale} (no longer in the configuration)", file=sys.stderr)

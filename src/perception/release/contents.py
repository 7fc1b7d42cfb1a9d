"""Which files the release holds, and what it is built from: one list for the rule and the stage."""

from __future__ import annotations

from pathlib import Path

from perception.config.project import Project

TEMPLATES = Path("config/release")


# The release bundle, inside the processed-data folder: the only respondent-level data readers get.
RELEASE_SUBDIR = "release"


README_TEMPLATE = TEMPLATES / "README.md.j2"


LANGUAGE_SUFFIX = {"fr": "", "en": "_en"}


DOCUMENTATION_FILES = (
    "data_dictionary.csv",
    "disclosure_report.csv",
    "variance_check.csv",
    "datapackage.json",
    "README.md",
    "provenance.json",
)


CHECKSUMS_FILE = "SHA256SUMS"


def microdata_files(wave: str) -> dict[str, str]:
    """File names of a wave's microdata, by format (``sav_en``: English labels)."""
    stem = f"responses_{wave}"
    return {
        "csv": f"{stem}.csv",
        "sav": f"{stem}.sav",
        "sav_en": f"{stem}{LANGUAGE_SUFFIX['en']}.sav",
        "dta": f"{stem}.dta",
        "dta_en": f"{stem}{LANGUAGE_SUFFIX['en']}.dta",
    }


def release_files(project: Project) -> list[str]:
    """Every file of the release, in the order the checksums list them."""
    names = [name for wave in project.wave_ids for name in microdata_files(wave).values()]
    names += [f"{table}.csv" for table in project.config["release"]["tables"]]
    return [*names, *DOCUMENTATION_FILES, CHECKSUMS_FILE]


def release_table_names(project: Project) -> list[str]:
    """Tables the release reads: the indicators (they decide which cells are hidden), then those configured."""
    return list(dict.fromkeys(["indicators", *project.config["release"]["tables"]]))


def release_raw_files(project: Project) -> list[str]:
    """Partner exports of every wave, whose SHA-256 provenance.json records."""
    return [str(mapping.file) for wave in project.wave_ids for mapping in project.sources(wave)]


def release_config_files(project: Project) -> list[str]:
    """Source mappings and release templates (the codebook and config.yaml come from the workflow)."""
    mappings = [str(path) for wave in project.waves.values() for path in wave.source_paths]
    return list(dict.fromkeys([*mappings, str(README_TEMPLATE)]))

"""Outputs of waves, sources, indicators, regions or languages that are no longer configured.

Snakemake only makes the files the configuration asks for; it never removes
those of a wave or a source taken out of ``config/config.yaml``. Left in
``data/processed/`` and the release folder, they would be read as current
results (a removed wave's microdata in the partner bundle, its quarantine in
the quality annex). :func:`stale_outputs` lists them from the configuration
alone, and :func:`remove_stale` deletes them at the start of every run.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from perception.catalog.paths import DRAWN_SUBDIR, chart_names
from perception.config.project import Project
from perception.release.contents import RELEASE_SUBDIR, release_files

log = logging.getLogger("perception")

FIGURES_SUBDIR = "figures"
FACTSHEETS_SUBDIR = "factsheets"
MAPS_SUBDIR = "maps"
CHARTS_SUBDIR = "charts"  # page charts (catalog.paths.chart_path)
INTERIM_SUBDIR = "interim"

# Files every wave folder holds: a folder with one of them is a wave's output.
WAVE_FILES = ("responses.csv", "quarantine.csv", "quality_summary.csv", "flags.csv", "cleaning_log.csv")

# Interim files of a wave that belong to no single source.
WAVE_INTERIM_FILES = ("valid.parquet",)


def _is_wave_folder(folder: Path) -> bool:
    return (folder / INTERIM_SUBDIR).is_dir() or any((folder / name).exists() for name in WAVE_FILES)


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.is_dir() else []


def stale_outputs(project: Project, processed: Path) -> list[Path]:
    """Files and folders under ``processed`` that the configuration no longer produces, in sorted order."""
    processed = Path(processed)
    waves, languages = set(project.wave_ids), set(project.languages)
    indicators = {indicator.id for indicator in project.indicators}
    regions = set(project.report_geography.codes)
    charts = set(chart_names(project.wave_ids, project.report_geography.codes, sorted(indicators)))
    stale: list[Path] = []
    for entry in _entries(processed):
        own = entry.name in {FIGURES_SUBDIR, FACTSHEETS_SUBDIR, RELEASE_SUBDIR}
        if entry.is_dir() and not own and entry.name not in waves and _is_wave_folder(entry):
            stale.append(entry)
    for wave in project.wave_ids:
        sources = set(project.source_ids(wave))
        for path in _entries(processed / wave / INTERIM_SUBDIR):
            if path.name not in WAVE_INTERIM_FILES and path.name.split(".")[0] not in sources:
                stale.append(path)
    for lang_dir in _entries(processed / FIGURES_SUBDIR):
        if lang_dir.name == DRAWN_SUBDIR:  # kept drawings (outputs.drawings): never read as results
            continue
        if lang_dir.name not in languages:
            stale.append(lang_dir)
            continue
        for folder in _entries(lang_dir):
            if folder.name == CHARTS_SUBDIR:
                stale += [p for p in _entries(folder) if p.suffix == ".png" and p.stem not in charts]
                continue
            if folder.name != MAPS_SUBDIR and folder.name not in waves:
                stale.append(folder)
                continue
            stale += [p for p in _entries(folder) if p.suffix == ".png" and p.stem not in indicators]
    for lang_dir in _entries(processed / FACTSHEETS_SUBDIR):
        if lang_dir.name not in languages:
            stale.append(lang_dir)
            continue
        stale += [p for p in _entries(lang_dir) if p.suffix == ".pdf" and p.stem not in regions]
    released = set(release_files(project))
    stale += [p for p in _entries(processed / RELEASE_SUBDIR) if p.name not in released]
    return stale


def remove_stale(project: Project, processed: Path) -> list[Path]:
    """Delete :func:`stale_outputs`; return what was removed (each is logged)."""
    removed = stale_outputs(project, processed)
    for path in removed:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
        log.info("removed %s: no longer produced by the configuration", path)
    return removed

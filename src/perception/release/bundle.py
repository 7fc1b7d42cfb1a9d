"""Building the whole release bundle: every file of :func:`~perception.release.contents.release_files`."""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from perception.config.project import Project
from perception.disclosure.cells import align_comparisons, suppress_estimated
from perception.errors import DataError
from perception.files import sha256, write_atomic, write_csv, write_json
from perception.release.columns import ReleaseMetadata
from perception.release.contents import CHECKSUMS_FILE, microdata_files, release_files
from perception.release.documents import (
    data_dictionary,
    datapackage,
    git_commit,
    provenance,
    render_readme,
    table_schema,
)
from perception.release.microdata import read_responses, treat_wave, write_labelled
from perception.release.variance import variance_check

log = logging.getLogger("perception")


def read_table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def suppressed_tables(project: Project, tables: dict[str, Path]) -> dict[str, pd.DataFrame]:
    """The configured tables with small and complementary cells suppressed.

    Comparisons are hidden wherever one of their cells is hidden in the
    released indicators, so a gap never gives away a suppressed cell. The
    breakdowns were controlled when estimated (a small level hides another
    level of its breakdown) and are released as written.
    """
    if "indicators" not in tables:
        raise DataError("release: the indicators table is needed to decide which cells are hidden")
    territories = {wave: project.former_territories(wave) for wave in project.wave_ids}
    indicators = suppress_estimated(read_table(tables["indicators"]), project.min_cell_n, territories)
    out = {}
    for name in project.config["release"]["tables"]:
        if name not in tables:
            raise DataError(f"release: table {name!r} is configured in release.tables but was not given")
        if name == "indicators":
            out[name] = indicators
        elif name == "breakdowns":  # controlled when estimated: each level against the others and the national figure
            out[name] = read_table(tables[name])
        else:
            out[name] = align_comparisons(read_table(tables[name]), indicators)
    return out


def build_release(
    project: Project,
    responses: dict[str, Path],
    tables: dict[str, Path],
    out_dir: Path,
    raw_files: Sequence[Path],
    config_files: Sequence[Path],
) -> list[Path]:
    """Write every file of :func:`release_files` into ``out_dir``; return their paths."""
    out_dir = Path(out_dir)
    missing = [wave for wave in project.wave_ids if wave not in responses]
    if missing:
        raise DataError(f"release: no responses.csv given for wave(s) {', '.join(missing)}")
    meta = ReleaseMetadata(project)
    version = importlib.metadata.version("perception")
    commit = git_commit(project.root)
    title = project.config["release"]["title"]
    schemas: dict[str, dict] = {}
    waves = []
    for wave in project.wave_ids:
        released = treat_wave(project, wave, read_responses(project, responses[wave]), meta)
        waves.append(released)
        suppressed = released.report[released.report["measure"] == "values_suppressed"]
        log.info(
            "%s: %d records released; values suppressed: %s",
            wave,
            len(released.data),
            ", ".join(f"{row.variable} {row.value:g}" for row in suppressed.itertuples()),
        )
        files = microdata_files(wave)
        write_csv(released.data, out_dir / files["csv"], released=True)
        schemas[files["csv"]] = table_schema(released.data, released.columns)
        for lang in ("fr", "en"):
            label = f"{title[lang]} - {project.waves[wave].label[lang]}"
            suffix = "" if lang == "fr" else "_en"
            write_labelled(released, out_dir / files[f"sav{suffix}"], lang, label)
            write_labelled(released, out_dir / files[f"dta{suffix}"], lang, label)
    for name, frame in suppressed_tables(project, tables).items():
        write_csv(frame, out_dir / f"{name}.csv", released=True)
        schemas[f"{name}.csv"] = table_schema(read_table(out_dir / f"{name}.csv"))
    dictionary = data_dictionary(waves)
    write_csv(dictionary, out_dir / "data_dictionary.csv", released=True)
    schemas["data_dictionary.csv"] = table_schema(read_table(out_dir / "data_dictionary.csv"))
    report = pd.concat([w.report for w in waves], ignore_index=True)
    write_csv(report, out_dir / "disclosure_report.csv", released=True)
    schemas["disclosure_report.csv"] = table_schema(read_table(out_dir / "disclosure_report.csv"))
    internal = pd.read_csv(tables["indicators"], dtype={"region_code": "string", "gender_code": "string"})
    check = variance_check(project, {w.wave: w.data for w in waves}, internal)
    write_csv(check, out_dir / "variance_check.csv", released=True)
    schemas["variance_check.csv"] = table_schema(read_table(out_dir / "variance_check.csv"))
    national = check.loc[check["domain"] == "national", "se_ratio"]
    regional = check.loc[check["domain"] == "region", "se_ratio"]
    log.info(
        "standard errors from the release / the report's: national %.3f to %.3f, regional %.3f to %.3f",
        national.min(),
        national.max(),
        regional.min(),
        regional.max(),
    )
    write_json(datapackage(project, out_dir, schemas, version), out_dir / "datapackage.json")
    qis = dictionary.loc[dictionary["quasi_identifier"], "variable"].tolist()
    sensitive = dictionary.loc[dictionary["sensitive"], "variable"].tolist()
    readme = render_readme(project, version, qis, sensitive, check)
    write_atomic(out_dir / "README.md", lambda tmp: tmp.write_text(readme, encoding="utf-8"))
    processed = [*responses.values(), *(tables[name] for name in sorted(tables))]
    write_json(provenance(project, raw_files, config_files, processed, version, commit), out_dir / "provenance.json")
    names = release_files(project)
    sums = "".join(f"{sha256(out_dir / name)}  {name}\n" for name in names if name != CHECKSUMS_FILE)
    write_atomic(out_dir / CHECKSUMS_FILE, lambda tmp: tmp.write_text(sums, encoding="utf-8"))
    return [out_dir / name for name in names]

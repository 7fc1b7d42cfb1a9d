"""The partner release: de-identified microdata, tables and their documentation.

Partners and researchers get, in ``data/processed/release/``, what they need
to re-analyse the surveys without ever seeing a respondent:

- per wave, the published responses (``responses.csv``, itself limited to the
  codebook's ``publish: true`` allowlist) after disclosure control, as CSV,
  SPSS and Stata files with French labels, and SPSS and Stata files with
  English labels (``*_en``);
- the released tables (``release.tables``) with small and complementary
  cells suppressed;
- a bilingual data dictionary generated from the codebook, a Frictionless
  ``datapackage.json``, a French and English README (citation, licence, how
  to use the design), a disclosure report, provenance and SHA-256 checksums.

Nothing depends on the clock: ReadStat's header timestamps are overwritten
with a fixed date, so the same inputs give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import itertools
import logging
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
import pyreadstat

from perception.demo import fix_dta_timestamp, fix_sav_timestamp
from perception.disclosure import (
    align_comparisons,
    anonymise,
    expected_reidentifications,
    key_counts,
    not_l_diverse,
    pseudonymise,
    suppress_cells,
    suppression_order,
)
from perception.errors import ConfigError, DataError
from perception.metadata import code_key, load_yaml
from perception.pipeline import write_atomic, write_csv, write_json
from perception.project import Project

log = logging.getLogger("perception")

TEMPLATES = Path("config/release")
VARIABLES_FILE = TEMPLATES / "variables.yaml"
README_TEMPLATE = TEMPLATES / "README.md.j2"
# ReadStat writes the clock into SPSS and Stata headers; a fixed date keeps releases byte-identical.
FILE_STAMP = dt.datetime(2000, 1, 1, 0, 0, 0)
LANGUAGE_SUFFIX = {"fr": "", "en": "_en"}
STATA_LABEL_BYTES = 80
SPSS_FILE_LABEL_BYTES = 64
TABLE_TITLES = {
    "indicators": {
        "fr": "indicateurs par vague, région et sexe (estimation, erreur-type, IC à 95 %, n)",
        "en": "indicators by wave, region and gender (estimate, standard error, 95 % CI, n)",
    },
    "comparisons": {
        "fr": "écarts entre femmes et hommes et évolutions depuis la vague de référence",
        "en": "gender gaps and changes since the baseline wave",
    },
}
DOCUMENTATION_FILES = (
    "data_dictionary.csv",
    "disclosure_report.csv",
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
    return list(dict.fromkeys([*mappings, str(VARIABLES_FILE), str(README_TEMPLATE)]))


# --------------------------------------------------------------------------
# what each released column is
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleasedColumn:
    """A column of the released microdata, with everything the files and the dictionary print."""

    name: str
    storage: str  # integer, number or string: how the files store it
    type: str  # codebook type (categorical, region, ...); integer for pseudonymised ids and bands
    role: str
    label: dict[str, str]
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    special: dict[str, dict[str, str]] = field(default_factory=dict)
    notes: tuple[dict[str, str], ...] = ()
    quasi_identifier: bool = False
    sensitive: bool = False

    def code_value(self, code: str) -> int | str:
        return int(code) if self.storage == "integer" else code


def _bands(project: Project, variable: str) -> list[int]:
    bands = project.config["disclosure"]["bands"].get(variable)
    if not bands:
        raise ConfigError(
            f"config: disclosure.bands: quasi-identifier {variable} is numeric; give its bands "
            f"(e.g. {variable}: [18, 25, 35]) so that it can be released in groups"
        )
    if any(low >= high for low, high in itertools.pairwise(bands)):
        raise ConfigError(f"config: disclosure.bands.{variable}: lower bounds must increase ({bands})")
    return [int(b) for b in bands]


def band_labels(bounds: Sequence[int]) -> dict[str, str]:
    """``18–24``, …, ``65+``: the label of each band, keyed by its code (the lower bound)."""
    labels = {}
    for low, high in zip(bounds, [*bounds[1:], None], strict=True):
        labels[str(low)] = f"{low}+" if high is None else f"{low}–{high - 1}"
    return labels


def band(values: pd.Series, bounds: Sequence[int], special: Sequence[int], where: str) -> pd.Series:
    """Replace numbers by the lower bound of their band; special codes and blanks stay."""
    numeric = pd.to_numeric(values, errors="coerce")
    is_special = numeric.isin(list(special))
    substantive = numeric.notna() & ~is_special
    below = substantive & (numeric < bounds[0])
    if below.any():
        rows = ", ".join(str(i + 2) for i in np.flatnonzero(below.to_numpy())[:5])
        raise DataError(f"{where}: {int(below.sum())} value(s) below the first band ({bounds[0]}), rows {rows}")
    out = numeric.where(is_special)
    position = np.searchsorted(np.asarray(bounds), numeric[substantive].to_numpy(), side="right") - 1
    out[substantive] = np.asarray(bounds, dtype=float)[position]
    return out


class ReleaseMetadata:
    """Labels and codes of every releasable column: the codebook, the geography and config/release."""

    def __init__(self, project: Project):
        self.project = project
        spec = load_yaml(project.root / VARIABLES_FILE) or {}
        self.extra = spec.get("columns") or {}
        self.band_label = spec["band_label"]
        self.notes = spec["notes"]

    def _special(self, names: Sequence[str]) -> dict[str, dict[str, str]]:
        codebook = self.project.codebook
        return {str(codebook.special_code(name)): codebook.special_labels[name] for name in names}

    def column(self, name: str, wave: str) -> ReleasedColumn:
        """How ``name`` is released in ``wave``; a column the allowlist does not know is an error."""
        codebook, design = self.project.codebook, self.project.waves[wave].design
        if name in self.extra:
            extra = self.extra[name]
            storage = {"float": "number", "integer": "integer"}.get(extra["type"], "string")
            return ReleasedColumn(name, storage, extra["type"], extra["role"], dict(extra["label"]))
        base = name.removesuffix("_group")
        if name.endswith("_group") and base in codebook.variables and codebook[base].quasi_identifier:
            var, bounds = codebook[base], _bands(self.project, base)
            note = {
                lang: self.notes["band"][lang].format(variable=base, bands=", ".join(band_labels(bounds).values()))
                for lang in ("fr", "en")
            }
            return ReleasedColumn(
                name,
                "integer",
                "integer",
                var.role,
                {lang: self.band_label[lang].format(label=var.label[lang]) for lang in ("fr", "en")},
                {code: {"fr": text, "en": text} for code, text in band_labels(bounds).items()},
                self._special(var.special),
                (note, self.notes["quasi_identifier"]),
                quasi_identifier=True,
            )
        if name not in codebook.variables or not codebook[name].publish:
            raise DataError(
                f"release: column {name!r} is not a codebook variable with publish: true; it is not released"
            )
        var = codebook[name]
        notes = []
        if name in (design.strata, design.psu):
            notes.append(self.notes["pseudonymised"])
        if var.quasi_identifier:
            notes.append(self.notes["quasi_identifier"])
        if var.sensitive:
            notes.append(self.notes["sensitive"])
        if var.type == "region":
            codes = {r.code: dict(r.name) for r in self.project.geography.regions}
        else:
            codes = {code_key(code): labels for code, labels in var.codes.items()}
        if name in (design.strata, design.psu) or var.type == "integer" or var.has_numeric_codes:
            storage = "integer"
        else:
            storage = "number" if var.type == "float" else "string"
        return ReleasedColumn(
            name,
            storage,
            "integer" if name in (design.strata, design.psu) else var.type,
            var.role,
            dict(var.label),
            codes,
            self._special(var.special),
            tuple(notes),
            var.quasi_identifier,
            var.sensitive,
        )


# --------------------------------------------------------------------------
# microdata
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleasedWave:
    wave: str
    data: pd.DataFrame
    columns: dict[str, ReleasedColumn]
    report: pd.DataFrame


def read_responses(project: Project, path: Path) -> pd.DataFrame:
    """A wave's published responses, codes as text where the codebook has text codes."""
    header = pd.read_csv(path, nrows=0).columns
    text = [
        c
        for c in header
        if c in ("wave", "source_id", "response_id")
        or (c in project.codebook.variables and not project.codebook[c].is_numeric)
    ]
    return pd.read_csv(path, dtype=dict.fromkeys(text, "string"), keep_default_na=False, na_values=[""])


def treat_wave(project: Project, wave: str, responses: pd.DataFrame, meta: ReleaseMetadata) -> ReleasedWave:
    """Band numeric quasi-identifiers, pseudonymise design ids, then k-anonymity and l-diversity.

    The report has one row per wave, stage (``before``: responses.csv as
    published; ``recoded``: after banding; ``after``: released), measure
    and variable, so that the methodology page can print risk before and
    after treatment.
    """
    settings = project.config["disclosure"]
    k, l_min, codebook = int(settings["k"]), int(settings["l"]), project.codebook
    design = project.waves[wave].design
    columns = set(responses.columns)
    qis = [v.name for v in codebook if v.quasi_identifier and v.name in columns]
    sensitive = [v.name for v in codebook if v.sensitive and v.name in columns]
    data = responses.copy()
    keys = []
    for name in qis:
        var = codebook[name]
        if var.is_numeric and not var.is_coded:
            special = [codebook.special_code(s) for s in var.special]
            banded = band(data[name], _bands(project, name), special, f"{wave}/responses.csv: column {name}")
            data.insert(data.columns.get_loc(name), f"{name}_group", banded)
            data = data.drop(columns=name)
            keys.append(f"{name}_group")
        else:
            keys.append(name)
    for name in (design.strata, design.psu):
        if name is not None and name in data:
            data[name] = pseudonymise(data[name], int(settings["seed"]))
    order = suppression_order(data, keys, cluster=design.psu if design.psu in data else None)
    released = anonymise(data, order, k, sensitive, l_min)

    rows = []
    for stage, frame, stage_keys in (("before", responses, qis), ("recoded", data, keys), ("after", released, keys)):
        counts = key_counts(frame, stage_keys)[0]
        rows += [
            (wave, stage, "records", "", len(frame)),
            (wave, stage, "records_below_k", "", int((counts < k).sum())),
            (wave, stage, "expected_reidentifications", "", round(expected_reidentifications(counts), 6)),
        ]
        rows += [
            (wave, stage, "records_not_l_diverse", item, int(not_l_diverse(frame, stage_keys, item, l_min).sum()))
            for item in sensitive
        ]
    for name in [*keys, *sensitive]:
        suppressed = int((data[name].notna() & released[name].isna()).sum())
        rows.append((wave, "after", "values_suppressed", name, suppressed))
    report = pd.DataFrame(rows, columns=["wave", "stage", "measure", "variable", "value"])
    described = {name: meta.column(name, wave) for name in released.columns}
    return ReleasedWave(wave, released, described, report)


def _fit_bytes(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` UTF-8 bytes (Stata's label limit), marking the cut with an ellipsis."""
    if len(text.encode("utf-8")) <= limit:
        return text
    while len((text + "…").encode("utf-8")) > limit:
        text = text[:-1]
    return text.rstrip() + "…"


def write_labelled(released: ReleasedWave, path: Path, lang: str, title: str) -> None:
    """SPSS (.sav) or Stata (.dta) file with variable and value labels in ``lang``.

    SPSS gets value labels on text codes too and declares the special codes
    user-missing, so that SPSS never averages a "don't know". Stata labels
    only numeric values and limits labels to 80 bytes, SPSS the file label
    to 64 (the full labels are in the data dictionary).
    """
    stata = path.suffix == ".dta"
    frame = released.data.copy()
    for name, column in released.columns.items():
        if column.storage == "string":
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
        else:
            frame[name] = pd.to_numeric(frame[name]).astype(float)
    labels, value_labels, missing = {}, {}, {}
    for name, column in released.columns.items():
        label = column.label[lang]
        labels[name] = _fit_bytes(label, STATA_LABEL_BYTES) if stata else label
        coded = {**column.codes, **column.special}
        if coded and (column.storage != "string" or not stata):
            value_labels[name] = {column.code_value(code): text[lang] for code, text in coded.items()}
        if column.special and column.storage != "string":
            missing[name] = sorted(int(code) for code in column.special)

    def write(tmp: Path) -> None:
        if stata:
            pyreadstat.write_dta(
                frame,
                tmp,
                file_label=_fit_bytes(title, STATA_LABEL_BYTES),
                column_labels=labels,
                variable_value_labels=value_labels,
            )
            fix_dta_timestamp(tmp, FILE_STAMP)
        else:
            pyreadstat.write_sav(
                frame,
                tmp,
                file_label=_fit_bytes(title, SPSS_FILE_LABEL_BYTES),
                column_labels=labels,
                variable_value_labels=value_labels,
                missing_ranges=missing,
            )
            fix_sav_timestamp(tmp, FILE_STAMP)

    write_atomic(path, write)


# --------------------------------------------------------------------------
# documentation
# --------------------------------------------------------------------------


def _code_list(codes: dict[str, dict[str, str]], lang: str) -> str:
    return "; ".join(f"{code} = {labels[lang]}" for code, labels in codes.items())


def data_dictionary(waves: Sequence[ReleasedWave]) -> pd.DataFrame:
    """One row per released column, in file order, French and English side by side."""
    seen: dict[str, ReleasedColumn] = {}
    for released in waves:
        for name, column in released.columns.items():
            seen.setdefault(name, column)
    rows = []
    for column in seen.values():
        rows.append(
            {
                "variable": column.name,
                "type": column.storage,
                "codebook_type": column.type,
                "role": column.role,
                "quasi_identifier": column.quasi_identifier,
                "sensitive": column.sensitive,
                "label_fr": column.label["fr"],
                "label_en": column.label["en"],
                "codes_fr": _code_list(column.codes, "fr"),
                "codes_en": _code_list(column.codes, "en"),
                "special_codes_fr": _code_list(column.special, "fr"),
                "special_codes_en": _code_list(column.special, "en"),
                "note_fr": " ".join(note["fr"] for note in column.notes),
                "note_en": " ".join(note["en"] for note in column.notes),
            }
        )
    return pd.DataFrame(rows)


def _field_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    return "string"


def table_schema(frame: pd.DataFrame, columns: dict[str, ReleasedColumn] | None = None) -> dict:
    """Frictionless Table Schema: from the released column specs, else from the written values' types."""
    fields = []
    for name in frame.columns:
        column = (columns or {}).get(name)
        if column is None:
            fields.append({"name": name, "type": _field_type(frame[name])})
            continue
        spec = {"name": name, "type": column.storage, "title": column.label["fr"], "description": column.label["en"]}
        allowed = [column.code_value(code) for code in {**column.codes, **column.special}]
        if allowed:
            spec["constraints"] = {"enum": allowed}
        fields.append(spec)
    schema = {"fields": fields, "missingValues": [""]}
    if columns and "response_id" in frame:
        schema["primaryKey"] = ["response_id"]
    return schema


def sha256(path: Path) -> str:
    with Path(path).open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def datapackage(project: Project, out_dir: Path, schemas: dict[str, dict], version: str) -> dict:
    """Tabular Data Package describing every CSV file of the release, with sizes and hashes."""
    settings = project.config["release"]
    resources = []
    for name, schema in schemas.items():
        path = out_dir / name
        resources.append(
            {
                "name": name.removesuffix(".csv").lower(),
                "path": name,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": path.stat().st_size,
                "hash": f"sha256:{sha256(path)}",
                "schema": schema,
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": "perception-release",
        "title": settings["title"]["fr"],
        "description": settings["title"]["en"],
        "version": version,
        "licenses": [dict(settings["licence"])],
        "contributors": [{"title": settings["publisher"], "role": "publisher"}],
        "resources": resources,
    }


def git_commit(root: Path) -> str:
    """The commit the release was built from, or "unknown" outside a git checkout."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=False, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and commit else "unknown"


def _relative(project: Project, path: Path) -> str:
    path = Path(path)
    try:
        return path.resolve().relative_to(project.root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def provenance(project: Project, raw_files, config_files, processed_files, version: str, commit: str) -> dict:
    """What the release was built from: hashes of every input, software version and settings."""

    def hashes(paths) -> dict[str, str]:
        return {_relative(project, p): sha256(p) for p in sorted(set(map(Path, paths)), key=str)}

    qis = [v.name for v in project.codebook if v.quasi_identifier]
    sensitive = [v.name for v in project.codebook if v.sensitive]
    return {
        "package": "perception",
        "version": version,
        "git_commit": commit,
        "raw_files": hashes(raw_files),
        "config_files": hashes(config_files),
        "processed_inputs": hashes(processed_files),
        "disclosure": {
            **project.config["disclosure"],
            "quasi_identifiers": qis,
            "sensitive": sensitive,
            "min_cell_n": project.min_cell_n,
        },
    }


def render_readme(project: Project, version: str, qis: list[str], sensitive: list[str]) -> str:
    """The bilingual README from config/release/README.md.j2 (no commit or date, so it changes only with content)."""
    settings, disclosure = project.config["release"], project.config["disclosure"]
    template = jinja2.Environment(
        loader=jinja2.FileSystemLoader(project.root / TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    ).get_template(README_TEMPLATE.name)
    bands = disclosure["bands"]
    bands_text = {
        "fr": "; ".join(
            f"{v} est diffusé par tranches ({', '.join(band_labels(b).values())})" for v, b in bands.items()
        )
        or "aucune variable numérique n'est regroupée",
        "en": "; ".join(f"{v} is released in bands ({', '.join(band_labels(b).values())})" for v, b in bands.items())
        or "no numeric variable is banded",
    }
    waves = [{"id": wave, "label": project.waves[wave].label, **microdata_files(wave)} for wave in project.wave_ids]
    tables = [{"file": f"{t}.csv", **TABLE_TITLES[t]} for t in settings["tables"]]
    return template.render(
        title=settings["title"],
        publisher=settings["publisher"],
        licence=settings["licence"],
        version=version,
        waves=waves,
        tables=tables,
        qis=qis,
        sensitive=sensitive,
        k=disclosure["k"],
        l=disclosure["l"],
        bands_text=bands_text,
        min_cell_n=project.min_cell_n,
    )


# --------------------------------------------------------------------------
# the stage
# --------------------------------------------------------------------------


def read_table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def suppressed_tables(project: Project, tables: dict[str, Path]) -> dict[str, pd.DataFrame]:
    """The configured tables with small and complementary cells suppressed.

    Comparisons are hidden wherever one of their cells is hidden in the
    released indicators, so a gap never gives away a suppressed cell.
    """
    if "indicators" not in tables:
        raise DataError("release: the indicators table is needed to decide which cells are hidden")
    indicators = suppress_cells(read_table(tables["indicators"]), project.min_cell_n)
    out = {}
    for name in project.config["release"]["tables"]:
        if name not in tables:
            raise DataError(f"release: table {name!r} is configured in release.tables but was not given")
        out[name] = indicators if name == "indicators" else align_comparisons(read_table(tables[name]), indicators)
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
        write_csv(released.data, out_dir / files["csv"])
        schemas[files["csv"]] = table_schema(released.data, released.columns)
        for lang in ("fr", "en"):
            label = f"{title[lang]} - {project.waves[wave].label[lang]}"
            suffix = "" if lang == "fr" else "_en"
            write_labelled(released, out_dir / files[f"sav{suffix}"], lang, label)
            write_labelled(released, out_dir / files[f"dta{suffix}"], lang, label)
    for name, frame in suppressed_tables(project, tables).items():
        write_csv(frame, out_dir / f"{name}.csv")
        schemas[f"{name}.csv"] = table_schema(read_table(out_dir / f"{name}.csv"))
    dictionary = data_dictionary(waves)
    write_csv(dictionary, out_dir / "data_dictionary.csv")
    schemas["data_dictionary.csv"] = table_schema(read_table(out_dir / "data_dictionary.csv"))
    report = pd.concat([w.report for w in waves], ignore_index=True)
    write_csv(report, out_dir / "disclosure_report.csv")
    schemas["disclosure_report.csv"] = table_schema(read_table(out_dir / "disclosure_report.csv"))
    write_json(datapackage(project, out_dir, schemas, version), out_dir / "datapackage.json")
    qis = dictionary.loc[dictionary["quasi_identifier"], "variable"].tolist()
    sensitive = dictionary.loc[dictionary["sensitive"], "variable"].tolist()
    readme = render_readme(project, version, qis, sensitive)
    write_atomic(out_dir / "README.md", lambda tmp: tmp.write_text(readme, encoding="utf-8"))
    processed = [*responses.values(), *(tables[name] for name in sorted(tables))]
    write_json(provenance(project, raw_files, config_files, processed, version, commit), out_dir / "provenance.json")
    names = release_files(project)
    sums = "".join(f"{sha256(out_dir / name)}  {name}\n" for name in names if name != CHECKSUMS_FILE)
    write_atomic(out_dir / CHECKSUMS_FILE, lambda tmp: tmp.write_text(sums, encoding="utf-8"))
    return [out_dir / name for name in names]

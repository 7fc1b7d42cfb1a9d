"""The release's documentation: data dictionary, Table Schemas, Data Package, provenance and README."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import jinja2
import pandas as pd

from perception.catalog.fields import FIELDS
from perception.catalog.tables import table
from perception.config.project import Project
from perception.disclosure.variance_units import PSUS_PER_UNIT, RECORDS_PER_WEIGHT
from perception.files import sha256
from perception.release.columns import ReleasedColumn, band_labels
from perception.release.contents import README_TEMPLATE, TEMPLATES, microdata_files
from perception.release.microdata import ReleasedWave


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
            known = FIELDS.get(name)
            if known is None:
                fields.append({"name": name, "type": _field_type(frame[name])})
            else:
                fields.append(
                    {
                        "name": name,
                        "type": known.type,
                        "title": known.description["fr"],
                        "description": known.description["en"],
                    }
                )
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
    """A file's name as provenance prints it: relative to the project, or to the installed package's folder.

    Never an absolute path: the release must be the same whichever folder the
    project was cloned to or the package installed in (the strings catalogue
    is ``perception/i18n/*.yaml`` inside the package).
    """
    path = Path(path).resolve()
    for base in _provenance_bases(project):
        if path.is_relative_to(base):
            return path.relative_to(base).as_posix()
    return path.name


def _provenance_bases(project: Project) -> tuple[Path, Path]:
    """The project's folder, then the folder holding the installed ``perception`` package."""
    return project.root.resolve(), Path(__file__).resolve().parents[2]


def provenance_file(project: Project, name: str) -> Path:
    """The file a name of ``provenance.json`` stands for (to check its hash)."""
    project_root, packages = _provenance_bases(project)
    return project_root / name if (project_root / name).exists() else packages / name


def provenance(project: Project, raw_files, config_files, processed_files, version: str, commit: str) -> dict:
    """What the release was built from: hashes of every input, software version and settings."""

    def hashes(paths) -> dict[str, str]:
        listed = {_relative(project, p): p for p in map(Path, paths)}  # ordered by the name printed
        return {name: sha256(listed[name]) for name in sorted(listed)}

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


def release_design(project: Project, wave: str) -> dict:
    """How to declare a wave's released design in R, Stata, SPSS and Python: only the units it has.

    A weights-only wave is released without stratum or PSU columns, so its
    statements name the weight alone (R's ``ids = ~1``).
    """
    design = project.waves[wave].design
    strata, psu = design.strata, design.psu
    r_args = [f"ids = ~{psu}" if psu else "ids = ~1"]
    if strata:
        r_args.append(f"strata = ~{strata}")
    r_args += ["weights = ~weight_final", "data = d"] + (["nest = TRUE"] if strata and psu else [])
    stata = f"svyset {psu or '_n'} [pweight = weight_final]" + (f", strata({strata})" if strata else "")
    spss = " ".join(part for part in (f"STRATA={strata}" if strata else "", f"CLUSTER={psu}" if psu else "") if part)
    python = ", ".join(
        ['weight="weight_final"', *([f'strata="{strata}"'] if strata else []), *([f'psu="{psu}"'] if psu else [])]
    )
    return {
        "kind": design.kind,
        "strata": strata,
        "psu": psu,
        "r_design": f"svydesign({', '.join(r_args)})",
        "stata_design": stata,
        "spss_design": f"/DESIGN {spss}" if spss else "",
        "python_design": f"SurveyDesign({python})",
    }


def render_readme(project: Project, version: str, qis: list[str], sensitive: list[str], check: pd.DataFrame) -> str:
    """The bilingual README from config/release/README.md.j2 (no commit or date, so it changes only with content).

    ``check`` is variance_check.csv: the README states, from it, the share of
    standard errors the release reproduces within 10 %.
    """
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
    waves = [
        {
            "id": wave,
            "label": project.waves[wave].label,
            # region_code holds the regions of the wave's own layout (config/geography.yaml)
            "layout": project.wave_geography(wave).label,
            **microdata_files(wave),
            **release_design(project, wave),
        }
        for wave in project.wave_ids
    ]
    tables = [{"file": f"{t}.csv", **table(t).title} for t in settings["tables"]]
    territories = [
        {"wave": project.waves[wave].label, "layout": layout.label, "id": layout.layout}
        for wave in project.wave_ids
        for layout in project.former_layouts(wave)
    ]
    return template.render(
        title=settings["title"],
        publisher=settings["publisher"],
        licence=settings["licence"],
        version=version,
        waves=waves,
        tables=tables,
        territories=territories,
        qis=qis,
        sensitive=sensitive,
        k=disclosure["k"],
        l=disclosure["l"],
        bands_text=bands_text,
        min_cell_n=project.min_cell_n,
        within=within_ten_percent(check),
        clustered=[w for w in waves if w["strata"] or w["psu"]],
        unclustered=[w for w in waves if not w["psu"]],
        weight_group=max(int(disclosure["k"]), RECORDS_PER_WEIGHT),
        psus_per_unit=PSUS_PER_UNIT,
    )


def within_ten_percent(check: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Per domain (national, region), the share of release SEs within 10 % of the report's, in words."""
    out = {}
    for domain in ("national", "region"):
        ratios = check.loc[check["domain"] == domain, "se_ratio"].dropna()
        share = round(100 * float((ratios - 1).abs().le(0.1).mean())) if len(ratios) else 0
        out[domain] = {"fr": f"{share}\u00a0%", "en": f"{share}%"}
    return out

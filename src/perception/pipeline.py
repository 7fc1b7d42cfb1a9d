"""The workflow's stages as plain functions: files in, files out.

Snakemake scripts are thin adapters over these, so each stage can also be run
and tested without Snakemake. Files are written atomically (to a temporary
name, then renamed) so a failed stage never leaves a partial output, and
deterministically (configured order, fixed float format, no timestamps).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from perception.estimate import SurveyDesign, estimate_shares, final_weights
from perception.harmonise import harmonise
from perception.ingest import RawTable, read_file, select_mapped_columns
from perception.metadata import Indicator
from perception.project import Project
from perception.validate import validate

FLOAT_FORMAT = "%.10g"
INDICATOR_COLUMNS = [
    "wave",
    "indicator",
    "domain",
    "region_code",
    "gender_code",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "df",
    "n",
    "is_suppressed",
]


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` then move ``tmp`` to ``path``: all or nothing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    write_atomic(
        path,
        lambda tmp: frame.to_csv(tmp, index=False, float_format=FLOAT_FORMAT, lineterminator="\n"),
    )


def write_json(data: object, path: str | Path) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


# --------------------------------------------------------------------------
# ingest
# --------------------------------------------------------------------------


def ingest_source(project: Project, wave: str, source_id: str, out_data: Path, out_meta: Path) -> RawTable:
    """Read a partner file and keep only the mapped columns, labels and missing codes."""
    mapping = project.source(wave, source_id)
    table = read_file(mapping.file, mapping.read_options)
    selected = select_mapped_columns(table, mapping)
    data = selected.data.copy()
    for column in data.columns:
        if not pd.api.types.is_numeric_dtype(data[column]):
            data[column] = data[column].astype("string")
    write_atomic(out_data, lambda tmp: data.to_parquet(tmp, index=False))
    write_json(
        {
            "source_id": mapping.source_id,
            "file": mapping.file.name,
            "rows": len(table.data),
            "columns_in_file": len(table.data.columns),
            "labelled_columns_in_file": len(table.labelled_columns),
            "value_labels": selected.value_labels,
            "missing_codes": selected.missing_codes,
            "variable_labels": selected.variable_labels,
        },
        out_meta,
    )
    return selected


def load_ingested(data_path: Path, meta_path: Path) -> RawTable:
    meta = json.loads(Path(meta_path).read_text(encoding="utf-8"))
    return RawTable(
        Path(meta["file"]),
        pd.read_parquet(data_path),
        meta["value_labels"],
        meta["missing_codes"],
        meta["variable_labels"],
    )


# --------------------------------------------------------------------------
# harmonise and validate
# --------------------------------------------------------------------------


def harmonise_source(project: Project, wave: str, source_id: str, data_path: Path, meta_path: Path, out: Path) -> None:
    mapping = project.source(wave, source_id)
    frame = harmonise(load_ingested(data_path, meta_path), mapping, project.codebook, project.geography)
    write_atomic(out, lambda tmp: frame.to_parquet(tmp, index=False))


def validate_wave(
    project: Project,
    harmonised: Iterable[Path],
    out_valid: Path,
    out_quarantine: Path,
    out_quality: Path,
) -> None:
    """Validate all sources of a wave; account for every row of every source."""
    frames = [pd.read_parquet(p) for p in harmonised]
    frame = pd.concat(frames, ignore_index=True)
    result = validate(frame, project.codebook, project.geography)
    quality = []
    for part in frames:
        source_id = part["source_id"].iloc[0] if len(part) else ""
        released = int((result.released["source_id"] == source_id).sum())
        quarantined = int((result.quarantine["source_id"] == source_id).sum())
        if released + quarantined != len(part):
            raise AssertionError(f"{source_id}: {len(part)} rows in, {released} released + {quarantined} quarantined")
        quality.append(
            {
                "source_id": source_id,
                "source_file": part["source_file"].iloc[0] if len(part) else "",
                "rows_received": len(part),
                "rows_released": released,
                "rows_quarantined": quarantined,
            }
        )
    write_atomic(out_valid, lambda tmp: result.released.to_parquet(tmp, index=False))
    write_csv(result.quarantine, out_quarantine)
    write_csv(pd.DataFrame(quality), out_quality)


# --------------------------------------------------------------------------
# weight and publish
# --------------------------------------------------------------------------


def wave_design(project: Project, wave: str) -> SurveyDesign:
    design = project.waves[wave].design
    return SurveyDesign(weight=design.weight, strata=design.strata, psu=design.psu)


def weight_wave(project: Project, wave: str, valid: Path, out_responses: Path, out_sample: Path) -> None:
    """Attach the final weight and publish the de-identified responses.

    Only codebook variables marked ``publish: true`` are released: the
    allowlist is the codebook, so a new column never leaks by default.
    """
    frame = pd.read_parquet(valid)
    frame["weight_final"] = final_weights(frame, wave_design(project, wave))
    published = project.codebook.published()
    responses = frame[["source_id", *published, "weight_final"]].copy()
    responses.insert(0, "wave", wave)
    responses.insert(2, "response_id", [f"{wave}-{i:05d}" for i in range(1, len(frame) + 1)])
    write_csv(responses, out_responses)
    write_csv(sample_summary(project, frame), out_sample)


def sample_summary(project: Project, frame: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for code in project.geography.codes:
        part = frame[frame["region_code"] == code]
        rows.append(
            {
                "region_code": code,
                "n_respondents": len(part),
                "n_women": int((part["gender_code"] == "f").sum()),
                "n_men": int((part["gender_code"] == "m").sum()),
                "sum_weights": float(part["weight_final"].sum()),
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------
# estimate
# --------------------------------------------------------------------------


def indicator_values(frame: pd.DataFrame, indicator: Indicator, project: Project) -> pd.Series:
    """1 when the answer is a success code, 0 for other counted answers, else missing.

    Special codes (don't know, refused, not applicable) are missing unless the
    registry lists them in ``denominator_includes``: they never enter a share
    by accident.
    """
    codes = frame[indicator.variable]
    var = project.codebook[indicator.variable]
    counted = [*var.codes, *(project.codebook.special_code(s) for s in indicator.denominator_includes)]
    values = pd.Series(pd.NA, index=frame.index, dtype="Float64")
    values[codes.isin(counted).fillna(False)] = 0.0
    values[codes.isin(indicator.success_codes).fillna(False)] = 1.0
    return values


def domain_name(by: tuple[str, ...]) -> str:
    return "_".join(name.removesuffix("_code") for name in by) or "national"


def estimate_wave(project: Project, wave: str, responses: pd.DataFrame) -> pd.DataFrame:
    design = wave_design(project, wave)
    data = responses.copy()
    data["region_code"] = pd.Categorical(data["region_code"], categories=project.geography.codes)
    gender_codes = list(project.codebook["gender_code"].codes)
    data["gender_code"] = pd.Categorical(data["gender_code"], categories=gender_codes)
    columns = []
    for indicator in project.indicators:
        data[indicator.id] = indicator_values(data, indicator, project)
        columns.append(indicator.id)
    parts = []
    for by in project.domains:
        table = estimate_shares(data, design, columns, by=by)
        table = table.rename(columns={"variable": "indicator"})
        table.insert(0, "wave", wave)
        table.insert(2, "domain", domain_name(by))
        parts.append(table)
    out = pd.concat(parts, ignore_index=True)
    for name in ("region_code", "gender_code"):
        if name not in out:
            out[name] = pd.NA
    out["is_suppressed"] = out["n"] < project.min_cell_n
    out.loc[out["is_suppressed"], ["estimate", "se", "ci_low", "ci_high"]] = float("nan")
    indicator_rank = {ind.id: i for i, ind in enumerate(project.indicators)}
    out["_rank"] = out["indicator"].map(indicator_rank)
    out = out.sort_values("_rank", kind="stable").drop(columns="_rank")
    return out[INDICATOR_COLUMNS].reset_index(drop=True)


def estimate_indicators(project: Project, responses: dict[str, Path], out: Path) -> None:
    """Every indicator, for every wave and configured domain, in one tidy table."""
    tables = [
        estimate_wave(project, wave, pd.read_csv(path, dtype={"region_code": "string"}))
        for wave, path in responses.items()
    ]
    write_csv(pd.concat(tables, ignore_index=True), out)

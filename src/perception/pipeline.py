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

from perception.analysis import prepare, run_estimation
from perception.estimate import final_weights
from perception.harmonise import harmonise
from perception.ingest import RawTable, read_file, select_mapped_columns
from perception.project import Project
from perception.validate import validate

FLOAT_FORMAT = "%.10g"


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


def weight_wave(project: Project, wave: str, valid: Path, out_responses: Path, out_sample: Path) -> None:
    """Attach the final weight and publish the de-identified responses.

    Only codebook variables marked ``publish: true`` are released: the
    allowlist is the codebook, so a new column never leaks by default.
    """
    frame = pd.read_parquet(valid)
    prepared, design = prepare(project, wave, frame)
    frame["weight_final"] = final_weights(prepared, design).to_numpy()
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


def estimate_indicators(project: Project, responses: dict[str, Path], outputs: dict[str, Path]) -> None:
    """Write indicators, comparisons, weighting diagnostics and index reliability."""
    tables = run_estimation(project, responses)
    for name, path in outputs.items():
        write_csv(tables[name], path)

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
from perception.corrections import corrections_path, load_corrections
from perception.estimate import final_weights
from perception.ingest import RawTable, read_source, select_mapped_columns
from perception.metadata import Geography
from perception.project import Project
from perception.quality import FLAG_COLUMNS, LOG_COLUMNS, prepare_source
from perception.validate import validate

FLOAT_FORMAT = "%.10g"
PUBLISHED_MODE = 0o644
WITHHELD = "(not published)"


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` then move ``tmp`` to ``path``: all or nothing.

    The file gets ordinary read permissions (mkstemp creates it owner-only),
    since outputs are meant to be shared.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        write(Path(tmp))
        os.chmod(tmp, PUBLISHED_MODE)
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
    table = read_source(mapping.file, mapping)
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
            "labels_by_language": selected.labels_by_language,
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
        meta.get("labels_by_language", {}),
    )


# --------------------------------------------------------------------------
# harmonise and validate
# --------------------------------------------------------------------------


def harmonise_source(
    project: Project,
    wave: str,
    source_id: str,
    data_path: Path,
    meta_path: Path,
    out: Path,
    out_flags: Path,
    out_log: Path,
) -> None:
    """Harmonise one source, apply the wave's corrections for it and run its checks."""
    mapping = project.source(wave, source_id)
    path = corrections_path(project.root, wave)
    corrections = load_corrections(path, project.source_ids(wave)) if path.is_file() else None
    prepared = prepare_source(
        load_ingested(data_path, meta_path), mapping, project.codebook, project.wave_geography(wave), corrections
    )
    write_atomic(out, lambda tmp: prepared.frame.to_parquet(tmp, index=False))
    write_csv(prepared.flags, out_flags)
    write_csv(prepared.cleaning_log, out_log)


def _read_interim_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def quality_annex(
    quality: pd.DataFrame, quarantine: pd.DataFrame, flags: pd.DataFrame, log: pd.DataFrame
) -> pd.DataFrame:
    """Tidy counts per source for the book's data-quality annex.

    ``section`` is rows (received, released, quarantined), quarantine (rows
    per reason category; a row with two reasons counts in both), flags (rows
    per check and action) or cleaning (changes per rule).
    """
    rows = []
    for source in quality.itertuples(index=False):
        key = {"source_id": source.source_id, "source_file": source.source_file}
        for item in ("received", "released", "quarantined"):
            rows.append(
                {**key, "section": "rows", "item": item, "action": "", "count": getattr(source, f"rows_{item}")}
            )
        mine = quarantine[quarantine["source_id"] == source.source_id]
        categories = mine["reason_categories"].astype(str).str.split(",").explode()
        for category, count in categories.value_counts(sort=False).sort_index().items():
            rows.append({**key, "section": "quarantine", "item": category, "action": "", "count": int(count)})
        raised = flags[flags["source_file"] == source.source_file]
        for (check, action), count in raised.groupby(["check", "action"], sort=True).size().items():
            rows.append({**key, "section": "flags", "item": check, "action": action, "count": int(count)})
        changes = log[log["source_file"] == source.source_file]
        for rule, count in changes.groupby("rule", sort=True).size().items():
            rows.append({**key, "section": "cleaning", "item": rule, "action": "", "count": int(count)})
    return pd.DataFrame(rows, columns=["source_id", "source_file", "section", "item", "action", "count"])


def validate_wave(
    project: Project,
    wave: str,
    harmonised: Iterable[Path],
    flags: Iterable[Path],
    cleaning_logs: Iterable[Path],
    outputs: dict[str, Path],
) -> None:
    """Validate all sources of a wave; account for every row of every source.

    ``outputs`` names the files written: valid, quarantine, quality (rows per
    source), flags, cleaning_log and annex (see :func:`quality_annex`).
    """
    frames = [pd.read_parquet(p) for p in harmonised]
    frame = pd.concat(frames, ignore_index=True)
    result = validate(frame, project.codebook, project.wave_geography(wave))
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
    duplicates = [
        {
            "source_file": row.source_file,
            "source_row": row.source_row,
            "check": "duplicate_id",
            "detail": row.problem.text("en"),
            "action": "quarantine",
        }
        for row in result.problems.itertuples(index=False)
        if row.problem.category == "duplicate_id"
    ]
    order = {name: i for i, name in enumerate(part["source_file"].iloc[0] for part in frames if len(part))}
    all_flags = pd.concat(
        [*(_read_interim_csv(p) for p in flags), pd.DataFrame(duplicates, columns=FLAG_COLUMNS).astype(str)],
        ignore_index=True,
    )
    all_flags = all_flags.assign(
        _source=all_flags["source_file"].map(order), _row=pd.to_numeric(all_flags["source_row"])
    ).sort_values(["_source", "_row"], kind="stable")[FLAG_COLUMNS]
    log = pd.concat([_read_interim_csv(p) for p in cleaning_logs], ignore_index=True)[LOG_COLUMNS]
    # values of variables that are never published (respondent ids) stay out of data/processed
    withheld = log["variable"].ne("") & ~log["variable"].isin(project.codebook.published())
    log.loc[withheld, ["old_value", "new_value"]] = WITHHELD
    quality_frame = pd.DataFrame(quality)
    write_atomic(outputs["valid"], lambda tmp: result.released.to_parquet(tmp, index=False))
    write_csv(result.quarantine, outputs["quarantine"])
    write_csv(quality_frame, outputs["quality"])
    write_csv(all_flags, outputs["flags"])
    write_csv(log, outputs["cleaning_log"])
    write_csv(quality_annex(quality_frame, result.quarantine, all_flags, log), outputs["annex"])


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
    write_csv(sample_summary(project.wave_geography(wave), frame), out_sample)


def sample_summary(geography: Geography, frame: pd.DataFrame) -> pd.DataFrame:
    """Respondents, women, men and final weights per region of the wave's layout."""
    rows = []
    for code in geography.codes:
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

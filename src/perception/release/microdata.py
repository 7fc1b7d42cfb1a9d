"""The released microdata of one wave: banding, pseudonymised design ids, k-anonymity, l-diversity, labelled files."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyreadstat

from perception.config.project import Project
from perception.disclosure.anonymise import anonymise, pseudonymise, suppression_order
from perception.disclosure.risk import expected_reidentifications, key_counts, not_l_diverse
from perception.files import fix_dta_timestamp, fix_sav_timestamp, write_atomic
from perception.release.columns import ReleasedColumn, ReleaseMetadata, band, band_bounds

# ReadStat writes the clock into SPSS and Stata headers; a fixed date keeps releases byte-identical.
FILE_STAMP = dt.datetime(2000, 1, 1, 0, 0, 0)


STATA_LABEL_BYTES = 80


SPSS_FILE_LABEL_BYTES = 64


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
            banded = band(data[name], band_bounds(project, name), special, f"{wave}/responses.csv: column {name}")
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


def fit_bytes(text: str, limit: int) -> str:
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
        labels[name] = fit_bytes(label, STATA_LABEL_BYTES) if stata else label
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
                file_label=fit_bytes(title, STATA_LABEL_BYTES),
                column_labels=labels,
                variable_value_labels=value_labels,
            )
            fix_dta_timestamp(tmp, FILE_STAMP)
        else:
            pyreadstat.write_sav(
                frame,
                tmp,
                file_label=fit_bytes(title, SPSS_FILE_LABEL_BYTES),
                column_labels=labels,
                variable_value_labels=value_labels,
                missing_ranges=missing,
            )
            fix_sav_timestamp(tmp, FILE_STAMP)

    write_atomic(path, write)

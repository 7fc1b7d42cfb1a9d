"""The released microdata of one wave: banding, pseudonymised design ids, k-anonymity, l-diversity, labelled files."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from perception.config.margins import load_margins, margin_columns
from perception.config.project import Project
from perception.disclosure.anonymise import anonymise, suppression_order
from perception.disclosure.attacker import anonymity_sets, protect
from perception.disclosure.risk import expected_reidentifications, key_counts, not_l_diverse
from perception.disclosure.variance_units import (
    RECORDS_PER_WEIGHT,
    masked_units,
    microaggregated_weights,
    pooled_weights,
)
from perception.errors import in_wave
from perception.estimate.values import indicator_values
from perception.files import fix_dta_timestamp, fix_sav_timestamp, write_atomic
from perception.release.columns import ReleasedColumn, ReleaseMetadata, band, band_bounds

# ReadStat writes the clock into SPSS and Stata headers; a fixed date keeps releases byte-identical.
FILE_STAMP = dt.datetime(2000, 1, 1, 0, 0, 0)


STATA_LABEL_BYTES = 80


SPSS_FILE_LABEL_BYTES = 64


FINAL_WEIGHT = "weight_final"


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


@in_wave
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
    responses = responses.reset_index(drop=True)
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
    fixed = design_keys(project, wave, data)
    # keys a released unit implies (region in a PSU, or in a weight group pooled within region) go last
    unit = design.psu if design.psu in data else FINAL_WEIGHT if FINAL_WEIGHT in data else None
    order = suppression_order(data, keys, cluster=unit)
    sdc = anonymise(data, order, k, sensitive, l_min)
    released = protect(data, sdc, order, fixed, k, sensitive, l_min)
    full = [*keys, *fixed]

    rows = []
    stages = (("before", responses, responses, qis), ("recoded", data, data, full), ("after", data, released, full))
    for stage, true, frame, stage_keys in stages:
        counts = key_counts(frame, stage_keys)[0]
        sets = anonymity_sets(true, frame, stage_keys, sensitive)
        rows += [
            (wave, stage, "records", "", len(frame)),
            (wave, stage, "records_below_k", "", int((counts < k).sum())),
            (wave, stage, "min_k", "", int(counts.min())),
            (wave, stage, "expected_reidentifications", "", round(expected_reidentifications(counts), 6)),
            (wave, stage, "attacker_min_k", "", int(sets["k"].min())),
            (wave, stage, "attacker_records_below_k", "", int((sets["k"] < k).sum())),
        ]
        for item in sensitive:
            distinct = sets[item]
            rows += [
                (wave, stage, "records_not_l_diverse", item, int(not_l_diverse(frame, stage_keys, item, l_min).sum())),
                (
                    wave,
                    stage,
                    "attacker_records_not_l_diverse",
                    item,
                    int(((distinct >= 1) & (distinct < l_min)).sum()),
                ),
                (
                    wave,
                    stage,
                    "attacker_min_l",
                    item,
                    int(distinct[distinct >= 1].min()) if (distinct >= 1).any() else 0,
                ),
            ]
    for name in [*keys, *sensitive]:
        suppressed = int((data[name].notna() & released[name].isna()).sum())
        rows.append((wave, "after", "values_suppressed", name, suppressed))
    report = pd.DataFrame(rows, columns=["wave", "stage", "measure", "variable", "value"])
    released = shuffled(released, wave, int(settings["seed"]))
    described = {name: meta.column(name, wave) for name in released.columns}
    return ReleasedWave(wave, released, described, report)


def design_keys(project: Project, wave: str, data: pd.DataFrame) -> list[str]:
    """Mask the design columns of ``data`` in place; return them: keys of the attacker, never blanked.

    Strata and PSUs become masked variance units (pseudo-strata grouping
    real strata of a region, pseudo-PSUs grouping real PSUs), whichever of
    the two the wave's design has; the design weight is pooled within
    pseudo-PSUs and the final weight within pseudo-PSUs and weighting cells
    (see :mod:`perception.disclosure.variance_units`). A design without PSUs
    (weights only, or stratified) has no unit to pool in: both weights are
    microaggregated in groups of at least k (and :data:`RECORDS_PER_WEIGHT`)
    records of similar weight instead. The source is a
    key too: an attacker may know who interviewed the person.
    """
    settings, design = project.config["disclosure"], project.waves[wave].design
    regions = [v.name for v in project.codebook if v.type == "region" and v.name in data]
    fixed = [c for c in ("source_id",) if c in data]
    strata = design.strata if design.strata in data else None
    psu = design.psu if design.psu in data else None
    rake = project.waves[wave].weighting.rake_to
    cells = sorted(margin_columns(load_margins(list(rake)))) if rake else []
    if strata or psu:
        region = regions[0] if regions else None
        scores = linearised(project, data, region) if psu else None
        pseudo_strata, pseudo_psus = masked_units(
            data,
            strata,
            psu,
            region,
            int(settings["seed"]),
            scores=scores,
            weight=FINAL_WEIGHT if scores is not None else None,
            cells=cells,
        )
        for name, values in ((strata, pseudo_strata), (psu, pseudo_psus)):
            if name:
                data[name] = values
                fixed.append(name)
    unit = [c for c in (strata, psu) if c]
    weights = [w for w in (design.weight, FINAL_WEIGHT) if w in data and w not in fixed]
    if psu is None and weights:
        size = max(int(settings["k"]), RECORDS_PER_WEIGHT)
        pooled = microaggregated_weights(data, weights, [*unit, *cells], size)
        for weight in weights:
            data[weight] = pooled[weight]
        return [*fixed, *weights]
    for weight, within in ((design.weight, unit), (FINAL_WEIGHT, [*unit, *cells])):
        if weight in weights:
            data[weight] = pooled_weights(data, weight, within)
            fixed.append(weight)
    return fixed


def linearised(project: Project, data: pd.DataFrame, region: str | None) -> pd.DataFrame | None:
    """Per record, ``w (y - ȳ) / W`` of every indicator nationally and by region: the scores to preserve."""
    if FINAL_WEIGHT not in data:
        return None
    weights = pd.to_numeric(data[FINAL_WEIGHT], errors="coerce").fillna(0.0)
    scores = {}
    for indicator in project.indicators:
        values = pd.to_numeric(indicator_values(data, indicator, project.codebook), errors="coerce")
        domains = {"national": pd.Series("all", index=data.index)}
        if region:
            domains["region"] = data[region].astype("string")
        for name, domain in domains.items():
            known = values.notna() & domain.notna()
            w = weights.where(known, 0.0)
            total = w.groupby(domain).transform("sum")
            mean = (w * values.fillna(0)).groupby(domain).transform("sum") / total
            score = (w * (values - mean) / total).where(known, 0.0)
            for level in domain.dropna().unique():
                scores[f"{indicator.id}:{name}:{level}"] = score.where(domain == level, 0.0)
    return pd.DataFrame(scores, index=data.index).fillna(0.0)


def shuffled(data: pd.DataFrame, wave: str, seed: int) -> pd.DataFrame:
    """Rows in a seeded random order, renumbered: the partners' order (PSU by PSU) would give the PSUs away."""
    out = data.iloc[np.random.default_rng(seed).permutation(len(data))].reset_index(drop=True)
    if "response_id" in out:
        out["response_id"] = [f"{wave}-{i:05d}" for i in range(1, len(out) + 1)]
    return out


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

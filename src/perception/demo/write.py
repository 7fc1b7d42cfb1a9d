"""Writing the demo exports byte for byte the same for a given seed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyreadstat

from perception.demo.mess import A_BASELINE_FILE, A_FOLLOWUP_FILE, B_FILE, add_mess, scaled_mess
from perception.demo.partner_a import A_BASELINE, A_FOLLOWUP, partner_a_frame
from perception.demo.partner_b import partner_b_frame
from perception.demo.partner_c import C_REGIONS, C_SIZE, partner_c_frame
from perception.demo.population import (
    BASELINE,
    DEFAULT_SEED,
    FOLLOWUP,
    PARTNER_C,
    REGIONS,
    region_item_effects,
    truth_table,
)
from perception.demo.sample import simulate

C_FILE = f"{PARTNER_C}/partner_c_survey.csv"
SAV_EXPORTED = dt.datetime(2024, 5, 20, 10, 0, 0)
DTA_EXPORTED = dt.datetime(2025, 5, 19, 10, 0, 0)
SAV_DATE_OFFSET = 92  # header: "$FL2", product (60), 5 int32, bias (double), date "dd Mon yy", time "hh:mm:ss"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def fix_sav_timestamp(path: Path, when: dt.datetime) -> None:
    """Overwrite the creation date and time ReadStat takes from the clock."""
    stamp = f"{when.day:02d} {MONTHS[when.month - 1]} {when.year % 100:02d}{when:%H:%M:%S}".encode("ascii")
    data = bytearray(path.read_bytes())
    if data[:4] != b"$FL2":
        raise ValueError(f"{path}: not an SPSS system file")
    data[SAV_DATE_OFFSET : SAV_DATE_OFFSET + len(stamp)] = stamp
    path.write_bytes(bytes(data))


def fix_dta_timestamp(path: Path, when: dt.datetime) -> None:
    """Overwrite the <timestamp> of a Stata 117+ header (one length byte, then text)."""
    stamp = f"{when.day:02d} {MONTHS[when.month - 1]} {when.year} {when:%H:%M}".encode("ascii")
    data = bytearray(path.read_bytes())
    tag = data.find(b"<timestamp>", 0, 512)
    if tag < 0 or data[tag + 11] != len(stamp):
        raise ValueError(f"{path}: unexpected Stata header")
    data[tag + 12 : tag + 12 + len(stamp)] = stamp
    path.write_bytes(bytes(data))


def write_sav(path: Path, frame, variable_labels, value_labels, missing) -> None:
    pyreadstat.write_sav(
        frame,
        path,
        file_label="Partenaire A - enquête de référence 2024",
        column_labels=variable_labels,
        variable_value_labels=value_labels,
        missing_ranges=missing,
    )
    fix_sav_timestamp(path, SAV_EXPORTED)


def write_dta(path: Path, frame, variable_labels, value_labels) -> None:
    pyreadstat.write_dta(
        frame,
        path,
        file_label="Partenaire A - enquête de suivi 2025",
        column_labels=variable_labels,
        variable_value_labels=value_labels,
    )
    fix_dta_timestamp(path, DTA_EXPORTED)


A_BASELINE_REGIONS = ("ML-1", "ML-2", "ML-3", "ML-BKO")
B_REGIONS = ("ML-4", "ML-5", "ML-6", "ML-7", "ML-8")
FOLLOWUP_REGIONS = tuple(r.code for r in REGIONS)
# Respondents aimed at per export at scale 1 (each stratum still gets at least two enumeration areas).
TARGETS = {A_BASELINE_FILE: 1800, B_FILE: 1200, A_FOLLOWUP_FILE: 3000}


def write_demo(root: Path, seed: int = DEFAULT_SEED, scale: float = 1.0) -> list[Path]:
    """Write the four partner exports and demo_truth.csv under root/data/raw.

    ``scale`` shrinks the samples (0.2: about 1,200 respondents instead of 6,000)
    with the same population, truth and kinds of mess; the tests' ``.test``
    project uses it so that one workflow run takes seconds, not minutes.
    """
    if not 0 < scale <= 1:
        raise ValueError(f"demo scale must be in (0, 1]; got {scale}")
    raw = Path(root) / "data/raw"
    mess = scaled_mess(scale)
    rng = np.random.default_rng(seed)
    effects = region_item_effects(rng)
    paths = [raw / A_BASELINE_FILE, raw / B_FILE, raw / A_FOLLOWUP_FILE, raw / "demo_truth.csv", raw / C_FILE]
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)

    def target(file: str) -> int:
        return round(TARGETS[file] * scale)

    sample = simulate(rng, BASELINE, A_BASELINE_REGIONS, target(A_BASELINE_FILE), effects)
    frame, variable_labels, value_labels, missing = partner_a_frame(rng, sample, A_BASELINE)
    write_sav(paths[0], add_mess(frame, A_BASELINE_FILE, mess), variable_labels, value_labels, missing)

    sample = simulate(rng, BASELINE, B_REGIONS, target(B_FILE), effects)
    kobo = add_mess(partner_b_frame(rng, sample), B_FILE, mess)
    kobo.to_csv(paths[1], index=False, encoding="utf-8", lineterminator="\n")

    sample = simulate(rng, FOLLOWUP, FOLLOWUP_REGIONS, target(A_FOLLOWUP_FILE), effects)
    frame, variable_labels, value_labels, _ = partner_a_frame(rng, sample, A_FOLLOWUP)
    write_dta(paths[2], add_mess(frame, A_FOLLOWUP_FILE, mess), variable_labels, value_labels)

    # drawn last, so that the other files stay as they were before partner C existed
    sample = simulate(rng, PARTNER_C, C_REGIONS, round(C_SIZE * scale), effects)
    partner_c_frame(sample).to_csv(paths[4], index=False, encoding="utf-8", lineterminator="\n")

    truth_table(effects).to_csv(paths[3], index=False, float_format="%.6f", lineterminator="\n")
    return paths

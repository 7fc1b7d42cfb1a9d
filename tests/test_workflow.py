"""Integration: the whole workflow on the small ``.test`` project.

The workflow runs once per test session (``workflow_run`` in conftest.py) on
the small project; the tests then read what it wrote. A second tree of the
same project runs the whole workflow again to check that every output is
byte-identical; the full demo's two-run check is ``make identity``
(test_identity.py).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import build_small_project, hashes, snakemake

from perception.catalog.paths import DRAWN_SUBDIR
from perception.ingest.readers import read_file

pytestmark = pytest.mark.slow


def test_every_row_is_released_or_quarantined(workflow_run, run_project):
    project = run_project
    for wave in project.wave_ids:
        quality = pd.read_csv(workflow_run / f"data/processed/{wave}/quality_summary.csv")
        responses = pd.read_csv(workflow_run / f"data/processed/{wave}/responses.csv")
        quarantine = pd.read_csv(workflow_run / f"data/processed/{wave}/quarantine.csv")
        for mapping in project.sources(wave):
            received = len(read_file(mapping.file, mapping.read_options).data)
            row = quality[quality["source_id"] == mapping.source_id].iloc[0]
            assert row["rows_received"] == received
            released = int((responses["source_id"] == mapping.source_id).sum())
            quarantined = int((quarantine["source_id"] == mapping.source_id).sum())
            assert released + quarantined == received
            assert (row["rows_released"], row["rows_quarantined"]) == (released, quarantined)
        assert quarantine["reasons"].str.len().gt(0).all()


def test_deliberate_mess_is_quarantined_with_reasons(workflow_run):
    quarantine = pd.read_csv(workflow_run / "data/processed/2024-baseline/quarantine.csv")
    reasons = " | ".join(quarantine["reasons"])
    assert "unknown region" in reasons
    assert "is duplicated" in reasons
    assert "weight_design is missing" in reasons
    assert "code not listed in the mapping" in reasons
    released = pd.read_csv(workflow_run / "data/processed/2024-baseline/responses.csv")
    assert "ML-4" in set(released["region_code"])  # Ségou in all its spellings


PHONE = re.compile(r"\+223[ -]?\d{2}[ -]?\d{2}[ -]?\d{2}[ -]?\d{2}")
# Raw columns holding personal data in the demo exports (names, phones, GPS, device and submission ids).
PERSONAL_COLUMN = re.compile(r"nom|name|tel|phone|enqueteur|gps|_uuid|deviceid|menaces_autre", re.IGNORECASE)


def personal_values(raw: Path) -> set[str]:
    """Every personal value of the raw exports, as text (long enough to be identifying)."""
    values: set[str] = set()
    for path in raw.rglob("*"):
        if path.suffix not in {".sav", ".dta", ".csv"} or path.name == "demo_truth.csv":
            continue
        data = read_file(path).data
        for column in (c for c in data.columns if PERSONAL_COLUMN.search(c)):
            values |= {str(v).strip() for v in data[column].dropna() if len(str(v).strip()) >= 6}
    return values


def test_no_personal_data_reaches_processed(workflow_run):
    personal = personal_values(workflow_run / "data/raw")
    assert len(personal) > 1000  # names, phone numbers and coordinates of thousands of respondents
    for path in (workflow_run / "data/processed").rglob("*"):
        if path.suffix not in {".csv", ".json", ".md", ".txt"}:
            continue
        text = path.read_text(encoding="utf-8")
        assert not PHONE.search(text), f"{path}: phone number"
        cells = set(re.split(r"[,\n\"]", text))
        leaked = cells & personal
        assert not leaked, f"{path}: {sorted(leaked)[:3]}"
    responses = pd.read_csv(workflow_run / "data/processed/2024-baseline/responses.csv", nrows=0)
    assert "respondent_id" not in responses.columns


def test_indicator_table_is_complete(workflow_run, run_project):
    project = run_project
    table = pd.read_csv(workflow_run / "data/processed/indicators.csv", keep_default_na=False)
    assert list(table.columns[:5]) == ["wave", "indicator", "domain", "region_code", "gender_code"]
    for wave in project.wave_ids:
        part = table[table["wave"] == wave]
        assert set(part["indicator"]) == {i.id for i in project.indicators}
        assert set(part["domain"]) == {"national", "region", "gender", "region_gender"}
    national = table[table["domain"] == "national"]
    assert not national["is_suppressed"].any()
    # partner C's short questionnaire: what it omits is not asked, never suppressed or estimated
    short = {"trust_national_guard", "knows_complaint_mechanism", "trust_security_forces_index"}
    short &= {i.id for i in project.indicators}  # the small registry has two of them
    omitted = national["wave"].eq("2025-partner-c") & national["indicator"].isin(short)
    assert short and set(national.loc[omitted, "status"]) == {"not_asked"} and omitted.sum() == len(short)
    assert set(national.loc[~omitted, "status"]) == {"estimated"}
    kidal = table[table["wave"].eq("2025-partner-c") & table["region_code"].eq("ML-8")]
    assert len(kidal) and set(kidal["status"]) == {"not_surveyed"}
    national = national[~omitted]
    proportions = national["indicator"].isin([i.id for i in project.indicators if i.is_proportion])
    assert pd.to_numeric(national.loc[proportions, "estimate"]).between(0, 1).all()
    assert pd.to_numeric(national.loc[~proportions, "estimate"]).between(0, 100).all()


def test_demo_truth_is_mostly_inside_published_confidence_intervals(workflow_run):
    table = pd.read_csv(workflow_run / "data/processed/indicators.csv")
    truth = pd.read_csv(workflow_run / "data/raw/demo_truth.csv")
    keys = ["wave", "indicator", "region_code", "gender_code"]
    merged = table.merge(truth, on=keys, how="inner")
    merged = merged[merged["status"] == "estimated"]
    assert len(merged) > 100
    covered = ((merged["ci_low"] <= merged["true_value"]) & (merged["true_value"] <= merged["ci_high"])).mean()
    assert covered > 0.85, f"only {covered:.0%} of 95 % intervals contain the true value"


def test_book_has_both_editions_with_their_language(workflow_run):
    html = workflow_run / "book/_build/html"
    assert (html / "index.html").is_file()
    for lang in ("fr", "en"):
        page = (html / lang / "index.html").read_text(encoding="utf-8")
        assert f'lang="{lang}"' in page


def test_rerun_with_nothing_changed_does_nothing(workflow_run):
    result = snakemake(workflow_run, "--dry-run", "--quiet", "rules")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ingest" not in result.stdout and "estimate" not in result.stdout


def test_two_runs_give_byte_identical_outputs(workflow_run, tmp_path):
    """A second run of the small project in another folder gives the same bytes, book included.

    It starts with the first run's kept drawings (``figures/.drawn``), as a
    researcher's rerun does: unchanged charts are reused when their
    fingerprints, computed afresh in other processes, match; drawing itself
    is checked to be reproducible across processes by ``test_drawings.py``
    and, from scratch, by ``make identity``.
    """
    first = workflow_run
    second = build_small_project(tmp_path / "second")
    shutil.copytree(first / "data/processed/figures" / DRAWN_SUBDIR, second / "data/processed/figures" / DRAWN_SUBDIR)
    result = snakemake(second)
    assert result.returncode == 0, result.stderr[-4000:]
    reused = [log.read_text(encoding="utf-8") for log in sorted((second / "logs").glob("charts_*.log"))]
    assert reused and all(" 0 drawn, " in text for text in reused), reused
    for folder in ("data/processed", "book/_build/html"):
        first_hashes, second_hashes = hashes(first / folder), hashes(second / folder)
        assert len(second_hashes) > 10, folder
        assert sorted(first_hashes) == sorted(second_hashes), folder
        for name, digest in second_hashes.items():
            assert first_hashes[name] == digest, f"{folder}/{name}"


def test_answer_spread_adds_up_and_agrees_with_the_indicator(workflow_run, run_project):
    answers = pd.read_csv(
        workflow_run / "data/processed/answers.csv", keep_default_na=False, dtype={"answer_code": str}
    )
    indicators = pd.read_csv(workflow_run / "data/processed/indicators.csv", keep_default_na=False)
    asked = answers[answers["n_base"] > 0]
    totals = asked.assign(share=asked["share"].astype(float)).groupby(["wave", "variable"])["share"].sum()
    assert totals.to_numpy() == pytest.approx(1.0)
    assert (answers.loc[answers["n_base"] == 0, "share"] == "").all()  # not asked: no number, not a zero
    # trust in the police is "assez" or "beaucoup" among substantive answers (don't know and refused excluded)
    for wave in run_project.wave_ids:
        police = asked[(asked["wave"] == wave) & (asked["variable"] == "trust_police")].set_index("answer_code")
        share = police["share"].astype(float)
        substantive = police["special_code"] == ""
        expected = share[["2", "3"]].sum() / share[substantive].sum()
        national = indicators[
            (indicators["wave"] == wave)
            & (indicators["indicator"] == "trust_police")
            & (indicators["domain"] == "national")
        ]
        assert float(national["estimate"].iloc[0]) == pytest.approx(expected, rel=1e-9), wave
    dictionary = (workflow_run / "book/_build/html/fr/dictionary.html").read_text(encoding="utf-8")
    assert 'id="tbl-answers-trust-police"' in dictionary and "Ne sait pas" in dictionary

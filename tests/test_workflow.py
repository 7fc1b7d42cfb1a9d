"""Integration: the whole workflow on a copy of the demo data.

The workflow runs once per test session in a temporary copy of the
repository (config, workflow, book templates, demo exports); the tests then
read what it wrote. A second copy re-runs the data stages to check that
outputs are byte-identical.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import copy_repo, snakemake

from perception.ingest import read_file

pytestmark = pytest.mark.slow


def hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_every_row_is_released_or_quarantined(workflow_run, project):
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


PERSONAL = [
    re.compile(r"\+?223[ -]?\d{2}[ -]?\d{2}[ -]?\d{2}[ -]?\d{2}"),  # Malian phone numbers
    re.compile(r"\b1[0-9]\.\d{4,},\s*-?\d{1,2}\.\d{4,}"),  # GPS pairs
]


def test_no_personal_data_reaches_processed(workflow_run):
    raw_columns = set()
    for path in (workflow_run / "data/raw").rglob("*"):
        if path.suffix in {".sav", ".dta", ".csv"} and path.name != "demo_truth.csv":
            raw_columns |= set(read_file(path).data.columns)
    for path in (workflow_run / "data/processed").rglob("*.csv"):
        text = path.read_text(encoding="utf-8")
        for pattern in PERSONAL:
            assert not pattern.search(text), f"{path}: {pattern.pattern}"
        header = set(pd.read_csv(path, nrows=0).columns)
        assert not header & {"NOM_REP", "TEL", "ENQUETEUR", "identification/telephone", "_uuid"}
    responses = pd.read_csv(workflow_run / "data/processed/2024-baseline/responses.csv", nrows=0)
    assert "respondent_id" not in responses.columns


def test_indicator_table_is_complete(workflow_run, project):
    table = pd.read_csv(workflow_run / "data/processed/indicators.csv", keep_default_na=False)
    assert list(table.columns[:5]) == ["wave", "indicator", "domain", "region_code", "gender_code"]
    for wave in project.wave_ids:
        part = table[table["wave"] == wave]
        assert set(part["indicator"]) == {i.id for i in project.indicators}
        assert set(part["domain"]) == {"national", "region", "gender", "region_gender"}
    national = table[table["domain"] == "national"]
    assert not national["is_suppressed"].any()
    values = pd.to_numeric(national["estimate"])
    assert values.between(0, 1).all()


def test_demo_truth_is_mostly_inside_published_confidence_intervals(workflow_run):
    table = pd.read_csv(workflow_run / "data/processed/indicators.csv")
    truth = pd.read_csv(workflow_run / "data/raw/demo_truth.csv")
    keys = ["wave", "indicator", "region_code", "gender_code"]
    merged = table.merge(truth, on=keys, how="inner")
    merged = merged[~merged["is_suppressed"]]
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
    second = copy_repo(tmp_path / "second")
    result = snakemake(
        second, "data/processed/indicators.csv", "data/processed/figures/fr/2024-baseline/trust_police.png"
    )
    assert result.returncode == 0, result.stderr[-4000:]
    first_hashes = hashes(workflow_run / "data/processed")
    second_hashes = hashes(second / "data/processed")
    assert second_hashes
    for name, digest in second_hashes.items():
        assert first_hashes[name] == digest, name

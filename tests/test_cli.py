"""The `perception` command: exit codes and one-line messages, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PERCEPTION = Path(sys.executable).parent / "perception"


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([str(PERCEPTION), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def assert_no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stdout + result.stderr


def test_readable_file_without_mapping_reports_shape():
    result = run("check", "data/raw/2024-baseline/partner_a_baseline.sav")
    assert result.returncode == 0, result.stderr
    assert "readable" in result.stdout and "labelled variables" in result.stdout


def test_file_with_problems_lists_them_with_columns_and_rows():
    result = run(
        "check", "data/raw/2024-baseline/partner_b_kobo.csv", "--source", "config/sources/partner_b_2024-baseline.yaml"
    )
    assert result.returncode == 1, result.stderr
    assert "identification/region" in result.stdout
    assert "row(s)" in result.stdout
    assert_no_traceback(result)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.sav", b""),
        ("random.sav", bytes(range(256)) * 4),
        ("random.dta", b"\x00\x01garbage" * 50),
        ("mislabelled.xlsx", b"name,age\nA,3\n"),
        ("truncated.csv", None),
    ],
)
def test_unreadable_files_give_one_line_and_exit_2(tmp_path, name, content):
    path = tmp_path / name
    if content is None:
        path = tmp_path / "missing.csv"
    else:
        path.write_bytes(content)
    result = run("check", str(path))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert str(path) in result.stderr
    assert_no_traceback(result)


def test_missing_mapped_column_names_file_and_column(tmp_path):
    csv = tmp_path / "partial.csv"
    csv.write_text("identification/id_repondant,identification/region\nB1,Gao\n", encoding="utf-8")
    mapping = (REPO / "config/sources/partner_b_2024-baseline.yaml").read_text(encoding="utf-8")
    mapping_path = tmp_path / "m.yaml"
    mapping_path.write_text(mapping.replace("data/raw/2024-baseline/partner_b_kobo.csv", str(csv)), encoding="utf-8")
    result = run("check", str(csv), "--source", str(mapping_path))
    assert result.returncode == 1
    assert "identification/milieu" in result.stderr and str(csv) in result.stderr
    assert_no_traceback(result)


def test_usage_error_exits_2():
    result = run("check")
    assert result.returncode == 2
    assert_no_traceback(result)

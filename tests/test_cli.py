"""The `perception` command: exit codes and one-line messages, never a traceback."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pyreadstat
import pytest

REPO = Path(__file__).resolve().parents[1]
PERCEPTION = Path(sys.executable).parent / "perception"


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """``perception *args`` in ``cwd``, in this process (a second each less than a new interpreter).

    The installed command itself is run by :func:`run_installed`.
    """
    from perception.cli import main

    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                status = main(list(args))
            except SystemExit as stop:  # argparse's usage errors
                status = stop.code if isinstance(stop.code, int) else 1
    finally:
        os.chdir(previous)
    return subprocess.CompletedProcess(["perception", *args], status, out.getvalue(), err.getvalue())


def run_installed(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """The ``perception`` command the package installs, in a process of its own."""
    return subprocess.run([str(PERCEPTION), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def assert_no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stdout + result.stderr


def test_readable_file_without_mapping_reports_shape():
    result = run_installed("check", "data/raw/2024-baseline/partner_a_baseline.sav", "--lang", "en")
    assert result.returncode == 0, result.stderr
    assert "readable" in result.stdout and "labelled variables" in result.stdout


def test_report_is_french_by_default():
    result = run("check", "data/raw/2024-baseline/partner_a_baseline.sav")
    assert result.returncode == 0, result.stderr
    assert "lisible" in result.stdout and "variables étiquetées" in result.stdout


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            [
                "5 of 1194 rows have problems",
                "  - Unknown region — column identification/region (region_code): 2 row(s): 57, 611",
                "e.g. identification/region = Kouttiala: unknown region (closest: Koutiala, a region of layout "
                "regions_2023, not of regions_2012)",
                "  - Required value missing — column poids (weight_design): 2 row(s): 302, 1105",
                "Points to review (rows kept, listed in flags.csv):",
                "  - Same answer to every item: 24 row(s): 42, 46, 149, 239, 253 and 19 more",
            ],
        ),
        (
            "fr",
            [
                "5 lignes sur 1194 ont des problèmes",
                "  - Région inconnue — colonne identification/region (region_code) : 2 ligne(s) : 57, 611",
                "  - Valeur obligatoire manquante — colonne poids (weight_design) : 2 ligne(s) : 302, 1105",
                "Points à vérifier (lignes conservées, listées dans flags.csv) :",
            ],
        ),
    ],
)
def test_file_with_problems_lists_them_with_columns_rows_and_counts(lang, expected):
    result = run(
        "check",
        "data/raw/2024-baseline/partner_b_kobo.csv",
        "--source",
        "config/sources/partner_b_2024-baseline.yaml",
        "--lang",
        lang,
    )
    assert result.returncode == 1, result.stderr
    for line in expected:
        assert line in result.stdout
    assert_no_traceback(result)


def test_points_to_review_alone_do_not_fail_the_check(tmp_path):
    """Flag-only findings (straight-lining) are listed, but the file is valid: exit 0."""
    data = tmp_path / "a.sav"
    frame, meta = pyreadstat.read_sav(str(REPO / "data/raw/2024-baseline/partner_a_baseline.sav"), user_missing=True)
    frame = frame.drop(index=[232, 418, 1289])  # the three rows with deliberate errors
    pyreadstat.write_sav(frame, str(data), variable_value_labels=meta.variable_value_labels)
    mapping = (REPO / "config/sources/partner_a_2024-baseline.yaml").read_text(encoding="utf-8")
    mapping_path = tmp_path / "m.yaml"
    mapping_path.write_text(mapping.replace("data/raw/2024-baseline/partner_a_baseline.sav", str(data)))
    result = run("check", str(data), "--source", str(mapping_path), "--lang", "en")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Same answer to every item" in result.stdout
    assert "valid: all 1807 rows pass" in result.stdout


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.sav", b""),
        ("random.sav", bytes(range(256)) * 4),
        ("random.dta", b"\x00\x01garbage" * 50),
        ("mislabelled.xlsx", b"name,age\nA,3\n"),
        ("mislabelled.dta", (REPO / "data/raw/2024-baseline/partner_a_baseline.sav").read_bytes()),
        ("random.csv", bytes(range(256)) * 16),
        ("truncated.sav", (REPO / "data/raw/2024-baseline/partner_a_baseline.sav").read_bytes()[:20000]),
        ("truncated.dta", (REPO / "data/raw/2025-followup/partner_a_followup.dta").read_bytes()[:20000]),
        ("truncated.csv", (REPO / "data/raw/2024-baseline/partner_b_kobo.csv").read_bytes()[:30000]),
        ("missing.csv", None),
    ],
)
def test_unreadable_files_give_one_line_and_exit_2(tmp_path, name, content):
    path = tmp_path / name
    if content is not None:
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
    assert result.returncode == 2  # the mapping does not fit the file: no row was checked
    assert "identification/milieu" in result.stderr and str(csv) in result.stderr
    assert_no_traceback(result)


def test_a_column_in_another_case_is_suggested(tmp_path):
    """Afrobarometer files spell items Q49A … Q49G: a mapping's Q49g must suggest Q49G, not Q49A."""
    csv = tmp_path / "round.csv"
    items = [f"Q49{letter}" for letter in "ABCDEFG"]
    csv.write_text("RESPNO,REGION,withinwt," + ",".join(items) + "\nR1,Gao,1.0" + ",1" * 7 + "\n", encoding="utf-8")
    mapping_path = tmp_path / "m.yaml"
    mapping_path.write_text(
        f"""source_id: round
wave: round
file: {csv}
variables:
  respondent_id: {{column: RESPNO}}
  region_code: {{column: REGION}}
  weight_design: {{column: withinwt}}
  trust_police: {{column: Q49g, codes: {{1: 1}}}}
  trust_army: {{column: q49_b, codes: {{1: 1}}}}
""",
        encoding="utf-8",
    )
    result = run("check", str(csv), "--source", str(mapping_path), "--lang", "en")
    assert result.returncode == 2
    assert "Q49g (did you mean Q49G?)" in result.stderr
    assert "q49_b (did you mean Q49B?)" in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert_no_traceback(result)


def test_usage_error_exits_2():
    result = run_installed("check")
    assert result.returncode == 2
    assert_no_traceback(result)


def test_unknown_language_is_a_usage_error():
    result = run("check", "data/raw/2024-baseline/partner_b_kobo.csv", "--lang", "de")
    assert result.returncode == 2
    assert_no_traceback(result)

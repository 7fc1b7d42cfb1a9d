"""Readers reach only protected data: every respondent-level file of the book and the release.

The whole workflow runs once (the session's ``workflow_run``); every table a
reader can open — under ``book/_build/`` (the site, copied offline), the
book's sources and the release bundle — is read, and every one that holds
respondent-level rows must be disclosure-controlled: the release's own file,
k-anonymous on the quasi-identifiers, without exact age and without the
partners' stratum or enumeration-area codes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from perception.config.project import Project
from perception.disclosure.risk import key_counts
from perception.files import sha256

pytestmark = pytest.mark.slow
READABLE = {".csv", ".sav", ".dta", ".tsv", ".txt", ".xlsx", ".parquet", ".json"}
DOMAINS = {"region_code", "gender_code"}


def read_any(path: Path) -> pd.DataFrame | None:
    """The rows of a tabular file, or None for a file that is not a table."""
    if path.suffix in (".sav", ".dta"):  # blank text is "" in SPSS and Stata files
        read = pyreadstat.read_sav if path.suffix == ".sav" else pyreadstat.read_dta
        return read(path)[0].replace("", None)
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix in (".csv", ".tsv", ".txt"):
        try:
            return pd.read_csv(path, sep=None, engine="python", keep_default_na=False, na_values=[""])
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError):
            return None
    return None


def respondent_level(frame: pd.DataFrame, project: Project) -> bool:
    """A table with a row per respondent: an id, or answers to codebook questions as columns."""
    answers = set(project.codebook.variables) - DOMAINS
    return "response_id" in frame.columns or bool(set(frame.columns) & answers)


def reachable_files(root: Path) -> list[Path]:
    folders = [root / "book/_build", root / "book/_src", root / "data/processed/release"]
    return sorted(p for folder in folders for p in folder.rglob("*") if p.is_file() and p.suffix in READABLE)


def raw_design_codes(root: Path, project: Project) -> set[str]:
    codes: set[str] = set()
    for wave in project.wave_ids:
        design = project.waves[wave].design
        internal = pd.read_csv(root / f"data/processed/{wave}/responses.csv", dtype=str)
        for name in (design.strata, design.psu):
            if name:
                codes |= set(internal[name].dropna())
    return codes


def test_every_respondent_level_file_a_reader_reaches_is_protected(workflow_run):
    project = Project.from_file("config/config.yaml", root=workflow_run)
    k = int(project.config["disclosure"]["k"])
    release = workflow_run / "data/processed/release"
    released = {sha256(p) for p in release.iterdir() if p.name.startswith("responses_")}
    internal = {sha256(workflow_run / f"data/processed/{wave}/responses.csv") for wave in project.wave_ids}
    dictionary = pd.read_csv(release / "data_dictionary.csv")
    keys = dictionary.loc[dictionary["quasi_identifier"], "variable"].tolist()
    codes = raw_design_codes(workflow_run, project)
    assert codes and keys
    checked: dict[str, int] = {"book/_build": 0, "book/_src": 0, "data/processed/release": 0}
    for path in reachable_files(workflow_run):
        name = path.relative_to(workflow_run).as_posix()
        assert sha256(path) not in internal, f"{name}: the internal responses.csv"
        frame = read_any(path)
        if frame is None or not respondent_level(frame, project):
            continue
        for folder in checked:
            checked[folder] += name.startswith(folder)
        assert sha256(path) in released, f"{name}: respondent-level, but not a file of the release bundle"
        assert "age" not in frame.columns and "respondent_id" not in frame.columns, name
        assert set(keys) <= set(frame.columns), f"{name}: lacks the disclosure key {keys}"
        counts = key_counts(frame, keys)[0]
        assert counts.min() >= k, f"{name}: a key shared by {counts.min()} record(s), fewer than k = {k}"
        text = frame.astype(str)
        leaked = sorted({v for column in text for v in text[column].unique()} & codes)
        assert not leaked, f"{name}: partner stratum or enumeration-area codes {leaked[:3]}"
    # the book offers every wave's microdata in each edition, and the release holds all five formats
    assert checked["book/_build"] >= len(project.wave_ids) * len(project.languages), checked
    assert checked["data/processed/release"] == 5 * len(project.wave_ids), checked

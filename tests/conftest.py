"""Shared fixtures: the project's configuration, ../shared, and one workflow run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from perception.config.project import Project

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SNAKEMAKE = Path(sys.executable).parent / "snakemake"
# Generated or machine-specific: never copied into a test checkout.
NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "__pycache__",
    ".snakemake",
    "logs",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "_build",
    "_src",
)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: runs the workflow or builds the book (seconds to minutes)")


@pytest.fixture(scope="session")
def project() -> Project:
    return Project.from_file("config/config.yaml", root=REPO)


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"reference material not available: {SHARED} is absent (only in a development checkout)")
    return SHARED


def copy_repo(target: Path) -> Path:
    """A working copy of the repository without anything the workflow generates."""
    shutil.copytree(REPO, target, ignore=NOT_COPIED, dirs_exist_ok=True)
    processed = target / "data/processed"
    if processed.exists():
        shutil.rmtree(processed)
    processed.mkdir(parents=True)
    return target


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SNAKEMAKE), "--cores", "2", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="session")
def workflow_run(tmp_path_factory) -> Path:
    """The whole workflow, run once per test session on a copy of the demo data."""
    workdir = copy_repo(tmp_path_factory.mktemp("run"))
    result = snakemake(workdir)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return workdir

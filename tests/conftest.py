"""Shared fixtures: the project's configuration, ../shared, and one workflow run of the small project.

Integration tests read ``workflow_run``: the workflow run once per test
session on the small ``.test/`` project (see ``.test/README.md``), also under
pytest-xdist, where the first worker to need it runs it under a file lock and
the others reuse it. The full demo's own two-run check is ``make identity``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

from perception.config.project import Project

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SMALL = REPO / ".test"
# The small project's demo data: a fifth of the bundled demo's sample, same seed and population.
SMALL_SCALE = 0.2
SNAKEMAKE = Path(sys.executable).parent / "snakemake"
# Generated or machine-specific: never copied into a test checkout.
GENERATED = (
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
NOT_COPIED = shutil.ignore_patterns(*GENERATED)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: runs the workflow or builds the book (seconds to minutes)")
    config.addinivalue_line(
        "markers", "identity: the full demo's two-run byte-identity check (minutes; `make identity`, not `make test`)"
    )


@pytest.fixture(scope="session")
def project() -> Project:
    return Project.from_file("config/config.yaml", root=REPO)


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"reference material not available: {SHARED} is absent (only in a development checkout)")
    return SHARED


def copy_repo(target: Path) -> Path:
    """A working copy of the repository (the bundled demo) without anything the workflow generates."""
    shutil.copytree(REPO, target, ignore=NOT_COPIED, dirs_exist_ok=True)
    processed = target / "data/processed"
    if processed.exists():
        shutil.rmtree(processed)
    processed.mkdir(parents=True)
    return target


def _not_copied_small(folder: str, names: list[str]) -> set[str]:
    """What the small project does not take from the repository: generated files, the full demo's exports."""
    ignored = set(NOT_COPIED(folder, names))
    here = Path(folder)
    if here == REPO / "data":
        ignored |= {"raw", "processed"} & set(names)
    if here == REPO:
        ignored |= {".test"} & set(names)
    return ignored


def build_small_project(target: Path, scale: float = SMALL_SCALE) -> Path:
    """The small ``.test`` project in ``target``: the repository, ``.test/`` laid over it, a scaled demo.

    The steps ``.test/README.md`` documents: the code, workflow, book templates
    and configuration are the repository's; ``.test/`` replaces the config
    files it holds; ``data/raw`` is ``perception demo --scale 0.2``.
    """
    from perception.demo import write_demo

    shutil.copytree(REPO, target, ignore=_not_copied_small, dirs_exist_ok=True)
    shutil.copytree(SMALL, target, ignore=shutil.ignore_patterns("README.md"), dirs_exist_ok=True)
    (target / "data/processed").mkdir(parents=True, exist_ok=True)
    write_demo(target, scale=scale)
    return target


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SNAKEMAKE), "--cores", "2", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=900,
    )


def hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by relative path: what byte-identity compares."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def session_root(tmp_path_factory) -> Path:
    """A folder every xdist worker of this session sees (the workers' common parent), or the session's own."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def run_small_workflow(workdir: Path) -> str:
    """Build the small project in ``workdir`` and run the whole workflow: "" if it worked, else the error."""
    build_small_project(workdir)
    result = snakemake(workdir)
    if result.returncode != 0:
        return f"workflow failed in {workdir}:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    return ""


@pytest.fixture(scope="session")
def workflow_run(tmp_path_factory) -> Path:
    """The whole workflow, run once per test session (once across xdist workers) on the small project."""
    root = session_root(tmp_path_factory)
    workdir = root / "small-run"
    status = root / "small-run.status"
    with FileLock(str(root / "small-run.lock")):
        if not status.exists():
            status.write_text(run_small_workflow(workdir), encoding="utf-8")
    failure = status.read_text(encoding="utf-8")
    if failure:
        pytest.fail(failure, pytrace=False)
    return workdir


@pytest.fixture(scope="session")
def run_project(workflow_run) -> Project:
    """The configuration the shared run used (the small project's)."""
    return Project.from_file("config/config.yaml", root=workflow_run)

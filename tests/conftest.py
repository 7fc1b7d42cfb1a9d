"""Shared fixtures: the project's configuration, ../shared, and one workflow run of the small project.

Integration tests read ``workflow_run``: the workflow run once per test
session on the small ``.test/`` project (see ``.test/README.md``), also under
pytest-xdist. The run starts in the background as the session's first test
starts, tests that need it are collected last, and the unit tests run while it
works; the first worker to start it holds a file lock so that the others only
wait for its result. The full demo's own two-run check is ``make identity``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
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
# Longest wait for the shared run (the subprocess's own snakemake timeout is 900 s).
SMALL_RUN_TIMEOUT = 1200
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


def needs_the_shared_run(item: pytest.Item) -> bool:
    return "workflow_run" in getattr(item, "fixturenames", ())


def builds_a_module_fixture(item: pytest.Item) -> bool:
    """``item`` uses a module-scoped fixture its worker builds (one on the shared run is only a copy of it)."""
    if needs_the_shared_run(item):
        return False
    definitions = item._fixtureinfo.name2fixturedefs
    return any(definitions.get(name) and definitions[name][-1].scope == "module" for name in item.fixturenames)


@pytest.hookimpl(tryfirst=True)  # before xdist's worker reads the xdist_group marks
def pytest_collection_modifyitems(session, config, items):
    """Tests on the shared run go last (stable order otherwise), so the unit tests run while it works.

    Under ``--dist loadgroup`` (``make test``) the tests that share a
    module-scoped fixture (a workflow run of their own, a built book) go to
    one worker, which builds it once: with plain ``load`` both workers may
    build it (the reform project's run was built twice, 48 s each).
    """
    items.sort(key=needs_the_shared_run)
    for item in items:
        if builds_a_module_fixture(item):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


def pytest_configure(config):
    if config.getoption("dist", "no") == "loadgroup" and pytest.version_tuple[:2] >= (9, 2):
        # xdist 3.8 names a group by editing the node id, which pytest 9.2 no longer reads: no test
        # would be grouped, and module fixtures would again be built on both workers
        raise pytest.UsageError(
            f"--dist loadgroup does not group tests under pytest {pytest.__version__} "
            "(pytest-dev/pytest-xdist#1386): install pytest below 9.2, as pyproject.toml asks"
        )
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


class SmallRun:
    """The shared run's files under the session root: its working copy, its result and who started it."""

    def __init__(self, root: Path):
        self.workdir = root / "small-run"
        self.status = root / "small-run.status"
        self.started = root / "small-run.started"
        self.lock = root / "small-run.lock"
        self.log = root / "small-run.log"

    def start(self) -> subprocess.Popen | None:
        """Start the run in a background process unless some worker already did (returns the one it started)."""
        with FileLock(str(self.lock)):
            if self.started.exists():
                return None
            with self.log.open("w", encoding="utf-8") as log:
                process = subprocess.Popen(
                    [sys.executable, __file__, str(self.workdir), str(self.status)],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=REPO,
                )
            self.started.write_text(str(process.pid), encoding="utf-8")
            return process

    def result(self) -> str:
        """Wait for the run: "" if it worked, else why not (also when its process died without a word)."""
        pid = int(self.started.read_text(encoding="utf-8"))
        deadline = time.monotonic() + SMALL_RUN_TIMEOUT
        while not self.status.exists():
            if not _alive(pid) and not self.status.exists():
                return f"the shared workflow run (pid {pid}) stopped without a result; its output: {self.log}"
            if time.monotonic() > deadline:
                return f"the shared workflow run (pid {pid}) took over {SMALL_RUN_TIMEOUT} s; its output: {self.log}"
            time.sleep(0.5)
        return self.status.read_text(encoding="utf-8")


def _alive(pid: int) -> bool:
    for process in _STARTED_HERE:  # started by this process: an exited child is a zombie until polled
        if process.pid == pid:
            return process.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_STARTED_HERE: list[subprocess.Popen] = []


@pytest.fixture(scope="session", autouse=True)
def _shared_run_in_background(request, tmp_path_factory):
    """As the session's first test starts, start the shared run if any collected test needs it."""
    if any(needs_the_shared_run(item) for item in request.session.items):
        process = SmallRun(session_root(tmp_path_factory)).start()
        if process is not None:
            _STARTED_HERE.append(process)


def pytest_unconfigure(config):
    """Never leave the background run behind: wait for it, since other workers may still need it."""
    for process in _STARTED_HERE:
        process.wait()


@pytest.fixture(scope="session")
def workflow_run(tmp_path_factory) -> Path:
    """The whole workflow, run once per test session (once across xdist workers) on the small project."""
    run = SmallRun(session_root(tmp_path_factory))
    started = run.start()
    if started is not None:
        _STARTED_HERE.append(started)
    failure = run.result()
    if failure:
        pytest.fail(failure, pytrace=False)
    return run.workdir


@pytest.fixture(scope="session")
def run_project(workflow_run) -> Project:
    """The configuration the shared run used (the small project's)."""
    return Project.from_file("config/config.yaml", root=workflow_run)


def pytest_keyboard_interrupt(excinfo):
    """Ctrl-C stops the background run too."""
    for process in _STARTED_HERE:
        process.terminate()


if __name__ == "__main__":  # the background run: python tests/conftest.py WORKDIR STATUS
    workdir, status = Path(sys.argv[1]), Path(sys.argv[2])
    try:
        outcome = run_small_workflow(workdir)
    except BaseException as error:  # any failure must reach the waiting tests as their reason
        outcome = f"the shared workflow run failed before it finished: {error!r}"
    partial = status.with_suffix(".partial")
    partial.write_text(outcome, encoding="utf-8")
    partial.replace(status)

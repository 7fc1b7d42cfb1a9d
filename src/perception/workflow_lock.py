"""Is the workflow's lock stale? (``python -m perception.workflow_lock``, used by ``make report``.)

Snakemake locks the working directory while it runs (``.snakemake/locks/``).
A run killed with ``kill -9`` (or a lost terminal) leaves the lock behind, and
the next run stops until ``snakemake --unlock``. The lock is stale when no
Snakemake process works in this directory: then it is safe to clear it. Exit
status 0 means stale (clear it), 1 means no lock or a live run (leave it).
Linux only (``/proc``); elsewhere the lock is never called stale.
"""

from __future__ import annotations

import sys
from pathlib import Path


def snakemake_running(root: Path) -> bool:
    """A live process whose command line runs Snakemake and whose working directory is ``root``."""
    root = root.resolve()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
            # the program itself (snakemake, python …/snakemake, python -m snakemake), not a
            # shell whose script merely mentions it (as make's recipe does)
            if not any(part.rsplit(b"/", 1)[-1] == b"snakemake" for part in command[:3]):
                continue
            if (proc / "cwd").resolve() == root:
                return True
        except OSError:  # the process ended, or is not ours to inspect
            continue
    return False


def stale_lock(root: Path) -> bool:
    locks = root / ".snakemake" / "locks"
    if not Path("/proc/self").exists() or not locks.is_dir() or not any(locks.iterdir()):
        return False
    return not snakemake_running(root)


if __name__ == "__main__":
    sys.exit(0 if stale_lock(Path(".")) else 1)

"""``make report``'s Snakemake: a stale lock cleared, and one line when interrupted.

``python -m perception.workflow_run [snakemake options]`` runs Snakemake in
the current directory.

Snakemake locks the working directory while it runs (``.snakemake/locks/``).
A run killed with ``kill -9`` (or a lost terminal) leaves the lock behind, and
the next run would stop until ``snakemake --unlock``. The lock is stale when
no Snakemake process works in this directory: then it is safe to clear it.
Linux only (``/proc``); elsewhere the lock is never called stale.

Ctrl-C in a terminal reaches every process of the foreground group: each
running job, then Snakemake, which prints a block of "Error in rule" per job
it lost. Snakemake runs here in its own session instead, so that only this
process hears the terminal; it passes the interrupt on, keeps Snakemake's
account of the shutdown out of the terminal (it stays in Snakemake's own log
under ``.snakemake/log/``), and says in one line what happened and what to
do. Files an interrupted job left are incomplete: the next run remakes them
(``--rerun-incomplete``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO


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


INTERRUPTED = "perception: interrupted; run make report again to finish"

CLEARED = "perception: cleared the lock of an interrupted run"

# Exit status of a program stopped by SIGINT, as shells report it.
INTERRUPTED_STATUS = 130


def run(arguments: Sequence[str], root: Path = Path("."), program: Sequence[str] | None = None) -> int:
    """Run Snakemake (or ``program``) with ``arguments`` in ``root``; its exit status, 130 when interrupted.

    A first Ctrl-C (or SIGTERM) is passed on to Snakemake and its jobs as
    SIGINT, so that Snakemake marks what it lost as incomplete; a second
    ends them with SIGTERM and a third with SIGKILL.
    """
    if stale_lock(root):
        unlock = subprocess.run([*_snakemake(program), "--unlock", "--quiet", "all"], cwd=root, capture_output=True)
        if unlock.returncode == 0:
            print(CLEARED, file=sys.stderr)
    interrupts: list[int] = []
    children: list[subprocess.Popen] = []

    def interrupted(signum, frame):
        interrupts.append(signum)
        escalation = (signal.SIGINT, signal.SIGTERM, signal.SIGKILL)
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, escalation[min(len(interrupts), len(escalation)) - 1])

    # Handled before Snakemake starts: it then starts with Ctrl-C at its default, even when
    # this process was started with it ignored (as a shell's background job is).
    previous = {s: signal.signal(s, interrupted) for s in (signal.SIGINT, signal.SIGTERM)}
    child = subprocess.Popen(
        [*_snakemake(program), *arguments], cwd=root, stderr=subprocess.PIPE, start_new_session=True
    )
    children.append(child)
    if interrupts:  # an interrupt that came while Snakemake was starting
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGINT)
    forward = threading.Thread(target=_forward, args=(child.stderr, interrupts), daemon=True)
    forward.start()
    try:
        status = child.wait()
        forward.join()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if interrupts:
        print(INTERRUPTED, file=sys.stderr)
        return INTERRUPTED_STATUS
    return status


def _snakemake(program: Sequence[str] | None) -> list[str]:
    """The Snakemake of this environment (beside this Python), unless ``program`` is given."""
    if program is not None:
        return list(program)
    return [str(Path(sys.executable).with_name("snakemake"))]


def _forward(stream: IO[bytes], interrupts: list[int]) -> None:
    """Copy ``stream`` to stderr line by line until an interrupt; then only drain it."""
    for line in iter(stream.readline, b""):
        if not interrupts:
            sys.stderr.buffer.write(line)
            sys.stderr.buffer.flush()
    stream.close()


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))

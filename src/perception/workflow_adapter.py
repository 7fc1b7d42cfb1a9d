"""Run a pipeline stage from a Snakemake ``script:`` with readable failures.

A stage that fails on bad input prints one line naming the file (and column
and rows when known) and exits non-zero, so Snakemake stops the run without
a Python traceback and without partial outputs (stages write atomically).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from perception.errors import PerceptionError
from perception.project import Project

log = logging.getLogger("perception")


def run_stage(smk: Any, stage: Callable[[Project], None]) -> None:
    """Call ``stage(project)`` with logging to the rule's log file."""
    log_path = Path(smk.log[0])
    log_path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    try:
        stage(Project(dict(smk.config), root="."))
    except PerceptionError as exc:
        log.error("%s", exc)
        print(f"perception: {exc}", file=sys.stderr)
        sys.exit(1)

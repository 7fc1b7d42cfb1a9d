"""One Snakemake job: a stage run with its rule's log, ending in one line when it fails.

Every ``workflow/scripts/<rule>.py`` is ``run_rule(snakemake, <stage>)``:
the rule's log file receives the stage's messages, long stages report
progress (:mod:`perception.progress`), and any failure — a problem the user
can fix, Ctrl-C, or a bug — ends the job with one line naming the place
(rule, wave or source, indicator) instead of a traceback.
"""

from __future__ import annotations

import logging
import signal
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from perception.config.project import Project
from perception.errors import PLACE_ATTRIBUTE, PerceptionError, place_text
from perception.progress import show_on_terminal

log = logging.getLogger("perception")


def run_rule(smk: Any, stage: Callable[[Project, Any], None]) -> None:
    """Run ``stage(project, smk)`` for a Snakemake ``script:``, logging to the rule's log file.

    Every failure ends the job with one line, in the log and on the
    terminal, naming where it happened: the rule and its wave or source
    (from the wildcards) and, when the stage marked it (:func:`perception.errors.at`),
    the indicator. A problem the user can fix is that line alone; any other
    exception (a bug, or a library failing on unexpected data) is the same
    line, and the log adds the traceback for a bug report.
    """
    log_path = Path(smk.log[0])
    log_path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    show_on_terminal()  # long stages say how far they are (perception.progress)
    wildcards = getattr(smk, "wildcards", None)
    fallback = {"rule": getattr(smk, "rule", None), **(dict(wildcards.items()) if wildcards is not None else {})}
    try:
        stage(Project(dict(smk.config), root="."), smk)
    except PerceptionError as exc:
        line = failure_line(exc, fallback)
        log.error("%s", line)
        print(f"perception: {line}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:  # Ctrl-C: outputs are written atomically, so nothing is half-written
        # Snakemake passes the signal on again: a second one during shutdown would print a traceback.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        log.error("interrupted")
        print("perception: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # not a known problem: still one line naming the place, never a bare traceback
        line = failure_line(exc, fallback)
        log.error("%s", line)
        log.info("details for a bug report:\n%s", "".join(traceback.format_exception(exc)).rstrip())
        print(f"perception: {line}; details in {log_path}", file=sys.stderr)
        sys.exit(1)
    finally:
        show_on_terminal(False)


def failure_line(exc: Exception, fallback: dict[str, Any] | None = None) -> str:
    """One line for a failed stage: ``rule estimate, wave 2025-followup, indicator trust_army: …``.

    The place leaves out what the message already names (a project error
    usually names its file and wave).
    """
    if isinstance(exc, PerceptionError):
        text = str(exc)
        place = {k: v for k, v in (fallback or {}).items() if k != "rule" and v and str(v) not in text}
        place.update({k: v for k, v in getattr(exc, PLACE_ATTRIBUTE, {}).items() if str(v) not in text})
        where = place_text(Exception(), place)
    else:
        detail = " ".join(str(exc).split()) or "no message"
        text = f"unexpected error ({type(exc).__name__}: {detail[:300]}); please report it"
        where = place_text(exc, fallback)
    return f"{where}: {text}" if where else text

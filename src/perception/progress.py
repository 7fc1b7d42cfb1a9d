"""Progress of a long stage: which wave, which step, how many done, in the log and on the terminal.

At 200,000 respondents a wave's estimation runs for minutes; without a sign
of life a researcher cannot tell a slow stage from a stuck one. Every step
goes to the rule's log (``logs/<rule>.log``); on the terminal, where
Snakemake shows a job's standard error, a line every tenth of the way and at
the end, so that a run of many jobs stays readable. The terminal lines are
on only inside a workflow job (:func:`perception.job.run_rule` turns them
on): the library and the tests stay quiet.
"""

from __future__ import annotations

import logging
import sys

log = logging.getLogger("perception")

_terminal = {"on": False}


def show_on_terminal(on: bool = True) -> None:
    """Print milestones on standard error too (a workflow job's terminal)."""
    _terminal["on"] = on


class Progress:
    """Counts the ``total`` steps of ``what`` (``estimate 2024-baseline: indicators``)."""

    def __init__(self, what: str, total: int):
        self.what = what
        self.total = total
        self.done = 0
        self._shown = -1

    def step(self, detail: str = "") -> None:
        """One more step done; ``detail`` names it (an indicator id, a family)."""
        self.done += 1
        line = f"{self.what} {self.done}/{self.total}" + (f" ({detail})" if detail else "")
        log.info("%s", line)
        tenth = self.done * 10 // max(self.total, 1)
        if _terminal["on"] and (tenth > self._shown or self.done == self.total):
            self._shown = tenth
            print(f"perception: {line}", file=sys.stderr, flush=True)

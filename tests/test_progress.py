"""Progress of long stages: every step in the log, milestones on the terminal only inside a job."""

from __future__ import annotations

import logging

import pandas as pd

from perception import progress
from perception.estimate.multiplicity import adjust
from perception.progress import Progress


def test_every_step_is_logged_and_a_tenth_of_the_way_shown(capsys, caplog, monkeypatch):
    monkeypatch.setitem(progress._terminal, "on", True)
    with caplog.at_level(logging.INFO, logger="perception"):
        steps = Progress("estimate 2024-baseline: indicators", 27)
        for i in range(27):
            steps.step(f"indicator_{i}")
    logged = [r.getMessage() for r in caplog.records]
    assert logged[0] == "estimate 2024-baseline: indicators 1/27 (indicator_0)"
    assert logged[-1] == "estimate 2024-baseline: indicators 27/27 (indicator_26)"
    assert len(logged) == 27
    shown = capsys.readouterr().err.splitlines()
    assert shown[0] == "perception: estimate 2024-baseline: indicators 1/27 (indicator_0)"
    assert shown[-1] == "perception: estimate 2024-baseline: indicators 27/27 (indicator_26)"
    assert 10 <= len(shown) <= 12  # the start, each tenth, the end


def test_quiet_on_the_terminal_outside_a_job(capsys, monkeypatch):
    monkeypatch.setitem(progress._terminal, "on", False)
    steps = Progress("x", 3)
    for _ in range(3):
        steps.step()
    assert capsys.readouterr().err == ""


def test_the_adjustment_reports_its_families(caplog):
    comparisons = pd.DataFrame(
        {
            "comparison": ["gender_gap"] * 3,
            "wave": ["w"] * 3,
            "indicator": ["a", "a", "b"],
            "domain": ["national", "region", "national"],
            "difference": [0.1, 0.2, 0.05],
            "se": [0.02, 0.05, 0.04],
            "df": [30.0, 30.0, 30.0],
            "p_value": [0.001, 0.02, 0.3],
            "is_suppressed": [False, False, False],
        }
    )
    with caplog.at_level(logging.INFO, logger="perception"):
        adjust(comparisons, "holm", 0.05, ("comparison", "wave", "indicator"))
    logged = [r.getMessage() for r in caplog.records]
    assert logged == [
        "multiple comparisons (holm): families 1/2 (gender_gap/w/a)",
        "multiple comparisons (holm): families 2/2 (gender_gap/w/b)",
    ]

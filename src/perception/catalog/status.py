"""What a published cell is: estimated, suppressed, not asked or not surveyed — defined once.

Every row of ``indicators.csv`` and ``comparisons.csv`` (and the release
tables made from them) carries a ``status`` column with one of these values,
so that a reader never has to guess why a number is missing:

- ``estimated``: the number is published;
- ``suppressed``: respondents were asked, but too few answered or the
  estimate is too imprecise (or it would give a hidden cell away);
- ``not_asked``: none of the wave's sources asked every question the
  indicator needs (its mapping maps none, or not all, of them), or none of
  the sources that asked it interviewed anyone in the cell;
- ``not_surveyed``: the wave has no respondents in the region;
- ``not_comparable``: a change or trend between two waves whose layouts
  draw the region differently (``refines``/``part_of`` in
  ``geography.yaml``): the two numbers are about different territories.

A comparison takes the first of ``not_asked``, ``not_surveyed``,
``suppressed`` that applies to either of its sides (:func:`combine`);
``not_comparable`` is set by the change itself.
Pages print these in words from the strings catalogue
(``status_<value>`` in :mod:`perception.i18n`), never as a dash.
"""

from __future__ import annotations

from collections.abc import Iterable

ESTIMATED = "estimated"
SUPPRESSED = "suppressed"
NOT_ASKED = "not_asked"
NOT_SURVEYED = "not_surveyed"
NOT_COMPARABLE = "not_comparable"

STATUSES = (ESTIMATED, SUPPRESSED, NOT_ASKED, NOT_SURVEYED, NOT_COMPARABLE)
# Without a number: the reason that explains most wins when two sides differ.
PRECEDENCE = (NOT_ASKED, NOT_SURVEYED, NOT_COMPARABLE, SUPPRESSED, ESTIMATED)
# No number because of what the survey asked, where it went or how its regions were drawn (not disclosure
# control): printed in words, each with its note, never as the suppression mark.
BY_DESIGN = (NOT_ASKED, NOT_SURVEYED, NOT_COMPARABLE)


def combine(statuses: Iterable[str]) -> str:
    """The status of a comparison from the statuses of its sides (a missing side reads as suppressed)."""
    given = [s if s in STATUSES else SUPPRESSED for s in statuses]
    for status in PRECEDENCE:
        if status in given:
            return status
    return SUPPRESSED


def string_key(status: str) -> str:
    """The strings-catalogue key of the words printed for ``status``."""
    if status not in STATUSES:
        raise KeyError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")
    return f"status_{status}"


# The ``note`` of a row of ``models.csv`` (empty for an odds ratio).
NOTE_OUTCOME_NOT_ASKED = "outcome_not_asked"  # the wave did not ask the outcome: no model
NOTE_PREDICTOR_NOT_ASKED = "predictor_not_asked"  # the wave did not ask the predictor: left out
NOTE_PREDICTOR_SINGLE_LEVEL = "predictor_single_level"  # one level among the outcome's respondents: left out
MODEL_NOTES = ("", NOTE_OUTCOME_NOT_ASKED, NOTE_PREDICTOR_NOT_ASKED, NOTE_PREDICTOR_SINGLE_LEVEL)

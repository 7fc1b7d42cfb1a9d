"""Problems found in partner rows, in words a partner understands, in French and English.

Harmonisation, the quality checks, corrections and validation all describe a
row's problem as a :class:`Problem`: a category (which groups problems in
``perception check`` and in the data-quality annex), the raw column, the raw
value and a few parameters. The text is rendered from the templates of the
string catalogue (``perception/i18n/problems.yaml``), so the English
quarantine reasons and the French partner report can never say different
things.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from perception.i18n import load_strings


def _templates(lang: str) -> dict:
    return load_strings(lang)["problems"]


def _hints(lang: str) -> dict:
    return load_strings(lang)["problem_hints"]


def categories() -> list[str]:
    """Every problem category, in catalogue order."""
    return list(_templates("en"))


@dataclass(frozen=True)
class Problem:
    """One problem of one row. ``params`` fill the template; ``hint`` names a catalogue problem_hints entry."""

    category: str
    variable: str = ""
    column: str = ""
    value: str = ""
    hint: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str = "en") -> str:
        values = {"variable": self.variable, "column": self.column or self.variable, "value": self.value}
        values.update(self.params)
        if "asked_when" in self.params:
            values["condition"] = condition_text(self.params["asked_when"], lang)
        if "special_codes" in self.params:
            codes = self.params["special_codes"]
            values["special"] = _hints(lang)["special"].format(codes=codes) if codes else ""
        values["hint"] = _hints(lang)[self.hint].format(**values) if self.hint else ""
        return _templates(lang)[self.category]["row"].format(**values)

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "variable": self.variable,
            "column": self.column,
            "value": self.value,
            "hint": self.hint,
            "params": self.params,
        }


def title(category: str, lang: str) -> str:
    """The heading under which ``perception check`` groups problems of a category."""
    return _templates(lang)[category]["title"]


def dumps(problems: list[Problem]) -> str:
    """A row's problems as one JSON cell ("" when none), stable across runs."""
    return json.dumps([p.to_dict() for p in problems], ensure_ascii=False, sort_keys=True) if problems else ""


def loads(text: Any) -> list[Problem]:
    if not isinstance(text, str) or not text:
        return []
    return [Problem(**item) for item in json.loads(text)]


def condition_text(asked_when: dict[str, Any], lang: str) -> str:
    """'victim_12m is not one of 1' — why a skip-logic answer should be absent."""
    template = _hints(lang)["not_in"]
    joiner = " ; " if lang == "fr" else "; "
    return joiner.join(
        template.format(variable=v, codes=", ".join(str(c) for c in codes)) for v, codes in asked_when.items()
    )

"""Problems found in partner rows, in words a partner understands, in French and English.

Harmonisation, the quality checks, corrections and validation all describe a
row's problem as a :class:`Problem`: a category (which groups problems in
``perception check`` and in the data-quality annex), the raw column, the raw
value and a few parameters. The text is rendered from the templates below, so
the English quarantine reasons and the French partner report can never say
different things.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# category -> language -> (title for grouped reports, one-row template)
TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "unknown_region": {
        "en": ("Unknown region", "{column} = {value}: unknown region{hint}"),
        "fr": ("Région inconnue", "{column} = {value} : région inconnue{hint}"),
    },
    "unlisted_code": {
        "en": (
            "Code not listed in the mapping",
            "{column} = {value}: code not listed in the mapping for {variable}{hint}",
        ),
        "fr": (
            "Code absent de la table de correspondance",
            "{column} = {value} : code absent de la correspondance de {variable}{hint}",
        ),
    },
    "invalid_value": {
        "en": ("Value of the wrong type", "{column} = {value}: not a valid {type} value for {variable}"),
        "fr": ("Valeur du mauvais type", "{column} = {value} : valeur {type} invalide pour {variable}"),
    },
    "missing_required": {
        "en": ("Required value missing", "{variable} is missing (required)"),
        "fr": ("Valeur obligatoire manquante", "{variable} est manquant (obligatoire)"),
    },
    "out_of_range": {
        "en": ("Value out of range", "{variable} = {value}: outside {min}–{max}{special}"),
        "fr": ("Valeur hors limites", "{variable} = {value} : hors de {min}–{max}{special}"),
    },
    "too_small": {
        "en": ("Value too small", "{variable} = {value}: must be greater than {bound}"),
        "fr": ("Valeur trop petite", "{variable} = {value} : doit être supérieur à {bound}"),
    },
    "not_allowed_code": {
        "en": ("Code not allowed", "{variable} = {value}: not an allowed code ({allowed})"),
        "fr": ("Code non autorisé", "{variable} = {value} : code non autorisé ({allowed})"),
    },
    "duplicate_id": {
        "en": ("Duplicated respondent id", "respondent_id {value} is duplicated (source rows {rows})"),
        "fr": ("Identifiant de répondant en double", "respondent_id {value} apparaît plusieurs fois (lignes {rows})"),
    },
    "duplicate_submission": {
        "en": ("Duplicated submission", "{column}: same submission as source row {first_row}"),
        "fr": ("Soumission en double", "{column} : même soumission que la ligne {first_row}"),
    },
    "duration": {
        "en": ("Interview duration", "interview lasted {minutes} min, outside {min}–{max} min"),
        "fr": ("Durée d'entretien", "l'entretien a duré {minutes} min, hors de {min}–{max} min"),
    },
    "duration_unknown": {
        "en": ("Interview duration unknown", "{column}: start or end time missing or unreadable"),
        "fr": ("Durée d'entretien inconnue", "{column} : heure de début ou de fin manquante ou illisible"),
    },
    "straightlining": {
        "en": ("Same answer to every item", "same answer ({value}) to all of {variables}"),
        "fr": ("Même réponse à toutes les questions", "même réponse ({value}) à toutes les questions {variables}"),
    },
    "skip_logic": {
        "en": ("Answer that skip logic should have hidden", "{variable} = {value} although {condition}"),
        "fr": ("Réponse que le filtre aurait dû masquer", "{variable} = {value} alors que {condition}"),
    },
    "removed": {
        "en": ("Removed by a correction", "removed by correction: {reason}"),
        "fr": ("Retirée par une correction", "retirée par une correction : {reason}"),
    },
}

HINTS: dict[str, dict[str, str]] = {
    "closest": {"en": " (closest: {name})", "fr": " (le plus proche : {name})"},
    "other_layout": {
        "en": " (closest: {name}, a region of layout {layout}, not of {current})",
        "fr": " (le plus proche : {name}, région du découpage {layout}, pas de {current})",
    },
    "in_other_layout": {
        "en": " ({name} is a region of layout {layout}, not of {current} used by this wave)",
        "fr": " ({name} est une région du découpage {layout}, pas de {current} utilisé par cette vague)",
    },
    "declared_missing": {
        "en": " (the file declares it missing: map it to dont_know, refused or missing)",
        "fr": " (le fichier le déclare manquant : l'associer à dont_know, refused ou missing)",
    },
    "special": {"en": " or a special code ({codes})", "fr": " ou un code spécial ({codes})"},
    "not_in": {"en": "{variable} is not one of {codes}", "fr": "{variable} n'est pas parmi {codes}"},
}


@dataclass(frozen=True)
class Problem:
    """One problem of one row. ``params`` fill the template; ``hint`` names an entry of HINTS."""

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
            values["special"] = HINTS["special"][lang].format(codes=codes) if codes else ""
        values["hint"] = HINTS[self.hint][lang].format(**values) if self.hint else ""
        return TEMPLATES[self.category][lang][1].format(**values)

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
    return TEMPLATES[category][lang][0]


def dumps(problems: list[Problem]) -> str:
    """A row's problems as one JSON cell ("" when none), stable across runs."""
    return json.dumps([p.to_dict() for p in problems], ensure_ascii=False, sort_keys=True) if problems else ""


def loads(text: Any) -> list[Problem]:
    if not isinstance(text, str) or not text:
        return []
    return [Problem(**item) for item in json.loads(text)]


def condition_text(asked_when: dict[str, Any], lang: str) -> str:
    """'victim_12m is not one of 1' — why a skip-logic answer should be absent."""
    template = HINTS["not_in"][lang]
    joiner = " ; " if lang == "fr" else "; "
    return joiner.join(
        template.format(variable=v, codes=", ".join(str(c) for c in codes)) for v, codes in asked_when.items()
    )

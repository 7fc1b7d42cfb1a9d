"""XLSForms (the survey and choices sheets of a KoBoToolbox or ODK form): choice labels per language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from perception.config.codebook import code_key
from perception.config.geography import normalise_name
from perception.errors import ConfigError
from perception.i18n import LANGUAGES
from perception.ingest.table import RawTable

LANGUAGE_NAMES = {"french": "fr", "francais": "fr", "fr": "fr", "english": "en", "anglais": "en", "en": "en"}


def _label_language(column: str) -> str | None:
    """``label`` -> "" (default), ``label::French (fr)`` / ``label::fr`` -> "fr"; other columns None."""
    if column == "label":
        return ""
    if not column.startswith("label::"):
        return None
    language = column.split("::", 1)[1]
    code = re.search(r"\(([A-Za-z-]+)\)\s*$", language)
    key = normalise_name(code.group(1) if code else language)
    return LANGUAGE_NAMES.get(key, key)


@dataclass(frozen=True)
class XLSForm:
    """Select questions of an XLSForm: question name -> (type, list); list -> choice -> {lang: label}."""

    path: Path
    selects: dict[str, tuple[str, str]]
    choices: dict[str, dict[str, dict[str, str]]]

    def labels(self, question: str, lang: str) -> dict[str, str]:
        _, list_name = self.selects[question]
        return {
            choice: labels.get(lang) or labels.get("") or choice for choice, labels in self.choices[list_name].items()
        }


def read_xlsform(path: str | Path) -> XLSForm:
    """The select questions and choice labels of an XLSForm (survey and choices sheets)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: form (XLSForm) not found")
    try:
        sheets = pd.read_excel(path, sheet_name=["survey", "choices"], dtype=str, keep_default_na=False)
    except Exception as exc:
        raise ConfigError(f"{path}: not a readable XLSForm with survey and choices sheets ({exc})") from None
    survey, choice_sheet = sheets["survey"], sheets["choices"]
    for sheet, needed in (("survey", {"type", "name"}), ("choices", {"list_name", "name"})):
        missing = needed - set(sheets[sheet].columns)
        if missing:
            raise ConfigError(f"{path}: sheet {sheet} lacks column(s) {', '.join(sorted(missing))}")
    selects: dict[str, tuple[str, str]] = {}
    or_other: set[str] = set()
    for row in survey.itertuples(index=False):
        parts = str(row.type).split()
        if len(parts) >= 2 and parts[0] in ("select_one", "select_multiple"):
            selects[str(row.name)] = (parts[0], parts[1])
            if parts[2:] == ["or_other"]:
                or_other.add(parts[1])
    label_columns = {c: _label_language(str(c)) for c in choice_sheet.columns}
    choices: dict[str, dict[str, dict[str, str]]] = {}
    for record in choice_sheet.to_dict("records"):
        if not str(record["list_name"]).strip():
            continue
        labels = {lang: str(record[c]) for c, lang in label_columns.items() if lang is not None and str(record[c])}
        choices.setdefault(str(record["list_name"]), {})[code_key(record["name"])] = labels
    for question, (_, list_name) in selects.items():
        if list_name not in choices:
            raise ConfigError(f"{path}: question {question} uses list {list_name!r}, absent from the choices sheet")
    for list_name in or_other:  # KoBo's "or_other" adds an implicit choice named "other"
        choices[list_name].setdefault("other", {"fr": "Autre", "en": "Other"})
    return XLSForm(path, selects, choices)


def apply_form(table: RawTable, form: XLSForm) -> RawTable:
    """Attach the form's choice labels (every language) to the columns of its select questions.

    KoBo exports name columns ``group/subgroup/question``; the question name is
    the last part.
    """
    value_labels = dict(table.value_labels)
    by_language: dict[str, dict[str, dict[str, str]]] = {lang: {} for lang in LANGUAGES}
    for column in table.data.columns:
        question = str(column).rsplit("/", 1)[-1]
        if question not in form.selects:
            continue
        for lang in LANGUAGES:
            by_language[lang][column] = form.labels(question, lang)
        value_labels[column] = by_language[LANGUAGES[0]][column]
    return RawTable(table.path, table.data, value_labels, table.missing_codes, table.variable_labels, by_language)

"""What each wave asked: the wording and answer scale of every mapped question, and where they changed.

A percentage means little without its question. For each wave and source,
the wording of a harmonised variable comes from the source mapping
(``wording:``, in the questionnaire's language or in each language of the
report) or, failing that, from the file's own variable label (SPSS and Stata
labels, kept by ingest in ``<wave>/interim/<source>.ingested.json``); the
answer scale is the file's value labels of the column (or the raw codes the
mapping recodes). Neither is invented: a question with neither is shown as
undocumented.

An indicator whose wording or answer scale differs between two waves where
both are known is of limited comparability: the trends page says so beside
its changes.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from perception.config.project import Project
from perception.config.registry import Indicator


@dataclass(frozen=True)
class Question:
    """One mapped question of one source: its raw column, wording per language, where it came from, its scale."""

    wave: str
    source_id: str
    partner: dict[str, str]  # the partner's name per language
    column: str
    wording: dict[str, str] | None  # None: neither the mapping nor the file says
    origin: str  # "mapping", "file" or ""
    scale: tuple[str, ...]  # "code = label" of the raw answers, in file order
    answers: tuple[str, ...] = ()  # the labels alone, from the file; () when the file has none


def ingested_meta(processed_dir: Path, wave: str, source_id: str) -> dict:
    """The ingest stage's metadata of one source (labels as the file had them); {} when absent."""
    path = Path(processed_dir) / wave / "interim" / f"{source_id}.ingested.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def questions(project: Project, processed_dir: Path) -> dict[str, dict[str, list[Question]]]:
    """variable -> wave -> the questions that fed it (one per source that maps it from a column)."""
    found: dict[str, dict[str, list[Question]]] = {}
    for wave in project.wave_ids:
        for mapping in project.sources(wave):
            meta = ingested_meta(processed_dir, wave, mapping.source_id)
            labels, values = meta.get("variable_labels") or {}, meta.get("value_labels") or {}
            for name, spec in mapping.variables.items():
                columns = (
                    [spec.column] if spec.column is not None else list(spec.derived.columns if spec.derived else [])
                )
                if not columns:
                    continue
                column = " + ".join(columns)
                given = getattr(spec, "wording", None)
                if given:
                    wording, origin = dict(given), "mapping"
                elif all(labels.get(c) for c in columns):
                    text = " / ".join(str(labels[c]) for c in columns)
                    wording, origin = {lang: text for lang in project.languages}, "file"
                else:
                    wording, origin = None, ""
                labelled = values.get(columns[0]) or {}
                scale = tuple(f"{code} = {label}" for code, label in labelled.items())
                if not scale and spec.codes:
                    scale = tuple(spec.codes)
                found.setdefault(name, {}).setdefault(wave, []).append(
                    Question(
                        wave,
                        mapping.source_id,
                        {lang: mapping.partner_in(lang) for lang in project.languages},
                        column,
                        wording,
                        origin,
                        scale,
                        tuple(str(label) for label in labelled.values()),
                    )
                )
    return found


def _normal(text: str) -> str:
    """Wording compared without case, accents, punctuation, spacing or a leading item number ("Q11_1.")."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    text = re.sub(r"^\s*[a-z]*\d+[\w.]*\s*[.:)-]\s*", "", text)
    return " ".join(re.findall(r"[a-z0-9]+", text))


def changed_between_waves(
    indicator: Indicator, asked: dict[str, dict[str, list[Question]]], lang: str, waves: Collection[str] | None = None
) -> bool:
    """Whether a question of ``indicator`` was worded, or its answers labelled, differently in two waves.

    Like is compared with like: a mapping's wording with another mapping's,
    a file label with another file's label, a file's answer labels with
    another file's (codes alone are a numbering, not a scale). A wave where
    it is not known is left out, never counted as a change. ``waves`` limits
    the comparison to the waves a change compares (all waves when None): a
    question reworded in a partner's round does not make the follow-up's
    change against the baseline less comparable.
    """
    for variable in indicator.variables:
        versions: dict[str, dict[str, frozenset]] = {}
        for wave, qs in asked.get(variable, {}).items():
            if waves is not None and wave not in waves:
                continue
            for q in qs:
                if q.wording:
                    versions.setdefault(q.origin, {}).setdefault(wave, set()).add(_normal(q.wording[lang]))
                if q.answers:
                    versions.setdefault("answers", {}).setdefault(wave, set()).add(tuple(_normal(a) for a in q.answers))
        for by_wave in versions.values():
            if len({frozenset(v) for v in by_wave.values()}) > 1:
                return True
    return False


def question_lines(project: Project, indicator: Indicator, asked: dict, lang: str, label) -> list[str]:
    """ "Enquête X (partner): « wording »" for each distinct documented wording of the indicator's questions.

    ``label`` escapes configuration and file text for where the lines land.
    """
    from perception.i18n import load_strings

    strings = load_strings(lang)
    lines = []
    for variable in indicator.variables:
        for wave, qs in asked.get(variable, {}).items():
            seen = []
            for q in qs:
                text = q.wording[lang] if q.wording else None
                if text in seen:
                    continue
                seen.append(text)
                origin = strings["wording_origin"][q.origin] if q.origin else strings["wording_origin"]["none"]
                lines.append(
                    strings["wording_line"].format(
                        wave=label(project.waves[wave].label[lang]),
                        partner=label(q.partner[lang]),
                        wording=label(text) if text else strings["wording_unknown"],
                        origin=origin,
                        answers=label(", ".join(q.answers)) if q.answers else strings["wording_no_answers"],
                    )
                )
    return lines

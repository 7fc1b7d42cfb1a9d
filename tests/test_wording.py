"""Question wording per wave: from the mapping, else the file's label; changes between waves marked, like with like."""

from __future__ import annotations

import json
from dataclasses import replace

from perception.book.escape import text as md
from perception.book.wording import Question, changed_between_waves, question_lines, questions


def _meta(processed, wave, source, labels, values=None):
    path = processed / wave / "interim" / f"{source}.ingested.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"variable_labels": labels, "value_labels": values or {}}), encoding="utf-8")


def test_mapping_wording_first_then_the_file_label_then_undocumented(project, tmp_path):
    baseline = project.wave_ids[0]
    source = project.sources(baseline)[0]
    column = source.variables["trust_police"].column
    _meta(tmp_path, baseline, source.source_id, {column: "Q. Confiance : police"}, {column: {"1": "Pas du tout"}})
    asked = questions(project, tmp_path)
    police = asked["trust_police"][baseline]
    assert police[0].origin == "file" and police[0].wording["fr"] == "Q. Confiance : police"
    assert police[0].answers == ("Pas du tout",)
    army = asked["trust_army"][baseline][0]
    assert army.origin == "mapping" and "l’armée" in army.wording["fr"]  # config/sources gives it
    later = asked["trust_police"][project.wave_ids[-1]][0]
    assert later.wording is None and later.origin == ""  # no metadata file: never invented


def _question(wave, wording, origin="mapping", answers=()):
    return Question(
        wave, "s", {"fr": "Partenaire", "en": "Partner"}, "Q1", {"fr": wording, "en": wording}, origin, (), answers
    )


def test_only_a_real_change_limits_comparability(project):
    indicator = next(i for i in project.indicators if i.id == "feel_unsafe")
    variable = indicator.variable
    same = {
        variable: {
            "a": [_question("a", "Q20. Senti en insécurité ?")],
            "b": [_question("b", "q25 - senti en insecurite")],
        }
    }
    assert not changed_between_waves(indicator, same, "fr")  # numbering, case, accents and punctuation aside
    reworded = {
        variable: {
            "a": [_question("a", "Au cours des 12 derniers mois ?")],
            "b": [_question("b", "Au cours du dernier mois ?")],
        }
    }
    assert changed_between_waves(indicator, reworded, "fr")
    # a file label against a questionnaire wording is not a change: they are not the same kind of text
    mixed = {
        variable: {
            "a": [_question("a", "Confiance : police", "file")],
            "b": [_question("b", "Faites-vous confiance ?")],
        }
    }
    assert not changed_between_waves(indicator, mixed, "fr")
    scale = {
        variable: {
            "a": [_question("a", "x", answers=("Jamais", "Souvent"))],
            "b": [replace(_question("b", "x"), answers=("Jamais", "Parfois", "Souvent"))],
        }
    }
    assert changed_between_waves(indicator, scale, "fr")
    # only the waves a change compares count: a third wave reworded elsewhere leaves a-b comparable
    three = {variable: {**same[variable], "c": [_question("c", "Au cours du dernier mois ?")]}}
    assert changed_between_waves(indicator, three, "fr")
    assert not changed_between_waves(indicator, three, "fr", ("a", "b"))
    assert changed_between_waves(indicator, three, "fr", ("a", "c"))


def test_wording_from_files_is_escaped(project):
    indicator = next(i for i in project.indicators if i.id == "feel_unsafe")
    planted = {
        indicator.variable: {project.wave_ids[0]: [_question(project.wave_ids[0], "<script>x</script> `{download}`")]}
    }
    line = question_lines(project, indicator, planted, "fr", md)[0]
    assert "<script>" not in line and "\\<script\\>" in line and "\\`" in line

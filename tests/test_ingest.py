"""Readers: reference files from haven and pyreadstat, encodings, separators, Excel, XLSForms, crashes."""

from __future__ import annotations

import datetime as dt
import math
import re
import sys

import pandas as pd
import pytest

from perception.config.codebook import code_key
from perception.config.sources import load_source
from perception.errors import ConfigError, UnreadableFileError
from perception.ingest.columns import select_mapped_columns
from perception.ingest.native import run_reader_process
from perception.ingest.readers import read_file, read_source
from perception.ingest.text import sniff_encoding
from perception.transform.harmonise import harmonise

# --------------------------------------------------------------------------
# haven and pyreadstat test files (../shared/fixtures/messy)
# --------------------------------------------------------------------------

MISSING_TEXT = {"", "#NULL!", "NaN", "nan"}


def norm(value) -> str:
    """One cell as comparable text: numbers to 6 decimals, dates and times in ISO form, missing as ""."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, dt.datetime | pd.Timestamp):
        return pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    text = str(value).strip()
    if text in MISSING_TEXT:
        return ""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T[\d:.]+", text):
        return pd.Timestamp(text).strftime("%Y-%m-%dT%H:%M:%S")
    if re.fullmatch(r"\d{1,2}:\d{2}:\d{2}(\.\d+)?", text):
        hours, minutes, seconds = text.split(":")
        return f"{int(hours):02d}:{minutes}:{int(float(seconds)):02d}"
    try:
        return code_key(round(float(text), 6))
    except ValueError:
        return text


def as_text(frame: pd.DataFrame, labels: dict[str, dict[str, str]] | None = None) -> pd.DataFrame:
    frame = frame.rename(columns=str.lower)
    out = pd.DataFrame({c: frame[c].map(norm) for c in frame.columns})
    for column, mapping in (labels or {}).items():
        out[column.lower()] = out[column.lower()].map(lambda v, m=mapping: m.get(v, v))
    return out


EXPECTED = [
    ("pyreadstat/basic_sample.sav", "pyreadstat/basic_sample.csv", False),
    ("pyreadstat/basic_sample.zsav", "pyreadstat/basic_sample.csv", False),
    ("pyreadstat/basic_sample.por", "pyreadstat/basic_sample.csv", False),
    ("pyreadstat/basic_sample.dta", "pyreadstat/basic_sample.csv", False),
    # user-missing values are kept as their codes, as pyreadstat's user_missing=True output
    ("pyreadstat/basic_sample_missing.sav", "pyreadstat/basic_sample_missing_user.csv", False),
    ("pyreadstat/missing_data_missing_test.sav", "pyreadstat/missing_data_missing_sav_formatted.csv", False),
    ("pyreadstat/missing_data_missing_test.sav", "pyreadstat/missing_data_missing_sav_labeled.csv", True),
    # Stata tagged missing values .a .b .c .x .y .z arrive as the codes a b c x y z
    ("pyreadstat/missing_data_missing_test.dta", "pyreadstat/missing_data_missing_dta_formatted.csv", False),
    ("pyreadstat/missing_data_missing_test.dta", "pyreadstat/missing_data_missing_dta_labeled.csv", True),
]


@pytest.mark.parametrize(("data", "expected", "labelled"), EXPECTED)
def test_reader_matches_the_reference_csv(shared, data, expected, labelled):
    messy = shared / "fixtures/messy"
    table = read_file(messy / data)
    reference = pd.read_csv(messy / expected, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    got = as_text(table.data, table.value_labels if labelled else None)
    pd.testing.assert_frame_equal(got, as_text(reference), check_dtype=False)


def test_csv_with_bom_reads_like_the_spss_file(shared):
    messy = shared / "fixtures/messy/pyreadstat"
    csv = read_file(messy / "basic_sample.csv")
    assert csv.data.columns[0] == "mychar"  # the BOM is not part of the first name
    pd.testing.assert_frame_equal(as_text(csv.data), as_text(read_file(messy / "basic_sample.sav").data))


def test_user_missing_ranges_and_values_are_declared(shared):
    table = read_file(shared / "fixtures/messy/pyreadstat/basic_sample_missing.sav")
    assert table.missing_codes["mynum"] == ["2000..3000", "-1"]
    assert table.missing_codes["myord"] == ["-1", "-2", "-3"]
    assert 2500 in set(table.data["mynum"])  # kept, not blanked


def test_tagged_missing_values_stay_distinct(shared):
    for name in ("tagged-na-double.dta", "tagged-na-int.dta"):
        table = read_file(shared / "fixtures/messy/haven" / name)
        assert list(table.data["x"]) == ["1", "2", "3", "4", "5", "a", "h", "z"]
        assert table.missing_codes["x"] == ["a", "h", "z"]
        assert table.value_labels["x"] == {"a": "apple", "z": ".zebra"}


@pytest.mark.parametrize(
    ("name", "column", "expected"),
    [
        ("haven/umlauts.sav", "var1", {"1": "the ä umlaut", "2": "the ü umlaut", "3": "the ö umlaut"}),
        ("haven/labelled-str.sav", "gender", {"F": "Female", "M": "Male"}),
        ("haven/labelled-num-na.sav", "VAR00002", {"1": "This is one"}),
    ],
)
def test_value_labels_in_any_script(shared, name, column, expected):
    assert read_file(shared / "fixtures/messy" / name).value_labels[column] == expected


def test_non_latin_and_windows_1252_files_read(shared):
    messy = shared / "fixtures/messy/pyreadstat"
    assert list(read_file(messy / "basic_hebrews.sav").data.columns) == ["ותק_ב"]
    assert read_file(messy / "basic_tegulu.sav").data.iloc[0, 1].startswith("నేను")
    table = read_file(messy / "multiple_response_simple_alltypes.sav")  # windows-1252, declared
    assert table.missing_codes["z"] == ["-999..0", "999"]


def test_tagged_missing_codes_map_to_special_codes(tmp_path, shared, project):
    """A mapping turns Stata's .a / .z into dont_know / refused without code."""
    source = shared / "fixtures/messy/haven/tagged-na-int.dta"
    mapping_path = tmp_path / "m.yaml"
    mapping_path.write_text(
        f"""source_id: s
wave: w
file: {source}
variables:
  respondent_id: {{per_row: true}}
  region_code: {{constant: Gao}}
  stratum_id: {{constant: S}}
  psu_id: {{per_row: true}}
  weight_design: {{constant: 1}}
  trust_police: {{column: x, codes: {{1: 0, 2: 1, 3: 2, 4: 3, 5: missing, a: dont_know, z: refused, h: missing}}}}
""",
        encoding="utf-8",
    )
    mapping = load_source(mapping_path, project.codebook, root="/")
    raw = select_mapped_columns(read_source(mapping.file, mapping), mapping)
    frame = harmonise(raw, mapping, project.codebook, project.geography)
    assert frame["trust_police"].tolist()[5:] == [-1, pd.NA, -2]
    assert frame["region_code"].iloc[0] == "ML-7"  # a constant region goes through the geography


# --------------------------------------------------------------------------
# CSV: encodings, separators, decimal comma
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", False), ("utf-8", True), ("latin-1", False), ("cp1252", False)],
)
def test_csv_encoding_is_sniffed(tmp_path, encoding, bom):
    text = "id,region,note\n1,Ségou,Ménaka – l’est\n2,Tombouctou,ok\n"
    if encoding == "latin-1":
        text = text.replace("–", "-").replace("’", "'")
    path = tmp_path / "f.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    table = read_file(path)
    assert list(table.data.columns) == ["id", "region", "note"]
    assert table.data["region"].tolist() == ["Ségou", "Tombouctou"]


def test_sniff_encoding_prefers_utf8_then_windows_1252():
    assert sniff_encoding("Ségou".encode()) == "utf-8-sig"
    assert sniff_encoding("Ségou’".encode("cp1252")) == "cp1252"
    assert sniff_encoding(b"\x81\x8d") == "latin-1"


def test_semicolon_separator_and_decimal_comma_are_sniffed(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("id;poids;code\nA;1,5;01\nB;2;nsp\n", encoding="utf-8")
    table = read_file(path)
    assert table.data["poids"].tolist() == ["1.5", "2"]
    assert table.data["code"].tolist() == ["01", "nsp"]  # codes stay text


def test_configured_options_win_over_sniffing(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes("id|poids\nA|1,5\n".encode("cp1252"))
    table = read_file(path, {"sep": "|", "decimal": ",", "encoding": "cp1252"})
    assert table.data["poids"].tolist() == ["1.5"]
    table = read_file(path, {"sep": "|", "decimal": "."})
    assert table.data["poids"].tolist() == ["1,5"]


def test_wrong_encoding_names_the_option(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes("id,region\n1,Ségou\n".encode("cp1252"))
    with pytest.raises(UnreadableFileError, match=r"read\.encoding"):
        read_file(path, {"encoding": "utf-8"})


def test_binary_file_named_csv_is_refused(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)
    with pytest.raises(UnreadableFileError, match="does not look like a text"):
        read_file(path)


# --------------------------------------------------------------------------
# Excel (KoBo XLS export) and XLSForm
# --------------------------------------------------------------------------


def write_kobo_xlsx(path):
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"note": ["export du 2024-03-04"]}).to_excel(writer, sheet_name="Lisez-moi", index=False)
        pd.DataFrame(
            {
                "grp/region": ["segou", "gao"],
                "grp/menaces": ["vols autre", "autre"],
                "grp/menaces_autre": ["Coupeurs de route", "rien"],
                "_uuid": ["u1", "u2"],
                "_index": [1, 2],
            }
        ).to_excel(writer, sheet_name="Enquête", index=False)
        pd.DataFrame({"membre": ["x"], "_parent_index": [1], "_submission__uuid": ["u1"]}).to_excel(
            writer, sheet_name="membres", index=False
        )


def write_xlsform(path):
    survey = pd.DataFrame(
        {
            "type": ["begin_group", "select_one regions", "select_multiple menaces", "text", "end_group"],
            "name": ["grp", "region", "menaces", "menaces_autre", ""],
            "label::Français (fr)": ["Identification", "Région", "Menaces", "Précisez", ""],
            "label::English (en)": ["Identification", "Region", "Threats", "Specify", ""],
            "relevant": ["", "", "", "selected(${menaces}, 'autre')", ""],
        }
    )
    choices = pd.DataFrame(
        {
            "list_name": ["regions", "regions", "menaces", "menaces", "menaces"],
            "name": ["segou", "gao", "vols", "banditisme", "autre"],
            "label::Français (fr)": ["Ségou", "Gao", "Vols", "Banditisme", "Autre"],
            "label::English (en)": ["Segou", "Gao", "Theft", "Banditry", "Other"],
        }
    )
    with pd.ExcelWriter(path) as writer:
        survey.to_excel(writer, sheet_name="survey", index=False)
        choices.to_excel(writer, sheet_name="choices", index=False)


def test_kobo_main_sheet_is_chosen(tmp_path):
    path = tmp_path / "export.xlsx"
    write_kobo_xlsx(path)
    assert list(read_file(path).data.columns)[:2] == ["grp/region", "grp/menaces"]
    assert read_file(path, {"sheet": "membres"}).data.columns[0] == "membre"
    with pytest.raises(UnreadableFileError, match="sheets are: Lisez-moi, Enquête, membres"):
        read_file(path, {"sheet": "data"})


def test_xlsform_is_not_mistaken_for_data(tmp_path):
    path = tmp_path / "form.xlsx"
    write_xlsform(path)
    with pytest.raises(UnreadableFileError, match="XLSForm"):
        read_file(path)


def kobo_mapping(tmp_path, project, threat_theft: str) -> object:
    data, form = tmp_path / "export.xlsx", tmp_path / "form.xlsx"
    write_kobo_xlsx(data)
    write_xlsform(form)
    path = tmp_path / "m.yaml"
    path.write_text(
        f"""source_id: kobo
wave: w
file: {data}
form: {form}
variables:
  respondent_id: {{column: _uuid}}
  region_code: {{column: grp/region, use_value_labels: true}}
  stratum_id: {{constant: S}}
  psu_id: {{per_row: true}}
  weight_design: {{constant: 1}}
  threat_banditry: &threat
    column: grp/menaces
    choice: banditisme
    other_column: grp/menaces_autre
    other_value: autre
    other_specify: {{"coupeurs de route": banditisme}}
  threat_theft: {threat_theft}
""",
        encoding="utf-8",
    )
    return load_source(path, project.codebook, root="/")


def test_xlsform_gives_choice_labels_in_both_languages(tmp_path, project):
    mapping = kobo_mapping(tmp_path, project, "{column: grp/menaces, choice: vols}")
    table = read_source(mapping.file, mapping)
    assert table.labels_by_language["fr"]["grp/region"] == {"segou": "Ségou", "gao": "Gao"}
    assert table.labels_by_language["en"]["grp/menaces"]["vols"] == "Theft"
    assert table.value_labels["grp/region"]["segou"] == "Ségou"  # French first
    frame = harmonise(select_mapped_columns(table, mapping), mapping, project.codebook, project.geography)
    assert frame["region_code"].tolist() == ["ML-4", "ML-7"]  # through the French labels
    assert frame["threat_theft"].tolist() == [1, 0]


def test_option_not_in_the_form_is_a_configuration_error(tmp_path, project):
    mapping = kobo_mapping(tmp_path, project, "{column: grp/menaces, choice: vol}")
    with pytest.raises(ConfigError, match="vol are not choices of column grp/menaces"):
        select_mapped_columns(read_source(mapping.file, mapping), mapping)


def test_other_specify_is_back_coded_and_logged(tmp_path, project):
    from perception.transform.checks import prepare_source

    mapping = kobo_mapping(tmp_path, project, "{column: grp/menaces, choice: vols}")
    raw = select_mapped_columns(read_source(mapping.file, mapping), mapping)
    prepared = prepare_source(raw, mapping, project.codebook, project.geography)
    assert prepared.frame["threat_banditry"].tolist() == [1, 0]  # "Coupeurs de route" -> banditisme
    log = prepared.cleaning_log
    assert log[["source_row", "variable", "old_value", "new_value", "rule"]].values.tolist() == [
        [1, "threat_banditry", "0", "1", "other_specify"]
    ]
    assert "Coupeurs" not in log.to_csv()  # free text never leaves the pipeline


# --------------------------------------------------------------------------
# Native readers run in a child process
# --------------------------------------------------------------------------


def test_crashing_reader_is_reported_not_fatal(tmp_path):
    crash = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"]
    with pytest.raises(UnreadableFileError, match=r"f\.sav: the SPSS reader crashed \(SIGSEGV\)"):
        run_reader_process(crash, tmp_path / "f.sav", "SPSS", timeout=30)


def test_hanging_reader_is_stopped(tmp_path):
    hang = [sys.executable, "-c", "import time; time.sleep(60)"]
    with pytest.raises(UnreadableFileError, match="did not finish within 1 s"):
        run_reader_process(hang, tmp_path / "f.dta", "Stata", timeout=1)


def test_read_timeout_is_configurable(shared):
    with pytest.raises(UnreadableFileError, match=r"read\.timeout"):
        read_file(shared / "fixtures/messy/pyreadstat/basic_sample.sav", {"timeout": 0.01})

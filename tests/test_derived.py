"""Derived variables: one codebook variable from several raw columns, declared in the mapping.

The missing-code logic is explicit: "no" to one item and "don't know" to the
other is "don't know" for any_of (the person may be a victim), "no" for
all_of; a yes settles any_of whatever the other item says.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from perception.config.sources import load_source
from perception.errors import ConfigError
from perception.ingest.columns import select_mapped_columns
from perception.ingest.readers import read_file
from perception.transform.harmonise import harmonise

PERCEPTION = Path(sys.executable).parent / "perception"
DK, REFUSED = -1, -2

ROWS = """id,region,w,theft,assault,age,age_proxy,type,zone
1,Mopti,1.0,1,2,34,,1,1
2,Mopti,1.0,2,2,,41,1,2
3,Mopti,1.0,2,8,98,50,2,1
4,Mopti,1.0,8,9,,,2,2
5,Mopti,1.0,2,,,,,
6,Mopti,1.0,8,1,20,30,3,9
7,Mopti,1.0,5,2,20,,1,1
"""

MAPPING = """source_id: dv
wave: w
file: {file}
variables:
  respondent_id: {{column: id}}
  region_code: {{column: region}}
  weight_design: {{column: w}}
{variables}"""

DERIVED = """  victim_12m:
    any_of: [theft, assault]
    codes: {1: 1, 2: 0, 8: dont_know, 9: refused}
  abuse_witnessed:
    all_of: [theft, {column: assault, codes: {1: 1, 2: 0, 8: dont_know, 9: dont_know}}]
    codes: {1: 1, 2: 0, 8: dont_know, 9: refused}
  age:
    first_of: [age, age_proxy]
    codes: {98: dont_know}
  urban_rural_code:
    combine: [type, zone]
    codes: {"1|*": urban, "2|1": urban, "2|2": rural}
"""


def write(tmp_path: Path, variables: str) -> Path:
    data = tmp_path / "data.csv"
    data.write_text(ROWS, encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING.format(file=data, variables=variables), encoding="utf-8")
    return mapping


@pytest.fixture()
def derived(tmp_path, project):
    mapping = load_source(write(tmp_path, DERIVED), project.codebook, root="/")
    raw = select_mapped_columns(read_file(mapping.file), mapping)
    return mapping, harmonise(raw, mapping, project.codebook, project.geography)


def column(frame, name):
    return [None if v is None or v != v else v for v in frame[name].astype(object).where(frame[name].notna(), None)]


def test_every_raw_column_of_a_derivation_is_read(derived):
    mapping, _ = derived
    assert mapping.columns == ["id", "region", "w", "theft", "assault", "age", "age_proxy", "type", "zone"]


def test_any_of_a_yes_settles_it_and_no_with_dont_know_is_dont_know(derived):
    _, frame = derived
    # rows: yes/no, no/no, no/dk, dk/refused, no/blank, dk/yes, unlisted/no
    assert column(frame, "victim_12m") == [1, 0, DK, DK, None, 1, None]


def test_all_of_a_no_settles_it_and_item_codes_can_differ(derived):
    _, frame = derived
    # assault's 9 is mapped to dont_know for this variable only
    assert column(frame, "abuse_witnessed") == [0, 0, 0, DK, 0, DK, None]


def test_first_of_takes_the_first_substantive_answer(derived):
    _, frame = derived
    # 98 (don't know) in the first column gives way to the proxy's 50; nothing at all is blank
    assert column(frame, "age") == [34, 41, 50, None, None, 20, 20]


def test_combine_recodes_joined_values_with_patterns(derived):
    _, frame = derived
    assert column(frame, "urban_rural_code") == ["urban", "urban", "urban", "rural", None, None, "urban"]


def test_an_unlisted_code_in_any_item_names_that_column(derived):
    _, frame = derived
    issues = frame["issues"].tolist()
    assert issues[5] == "type + zone = 3|9: code not listed in the mapping for urban_rural_code"
    assert issues[6].startswith("theft = 5: code not listed in the mapping for victim_12m")
    assert issues[:5] == [""] * 5


@pytest.mark.parametrize(
    ("undecided", "expected"),
    [("missing", [1, 0, None, None, None, 1, None]), ("refused", [1, 0, REFUSED, REFUSED, REFUSED, 1, None])],
)
def test_undecided_answers_can_be_set(tmp_path, project, undecided, expected):
    variables = f"""  victim_12m:
    any_of: [theft, assault]
    codes: {{1: 1, 2: 0, 8: dont_know, 9: refused}}
    undecided: {undecided}
"""
    mapping = load_source(write(tmp_path, variables), project.codebook, root="/")
    frame = harmonise(
        select_mapped_columns(read_file(mapping.file), mapping), mapping, project.codebook, project.geography
    )
    assert column(frame, "victim_12m") == expected


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ("  victim_12m: {any_of: [theft], codes: {1: 1}}\n", "any_of: expected at least 2 item"),
        ("  victim_12m: {any_of: [theft, assault], column: theft}\n", "exactly one of"),
        ("  victim_12m: {any_of: [theft, assault], all_of: [theft, assault]}\n", "exactly one of"),
        (
            "  victim_12m: {any_of: [theft, assault], codes: {1: 1, 2: 0}, sucess: [1]}\n",
            "sucess: unknown key; did you mean success",
        ),
        (
            "  victim_12m: {any_of: [theft, assault], codes: {1: 1, 2: 0}, success: [3]}\n",
            r"success: 3 not code\(s\) of victim_12m",
        ),
        ("  victim_12m: {any_of: [theft, assault], codes: {1: oui}}\n", "maps to 'oui', not a code of victim_12m"),
        ("  victim_12m: {any_of: [theft, assault], codes: {1: 1}, undecided: maybe}\n", "undecided 'maybe' must be"),
        ("  victim_12m: {column: theft, codes: {1: 1}, undecided: missing}\n", "'undecided' belongs to a derivation"),
        ("  age: {any_of: [age, age_proxy]}\n", "age needs codes 0 and 1"),
        ("  age: {first_of: [age, age_proxy], success: [1]}\n", "apply to any_of and all_of only"),
        ("  urban_rural_code: {combine: [type, zone], codes: {'1': urban}}\n", r"has 1 part\(s\) but combine lists 2"),
        ("  urban_rural_code: {combine: [type, zone]}\n", "combine needs 'codes'"),
        ("  urban_rural_code: {combine: [type, zone], codes: {'1|1': town}}\n", "not a code of urban_rural_code"),
        (
            "  victim_12m: {any_of: [theft, {colum: assault}], codes: {1: 1}}\n",
            "colum: unknown key; did you mean column",
        ),
    ],
)
def test_derivation_mistakes_are_one_line_naming_the_place(tmp_path, project, variables, message):
    with pytest.raises(ConfigError, match=message) as caught:
        load_source(write(tmp_path, variables), project.codebook, root="/")
    assert "\n" not in str(caught.value) and "m.yaml" in str(caught.value)


def test_perception_check_reads_a_derived_mapping(tmp_path, project):
    mapping = write(tmp_path, DERIVED)
    result = subprocess.run(
        [str(PERCEPTION), "check", str(tmp_path / "data.csv"), "--source", str(mapping), "--lang", "en"],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "column type + zone (urban_rural_code): 1 row(s): 6" in result.stdout
    assert "column theft (victim_12m)" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_the_documented_example_is_a_valid_mapping(tmp_path, project):
    """config/README.md's example of derived variables loads and runs as written."""
    readme = (project.root / "config/README.md").read_text(encoding="utf-8")
    example = readme.split("### Derived variables")[1].split("```yaml\n")[1].split("```")[0]
    variables = example.split("variables:\n")[1]
    data = tmp_path / "doc.csv"
    data.write_text(
        "id,region,w,Q21A,Q21B,Q31A,Q31B,Q1,HH_AGE,TYPE,ZONE\n1,Gao,1,2,8,1,7,999,40,2,2\n2,Gao,1,2,1,1,1,30,,1,5\n",
        encoding="utf-8",
    )
    path = tmp_path / "doc.yaml"
    path.write_text(MAPPING.format(file=data, variables=variables), encoding="utf-8")
    mapping = load_source(path, project.codebook, root="/")
    frame = harmonise(select_mapped_columns(read_file(data), mapping), mapping, project.codebook, project.geography)
    assert column(frame, "victim_12m") == [DK, 1]
    assert column(frame, "knows_complaint_mechanism") == [DK, 1]
    assert column(frame, "age") == [40, 30]
    assert column(frame, "urban_rural_code") == ["rural", "urban"]
    assert frame["issues"].tolist() == ["", ""]

"""The partner release bundle, built by the session's shared workflow run (the small ``.test`` project).

The tests read what the release rule wrote, as a partner would: every file is scanned
for identifiers, every microdata file is checked for k-anonymity and
l-diversity, the Data Package is validated with frictionless, checksums are
recomputed, and a second build must give byte-identical files.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from frictionless import validate

from perception.catalog.status import NOT_ASKED, NOT_SURVEYED
from perception.config.project import Project
from perception.disclosure.cells import suppress_estimated
from perception.disclosure.risk import key_counts, not_l_diverse
from perception.files import FORMULA_START
from perception.ingest.readers import read_file
from perception.release.bundle import build_release
from perception.release.contents import microdata_files, release_files
from perception.release.documents import provenance_file

pytestmark = pytest.mark.slow
RELEASE = Path("data/processed/release")

PHONE = re.compile(
    r"(?:\+|00)223[ .-]?\d{2}(?:[ .-]?\d{2}){3}"  # with the country code
    r"|(?<![\w.])[679]\d(?:[ -]?\d{2}){3}(?![\w.])"  # 8 digits starting 6, 7 or 9, grouped or not
)
GPS = re.compile(r"(?<![\w.])(?:1\d|2[0-5])\.\d{4,}[ ,;]+-?(?:\d|1[0-2])\.\d{4,}(?![\w.])")  # Mali: 10-25 N, 12 W-4 E
# Tables of estimates and SEs (variance_check.csv compares the release's SEs with the report's).
STATISTICAL_TABLES = {"indicators.csv", "comparisons.csv", "breakdowns.csv", "variance_check.csv"}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# Raw columns holding names, phones, coordinates, partner ids and device ids.
PERSONAL_COLUMN = re.compile(r"nom|enqueteur|tel|gps|id_rep|id_repondant|uuid|deviceid|^_id$", re.IGNORECASE)


@pytest.fixture(scope="module")
def release_run(workflow_run) -> Path:
    """The shared run of the small project (conftest.py): its release is what these tests read."""
    return workflow_run


def read_labelled(path: Path) -> tuple[pd.DataFrame, object]:
    """A .sav (special codes kept, not turned into blanks) or .dta file."""
    if path.suffix == ".sav":
        return pyreadstat.read_sav(path, user_missing=True)
    return pyreadstat.read_dta(path)


def microdata(release_run: Path, wave: str) -> dict[str, pd.DataFrame]:
    files = microdata_files(wave)
    out = {files["csv"]: pd.read_csv(release_run / RELEASE / files["csv"], keep_default_na=False, na_values=[""])}
    for key in ("sav", "sav_en", "dta", "dta_en"):
        data, _ = read_labelled(release_run / RELEASE / files[key])
        out[files[key]] = data.replace("", None)
    return out


def release_text(path: Path) -> str:
    """Everything a reader of the file can see: values, names, labels."""
    if path.suffix not in (".sav", ".dta"):
        return path.read_text(encoding="utf-8")
    data, meta = read_labelled(path)
    labels = [str(v) for mapping in meta.variable_value_labels.values() for v in mapping.values()]
    parts = [meta.file_label or "", *meta.column_names, *(label or "" for label in meta.column_labels), *labels]
    return "\n".join([*parts, data.to_csv(index=False)])


def personal_values(release_run: Path, project: Project) -> dict[str, set]:
    """Names, phone digits, coordinates and ids found in the partner exports."""
    found: dict[str, set] = {"words": set(), "digits": set(), "numbers": set(), "tokens": set()}
    for wave in project.wave_ids:
        for mapping in project.sources(wave):
            data = read_file(mapping.file, mapping.read_options).data
            for column in (c for c in data.columns if PERSONAL_COLUMN.search(c)):
                for value in data[column].dropna().astype(str):
                    value = value.strip()
                    if not value:
                        continue
                    if re.fullmatch(r"-?\d+\.\d+( -?\d+\.?\d*)*", value):
                        found["numbers"] |= {v for v in value.split() if len(v) > 6}
                    elif re.fullmatch(r"[+\d .-]{8,}", value):
                        found["digits"].add(re.sub(r"\D", "", value)[-8:])
                    elif " " in value:
                        found["words"].add(tuple(value.casefold().split()))
                    else:
                        found["tokens"].add(value)
    return found


def test_release_holds_exactly_the_listed_files(release_run, run_project):
    names = sorted(p.name for p in (release_run / RELEASE).iterdir())
    assert names == sorted(release_files(run_project))
    assert "responses_2024-baseline_en.sav" in names and "indicators.csv" in names


def test_no_identifier_leaves(release_run, run_project):
    personal = personal_values(release_run, run_project)
    assert len(personal["words"]) > 100 and len(personal["digits"]) > 100 and len(personal["numbers"]) > 100
    for path in sorted((release_run / RELEASE).iterdir()):
        text = release_text(path)
        # Statistical tables are full of decimal pairs (estimate, SE, ...) that look like
        # coordinates; the exact-value check below still covers them.
        patterns = (PHONE, EMAIL) if path.name in STATISTICAL_TABLES else (PHONE, GPS, EMAIL)
        for pattern in patterns:
            match = pattern.search(text)
            assert match is None, f"{path.name}: {match.group(0)!r} looks like personal data"
        words = re.findall(r"[^\W\d_]+", text.casefold())
        ngrams = {tuple(words[i : i + size]) for size in (2, 3, 4) for i in range(len(words) - size + 1)}
        assert not ngrams & personal["words"], f"{path.name}: a name from the partner exports"
        if path.name in STATISTICAL_TABLES:  # decimals glued together would mimic phone numbers: compare cells
            cells = {re.sub(r"\D", "", cell)[-8:] for cell in re.split(r"[,\n]", text) if "." not in cell}
            assert not cells & personal["digits"], f"{path.name}: a phone number"
        else:
            digits = {re.sub(r"\D", "", run) for run in re.findall(r"\+?\d(?:[ .-]?\d)*", text)}
            assert not {d[-8:] for d in digits if len(d) >= 8} & personal["digits"], f"{path.name}: a phone number"
        assert not set(re.findall(r"-?\d+\.\d+", text)) & personal["numbers"], f"{path.name}: a coordinate"
        assert not set(re.findall(r"[\w-]+", text)) & personal["tokens"], f"{path.name}: a partner id"


def test_no_released_csv_cell_starts_a_formula(release_run):
    for path in sorted((release_run / RELEASE).glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    formula = cell.startswith(FORMULA_START) and not re.fullmatch(r"-?[\d.]+(e-?\d+)?", cell)
                    assert not formula, f"{path.name}: {cell!r} would run as a spreadsheet formula"


def test_only_allowlisted_columns_are_released(release_run, run_project):
    codebook = run_project.codebook
    allowed = {*codebook.published(), "wave", "source_id", "response_id", "weight_final", "age_group"}
    for wave in run_project.wave_ids:
        for name, data in microdata(release_run, wave).items():
            assert set(data.columns) <= allowed, name
            assert "age" not in data.columns and "respondent_id" not in data.columns


def test_every_microdata_file_is_k_anonymous_and_l_diverse(release_run, run_project):
    settings = run_project.config["disclosure"]
    dictionary = pd.read_csv(release_run / RELEASE / "data_dictionary.csv")
    keys = dictionary.loc[dictionary["quasi_identifier"], "variable"].tolist()
    sensitive = dictionary.loc[dictionary["sensitive"], "variable"].tolist()
    assert keys == ["region_code", "gender_code", "age_group", "urban_rural_code"]
    assert sensitive == ["victim_12m", "abuse_witnessed"]
    for wave in run_project.wave_ids:
        files = microdata(release_run, wave)
        for name, data in files.items():
            counts = key_counts(data, keys)[0]
            assert counts.min() >= settings["k"], f"{name}: a key shared by {counts.min()} record(s)"
            for item in sensitive:
                assert not not_l_diverse(data, keys, item, settings["l"]).any(), f"{name}: {item}"
            assert set(data["age_group"].dropna()) <= {18, 25, 35, 45, 55, 65, -1, -2}
        first = next(iter(files.values()))
        assert all(len(data) == len(first) for data in files.values())


def test_disclosure_report_shows_risk_before_and_after(release_run, run_project):
    report = pd.read_csv(release_run / RELEASE / "disclosure_report.csv", keep_default_na=False)
    for wave in run_project.wave_ids:
        rows = report[report["wave"] == wave].set_index(["stage", "measure", "variable"])["value"].astype(float)
        assert rows["before", "records_below_k", ""] > 0
        assert rows["after", "records_below_k", ""] == 0
        assert rows["after", "expected_reidentifications", ""] < rows["before", "expected_reidentifications", ""]
        assert rows["after", "values_suppressed", "age_group"] > 0
        assert rows["after", "records", ""] == rows["before", "records", ""]
        # against an attacker who knows the person's true key, design units and pooled weights included
        k = run_project.config["disclosure"]["k"]
        assert rows["recoded", "attacker_min_k", ""] < k  # banding alone does not protect
        assert rows["after", "attacker_min_k", ""] >= k and rows["after", "attacker_records_below_k", ""] == 0
        for item in ("victim_12m", "abuse_witnessed"):
            assert rows["after", "attacker_records_not_l_diverse", item] == 0
            assert rows["after", "attacker_min_l", item] >= run_project.config["disclosure"]["l"]


def test_design_columns_are_masked_variance_units(release_run, run_project):
    check = pd.read_csv(release_run / RELEASE / "variance_check.csv", keep_default_na=False, na_values=[""])
    assert set(check["domain"]) == {"national", "region"} and check["se_ratio"].notna().all()
    national = check["domain"] == "national"
    # National cells rest on every pseudo-PSU: their release SE stays within a factor of 3 of the report's.
    assert check.loc[national, "se_ratio"].between(1 / 3, 3.0).all()
    # A region of the small .test project keeps two or three pseudo-PSUs (one or two degrees of freedom),
    # so one region's SE ratio is noisy; the typical region's is bounded like the national ones.
    assert check.loc[~national].groupby("wave")["se_ratio"].median().between(1 / 3, 3.0).all()
    for wave in run_project.wave_ids:
        internal = pd.read_csv(release_run / f"data/processed/{wave}/responses.csv")
        released = pd.read_csv(release_run / RELEASE / microdata_files(wave)["csv"])
        assert released["weight_final"].sum() == pytest.approx(internal["weight_final"].sum(), rel=1e-9)
        if run_project.waves[wave].design.psu is None:
            # weights only (or strata only): no PSU column, weights microaggregated in groups of similar weight
            assert "psu_id" not in released and "psu_id" not in internal
            assert (
                released.groupby(["weight_design", "weight_final"]).size().min()
                >= run_project.config["disclosure"]["k"]
            )
            continue
        # real PSUs grouped: about 4 per pseudo-PSU, 2 in the small project's regions of 4 enumeration areas
        assert released["psu_id"].nunique() <= internal["psu_id"].nunique() / 2
        assert released.groupby("psu_id")["stratum_id"].nunique().max() == 1  # nested in pseudo-strata
        assert released.groupby("stratum_id")["psu_id"].nunique().min() >= 2  # variance estimable
        # weights point to no single PSU: one value per pseudo-PSU and gender, totals kept
        assert released.groupby(["psu_id", "gender_code"])["weight_final"].nunique().max() == 1
        assert released["weight_final"].sum() == pytest.approx(internal["weight_final"].sum(), rel=1e-9)
        # rows are not in the partners' order (PSU by PSU)
        runs = (released["psu_id"] != released["psu_id"].shift()).sum()
        assert runs > len(released) / 2


def test_labels_in_french_and_english(release_run, run_project):
    codebook = run_project.codebook
    files = microdata_files(run_project.wave_ids[0])
    _, french = pyreadstat.read_sav(release_run / RELEASE / files["sav"], metadataonly=True, user_missing=True)
    _, english = pyreadstat.read_sav(release_run / RELEASE / files["sav_en"], metadataonly=True)
    assert french.column_names_to_labels["trust_police"] == codebook["trust_police"].label["fr"]
    assert english.column_names_to_labels["trust_police"] == codebook["trust_police"].label["en"]
    assert french.variable_value_labels["trust_police"][-1] == "Ne sait pas"
    assert english.variable_value_labels["gender_code"] == {"f": "Women", "m": "Men"}
    assert {r["lo"] for r in french.missing_ranges["trust_police"]} == {-1, -2}  # special codes are user-missing
    _, stata = pyreadstat.read_dta(release_run / RELEASE / files["dta_en"], metadataonly=True)
    assert stata.variable_value_labels["age_group"][65] == "65+"
    assert all(len(label.encode("utf-8")) <= 80 for label in stata.column_labels)
    assert stata.column_names_to_labels["unsafe_frequency"].startswith("Over the past 12 months")


def test_tables_hide_small_and_complementary_cells(release_run, run_project):
    released = pd.read_csv(release_run / RELEASE / "indicators.csv", keep_default_na=False, na_values=[""])
    computed = pd.read_csv(release_run / "data/processed/indicators.csv")
    assert len(released) == len(computed)
    # cells of an item a wave did not ask, or a region it did not survey, have no respondents and no number,
    # and say why in their status rather than as a suppression
    by_design = released["status"].isin([NOT_ASKED, NOT_SURVEYED])
    assert released.loc[by_design, ["estimate", "se"]].isna().all().all()
    small = (released["n"] < run_project.min_cell_n) & ~by_design
    assert small.any() and released.loc[small, "is_suppressed"].all()
    hidden = released["is_suppressed"]
    assert released.loc[hidden, ["estimate", "se", "ci_low", "ci_high"]].isna().all().all()
    assert (released["suppression_reason"] == "complementary").any()
    again = suppress_estimated(released, run_project.min_cell_n)  # nothing left to derive
    assert again["is_suppressed"].tolist() == hidden.tolist()


def test_breakdowns_hide_small_levels_and_one_more(release_run, run_project):
    released = pd.read_csv(release_run / RELEASE / "breakdowns.csv", keep_default_na=False, na_values=[""])
    assert len(released) == len(pd.read_csv(release_run / "data/processed/breakdowns.csv"))
    by_design = released["status"].isin([NOT_ASKED, NOT_SURVEYED])
    small = (released["n"] < run_project.min_cell_n) & ~by_design
    assert small.any() and released.loc[small, "is_suppressed"].all()
    assert released.loc[released["is_suppressed"], ["estimate", "se", "ci_low", "ci_high"]].isna().all().all()
    breakdown = [released["wave"], released["indicator"], released["breakdown"]]
    disclosed = released["suppression_reason"].isin(["small_cell", "complementary"]).groupby(breakdown).any()
    hidden = released["is_suppressed"].astype(bool).groupby(breakdown).sum()
    # with the national figure published, a level hidden for disclosure alone could be derived from the others
    assert disclosed.any() and (hidden[disclosed] >= 2).all()


def test_datapackage_validates(release_run, tmp_path):
    report = validate(release_run / RELEASE / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    package = json.loads((release_run / RELEASE / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    # A released value outside the codebook's codes makes it fail.
    broken = tmp_path / "release"
    shutil.copytree(release_run / RELEASE, broken)
    csv = broken / "responses_2024-baseline.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace(",f,", ",x,", 1), encoding="utf-8")
    assert not validate(broken / "datapackage.json").valid


def test_checksums_match_the_files(release_run, run_project):
    lines = (release_run / RELEASE / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in lines)
    assert list(listed) == [name for name in release_files(run_project) if name != "SHA256SUMS"]
    for name, digest in listed.items():
        assert hashlib.sha256((release_run / RELEASE / name).read_bytes()).hexdigest() == digest, name


def test_provenance_hashes_inputs_without_timestamps(release_run, run_project):
    provenance = json.loads((release_run / RELEASE / "provenance.json").read_text(encoding="utf-8"))
    raw = {str(m.file.relative_to(release_run)) for w in run_project.wave_ids for m in run_project.sources(w)}
    assert set(provenance["raw_files"]) == raw
    for name, digest in {**provenance["raw_files"], **provenance["config_files"]}.items():
        assert not Path(name).is_absolute(), name  # the same release whatever folder it was built in
        assert hashlib.sha256(provenance_file(run_project, name).read_bytes()).hexdigest() == digest, name
    assert "config/codebook.yaml" in provenance["config_files"]
    assert "perception/i18n/book.yaml" in provenance["config_files"]
    assert provenance["version"] and provenance["git_commit"]
    for name in ("provenance.json", "README.md", "datapackage.json"):
        text = (release_run / RELEASE / name).read_text(encoding="utf-8")
        assert not re.search(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\d{2}:\d{2}:\d{2}", text), name


def test_release_is_byte_identical_when_rebuilt(release_run, run_project, tmp_path):
    provenance = json.loads((release_run / RELEASE / "provenance.json").read_text(encoding="utf-8"))
    processed = release_run / "data/processed"
    build_release(
        run_project,
        {wave: processed / wave / "responses.csv" for wave in run_project.wave_ids},
        {name: processed / f"{name}.csv" for name in run_project.config["release"]["tables"]},
        tmp_path,
        [release_run / name for name in provenance["raw_files"]],
        [provenance_file(run_project, name) for name in provenance["config_files"]],
    )
    for name in release_files(run_project):
        assert (tmp_path / name).read_bytes() == (release_run / RELEASE / name).read_bytes(), name

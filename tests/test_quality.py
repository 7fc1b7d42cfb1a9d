"""Data-quality checks, corrections, the cleaning log and the wave's quality files."""

from __future__ import annotations

import pandas as pd
import pytest

from perception.config.sources import load_source
from perception.errors import ConfigError
from perception.files import write_csv
from perception.ingest.columns import select_mapped_columns
from perception.ingest.readers import read_source
from perception.stages import validate as validate_wave
from perception.transform.checks import FLAG_COLUMNS, LOG_COLUMNS, prepare_source
from perception.transform.corrections import load_corrections
from perception.transform.validate import validate

SOURCE = "partner_b_2024-baseline"


@pytest.fixture()
def messy_kobo(tmp_path, project):
    """Ten real demo rows with one of each quality problem written in (source rows 2-6)."""
    data = pd.read_csv(project.root / "data/raw/2024-baseline/partner_b_kobo.csv", dtype=str, keep_default_na=False)
    data = data.head(10).copy()
    data.loc[2] = data.loc[1]  # row 3: the same submission sent twice (same _uuid, same respondent)
    data.loc[3, "end"] = (pd.Timestamp(data.loc[3, "start"]) + pd.Timedelta(hours=16)).isoformat()  # row 4: 16 h
    for column in [c for c in data.columns if c.startswith("confiance/")]:
        data.loc[4, column] = "assez"  # row 5: the same answer to all six trust items
    data.loc[5, ["securite/victime", "securite/signale"]] = ["non", "oui"]  # row 6: skip logic broken
    data.loc[6, "start"] = ""  # row 7: duration unknown
    data.loc[7, "identification/region"] = "Douentza"  # row 8: unknown region (a correction will fix it)
    path = tmp_path / "kobo.csv"
    data.to_csv(path, index=False)
    text = (project.root / f"config/sources/{SOURCE}.yaml").read_text(encoding="utf-8")
    mapping_path = tmp_path / "m.yaml"
    mapping_path.write_text(text.replace("data/raw/2024-baseline/partner_b_kobo.csv", str(path)), encoding="utf-8")
    mapping = load_source(mapping_path, project.codebook, root="/")
    return mapping, select_mapped_columns(read_source(mapping.file, mapping), mapping)


def corrections(tmp_path, text: str, sources=(SOURCE,)):
    path = tmp_path / "corrections.csv"
    path.write_text(text, encoding="utf-8")
    return load_corrections(path, list(sources))


def test_checks_flag_quarantine_or_blank_as_configured(messy_kobo, project):
    mapping, raw = messy_kobo
    prepared = prepare_source(raw, mapping, project.codebook, project.geography)
    flags = prepared.flags
    assert list(flags.columns) == FLAG_COLUMNS
    found = {(row.source_row, row.check, row.action) for row in flags.itertuples(index=False)}
    assert found == {
        (3, "duplicate_submission", "quarantine"),
        (4, "duration", "flag"),
        (5, "straightlining", "flag"),
        (6, "skip_logic", "blank"),
        (7, "duration", "flag"),
    }
    detail = dict(zip(flags["source_row"], flags["detail"], strict=False))
    assert detail[3] == "_uuid: same submission as source row 2"
    assert detail[4] == "interview lasted 960.0 min, outside 10–120 min"
    assert detail[7] == "start/end: start or end time missing or unreadable"
    assert "victim_12m is not one of 1" in detail[6]
    assert pd.isna(prepared.frame.loc[5, "reported_to_police"])
    log = prepared.cleaning_log
    assert log[["source_row", "variable", "old_value", "new_value", "rule"]].values.tolist() == [
        [6, "reported_to_police", "1", "", "check:skip_logic"]
    ]
    result = validate(prepared.frame, project.codebook, project.geography)
    reasons = dict(zip(result.quarantine["source_row"], result.quarantine["reasons"], strict=True))
    # the repeated submission is quarantined; the first one is released (not a duplicate-id pair)
    assert set(reasons) == {3, 8}
    assert reasons[3] == "_uuid: same submission as source row 2"
    assert 2 in set(result.released["source_row"])
    assert len(result.released) + len(result.quarantine) == len(raw.data)


def test_corrections_fix_blank_and_remove_rows_and_are_logged(tmp_path, messy_kobo, project):
    mapping, raw = messy_kobo
    fixes = corrections(
        tmp_path,
        "source_id,source_row,respondent_id,action,variable,new_value,reason\n"
        f"{SOURCE},8,,set,region_code,Mopti,Douentza is a cercle of Mopti (partner email 2024-04-02)\n"
        f"{SOURCE},,{raw.data.loc[0, 'identification/id_repondant']},set,age,dont_know,age refused on paper form\n"
        f"{SOURCE},9,,blank,trust_police,,enumerator read the wrong item\n"
        f"{SOURCE},10,,remove,,,test interview\n",
    )
    prepared = prepare_source(raw, mapping, project.codebook, project.geography, fixes)
    frame = prepared.frame
    assert frame.loc[7, "region_code"] == "ML-5" and frame.loc[7, "issues"] == ""
    assert frame.loc[0, "age"] == project.codebook.special_code("dont_know")
    assert pd.isna(frame.loc[8, "trust_police"])
    log = prepared.cleaning_log
    assert list(log.columns) == LOG_COLUMNS
    rules = log.set_index("source_row")["rule"].to_dict()
    assert rules == {
        8: "correction:set",
        1: "correction:set",
        9: "correction:blank",
        10: "correction:remove",
        6: "check:skip_logic",
    }
    assert log.set_index("source_row").loc[8, "reason"].startswith("Douentza is a cercle")
    result = validate(frame, project.codebook, project.geography)
    reasons = dict(zip(result.quarantine["source_row"], result.quarantine["reasons"], strict=True))
    assert reasons == {3: "_uuid: same submission as source row 2", 10: "removed by correction: test interview"}
    assert len(result.released) + len(result.quarantine) == 10


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (f"{SOURCE},999,,set,age,30,x", "line 2: source_row 999 does not exist in kobo.csv"),
        (f"{SOURCE},1,,set,agee,30,x", "'agee' is not a codebook variable"),
        (f"{SOURCE},,NOPE,set,age,30,x", "respondent_id 'NOPE' not found"),
        (f"{SOURCE},1,,set,age,trente,x", "'trente' is not a valid integer value for age"),
        (f"{SOURCE},1,,set,trust_police,7,x", "'7' is not a code of trust_police"),
        (f"{SOURCE},1,,set,region_code,Atlantis,x", "'Atlantis' is not a region of layout regions_2012"),
    ],
)
def test_correction_pointing_nowhere_is_a_clear_error(tmp_path, messy_kobo, project, line, message):
    mapping, raw = messy_kobo
    fixes = corrections(tmp_path, f"source_id,source_row,respondent_id,action,variable,new_value,reason\n{line}\n")
    with pytest.raises(ConfigError, match=message):
        prepare_source(raw, mapping, project.codebook, project.geography, fixes)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("source_id,source_row,action,variable,new_value,reason\nother,1,set,age,30,x\n", "not a source of this wave"),
        ("source_id,source_row,action,variable,new_value,reason\ns,1,delete,age,30,x\n", "action must be one of"),
        ("source_id,source_row,action,variable,new_value,reason\ns,1,set,age,30,\n", "give a reason"),
        ("source_id,action,variable,new_value,reason\ns,set,age,30,x\n", "source_row or respondent_id"),
        ("source_id,source_row,respondent_id,action,variable,new_value,reason\ns,1,A,set,age,3,x\n", "exactly one"),
    ],
)
def test_malformed_corrections_file_is_refused(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        corrections(tmp_path, text, sources=("s",))


def test_wave_files_account_for_every_row(tmp_path, messy_kobo, project):
    mapping, raw = messy_kobo
    prepared = prepare_source(raw, mapping, project.codebook, project.geography)
    interim = tmp_path / "interim"
    prepared.frame.to_parquet(tmp_path / "h.parquet", index=False)
    write_csv(prepared.flags, interim / "flags.csv")
    write_csv(prepared.cleaning_log, interim / "log.csv")
    names = ("valid", "quarantine", "quality", "flags", "cleaning_log", "annex")
    outputs = {name: tmp_path / f"out/{name}.csv" for name in names}
    outputs["valid"] = tmp_path / "out/valid.parquet"
    validate_wave(
        project, "2024-baseline", [tmp_path / "h.parquet"], [interim / "flags.csv"], [interim / "log.csv"], outputs
    )
    flags = pd.read_csv(outputs["flags"])
    assert list(flags.columns) == FLAG_COLUMNS
    assert list(flags["source_row"]) == sorted(flags["source_row"])
    annex = pd.read_csv(outputs["annex"], keep_default_na=False)
    counts = {(r.section, r.item, r.action): r.count for r in annex.itertuples(index=False)}
    assert counts[("rows", "received", "")] == 10
    assert counts[("rows", "released", "")] + counts[("rows", "quarantined", "")] == 10
    assert counts[("quarantine", "duplicate_submission", "")] == 1
    assert counts[("quarantine", "unknown_region", "")] == 1
    assert counts[("flags", "duration", "flag")] == 2
    assert counts[("cleaning", "check:skip_logic", "")] == 1
    quarantine = pd.read_csv(outputs["quarantine"])
    assert set(quarantine["reason_categories"]) == {"duplicate_submission", "unknown_region"}

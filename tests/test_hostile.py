"""Hostile and mistaken settings: every attack ends in one line naming the file and the place.

Each test plants one mistake or attack in a copy of the project's own
configuration (or inline data) and checks the message a user would see.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from perception.config.codebook import load_codebook
from perception.config.geography import load_geography
from perception.config.project import Project
from perception.config.registry import load_indicators
from perception.errors import ConfigError, PerceptionError

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).parent / "snakemake"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A copy of the project's configuration, to break."""
    shutil.copytree(REPO / "config", tmp_path / "config")
    return tmp_path


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def one_line(error: PerceptionError) -> str:
    text = str(error)
    assert "\n" not in text and "Traceback" not in text
    return text


def everything(root: Path) -> Project:
    """Load every settings file the workflow reads, as the Snakefile does."""
    project = Project.from_file("config/config.yaml", root=root)
    _ = project.indicators, project.geography
    for wave in project.wave_ids:
        project.sources(wave)
    return project


def test_the_project_and_its_examples_pass(root):
    project = everything(root)
    assert project.wave_ids == ["2024-baseline", "2025-followup", "2025-partner-c"]
    from perception.config.sources import load_source

    for path in sorted((REPO / "config/sources/examples").glob("*.yaml")):
        load_source(path, project.codebook, REPO)


# --------------------------------------------------------------------------
# unknown keys, with a suggestion
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            "codebook.yaml",
            '    quasi_identifier: true\n    label: {fr: "Sexe"',
            '    quasi_identifer: true\n    label: {fr: "Sexe"',
            "config/codebook.yaml: variables.gender_code: quasi_identifer: unknown key; did you mean quasi_identifier?",
        ),
        (
            "codebook.yaml",
            "    sensitive: true",
            "    sensitve: true",
            "config/codebook.yaml: variables.victim_12m: sensitve: unknown key; did you mean sensitive?",
        ),
        (
            "indicators.yaml",
            "  - id: trust_army\n    chapter: trust",
            "  - id: trust_army\n    chaptre: trust",
            "config/indicators.yaml: indicators[trust_army]: chaptre: unknown key; did you mean chapter?",
        ),
        (
            "geography.yaml",
            "      - code: ML-5\n        name: {fr: Mopti, en: Mopti}\n        aliases: []",
            "      - code: ML-5\n        name: {fr: Mopti, en: Mopti}\n        alias: []",
            "config/geography.yaml: layouts.regions_2012.regions[ML-5]: alias: unknown key; did you mean aliases?",
        ),
        (
            "config.yaml",
            "min_cell_n: 30",
            "min_cel_n: 30",
            "config/config.yaml: (top level): min_cel_n: unknown key; did you mean min_cell_n?",
        ),
        (
            "config.yaml",
            "  k: 5\n",
            "  K: 5\n",
            "config/config.yaml: disclosure: K: unknown key; did you mean k?",
        ),
        (
            "sources/partner_a_2024-baseline.yaml",
            "  age: {column: AGE,",
            "  age: {colum: AGE,",
            "config/sources/partner_a_2024-baseline.yaml: variables.age: colum: unknown key; did you mean column?",
        ),
    ],
)
def test_unknown_key_is_refused_with_a_suggestion(root, file, old, new, expected):
    edit(root / "config" / file, old, new)
    with pytest.raises(ConfigError) as caught:
        everything(root)
    assert one_line(caught.value).endswith(expected)


def test_a_typo_cannot_switch_disclosure_control_off(root):
    """The attack of issue 9: the codebook said quasi_identifer and loaded as "not a quasi-identifier"."""
    path = root / "config/codebook.yaml"
    edit(path, "    quasi_identifier: true", "    quasi_identifer: true", count=4)
    with pytest.raises(ConfigError, match="did you mean quasi_identifier"):
        load_codebook(path)


# --------------------------------------------------------------------------
# wrong types, malformed files
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            "codebook.yaml",
            '    publish: true\n    quasi_identifier: true\n    label: {fr: "Région"',
            '    publish: oui\n    quasi_identifier: true\n    label: {fr: "Région"',
            "variables.region_code.publish: expected true or false, found 'oui'",
        ),
        (
            "codebook.yaml",
            '      m: {fr: "Hommes", en: "Men"}',
            '      m: {fr: "Hommes", en: No}',
            "variables.gender_code.codes.m.en: expected text, found false (a yes/no value; quote it",
        ),
        ("codebook.yaml", "    type: float\n", "    type: decimal\n", "variables.weight_design.type: expected one of"),
        ("indicators.yaml", "    success_codes: [2, 3]", "    success_codes: two", "success_codes: expected a list"),
        ("geography.yaml", "tile: {row: 2, col: 0}", "tile: {row: -2, col: 0}", "regions[ML-1].tile.row: -2 is less"),
        ("config.yaml", "min_cell_n: 30", "min_cell_n: thirty", "min_cell_n: expected a whole number, found 'thirty'"),
        ("codebook.yaml", "variables:\n", "variables: [\n", "config/codebook.yaml: line "),
        ("geography.yaml", "layouts:\n", "layouts:\n\t", "config/geography.yaml: line 2"),
    ],
)
def test_wrong_type_or_malformed_file_is_one_line(root, file, old, new, expected):
    edit(root / "config" / file, old, new)
    with pytest.raises(ConfigError) as caught:
        everything(root)
    assert expected in one_line(caught.value)


def test_a_key_written_twice_is_refused(root):
    path = root / "config/codebook.yaml"
    edit(path, "  age:\n", '  age:\n    type: integer\n    label: {fr: "x", en: "x"}\n  age:\n')
    with pytest.raises(ConfigError, match=r"codebook\.yaml: line \d+, column 3: .*key 'age' appears twice"):
        load_codebook(path)


def test_merge_keys_may_still_override(tmp_path):
    from perception.files import load_yaml

    path = tmp_path / "m.yaml"
    path.write_text("a: &x {k: 1, j: 2}\nb: {<<: *x, k: 3}\n", encoding="utf-8")
    assert load_yaml(path)["b"] == {"k": 3, "j": 2}


def test_latin1_mapping_and_folder_mapping(root):
    mapping = root / "config/sources/partner_a_2024-baseline.yaml"
    mapping.write_bytes(mapping.read_text(encoding="utf-8").encode("cp1252"))  # Windows "ANSI"
    with pytest.raises(ConfigError, match=r"partner_a_2024-baseline\.yaml: not UTF-8 text \(byte \d+\); save"):
        everything(root)
    edit(root / "config/config.yaml", "config/sources/partner_a_2024-baseline.yaml", "config/sources/examples")
    with pytest.raises(ConfigError, match=r"config/sources/examples: is a folder, not a file"):
        everything(root)


def test_empty_codebook_and_registry(root):
    (root / "config/codebook.yaml").write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"codebook\.yaml: \(top level\): expected a mapping .*found nothing"):
        load_codebook(root / "config/codebook.yaml")


# --------------------------------------------------------------------------
# identifiers used in paths, sources listed twice
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            "sources/partner_a_2024-baseline.yaml",
            "source_id: partner_a_2024-baseline",
            "source_id: ../../../../tmp/x",
            "partner_a_2024-baseline.yaml: source_id: '../../../../tmp/x' is not allowed: expected lowercase",
        ),
        (
            "config.yaml",
            "  2025-followup:",
            "  ../2025:",
            "config/config.yaml: waves: '../2025' is not allowed: expected lowercase",
        ),
        (
            "geography.yaml",
            "- code: ML-3",
            "- code: ML/3",
            "config/geography.yaml: layouts.regions_2012.regions[ML/3].code: 'ML/3' is not allowed",
        ),
        (
            "indicators.yaml",
            "- id: trust_army",
            "- id: ../../army",
            "config/indicators.yaml: indicators[../../army].id: '../../army' is not allowed",
        ),
    ],
)
def test_identifiers_used_in_file_names_are_safe(root, file, old, new, expected):
    edit(root / "config" / file, old, new)
    with pytest.raises(ConfigError) as caught:
        everything(root)
    assert expected in one_line(caught.value)


def test_a_source_listed_twice_is_refused(root):
    edit(root / "config/config.yaml", "partner_b_2024-baseline.yaml", "partner_a_2024-baseline.yaml")
    with pytest.raises(ConfigError) as caught:
        everything(root)
    assert one_line(caught.value) == (
        "config/config.yaml: waves.2024-baseline.sources: 'config/sources/partner_a_2024-baseline.yaml' is listed twice"
    )


def test_two_mappings_with_one_source_id_are_refused(root):
    edit(root / "config/sources/partner_b_2024-baseline.yaml", "source_id: partner_b", "source_id: partner_a")
    with pytest.raises(ConfigError, match=r"config\.yaml: waves\.2024-baseline\.sources: .* both have source_id"):
        everything(root)


def test_settings_loaded_by_the_helpers(root):
    with pytest.raises(ConfigError, match="file not found"):
        load_geography(root / "config/nowhere.yaml")
    project = Project.from_file("config/config.yaml", root=root)
    assert load_indicators(root / "config/indicators.yaml", project.codebook)


# --------------------------------------------------------------------------
# the Snakefile: configuration errors while it is read
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("waves:\n", "waves: [\n", "perception: config/config.yaml: line "),
        ("min_cell_n: 30", "min_cel_n: 30", "perception: config/config.yaml: (top level): min_cel_n: unknown key"),
    ],
)
def test_snakefile_reports_configuration_errors_in_one_line(tmp_path, old, new, expected):
    for name in ("Snakefile", "workflow", "config", "book"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("_build", "_src"))
        else:
            shutil.copy(source, tmp_path / name)
    edit(tmp_path / "config/config.yaml", old, new)
    result = subprocess.run(
        [str(SNAKEMAKE), "-n", "--cores", "1"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert result.returncode != 0
    output = (result.stdout + result.stderr).strip()
    assert expected in output
    assert 'File "' not in output and "Traceback" not in output and "WorkflowError" not in output
    assert len(output.splitlines()) == 1, output


# --------------------------------------------------------------------------
# settings CSVs: corrections and weighting targets
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "source_id,source_row,action,variabel,new_value,reason\n",
            "2024-baseline.csv: line 1: variabel: unknown column; did you mean variable?",
        ),
        (
            "source_id,source_row,action,variable,variable,new_value,reason\n",
            "2024-baseline.csv: line 1: column(s) variable appear more than once",
        ),
        (
            "source_id,source_row,action,variable,new_value,reason\np,1,set,age\n",
            "2024-baseline.csv: line 2: 4 field(s) but the header has 6",
        ),
        ("<!DOCTYPE html><html><body>Sign in</body></html>\n", "2024-baseline.csv: looks like a web page"),
        ("", "2024-baseline.csv: file is empty"),
    ],
)
def test_corrections_file_is_checked(root, content, expected):
    from perception.transform.corrections import load_corrections

    path = root / "config/corrections/2024-baseline.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_corrections(path, ["partner_a_2024-baseline"])
    assert expected in one_line(caught.value)


def test_corrections_in_latin1_and_as_a_folder(root):
    from perception.transform.corrections import load_corrections

    path = root / "config/corrections/2024-baseline.csv"
    path.write_bytes("source_id,source_row,action,variable,new_value,reason\np,1,set,age,3,été\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"2024-baseline\.csv: not UTF-8 text \(byte \d+\)"):
        load_corrections(path, ["p"])
    path.unlink()
    path.mkdir()
    with pytest.raises(ConfigError, match=r"2024-baseline\.csv: is a folder"):
        load_corrections(path, ["p"])


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("region_code,ML-1,inf,census", "population must be positive"),
        ("region_code,ML-1,nan,census", "population must be positive"),
        ("region_code,ML-1,-5,census", "population must be positive"),
    ],
)
def test_weighting_targets_refuse_hostile_populations(tmp_path, row, expected):
    from perception.config.margins import load_margins

    path = tmp_path / "m.csv"
    path.write_text(f"variable,level,population,source\n{row}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=expected):
        load_margins([path])
    path.write_text("variable,level,populaton,source\nregion_code,ML-1,5,c\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="populaton: unknown column; did you mean population"):
        load_margins([path])


# --------------------------------------------------------------------------
# hostile values in partner files
# --------------------------------------------------------------------------


def kobo_file(tmp_path: Path, weights: list[str], header: str | None = None) -> tuple[Path, Path]:
    """A partner-B-like CSV with one row per weight, and partner B's mapping pointed at it."""
    from builders import KOBO_HEADER, kobo_row, partner_b_mapping

    rows = [kobo_row(f"B{i}", "Mopti", poids=w) for i, w in enumerate(weights, start=1)]
    data = tmp_path / "data.csv"
    data.write_text((header or KOBO_HEADER) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    project = Project.from_file("config/config.yaml", root=REPO)
    mapping.write_text(partner_b_mapping(project, data), encoding="utf-8")
    return data, mapping


def check_cli(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    from perception.cli import main

    monkeypatch.chdir(REPO)
    code = main(["check", *args, "--lang", "en"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_hostile_weights_are_quarantined_with_a_reason(tmp_path, monkeypatch, capsys):
    weights = ["1.5", "2", "inf", "-inf", "0", "-3", "1e9", "1e-9", "", "1.2", "NaN"]
    data, mapping = kobo_file(tmp_path, weights)
    code, out, _ = check_cli(monkeypatch, capsys, str(data), "--source", str(mapping))
    assert code == 1
    assert f"8 of {len(weights)} rows have problems" in out
    assert "poids = inf: not a finite number" in out or "weight_design = inf: not a finite number" in out
    assert "not a finite number" in out and "times the wave's median weight (limit: 1000 times)" in out

    from perception.ingest.columns import select_mapped_columns
    from perception.ingest.readers import read_source
    from perception.transform.checks import prepare_source
    from perception.transform.validate import validate

    project = Project.from_file("config/config.yaml", root=REPO)
    from perception.config.sources import load_source

    source = load_source(mapping, project.codebook, REPO)
    prepared = prepare_source(
        select_mapped_columns(read_source(data, source), source), source, project.codebook, project.geography
    )
    result = validate(prepared.frame, project.codebook, project.geography, "weight_design")
    assert len(result.released) + len(result.quarantine) == len(weights)
    assert sorted(result.released["respondent_id"]) == ["B1", "B10", "B2"]
    reasons = dict(zip(result.quarantine["respondent_id"], result.quarantine["reasons"], strict=True))
    assert reasons["B3"] == "weight_design = inf: not a finite number"
    assert reasons["B7"].startswith("weight_design = 1000000000: 6.67e+08 times the wave's median weight")
    assert "must be greater than 0" in reasons["B5"] and "must be greater than 0" in reasons["B6"]


def test_duplicate_column_names_stop_with_their_names(tmp_path, monkeypatch, capsys):
    from builders import KOBO_HEADER

    header = KOBO_HEADER.replace("identification/telephone", "poids")
    data, _ = kobo_file(tmp_path, ["1.5"], header=header)
    code, _, err = check_cli(monkeypatch, capsys, str(data))
    assert code == 2
    assert err.strip() == f"perception: {data}: line 1: column poids appears more than once (columns 6 and 21)"


def test_duplicate_column_names_in_excel(tmp_path, monkeypatch, capsys):
    import openpyxl

    path = tmp_path / "export.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["id", "region", "id", "age", "age"])
    book.active.append(["a", "Mopti", "b", 3, 4])
    book.save(path)
    code, _, err = check_cli(monkeypatch, capsys, str(path))
    assert code == 2
    assert err.strip() == f"perception: {path}: sheet Sheet, row 1: column(s) id, age appear more than once"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".sav"])
def test_a_web_page_saved_as_an_export_is_called_a_web_page(tmp_path, monkeypatch, capsys, suffix):
    path = tmp_path / f"export{suffix}"
    path.write_text("\n  <!DOCTYPE html>\n<html><head><title>Sign in</title></head><body></body></html>\n")
    code, _, err = check_cli(monkeypatch, capsys, str(path))
    assert code == 2
    assert err.strip().startswith(f"perception: {path}: this is a web page (HTML), not a")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_csv_is_read(tmp_path, monkeypatch, capsys, encoding):
    from perception.ingest.readers import read_file

    path = tmp_path / "unicode.csv"
    path.write_bytes("id\trégion\tpoids\nB1\tSégou\t1,5\nB2\tMopti\t2\n".encode(encoding))
    table = read_file(path)
    assert list(table.data.columns) == ["id", "région", "poids"]
    assert table.data["région"].tolist() == ["Ségou", "Mopti"]


def test_every_row_quarantined_is_one_line(tmp_path):
    import pandas as pd

    from perception.stages import publish_responses

    project = Project.from_file("config/config.yaml", root=REPO)
    valid = tmp_path / "valid.parquet"
    pd.DataFrame({"respondent_id": pd.Series([], dtype="string")}).to_parquet(valid)
    with pytest.raises(PerceptionError) as caught:
        publish_responses(project, "2024-baseline", valid, tmp_path / "r.csv", tmp_path / "s.csv")
    assert one_line(caught.value) == (
        f"{valid}: wave 2024-baseline: every row was quarantined, nothing is left to publish; "
        "see the reasons in data/processed/2024-baseline/quarantine.csv"
    )
    assert not (tmp_path / "r.csv").exists()


# --------------------------------------------------------------------------
# crash consistency
# --------------------------------------------------------------------------


def test_a_killed_writer_leaves_nothing_behind(tmp_path):
    import pandas as pd

    from perception.files import write_csv

    target = tmp_path / "indicators.csv"
    stale = tmp_path / ".indicators.csv.k2j4x_9a"  # what mkstemp left when the writer was killed
    stale.write_text("half", encoding="utf-8")
    other = tmp_path / ".indicators.csv.bak"  # not a temporary of ours
    other.write_text("keep", encoding="utf-8")
    write_csv(pd.DataFrame({"a": [1]}), target)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".indicators.csv.bak", "indicators.csv"]


def test_stale_lock_is_recognised(tmp_path):
    from perception.workflow_run import stale_lock

    assert not stale_lock(tmp_path)
    locks = tmp_path / ".snakemake/locks"
    locks.mkdir(parents=True)
    (locks / "0.input.lock").write_text("x", encoding="utf-8")
    assert stale_lock(tmp_path)  # nothing runs Snakemake in tmp_path


@pytest.fixture
def sigint():
    """The code under test ignores a second Ctrl-C; give pytest its handler back."""
    import signal

    previous = signal.getsignal(signal.SIGINT)
    yield
    signal.signal(signal.SIGINT, previous)


def test_interrupted_stage_is_one_line(tmp_path, capsys, sigint):
    from types import SimpleNamespace

    from perception.job import run_rule

    def stage(project, smk):
        raise KeyboardInterrupt

    config = Project.from_file("config/config.yaml", root=REPO).config
    smk = SimpleNamespace(log=[str(tmp_path / "x.log")], config=config)
    with pytest.raises(SystemExit) as caught:
        run_rule(smk, stage)
    assert caught.value.code == 130
    assert capsys.readouterr().err == "perception: interrupted\n"


def test_interrupted_check_is_one_line(monkeypatch, capsys, sigint):
    import perception.ingest.readers as readers
    from perception.cli import main

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(readers, "read_file", interrupted)
    assert main(["check", "x.csv"]) == 130
    assert capsys.readouterr().err == "perception: interrupted\n"


def test_files_with_partner_ids_are_documented_and_never_released(project):
    from perception.release.contents import release_files

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Files that hold partner respondent ids")[1].split("\n### ")[0]
    for name in ("quarantine.csv", "flags.csv", "cleaning_log.csv", "interim/", "never released"):
        assert name in section
    released = release_files(project)
    assert not [n for n in released if any(w in n for w in ("quarantine", "flags", "cleaning_log", "interim"))]


def test_a_running_snakemake_keeps_its_lock(tmp_path):
    from perception.workflow_run import snakemake_running

    fake = tmp_path / "snakemake"
    fake.write_text("import time\ntime.sleep(30)\n", encoding="utf-8")
    shell = subprocess.Popen(["sh", "-c", "sleep 30; true # .venv/bin/snakemake --cores 2"], cwd=tmp_path)
    try:
        assert not snakemake_running(tmp_path)  # make's shell only mentions snakemake
        running = subprocess.Popen([sys.executable, str(fake)], cwd=tmp_path)
        try:
            import time

            deadline = time.monotonic() + 10
            while not snakemake_running(tmp_path) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert snakemake_running(tmp_path)
        finally:
            running.kill()
            running.wait()
    finally:
        shell.kill()
        shell.wait()


def test_ctrl_c_during_a_run_is_one_line_and_leaves_no_job_behind(tmp_path):
    # A terminal's Ctrl-C reaches the foreground group: here the runner's own group only,
    # as Snakemake runs in a session of its own and hears it from the runner.
    import signal
    import time

    (tmp_path / "Snakefile").write_text(
        'rule slow:\n    output: "done.txt"\n    shell: "echo started > started.txt; sleep 60; touch {output}"\n',
        encoding="utf-8",
    )
    runner = subprocess.Popen(
        [sys.executable, "-m", "perception.workflow_run", "--cores", "1"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not (tmp_path / "started.txt").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert (tmp_path / "started.txt").exists()
    os.killpg(runner.pid, signal.SIGINT)
    _, err = runner.communicate(timeout=60)
    assert runner.returncode == 130
    lines = err.decode().splitlines()
    assert lines[-1] == "perception: interrupted; run make report again to finish"
    assert not [line for line in lines if "Error in rule" in line or "Traceback" in line]
    assert not (tmp_path / "done.txt").exists()
    from perception.workflow_run import snakemake_running

    assert not snakemake_running(tmp_path)
    sleeping = subprocess.run(["pgrep", "-f", "sleep 60; touch done.txt"], capture_output=True, text=True)
    assert sleeping.stdout == ""

"""The small ``.test`` project: a faithful shrink of the demo (same registry entries, same kinds of mess)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import REPO, SMALL, SMALL_SCALE

from perception import demo
from perception.ingest.readers import read_file

PERCEPTION = Path(sys.executable).parent / "perception"


def test_small_registry_entries_are_the_demos_word_for_word():
    full = {
        i["id"]: i for i in yaml.safe_load((REPO / "config/indicators.yaml").read_text(encoding="utf-8"))["indicators"]
    }
    small = yaml.safe_load((SMALL / "config/indicators.yaml").read_text(encoding="utf-8"))["indicators"]
    assert 5 <= len(small) < len(full)
    for entry in small:
        assert entry == full[entry["id"]], entry["id"]
    assert {i["chapter"] for i in small} == {i["chapter"] for i in full.values()}
    kinds = {i.get("type", "share") for i in small} | {"among" for i in small if "among" in i}
    assert kinds == {i.get("type", "share") for i in full.values()} | {"among"}


def test_small_config_differs_from_the_demos_only_where_documented():
    full = yaml.safe_load((REPO / "config/config.yaml").read_text(encoding="utf-8"))
    small = yaml.safe_load((SMALL / "config/config.yaml").read_text(encoding="utf-8"))
    assert small.pop("models") == {"outcomes": ["trust_police", "trust_army"]}
    full.pop("models", None)
    assert small == full


def test_scaled_demo_is_the_clis_output_byte_for_byte(workflow_run, tmp_path):
    result = subprocess.run(
        [str(PERCEPTION), "demo", "--root", str(tmp_path), "--scale", str(SMALL_SCALE)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    written = sorted(p.relative_to(tmp_path) for p in (tmp_path / "data/raw").rglob("*") if p.is_file())
    files = (demo.A_BASELINE_FILE, demo.B_FILE, demo.A_FOLLOWUP_FILE, demo.C_FILE, "demo_truth.csv")
    assert written == sorted(Path("data/raw") / f for f in files)
    for name in written:
        assert (tmp_path / name).read_bytes() == (workflow_run / name).read_bytes(), name


def test_every_kind_of_mess_is_in_the_scaled_exports(workflow_run):
    raw = workflow_run / "data/raw"
    scaled = demo.scaled_mess(SMALL_SCALE)
    assert [(m.file, m.column, m.what) for m in scaled] == [(m.file, m.column, m.what) for m in demo.MESS]
    for mess in scaled:
        data = read_file(raw / mess.file).data
        assert mess.row < len(data)
        value = data[mess.column].iloc[mess.row - 1]
        if mess.value == demo.COPY_PREVIOUS:
            assert value == data[mess.column].iloc[mess.row - 2], mess
        elif mess.value == "":
            assert pd.isna(value) or str(value).strip() == "", mess
        else:
            assert str(value).removesuffix(".0") == str(mess.value), mess


def test_scaled_mess_refuses_colliding_rows():
    with pytest.raises(ValueError, match="same row"):
        demo.scaled_mess(0.001)


@pytest.mark.parametrize("scale", ["0", "-1", "1.5", "nan", "a"])
def test_demo_scale_outside_zero_one_is_one_line(tmp_path, scale):
    result = subprocess.run(
        [str(PERCEPTION), "demo", "--root", str(tmp_path), "--scale", scale],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "(0, 1]" in result.stderr
    assert not (tmp_path / "data").exists()

"""The full demo, run twice from scratch, gives byte-identical outputs (``make identity``).

Minutes of work, so not part of ``make test`` (marker ``identity``, deselected
in pyproject.toml): ``make test`` checks the same property on the small
``.test`` project (test_workflow.py). Both copies run at once, each with one core.
"""

from __future__ import annotations

import subprocess

import pytest
from conftest import SNAKEMAKE, copy_repo, hashes

pytestmark = [pytest.mark.identity, pytest.mark.slow]


def test_two_full_demo_runs_give_byte_identical_outputs(tmp_path):
    trees = [copy_repo(tmp_path / name) for name in ("first", "second")]
    runs = [
        subprocess.Popen([str(SNAKEMAKE), "--cores", "1"], cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for tree in trees
    ]
    for run in runs:
        out, err = run.communicate(timeout=3600)
        assert run.returncode == 0, out.decode()[-2000:] + err.decode()[-4000:]
    for folder in ("data/processed", "book/_build/html"):
        first, second = (hashes(tree / folder) for tree in trees)
        assert len(first) > 100, folder
        assert sorted(first) == sorted(second), folder
        for name, digest in first.items():
            assert second[name] == digest, f"{folder}/{name}"

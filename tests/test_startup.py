"""Start-up: what every Snakemake call and every job pays before doing anything.

The Snakefile and every stage import ``perception``; heavy libraries are
imported where they are used, settings files are parsed with libyaml and
once per process, and a wave's source mappings are checked once per project.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import yaml
from conftest import REPO, copy_repo

from perception import files
from perception.config.project import Project

HEAVY = ("svy", "polars", "pandas", "scipy.stats", "statsmodels", "pandera", "plotnine", "matplotlib")


def _loaded(statement: str) -> list[str]:
    """The heavy modules loaded by running ``statement`` in a fresh interpreter."""
    code = f"import sys\n{statement}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    return result.stdout.split()


def test_import_perception_loads_no_heavy_library():
    assert _loaded("import perception") == []


def test_the_snakefile_imports_load_no_heavy_library():
    # what workflow/rules/common.smk imports, plus the stages module every script imports
    statement = (
        "import perception.errors, perception.files, perception.i18n, perception.config.project, "
        "perception.release.contents, perception.stages"
    )
    assert _loaded(statement) == []


def test_each_stage_loads_only_what_it_uses():
    assert "plotnine" not in _loaded("import perception.book.sources")
    assert "matplotlib" not in _loaded("import perception.book.sources")
    publish = _loaded("import perception.estimate.indicators, perception.estimate.weighting")
    assert "statsmodels" not in publish and "scipy.stats" not in publish


def test_public_names_are_still_there():
    import perception

    assert perception.estimate_means.__module__ == "perception.estimate.survey"
    assert {"SurveyDesign", "estimate_means", "estimate_shares", "final_weights"} <= set(dir(perception))


def test_yaml_uses_libyaml_and_keeps_refusing_repeated_keys():
    assert issubclass(files._StrictLoader, yaml.CSafeLoader) or not yaml.__with_libyaml__


def test_a_settings_file_is_parsed_once_per_version(tmp_path, monkeypatch):
    path = tmp_path / "settings.yaml"
    path.write_text("a: 1\nb: [1, 2]\n", encoding="utf-8")
    calls = []
    real = yaml.load
    monkeypatch.setattr(yaml, "load", lambda *args, **kwargs: calls.append(1) or real(*args, **kwargs))
    first = files.load_yaml(path)
    first["b"].append(3)  # a caller's copy: changing it changes nothing for the next caller
    assert files.load_yaml(path) == {"a": 1, "b": [1, 2]}
    assert len(calls) == 1
    path.write_text("a: 2\nb: [1, 2]\n", encoding="utf-8")
    os.utime(path, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))  # a new version, even on a coarse clock
    assert files.load_yaml(path) == {"a": 2, "b": [1, 2]}
    assert len(calls) == 2


def test_source_mappings_are_checked_once_and_again_after_an_edit(tmp_path, monkeypatch):
    import perception.config.project as project_module

    root = copy_repo(tmp_path / "repo")
    project = Project.from_file("config/config.yaml", root=root)
    wave = project.wave_ids[0]
    calls = []
    real = project_module.load_source
    monkeypatch.setattr(project_module, "load_source", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    first = project.source_ids(wave)
    for _ in range(5):
        assert project.source_ids(wave) == first
        project.source(wave, first[0])
    assert len(calls) == len(first)
    mapping = root / project.waves[wave].source_paths[0]
    mapping.write_text(mapping.read_text(encoding="utf-8").replace("source_id:", "source_id: ", 1), encoding="utf-8")
    later = time.time_ns() + 10**9
    os.utime(mapping, ns=(later, later))
    assert project.source_ids(wave) == first
    assert len(calls) == 2 * len(first)

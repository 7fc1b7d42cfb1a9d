"""The default weighting targets: derived from cited census figures, adults, one total per wave."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pandas as pd
import pytest

from perception.config.margins import load_margins

REPO = Path(__file__).resolve().parents[1]
DERIVE = REPO / "config/margins/derive.py"


def derive_module():
    spec = importlib.util.spec_from_file_location("derive_margins", DERIVE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_targets_are_the_derivation_scripts_output():
    for path, text in derive_module().files().items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name}: rerun config/margins/derive.py"


def test_every_input_figure_is_in_the_shared_census_notes(shared):
    notes = (shared / "reference/mali_population.md").read_text(encoding="utf-8")
    module = derive_module()
    numbers = [
        *module.RGPH4_2009.values(),
        module.RGPH4_TOTAL,
        module.RGPH5_TOTAL,
        module.RGPH5_BAMAKO,
        *module.RGPH5_SIKASSO_2023_PARTS.values(),
    ]
    for number in numbers:
        assert f"{number:,}" in notes, f"{number:,} is not in mali_population.md"
    for percent in (
        module.RGPH5_MEN_PERCENT,
        module.RGPH5_WOMEN_PERCENT,
        module.RGPH5_UNDER_15_PERCENT,
        module.RGPH5_GROWTH_PERCENT,
    ):
        assert re.search(rf"{re.escape(str(percent))}\s*%", notes), f"{percent} % is not in mali_population.md"
    assert f"median age {module.RGPH5_MEDIAN_AGE}" in notes
    for name in module.RGPH5_SIKASSO_2023_PARTS:
        assert f"{name} {module.RGPH5_SIKASSO_2023_PARTS[name]:,}" in notes


def test_adult_share_interpolates_the_published_age_structure():
    module = derive_module()
    # 47.2 % under 15, 50 % under the median age 16.1: 2.545 points a year, so 54.84 % under 18
    assert module.adult_share() == pytest.approx(1 - (0.5 + 1.9 * 0.028 / 1.1))
    assert 0.44 < module.adult_share() < 0.47


@pytest.mark.parametrize("wave", ["2024-baseline", "2025-followup"])
def test_each_wave_is_raked_to_the_adults_of_its_year(project, wave):
    files = project.waves[wave].weighting.rake_to
    year = wave[:4]
    assert all(f"adults_{year}" in str(f) for f in files), files
    margins = load_margins([REPO / f for f in files])
    assert set(margins["region_code"]) == set(project.wave_geography(wave).codes)
    total = sum(margins["region_code"].values())
    assert total == sum(margins["gender_code"].values())
    module = derive_module()
    growth = (1 + module.RGPH5_GROWTH_PERCENT / 100) ** (int(year) - module.CENSUS_YEAR)
    assert total == pytest.approx(module.RGPH5_TOTAL * module.adult_share() * growth, abs=5)
    # Bamako's share is the 2022 census's, not 2009's 12.5 %
    assert margins["region_code"]["ML-BKO"] / total == pytest.approx(4_227_569 / 22_395_485, abs=1e-6)


def test_every_target_row_names_its_source_and_assumptions(project):
    for wave in project.wave_ids:
        for path in project.waves[wave].weighting.rake_to:
            table = pd.read_csv(REPO / path, dtype=str)
            for row in table.itertuples():
                assert "assumption" in row.source_en, (path, row.level)
                assert "hypothèse" in row.source_fr, (path, row.level)
                assert "assumption" not in row.source_fr and "hypothèse" not in row.source_en

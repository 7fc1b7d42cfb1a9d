"""National breakdowns (urban/rural, age groups) on inline data: levels, statuses, disclosure control.

The numbers themselves are checked against R's ``svyby`` on the shared
workflow run (tests/test_against_r.py::test_breakdowns_match_r_survey).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from perception.catalog.status import ESTIMATED, NOT_ASKED, NOT_SURVEYED, SUPPRESSED
from perception.disclosure.cells import COMPLEMENTARY, SMALL_CELL, protect_partition
from perception.errors import ConfigError
from perception.estimate.breakdowns import estimate_breakdowns
from perception.estimate.groups import breakdown_columns, group_column_name
from perception.estimate.indicators import value_column
from perception.estimate.survey import SurveyDesign, designed_sample

WAVE = "2024-baseline"  # its two sources map every variable of the registry


def sample(project, urban: int, rural: int, ages: list[float] | None = None, seed: int = 3):
    """A weights-only sample: ``urban`` and ``rural`` respondents, trust in the police known for all."""
    rng = np.random.default_rng(seed)
    n = urban + rural
    data = pd.DataFrame(
        {
            "source_id": "partner_a_2024-baseline",
            "region_code": "ML-BKO",
            "gender_code": rng.choice(["f", "m"], n),
            "urban_rural_code": ["urban"] * urban + ["rural"] * rural,
            "age": ages if ages is not None else rng.integers(18, 80, n).astype(float),
            "w": rng.uniform(0.5, 2.0, n),
        }
    )
    for indicator in project.indicators:
        data[value_column(indicator)] = np.nan
    police = next(i for i in project.indicators if i.id == "trust_police")
    data[value_column(police)] = rng.integers(0, 2, n).astype(float)
    data = data.assign(**breakdown_columns(project, data))
    columns = [value_column(i) for i in project.indicators] + [group_column_name(b) for b in project.breakdowns]
    return designed_sample(data, SurveyDesign(weight="w"), columns)


def police(out: pd.DataFrame, breakdown: str) -> pd.DataFrame:
    return out[(out["indicator"] == "trust_police") & (out["breakdown"] == breakdown)].set_index("level")


def test_every_level_in_configured_order_with_its_status(project):
    ages = [float(a) for a in np.tile([20, 30, 40, 60], 100)]
    ages[:3] = [-1.0, -1.0, -1.0]  # don't know: in no age group
    out = estimate_breakdowns(project, WAVE, sample(project, urban=150, rural=250, ages=ages))
    area = police(out, "urban_rural_code")
    assert area.index.tolist() == ["urban", "rural"]  # codebook order
    assert (area["status"] == ESTIMATED).all() and area["n"].tolist() == [150, 250]
    age = police(out, "age_group")
    assert age.index.tolist() == ["18–24", "25–34", "35–49", "50+"]  # the bands of models.age_bounds
    assert age["n"].sum() == 397  # the three "don't know" ages are in no group
    assert (age["status"] == ESTIMATED).all()
    # an indicator nobody was asked (no values at all) is not asked in every level, with no number
    army = out[(out["indicator"] == "trust_army")]
    assert set(army["status"]) == {NOT_ASKED} and army["estimate"].isna().all()


def test_a_level_nobody_lives_in_is_not_surveyed(project):
    out = estimate_breakdowns(project, WAVE, sample(project, urban=0, rural=300))
    area = police(out, "urban_rural_code")
    assert area.loc["urban", "status"] == NOT_SURVEYED and area.loc["rural", "status"] == ESTIMATED


def test_a_small_level_hides_its_complement(project):
    out = estimate_breakdowns(project, WAVE, sample(project, urban=12, rural=300))
    area = police(out, "urban_rural_code")
    # with the national figure shown, the rural figure would give the 12 urban respondents away
    assert area["status"].tolist() == [SUPPRESSED, SUPPRESSED]
    assert area["suppression_reason"].tolist() == [SMALL_CELL, COMPLEMENTARY]
    assert area["estimate"].isna().all() and area["se"].isna().all()


def test_protect_partition_hides_the_smallest_other_part():
    hidden = np.array([True, False, False, False])
    reason = np.array([SMALL_CELL, "", "", ""], dtype=object)
    protect_partition(np.arange(4), hidden, reason, np.array([10, 400, 90, 200]))
    assert hidden.tolist() == [True, False, True, False]
    assert reason.tolist() == [SMALL_CELL, "", COMPLEMENTARY, ""]
    # two hidden parts already protect each other
    hidden = np.array([True, True, False])
    reason = np.array([SMALL_CELL, SMALL_CELL, ""], dtype=object)
    protect_partition(np.arange(3), hidden, reason, np.array([10, 12, 400]))
    assert hidden.tolist() == [True, True, False]


def test_a_breakdown_that_is_not_a_coded_variable_is_refused(project):
    project.config["breakdowns"] = ["age"]
    try:
        with pytest.raises(ConfigError, match="'age' is neither a coded codebook variable nor age_group"):
            estimate_breakdowns(project, WAVE, sample(project, urban=50, rural=50))
    finally:
        project.config["breakdowns"] = ["urban_rural_code", "age_group"]

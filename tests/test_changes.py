"""Changes between waves on inline estimates: since the baseline and since the previous wave."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from scipy import stats

from perception.config.geography import load_geography
from perception.estimate.comparisons import wave_changes

WAVES = ["w1", "w2", "w3", "w4"]


def estimates() -> pd.DataFrame:
    rows = []
    for i, wave in enumerate(WAVES):
        for region in (None, "ML-6"):
            rows.append(
                {
                    "wave": wave,
                    "indicator": "trust_police",
                    "domain": "national" if region is None else "region",
                    "region_code": region,
                    "gender_code": None,
                    "estimate": 0.40 + 0.05 * i + (0.1 if region else 0.0),
                    "se": 0.02 + 0.01 * i,
                    "df": 30.0 + 10 * i if region is None else 6.0 + i,
                    "is_suppressed": wave == "w3" and region is not None,
                    "status": "suppressed" if wave == "w3" and region is not None else "estimated",
                }
            )
    return pd.DataFrame(rows)


GEOGRAPHY = load_geography(REPO / "config/geography.yaml")  # every wave on the default layout


def project(changes=None, waves=WAVES):
    comparisons = {} if changes is None else {"changes": changes}
    return SimpleNamespace(
        config={"comparisons": comparisons},
        wave_ids=list(waves),
        wave_geography=lambda wave: GEOGRAPHY,
        same_territory=lambda wave, other: frozenset(GEOGRAPHY.codes),
    )


def test_every_wave_is_compared_with_the_baseline_and_the_wave_before():
    out = wave_changes(project(), estimates())
    pairs = out[["comparison", "wave", "reference_wave"]].drop_duplicates().apply(tuple, axis=1).tolist()
    assert pairs == [
        ("change", "w2", "w1"),
        ("change", "w3", "w1"),
        ("change_previous", "w3", "w2"),
        ("change", "w4", "w1"),
        ("change_previous", "w4", "w3"),
    ]
    row = out[(out["comparison"] == "change_previous") & (out["wave"] == "w4") & (out["domain"] == "national")].iloc[0]
    assert row["difference"] == pytest.approx(0.05)
    se = np.sqrt(0.05**2 + 0.04**2)
    assert row["se"] == pytest.approx(se)
    assert row["df"] == 50.0  # the smaller of the two waves' df
    half = stats.t.ppf(0.975, 50.0) * se
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((0.05 - half, 0.05 + half))
    # a change touching a suppressed cell is suppressed, in either direction
    regional = out[out["domain"] == "region"].set_index(["comparison", "wave"])["is_suppressed"]
    assert regional[("change", "w3")] and regional[("change_previous", "w4")]
    assert not regional[("change", "w4")]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [(["baseline"], {"change"}), (["previous"], {"change_previous"}), ([], set())],
)
def test_changes_follow_the_configuration(changes, expected):
    assert set(wave_changes(project(changes), estimates())["comparison"]) == expected


def test_two_waves_give_one_change_and_one_wave_none():
    assert set(wave_changes(project(waves=WAVES[:2]), estimates())["comparison"]) == {"change"}
    assert wave_changes(project(waves=WAVES[:1]), estimates()).empty


def test_the_wave_before_is_the_latest_that_asked_the_question():
    frame = estimates()
    skipped = (frame["wave"] == "w3") & frame["region_code"].isna()
    frame.loc[skipped, ["estimate", "se", "df"]] = float("nan")
    frame.loc[skipped, "status"] = "not_asked"
    out = wave_changes(project(), frame)
    national = out[out["domain"] == "national"].set_index(["comparison", "wave"])
    assert national.loc[("change_previous", "w4"), "reference_wave"] == "w2"
    assert national.loc[("change_previous", "w4"), "difference"] == pytest.approx(0.10)
    assert national.loc[("change", "w3"), "status"] == "not_asked"
    assert national.loc[("change_previous", "w3"), "status"] == "not_asked"
    regional = out[out["domain"] == "region"].set_index(["comparison", "wave"])
    assert regional.loc[("change_previous", "w4"), "reference_wave"] == "w3"

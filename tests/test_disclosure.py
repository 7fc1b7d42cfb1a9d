"""Disclosure control: key counts, k-anonymity, l-diversity, cell suppression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from perception.disclosure.anonymise import anonymise, pseudonymise, suppression_order
from perception.disclosure.attacker import anonymity_sets, protect
from perception.disclosure.cells import COMPLEMENTARY, SMALL_CELL, align_comparisons, suppress_cells
from perception.disclosure.grouping import UnitSums, _Block, _variance, closest_grouping
from perception.disclosure.risk import distinct_values, expected_reidentifications, key_counts, not_l_diverse
from perception.disclosure.variance_units import _unit_sums, cell_numbers, masked_units, pooled_weights
from perception.errors import DataError
from perception.release.columns import band, band_labels

# sdcMicro's freqCalc example keys and weights (no missing values: plain counting).
GOLDEN = pd.DataFrame(
    {
        "A": [2, 3, 2, 2, 3, 3, 1, 2],
        "B": [3, 3, 3, 3, 3, 3, 4, 3],
        "C": [1, 3, 1, 2, 1, 1, 1, 1],
    }
)
GOLDEN_WEIGHTS = pd.Series([18, 45.5, 39, 17, 92, 8, 123.5, 51])


def test_key_counts_golden():
    counts, weighted = key_counts(GOLDEN, ["A", "B", "C"], GOLDEN_WEIGHTS)
    assert counts.tolist() == [3, 1, 3, 1, 2, 2, 1, 3]
    assert weighted.tolist() == [108, 45.5, 108, 17, 100, 100, 123.5, 108]


def test_missing_key_matches_any_value():
    # Record 4 (2, 3, 2) loses C: it now matches records 1, 3 and 8 (2, 3, 1), and they match it.
    frame = GOLDEN.astype(float)
    frame.loc[3, "C"] = np.nan
    counts, weighted = key_counts(frame, ["A", "B", "C"], GOLDEN_WEIGHTS)
    assert counts.tolist() == [4, 1, 4, 4, 2, 2, 1, 4]
    assert weighted.tolist() == [125, 45.5, 125, 125, 100, 100, 123.5, 125]
    # Two missing values in different keys: (NaN, 3, 1) matches everything with B=3, C=1 or C missing.
    frame.loc[1, "A"], frame.loc[1, "C"] = np.nan, 1
    counts, _ = key_counts(frame, ["A", "B", "C"])
    assert counts.tolist() == [5, 7, 5, 5, 3, 3, 1, 5]


def test_key_counts_without_weights_and_keys():
    counts, weighted = key_counts(GOLDEN, ["A"])
    assert counts.tolist() == [4, 3, 4, 4, 3, 3, 1, 4]
    assert weighted.tolist() == counts.astype(float).tolist()
    assert key_counts(GOLDEN, [])[0].tolist() == [8] * 8
    assert expected_reidentifications(pd.Series([1, 2, 2, 4, 4, 4, 4])) == pytest.approx(3.0)


def test_key_counts_rejects_missing_weights():
    with pytest.raises(DataError, match="missing weight"):
        key_counts(GOLDEN, ["A"], GOLDEN_WEIGHTS.where(GOLDEN_WEIGHTS > 20))


def test_distinct_values_and_l_diversity():
    frame = pd.DataFrame(
        {
            "region": ["a", "a", "a", "b", "b", "b", None],
            "abuse": [1, 1, 1, 0, 1, np.nan, 0],
        }
    )
    # Region a sees 1,1,1 plus the record with no region (0): two values.
    assert distinct_values(frame, ["region"], "abuse").tolist() == [2, 2, 2, 2, 2, 2, 2]
    frame.loc[6, "region"] = "c"
    assert distinct_values(frame, ["region"], "abuse").tolist() == [1, 1, 1, 2, 2, 2, 1]
    assert not_l_diverse(frame, ["region"], "abuse", 2).tolist() == [True] * 3 + [False] * 3 + [True]
    frame["abuse"] = np.nan
    assert not not_l_diverse(frame, ["region"], "abuse", 2).any()  # nothing known, nothing disclosed


def synthetic(seed: int = 3, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "region": rng.choice(["r1", "r2", "r3"], n, p=[0.6, 0.3, 0.1]),
            "gender": rng.choice(["f", "m"], n),
            "age_group": rng.choice([18, 25, 35, 45, 55, 65], n, p=[0.3, 0.25, 0.2, 0.15, 0.07, 0.03]).astype(float),
            "abuse": rng.choice([0.0, 1.0], n, p=[0.9, 0.1]),
            "item": rng.integers(0, 4, n),
        }
    )


def test_anonymise_reaches_k_and_only_blanks_keys():
    frame = synthetic()
    keys = ["region", "gender", "age_group"]
    assert (key_counts(frame, keys)[0] < 5).any()
    out = anonymise(frame, suppression_order(frame, keys), k=5)
    assert (key_counts(out, keys)[0] >= 5).all()
    assert len(out) == len(frame)
    changed = (out != frame) & ~(out.isna() & frame.isna())
    assert not changed[["abuse", "item"]].any().any()
    assert (out[keys].isna() | (out[keys] == frame[keys])).all().all()  # values are kept or blanked, never altered
    assert out.equals(anonymise(frame, suppression_order(frame, keys), k=5))  # deterministic


def test_anonymise_suppresses_the_key_with_most_categories_first():
    frame = synthetic()
    keys = ["region", "gender", "age_group"]
    out = anonymise(frame, suppression_order(frame, keys), k=5)
    blanked = out[keys].isna().sum()
    assert blanked["age_group"] > 0
    assert blanked["age_group"] >= blanked["region"] + blanked["gender"]


def test_keys_implied_by_the_cluster_are_suppressed_last():
    frame = pd.DataFrame(
        {
            "psu": [1, 1, 2, 2, 3, 3],
            "region": ["a", "a", "a", "a", "b", "b"],  # constant within each PSU
            "gender": ["f", "m", "f", "m", "f", "m"],
            "age_group": [18, 25, 35, 45, 55, 65],
        }
    )
    assert suppression_order(frame, ["region", "gender", "age_group"], cluster="psu") == [
        "age_group",
        "gender",
        "region",
    ]
    assert suppression_order(frame, ["region", "gender"]) == ["region", "gender"]
    # One stray record in a PSU does not make region the first key to suppress.
    many = pd.concat([frame] * 10, ignore_index=True)
    many.loc[0, "region"] = "b"
    assert suppression_order(many, ["region", "gender", "age_group"], cluster="psu")[-1] == "region"
    many.loc[many["psu"] == 1, "region"] = ["a", "b"] * 10  # region really varies within PSUs
    assert suppression_order(many, ["region", "gender", "age_group"], cluster="psu")[-1] == "gender"


def test_l_diversity_suppresses_further():
    # Every key is shared by 5 records (k holds), but all women of r1 said yes: their answer is known.
    frame = pd.DataFrame(
        {
            "region": ["r1"] * 10 + ["r2"] * 10,
            "gender": (["f"] * 5 + ["m"] * 5) * 2,
            "abuse": [1.0] * 5 + [0, 1, 0, 1, 0] + [0, 1, 0, 1, 0] * 2,
        }
    )
    keys = ["region", "gender"]
    assert (key_counts(frame, keys)[0] >= 5).all()
    assert not_l_diverse(frame, keys, "abuse", 2).sum() == 5
    out = anonymise(frame, keys, k=5, sensitive=["abuse"], l_min=2)
    assert not not_l_diverse(out, keys, "abuse", 2).any()
    assert (key_counts(out, keys)[0] >= 5).all()
    assert out["region"].isna().sum() == 5  # first key in the given order, for the 5 records only
    assert out["abuse"].equals(frame["abuse"])


def test_l_diversity_withholds_an_item_nobody_varies_on():
    frame = pd.DataFrame({"region": ["r1"] * 6, "abuse": [1.0] * 6})
    out = anonymise(frame, ["region"], k=5, sensitive=["abuse"], l_min=2)
    assert out["abuse"].isna().all()


def test_anonymise_refuses_fewer_than_k_records():
    with pytest.raises(DataError, match="fewer than k = 5"):
        anonymise(synthetic(n=4), ["region"], k=5)


def test_bands_keep_special_codes_and_reject_values_below():
    ages = pd.Series([18, 24, 25, 64, 65, 99, -1, -2, np.nan])
    bounds = [18, 25, 35, 45, 55, 65]
    assert band(ages, bounds, [-1, -2], "x").tolist()[:8] == [18, 18, 25, 55, 65, 65, -1, -2]
    assert np.isnan(band(ages, bounds, [-1, -2], "x").iloc[8])
    assert band_labels(bounds) == {
        "18": "18–24",
        "25": "25–34",
        "35": "35–44",
        "45": "45–54",
        "55": "55–64",
        "65": "65+",
    }
    with pytest.raises(DataError, match=r"file\.csv: column age: 1 value"):
        band(pd.Series([17, 30]), bounds, [], "file.csv: column age")


def test_pseudonymise_is_seeded_and_ignores_row_order():
    ids = pd.Series(["ML-1-U-01", "ML-1-U-02", "ML-2-R-01", "ML-1-U-01", None])
    first = pseudonymise(ids, seed=6)
    assert sorted(first.dropna().unique().tolist()) == [1, 2, 3]
    assert first.iloc[0] == first.iloc[3] and pd.isna(first.iloc[4])
    assert pseudonymise(ids.iloc[::-1], seed=6).iloc[::-1].tolist() == first.tolist()


# --------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------


def cells(rows: list[tuple[str | None, str | None, int]], **columns) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["region_code", "gender_code", "n"])
    frame.insert(0, "wave", "w1")
    frame.insert(1, "indicator", "trust_police")
    frame["estimate"] = 0.5
    frame["se"] = 0.05
    frame["ci_low"] = 0.4
    frame["ci_high"] = 0.6
    frame["is_suppressed"] = False
    frame["suppression_reason"] = ""
    return frame.assign(**columns)


def hidden(table: pd.DataFrame) -> dict[tuple, str]:
    rows = table[table["is_suppressed"]]
    return {
        (
            row.region_code if pd.notna(row.region_code) else None,
            row.gender_code if pd.notna(row.gender_code) else None,
        ): (row.suppression_reason)
        for row in rows.itertuples()
    }


def test_sibling_of_a_small_cell_is_hidden():
    table = cells(
        [
            ("R1", None, 60),
            ("R2", None, 140),
            ("R1", "f", 20),
            ("R1", "m", 40),
            ("R2", "f", 70),
            ("R2", "m", 70),
        ]
    )
    out = suppress_cells(table, min_n=30)
    assert hidden(out) == {("R1", "f"): SMALL_CELL, ("R1", "m"): COMPLEMENTARY}
    assert out.loc[out["is_suppressed"], ["estimate", "se", "ci_low", "ci_high"]].isna().all().all()
    assert out.loc[~out["is_suppressed"], "estimate"].notna().all()
    assert out["n"].tolist() == table["n"].tolist()  # n stays published


def test_complements_close_a_rectangle_across_gender_totals():
    table = cells(
        [
            (None, None, 240),
            ("R1", None, 60),
            ("R2", None, 85),
            ("R3", None, 95),
            (None, "f", 85),
            (None, "m", 155),
            ("R1", "f", 10),
            ("R1", "m", 50),
            ("R2", "f", 40),
            ("R2", "m", 45),
            ("R3", "f", 35),
            ("R3", "m", 60),
        ]
    )
    out = suppress_cells(table, min_n=30)
    # R1 f is small; R1 m hides it within R1; among the women R3 f (smallest n) hides it;
    # among the men R3 m closes the rectangle rather than opening R2.
    assert hidden(out) == {
        ("R1", "f"): SMALL_CELL,
        ("R1", "m"): COMPLEMENTARY,
        ("R3", "f"): COMPLEMENTARY,
        ("R3", "m"): COMPLEMENTARY,
    }
    again = suppress_cells(out, min_n=30)
    pd.testing.assert_frame_equal(again, out)


def test_cells_hidden_as_unreliable_need_no_complement():
    table = cells([("R1", None, 60), ("R1", "f", 30), ("R1", "m", 30)])
    table.loc[1, ["is_suppressed", "suppression_reason"]] = [True, "unreliable"]
    out = suppress_cells(table, min_n=30)
    assert hidden(out) == {("R1", "f"): "unreliable"}


def test_a_total_with_a_single_part_is_hidden_with_it():
    out = suppress_cells(cells([("R1", None, 40), ("R1", "f", 12)]), min_n=30)
    assert hidden(out) == {("R1", None): COMPLEMENTARY, ("R1", "f"): SMALL_CELL}


def test_suppress_cells_rejects_duplicate_cells():
    with pytest.raises(DataError, match="appear twice"):
        suppress_cells(cells([("R1", "f", 40), ("R1", "f", 40)]), min_n=30)


def test_comparisons_follow_hidden_cells():
    indicators = suppress_cells(cells([("R1", None, 60), ("R1", "f", 20), ("R1", "m", 40)]), min_n=30)
    comparisons = pd.DataFrame(
        {
            "comparison": ["gender_gap", "gender_gap"],
            "indicator": "trust_police",
            "domain": ["national", "region"],
            "region_code": [None, "R1"],
            "gender_code": None,
            "wave": "w1",
            "reference_wave": None,
            "group": "f",
            "reference_group": "m",
            "estimate": 0.5,
            "reference_estimate": 0.4,
            "difference": 0.1,
            "is_suppressed": False,
            "is_significant": True,
        }
    )
    out = align_comparisons(comparisons, indicators)
    # No national gender cells in this table: a gap whose cells are unknown is hidden too.
    assert out["is_suppressed"].tolist() == [True, True]
    assert out[["estimate", "reference_estimate", "difference"]].isna().all().all()
    assert not out["is_significant"].any()


def test_a_blank_does_not_hide_a_person_from_someone_who_knows_her_key():
    # sdcMicro counts 4 look-alikes for the 65+ man whose age was blanked; his neighbour, who knows he is
    # 65+, finds only the records whose age is 65+ or blank: 2, both answering "witnessed: yes".
    true = pd.DataFrame(
        {
            "region": ["mopti"] * 6,
            "gender": ["m", "m", "m", "m", "f", "f"],
            "age_group": [65, 65, 25, 25, 25, 25],
            "witnessed": [1, 1, 0, 0, 0, 1],
        }
    )
    released = true.astype({"age_group": float}).copy()
    released.loc[[0, 1], "age_group"] = np.nan
    keys = ["region", "gender", "age_group"]
    assert key_counts(released, keys)[0].tolist() == [4, 4, 4, 4, 2, 2]
    sets = anonymity_sets(true, released, keys, ["witnessed"])
    assert sets["k"].tolist() == [2, 2, 4, 4, 2, 2]
    assert sets["witnessed"].tolist() == [1, 1, 2, 2, 2, 2]  # the two 65+ men: the answer is known


def test_protect_reaches_k_and_l_for_the_knowing_attacker():
    frame = synthetic(n=300)
    frame["psu"] = np.repeat(np.arange(6), 50)
    keys = ["region", "gender", "age_group"]
    first = anonymise(frame, keys, k=5, sensitive=["abuse"], l_min=2)
    assert (anonymity_sets(frame, first, [*keys, "psu"])["k"] < 5).any()  # sdcMicro-style k=5 is not enough
    out = protect(frame, first, keys, ["psu"], k=5, sensitive=["abuse"], l_min=2)
    sets = anonymity_sets(frame, out, [*keys, "psu"], ["abuse"])
    assert sets["k"].min() >= 5
    assert not ((sets["abuse"] >= 1) & (sets["abuse"] < 2)).any()
    assert out["psu"].equals(frame["psu"])  # design keys are never blanked
    assert (out[keys].isna() | (out[keys] == frame[keys])).all().all()
    assert out.equals(protect(frame, first, keys, ["psu"], k=5, sensitive=["abuse"], l_min=2))
    with pytest.raises(DataError, match="fewer than k = 5"):
        protect(frame.head(53), frame.head(53), keys, ["psu"], k=5)  # a PSU of 3 records cannot hide them


def test_masked_units_group_psus_within_strata_and_keep_weight_totals():
    frame = pd.DataFrame(
        {
            "stratum": np.repeat(["a-u", "a-r", "b-r"], [4 * 12, 12 * 12, 9 * 12]),
            "region": np.repeat(["a", "a", "b"], [4 * 12, 12 * 12, 9 * 12]),
            "psu": np.repeat([f"p{i:02d}" for i in range(25)], 12),
            "w": np.repeat(np.arange(1.0, 26.0), 12),
        }
    )
    strata, psus = masked_units(frame, "stratum", "psu", "region", seed=1)
    assert strata.nunique() == 2  # a-u (4 PSUs) joins a-r
    for _, unit in frame.groupby(psus):
        assert unit["region"].nunique() == 1 and unit["psu"].nunique() >= 2
    assert psus.groupby(strata).nunique().min() >= 2
    pooled = pooled_weights(frame.assign(unit=psus), "w", ["unit"])
    assert pooled.groupby(psus).sum().round(9).equals(frame["w"].groupby(psus).sum().round(9))
    assert pooled.groupby(psus).nunique().max() == 1
    assert masked_units(frame, "stratum", "psu", "region", seed=1)[1].equals(psus)


def test_closest_grouping_keeps_variances_closer_than_a_random_dealing():
    rng = np.random.default_rng(7)
    totals = [rng.normal(size=(17, 6)), rng.normal(size=(9, 6))]
    counts = [5, 3]
    real = sum(_variance(t) for t in totals)

    def masked(assignments):
        return sum(
            _variance(np.array([t[a == g].sum(axis=0) for g in range(c)]))
            for t, a, c in zip(totals, assignments, counts, strict=True)
        )

    units = [UnitSums.unpooled(t) for t in totals]
    chosen = closest_grouping(units, counts, np.random.default_rng(1))
    assert [np.bincount(a).tolist() for a in chosen] == [[4, 4, 3, 3, 3], [3, 3, 3]]
    random = [np.random.default_rng(1).permutation(len(t)) % c for t, c in zip(totals, counts, strict=True)]
    error = np.abs(np.log(masked(chosen) / real)).max()
    assert error < np.abs(np.log(masked(random) / real)).max()
    assert error < np.log(1.25)
    again = closest_grouping(units, counts, np.random.default_rng(1))
    assert all((a == b).all() for a, b in zip(chosen, again, strict=True))


def test_the_search_sees_the_variance_a_partner_computes_after_weight_pooling():
    # The release pools weight_final within pseudo-PSU and gender: the search's variance of a
    # grouping, and of every swap it weighs, is the one computed from the pooled records.
    rng = np.random.default_rng(5)
    psus, size = 12, 10
    frame = pd.DataFrame(
        {
            "psu": np.repeat([f"p{i:02d}" for i in range(psus)], size),
            "gender": rng.choice(["f", "m"], psus * size),
            "w": rng.uniform(0.5, 4.0, psus * size),
        }
    )
    deviations = pd.DataFrame(rng.normal(size=(psus * size, 3)), columns=["a", "b", "c"])
    scores = deviations.mul(frame["w"], axis=0)
    keys = "\x1f" + frame["psu"]
    units = _unit_sums(scores, keys, (frame["w"], cell_numbers(frame, ["gender"])))(sorted(keys.unique()))
    assignment = np.arange(psus) % 4

    def released_variance(assignment):
        pseudo = frame["psu"].map(dict(zip(sorted(frame["psu"].unique()), assignment, strict=True)))
        pooled = pooled_weights(frame.assign(unit=pseudo), "w", ["unit", "gender"])
        return _variance(deviations.mul(pooled, axis=0).groupby(pseudo).sum().to_numpy())

    block = _Block(units, 4, assignment.copy())
    assert np.allclose(block.variance, released_variance(assignment), rtol=1e-12)
    swapped = block.swapped_variances()
    moved = assignment.copy()
    moved[[0, 5]] = moved[[5, 0]]
    assert np.allclose(swapped[0, 5], released_variance(moved), rtol=1e-12)
    assert np.isinf(swapped[0, 4]).all()  # PSUs 0 and 4 share a pseudo-PSU: no move
    block.swap(0, 5)
    assert np.allclose(block.variance, released_variance(moved), rtol=1e-12)
    # without pooling the same sums are the plain PSU totals of the weighted scores
    plain = UnitSums.unpooled(scores.groupby(keys).sum().to_numpy())
    assert np.allclose(
        _Block(plain, 4, assignment.copy()).variance,
        _variance(
            scores.groupby(frame["psu"].map(dict(zip(sorted(frame["psu"].unique()), assignment, strict=True))))
            .sum()
            .to_numpy()
        ),
    )


def test_masked_units_of_merged_strata_keep_the_stratified_variance():
    # An urban stratum of 4 PSUs joins the rural one: their means differ, and a pseudo-PSU
    # of urban PSUs only would add that difference to the variance the design does not have.
    rng = np.random.default_rng(3)
    urban, rural = 4, 14
    level = np.concatenate([np.full(urban, 2.0), np.zeros(rural)]) + rng.normal(scale=0.3, size=urban + rural)
    frame = pd.DataFrame(
        {
            "stratum": np.repeat(["u"] * urban + ["r"] * rural, 5),
            "region": "a",
            "psu": np.repeat([f"p{i:02d}" for i in range(urban + rural)], 5),
        }
    )
    scores = pd.DataFrame({"y": np.repeat(level, 5) + rng.normal(scale=0.1, size=len(frame))})
    _, psus = masked_units(frame, "stratum", "psu", "region", seed=2, scores=scores)
    unit_totals = scores["y"].groupby(frame["psu"]).sum()
    stratum_of = frame.groupby("psu")["stratum"].first()
    real = sum(_variance(unit_totals[stratum_of == s].to_numpy()[:, None]) for s in ("u", "r"))
    masked = _variance(scores["y"].groupby(psus).sum().to_numpy()[:, None])
    assert abs(np.log(masked / real)).item() < np.log(1.1**2)


def test_protect_blanks_two_keys_when_no_record_differs_on_one_only():
    # The Bamako woman aged 25 differs from every man aged 65 on two keys: blanking one key
    # of theirs hides her nowhere; the records closest to her have both keys blanked.
    true = pd.DataFrame({"gender": ["f"] + ["m"] * 6, "age_group": [25] + [65] * 6, "cell": ["a"] * 7})
    out = protect(true, true, ["gender", "age_group"], ["cell"], k=3)
    sets = anonymity_sets(true, out, ["gender", "age_group", "cell"])
    assert sets["k"].min() >= 3
    assert out.loc[[1, 2], ["gender", "age_group"]].isna().all().all()  # the first two in row order
    assert out.loc[3:, ["gender", "age_group"]].notna().all().all()  # nothing blanked beyond need

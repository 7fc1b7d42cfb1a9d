"""Indicator values per respondent, reliability rules, weighting targets and comparisons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from perception.config.margins import load_margins
from perception.config.registry import load_indicators
from perception.errors import ConfigError
from perception.estimate.multiplicity import adjust
from perception.estimate.reliability import assess, korn_graubard
from perception.estimate.values import cronbach_alpha, indicator_values
from perception.estimate.weighting import diagnostics

DK, REF, NA = -1, -2, -3


def registry(project):
    return {i.id: i for i in project.indicators}


def test_share_excludes_special_codes_from_the_denominator(project):
    frame = pd.DataFrame({"trust_police": [0, 1, 2, 3, DK, REF, None]})
    values = indicator_values(frame, registry(project)["trust_police"], project.codebook)
    assert values.tolist()[:4] == [0.0, 0.0, 1.0, 1.0]
    assert values.iloc[4:].isna().all()


def test_subpopulation_share_counts_only_victims(project):
    frame = pd.DataFrame({"victim_12m": [1, 1, 0, DK, 1], "reported_to_police": [1, 0, NA, NA, REF]})
    values = indicator_values(frame, registry(project)["reported_to_police"], project.codebook)
    assert values.iloc[:2].tolist() == [1.0, 0.0]
    assert values.iloc[2:].isna().all()


def test_any_of_needs_a_success_or_every_item_answered(project):
    frame = pd.DataFrame(
        {
            "threat_armed_groups": [1, 0, 0, None],
            "threat_banditry": [0, 0, None, 1],
            "threat_intercommunal": [0, 0, 0, None],
        }
    )
    values = indicator_values(frame, registry(project)["threat_violence_any"], project.codebook)
    assert values.iloc[0] == 1.0 and values.iloc[1] == 0.0 and np.isnan(values.iloc[2]) and values.iloc[3] == 1.0


def test_index_is_0_to_100_over_complete_answers_and_alpha_is_cronbach(project):
    index = registry(project)["trust_security_forces_index"]
    frame = pd.DataFrame(
        {
            "trust_police": [3, 0, 2, 1, DK],
            "trust_gendarmerie": [3, 0, 2, 1, 3],
            "trust_national_guard": [3, 0, 1, 2, 3],
            "trust_army": [3, 0, 2, 2, 3],
        }
    )
    values = indicator_values(frame, index, project.codebook)
    assert values.iloc[:4].tolist() == pytest.approx([100.0, 0.0, 7 / 12 * 100, 0.5 * 100])
    assert np.isnan(values.iloc[4])
    complete = frame.iloc[:4].astype(float)
    k = 4
    expected = k / (k - 1) * (1 - complete.var(ddof=0).sum() / complete.sum(axis=1).var(ddof=0))
    alpha = cronbach_alpha(frame, index, project.codebook, pd.Series(1.0, index=frame.index))
    assert alpha == pytest.approx(expected)


def test_registry_rejects_unknown_codes(tmp_path, project):
    path = tmp_path / "indicators.yaml"
    path.write_text(
        "indicators:\n  - id: x\n    variable: trust_police\n    success_codes: [7]\n"
        "    label: {fr: a, en: a}\n    definition: {fr: a, en: a}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="codes must be codes of trust_police"):
        load_indicators(path, project.codebook)


def test_dont_know_counts_as_no_for_a_knowledge_item_and_refusal_is_excluded(project):
    indicator = registry(project)["knows_complaint_mechanism"]
    assert indicator.measures == "knowledge"
    assert dict(indicator.nonresponse) == {"dont_know": "as_no", "refused": "excluded"}
    frame = pd.DataFrame({"knows_complaint_mechanism": [1, 0, DK, REF, None]})
    values = indicator_values(frame, indicator, project.codebook)
    assert values.iloc[:3].tolist() == [1.0, 0.0, 0.0]
    assert values.iloc[3:].isna().all()


def _registry_file(tmp_path, extra: str, variables: str = "    variable: trust_police\n    success_codes: [2, 3]\n"):
    path = tmp_path / "indicators.yaml"
    path.write_text(
        "indicators:\n  - id: x\n" + variables + extra + "    label: {fr: a, en: a}\n    definition: {fr: a, en: a}\n",
        encoding="utf-8",
    )
    return path


def test_registry_sets_the_treatment_of_each_special_answer(tmp_path, project):
    path = _registry_file(tmp_path, "    nonresponse: {dont_know: own_share, refused: as_no}\n")
    (indicator,) = load_indicators(path, project.codebook)
    assert indicator.nonresponse == (("dont_know", "own_share"), ("refused", "as_no"))
    frame = pd.DataFrame({"trust_police": [3, 0, DK, REF]})
    assert indicator_values(frame, indicator, project.codebook).tolist() == [1.0, 0.0, 0.0, 0.0]
    # an opinion item excludes both by default
    (default,) = load_indicators(_registry_file(tmp_path, ""), project.codebook)
    assert default.nonresponse == (("dont_know", "excluded"), ("refused", "excluded"))


@pytest.mark.parametrize(
    ("extra", "variables", "message"),
    [
        ("    nonresponse: {not_applicable: as_no}\n", None, "not_applicable are not special codes of its questions"),
        ("    nonresponse: {dont_know: no}\n", None, "nonresponse"),  # YAML reads an unquoted no as false
        ("    nonresponse: {dont_know: nope}\n", None, "nonresponse"),
        (
            "    nonresponse: {dont_know: as_no}\n",
            "    type: index\n    variables: [trust_police, trust_army]\n",
            "an index has no 'no'",
        ),
    ],
)
def test_registry_refuses_a_treatment_that_cannot_apply(tmp_path, project, extra, variables, message):
    path = _registry_file(tmp_path, extra, *([variables] if variables else []))
    with pytest.raises(ConfigError, match=message):
        load_indicators(path, project.codebook)


def test_nonresponse_shares_are_weighted_within_the_questions_population(project):
    from types import SimpleNamespace

    from perception.estimate.nonresponse import nonresponse_shares

    data = pd.DataFrame(
        {
            "victim_12m": [1, 1, 1, 0, DK, 1],
            "reported_to_police": [1, DK, REF, NA, NA, None],
        }
    )
    for indicator in project.indicators:
        for name in indicator.variables:
            if name not in data:
                data[name] = np.nan
    weights = pd.Series([1.0, 3.0, 2.0, 5.0, 7.0, 11.0])
    # partner C's wave does not ask the complaint-mechanism question
    out = nonresponse_shares(project, "2025-partner-c", SimpleNamespace(data=data, weights=weights))
    reported = out[out["indicator"] == "reported_to_police"].set_index("special_code")
    # base: victims with an answer recorded (rows 0-2, weights 1 + 3 + 2); the victim without one is not asked
    assert reported["n_base"].tolist() == [3, 3, 3]
    assert reported.loc["dont_know", "share"] == pytest.approx(3 / 6)
    assert reported.loc["refused", "share"] == pytest.approx(2 / 6)
    assert reported.loc["not_applicable", "share"] == 0.0
    victims = out[out["indicator"] == "victim_12m"].set_index("special_code")
    assert victims.loc["dont_know", "share"] == pytest.approx(7 / 29)
    assert victims.loc["dont_know", "treatment"] == "excluded"
    assert list(out.columns) == ["wave", "indicator", "special_code", "treatment", "n_base", "n", "share", "status"]
    assert set(reported["status"]) == {"estimated"}
    never = out[out["indicator"] == "knows_complaint_mechanism"]
    assert len(never) and set(never["status"]) == {"not_asked"} and never["share"].isna().all()


def test_answer_spread_keeps_every_answer_and_says_not_asked(project):
    from types import SimpleNamespace

    from perception.estimate.answers import answer_distribution

    data = pd.DataFrame({"trust_police": [0, 3, 3, DK, REF, None]})
    for indicator in project.indicators:
        for name in indicator.variables:
            if name not in data:
                data[name] = np.nan
    weights = pd.Series([1.0, 3.0, 2.0, 5.0, 7.0, 11.0])
    out = answer_distribution(project, "2025-partner-c", SimpleNamespace(data=data, weights=weights))
    police = out[out["variable"] == "trust_police"].set_index("answer_code")
    # every code of the scale in codebook order, then the special answers; the row without an answer is out
    assert police.index.tolist() == ["0", "1", "2", "3", str(DK), str(REF)]
    assert police["special_code"].tolist() == ["", "", "", "", "dont_know", "refused"]
    assert police["n_base"].unique().tolist() == [5]
    assert police["share"].tolist() == pytest.approx([1 / 18, 0.0, 0.0, 5 / 18, 5 / 18, 7 / 18])
    assert police["n"].tolist() == [1, 0, 0, 2, 1, 1]
    assert set(police["status"]) == {"estimated"}
    nobody = out[out["variable"] == "trust_army"]  # asked, but nobody here answered
    assert len(nobody) and (nobody["n_base"] == 0).all() and nobody["share"].isna().all()
    never = out[out["variable"] == "trust_national_guard"]  # not in partner C's questionnaire
    assert len(never) and set(never["status"]) == {"not_asked"} and never["share"].isna().all()


def cells(**columns):
    base = {"estimate": 0.5, "se": 0.02, "df": 40, "n": 400}
    base.update(columns)
    return pd.DataFrame({k: [v] if np.isscalar(v) else v for k, v in base.items()})


def test_korn_graubard_truncates_the_effective_sample_size_before_the_df_adjustment():
    # p = 0.2, SE = 0.05 gives p(1-p)/SE² = 64 > n = 50: NCHS truncates at 50 first, then
    # multiplies by (t(.975, 49) / t(.975, 4))²; the reference values are R's qt/qbeta:
    #   neff <- min(50, .16/.05^2); nd <- neff * (qt(.975, 49)/qt(.975, 4))^2
    #   qbeta(.025, .2*nd, .8*nd + 1); qbeta(.975, .2*nd + 1, .8*nd)
    kg = korn_graubard(cells(estimate=0.2, se=0.05, n=50, df=4)).iloc[0]
    assert kg["n_effective"] == pytest.approx(50)
    assert kg["n_effective_df"] == pytest.approx(26.1939119310678592, rel=1e-12)
    assert kg["kg_low"] == pytest.approx(0.0705875183087961, rel=1e-10)
    assert kg["kg_high"] == pytest.approx(0.4013404166509178, rel=1e-10)
    # capping after the adjustment (min(50, 64 · 0.524) = 33.5) would give a narrower interval
    # and let this 4-df cell through; truncating first makes it 33 points wide: suppressed
    out = assess(cells(estimate=0.2, se=0.05, n=50, df=4), True, 30).iloc[0]
    assert out["is_suppressed"] and out["reliability_note"] == "confidence interval 30 points wide or more"
    wide = korn_graubard(cells()).iloc[0]
    assert (wide["kg_low"], wide["kg_high"]) == pytest.approx((0.448476093871028, 0.551523906128972), rel=1e-10)


def test_nchs_rules_apply_in_order_with_the_deciding_reason_stored():
    ok = assess(cells(), True, 30).iloc[0]
    assert ok["is_reliable"] and not ok["is_suppressed"] and ok["reliability_note"] == ""
    few = assess(cells(se=0.2), True, 30).iloc[0]
    assert few["suppression_reason"] == "unreliable"
    assert few["reliability_note"] == "effective sample size below 30"
    # a narrow interval (5 points or less) is presented whatever its relative width
    narrow = assess(cells(estimate=0.02, se=0.008, n=2000, df=200), True, 30).iloc[0]
    width = narrow["kg_high"] - narrow["kg_low"]
    assert width <= 0.05 and width / 0.02 > 1.3
    assert not narrow["is_suppressed"] and narrow["is_reliable"]
    relative = assess(cells(estimate=0.05, se=0.02, n=400, df=40), True, 30).iloc[0]
    assert relative["reliability_note"] == "relative CI width above 130 %" and relative["is_suppressed"]
    complement = assess(cells(estimate=0.93, se=0.03, n=300, df=40), True, 30).iloc[0]
    assert not complement["is_suppressed"] and not complement["is_reliable"]
    assert "complement" in complement["reliability_note"]
    review = assess(cells(df=5), True, 30).iloc[0]
    assert not review["is_reliable"] and not review["is_suppressed"]
    assert review["reliability_note"] == "fewer than 8 degrees of freedom: statistical review"
    zero = assess(cells(estimate=0.0, se=0.0, n=400, df=40), True, 30).iloc[0]
    assert zero["kg_low"] == 0 and 0 < zero["kg_high"] < 0.02
    assert not zero["is_suppressed"] and "0 or 100 %" in zero["reliability_note"]
    small = assess(cells(n=12), True, 30).iloc[0]
    assert small["suppression_reason"] == "small_cell"


def test_cv_rule_for_scores():
    frame = pd.DataFrame(
        {
            "estimate": [50.0, 50.0],
            "se": [1.0, 20.0],
            "cv": [0.02, 0.4],
            "deff": [1.5, 1.5],
            "df": [40, 40],
            "n": [300, 300],
        }
    )
    out = assess(frame, False, 30)
    assert out["is_suppressed"].tolist() == [False, True]
    assert out["n_effective"].iloc[0] == pytest.approx(200)


def test_margins_need_sources_and_matching_totals(tmp_path):
    good = tmp_path / "a.csv"
    good.write_text("variable,level,population,source\nsex,f,60,census\nsex,m,40,census\n", encoding="utf-8")
    other = tmp_path / "b.csv"
    other.write_text("variable,level,population,source\nregion,n,70,census\nregion,s,20,census\n", encoding="utf-8")
    assert load_margins([good]) == {"sex": {"f": 60.0, "m": 40.0}}
    with pytest.raises(ConfigError, match="different totals"):
        load_margins([good, other])
    unsourced = tmp_path / "c.csv"
    unsourced.write_text("variable,level,population,source\nsex,f,60,\nsex,m,40,census\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="needs a source"):
        load_margins([unsourced])


def test_margin_sources_are_one_for_both_editions_or_one_per_language(tmp_path):
    from perception.config.margins import read_margin_file, sources_in

    both = tmp_path / "both.csv"
    both.write_text(
        "variable,level,population,source_fr,source_en\nsex,f,60,recensement,census\nsex,m,40,recensement,census\n",
        encoding="utf-8",
    )
    assert load_margins([both]) == {"sex": {"f": 60.0, "m": 40.0}}
    table = read_margin_file(both)
    assert sources_in(table, "fr") == ["recensement"] and sources_in(table, "en") == ["census"]
    one = tmp_path / "one.csv"
    one.write_text("variable,level,population,source\nsex,f,60,census\n", encoding="utf-8")
    assert sources_in(read_margin_file(one), "fr") == ["census"]
    cases = {
        "variable,level,population,source_fr\nsex,f,60,recensement\n": "source_fr is given but not source_en",
        "variable,level,population,source,source_fr,source_en\nsex,f,60,a,b,c\n": "both source and source_fr",
        "variable,level,population\nsex,f,60\n": "no source column",
        "variable,level,population,source_fr,source_en\nsex,f,60,recensement,\n": "source_en is empty in rows 2",
        "variable,level,population,sources\nsex,f,60,x\n": "did you mean source",
    }
    for text, message in cases.items():
        bad = tmp_path / "bad.csv"
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match=message) as caught:
            load_margins([bad])
        assert "bad.csv" in str(caught.value)


def test_weighting_diagnostics():
    result = diagnostics(pd.Series([1.0, 1.0, 2.0, 4.0]))
    assert result["kish_deff"] == pytest.approx(4 * 22 / 64)
    assert result["effective_n"] == pytest.approx(64 / 22)
    assert result["weight_ratio"] == 4.0


def family_frame(p_values, comparison=None, df=40.0):
    m = len(p_values)
    se = np.full(m, 0.02)
    difference = stats.t.isf(np.asarray(p_values) / 2, df) * se
    return pd.DataFrame(
        {
            "comparison": comparison or ["gender_gap"] * m,
            "wave": ["w"] * m,
            "indicator": ["a"] * m,
            "domain": ["region"] * m,
            "difference": difference,
            "se": se,
            "df": [df] * m,
            "p_value": p_values,
            "is_suppressed": [False] * m,
        }
    )


def test_adjustment_within_each_family():
    comparisons = family_frame([0.01, 0.02, 0.04, 0.04], comparison=["gender_gap"] * 3 + ["change"])
    family = ["comparison", "wave", "indicator"]
    out = adjust(comparisons, "holm", 0.05, family)
    assert out["p_adjusted"].tolist() == pytest.approx([0.03, 0.04, 0.04, 0.04])
    assert out["is_significant"].tolist() == [True, True, True, True]
    assert out["family_size"].tolist() == [3, 3, 3, 1]
    bonferroni = adjust(comparisons, "bonferroni", 0.05, family)
    assert bonferroni["is_significant"].tolist() == [True, False, False, True]
    # the Bonferroni interval is the t interval at 1 - 0.05/3 (R: confint(level = 1 - 0.05/3))
    half = stats.t.ppf(1 - 0.05 / 6, 40) * 0.02
    assert bonferroni["ci_low_adjusted"].iloc[0] == pytest.approx(comparisons["difference"].iloc[0] - half)
    assert bonferroni["ci_level_adjusted"].iloc[0] == pytest.approx(1 - 0.05 / 3)


@pytest.mark.parametrize("method", ["bonferroni", "holm", "fdr_bh"])
def test_adjusted_intervals_exclude_zero_exactly_when_the_verdict_is_clear(method):
    rng = np.random.default_rng(11)
    for _ in range(200):
        m = int(rng.integers(1, 12))
        p_values = np.sort(rng.uniform(0, 0.2, m) ** 2)
        out = adjust(family_frame(list(p_values), df=float(rng.integers(3, 200))), method, 0.05, ["comparison"])
        excludes = (out["ci_low_adjusted"] > 0) | (out["ci_high_adjusted"] < 0)
        assert excludes.tolist() == out["is_significant"].tolist()
    with pytest.raises(ValueError, match="family keys"):
        adjust(family_frame([0.01]), "holm", 0.05, ["region"])


def test_cross_classified_targets_post_stratify_region_sex_age_cells():
    from perception.estimate.survey import SurveyDesign, final_weights
    from perception.estimate.weighting import add_cell_columns
    from perception.transform.bands import band_text

    rng = np.random.default_rng(3)
    n = 400
    data = pd.DataFrame(
        {
            "region_code": rng.choice(["ML-1", "ML-2"], n),
            "gender_code": rng.choice(["f", "m"], n),
            "age": rng.integers(18, 80, n),
            "weight": rng.uniform(1, 3, n),
        }
    )
    data["age_group"] = band_text(data["age"], [18, 35])
    cells = "region_code*gender_code*age_group"
    targets = {
        f"{r}|{g}|{a}": 1000.0 + 10 * i
        for i, (r, g, a) in enumerate((r, g, a) for r in ("ML-1", "ML-2") for g in ("f", "m") for a in ("18–34", "35+"))
    }
    data = add_cell_columns(data, {cells: targets})
    weights = final_weights(data, SurveyDesign("weight", rake_to={cells: targets}))
    assert weights.groupby(data[cells]).sum().to_dict() == pytest.approx(targets)

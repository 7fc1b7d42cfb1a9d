"""Opening sentences of regional pages and fact sheets: told only from tested rows, with direction and n."""

from __future__ import annotations

import pytest
from builders import comparisons_frame, indicators_frame

from perception.catalog.results import Comparisons, Estimates
from perception.i18n.numbers import format_count, format_value
from perception.outputs.headlines import region_headlines, share_in_words


@pytest.mark.parametrize(
    ("share", "fr", "en"),
    [
        (0.536, "plus d’une sur deux", "more than one in two"),
        (0.251, "environ une sur quatre", "about one in four"),
        (0.734, "près de trois sur quatre", "nearly three in four"),
        (0.03, "moins d’une sur dix", "fewer than one in ten"),
        (0.97, "plus de neuf sur dix", "more than nine in ten"),
    ],
)
def test_shares_are_told_in_everyday_fractions(share, fr, en):
    assert share_in_words(share, "fr") == fr
    assert share_in_words(share, "en") == en


def _tables(project, significant):
    frame = indicators_frame(project)
    return frame, Estimates(frame), Comparisons(comparisons_frame(project, frame, significant=significant))


def test_only_clear_differences_are_told_with_their_numbers_and_n(project):
    region = project.geography.regions[4]
    wave = project.wave_ids[-1]
    threat = next(i for i in project.indicators if i.id == "threat_armed_groups")
    significant = {
        ("region_vs_rest", wave, threat.id, "region", region.code, ""),
        ("gender_gap", wave, "trust_police", "region", region.code, ""),
    }
    _, estimates, comparisons = _tables(project, significant)
    for lang in ("fr", "en"):
        lines = region_headlines(project, estimates, comparisons, region, lang)
        here = estimates.get(wave, threat.id, "region", region.code)
        national = estimates.get(wave, threat.id, "national")
        first = lines.region[0]
        assert format_value(here.estimate, "proportion", lang) in first
        assert format_value(national.estimate, "proportion", lang) in first
        assert threat.statement[lang] in first
        assert format_count(here.n, lang) in first and format_count(national.n, lang) in first
        # one clear difference among all compared: the rest is said to be not clear
        assert len(lines.region) == 2
        gap = lines.gender[0]
        assert ("femmes − hommes" if lang == "fr" else "women − men") in gap
        women = estimates.get(wave, "trust_police", "region_gender", region.code, "f")
        men = estimates.get(wave, "trust_police", "region_gender", region.code, "m")
        assert format_count(women.n, lang) in gap and format_count(men.n, lang) in gap
        assert len(lines.gender) == 1


def test_without_clear_differences_nothing_is_claimed(project):
    region = project.geography.regions[0]
    _, estimates, comparisons = _tables(project, set())
    fr = region_headlines(project, estimates, comparisons, region, "fr")
    assert len(fr.region) == 1 and "aucun ne distingue nettement" in fr.region[0]
    assert len(fr.gender) == 1 and "aucun des" in fr.gender[0]
    en = region_headlines(project, estimates, comparisons, region, "en")
    assert "none clearly sets" in en.region[0]


def test_labels_are_escaped_by_the_given_function(project):
    region = project.geography.regions[0]
    wave = project.wave_ids[-1]
    significant = {("region_vs_rest", wave, "threat_armed_groups", "region", region.code, "")}
    _, estimates, comparisons = _tables(project, significant)
    lines = region_headlines(project, estimates, comparisons, region, "fr", label=lambda text: f"<{text}>")
    assert f"<{region.name['fr']}>" in lines.region[0]


def test_a_region_with_nothing_compared_gets_no_count_of_zero(project):
    """A region nobody was interviewed in (every cell unpublished): no "none of the 0 indicators" sentence."""
    wave = project.wave_ids[-1]
    hidden = {(wave, i.id, "region", "ML-8", "") for i in project.indicators}
    hidden |= {(wave, i.id, "region_gender", "ML-8", g) for i in project.indicators for g in ("f", "m")}
    frame = indicators_frame(project, suppressed=hidden)
    lines = region_headlines(
        project, Estimates(frame), Comparisons(comparisons_frame(project, frame)), project.geography.regions[7], "fr"
    )
    assert project.geography.regions[7].code == "ML-8"
    assert lines.all == []

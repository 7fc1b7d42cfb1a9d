"""A region's story in plain sentences, from the tested differences of ``comparisons.csv``.

A facilitator preparing a forum needs, before any table, where the region
stands against the country and between women and men, and how sure we are.
The regional page and page 1 of the fact sheet open with the same sentences:

- for each indicator whose region-against-rest-of-country difference is
  clear (``is_significant`` after adjustment), the region's and the
  country's value, in numbers and in everyday words ("plus d'une sur
  deux"), then the difference with the interval its verdict used and the n
  of each group;
- for each clear gender gap in the region, women's and men's values, the
  gap stated as women − men with its interval, and the n of women and men;
- otherwise one sentence saying that no difference is clear, with how many
  were compared.

Nothing is tested here: a difference is told only where the comparisons
table calls it significant, and every number is a cell of ``indicators.csv``
or ``comparisons.csv``. ``label`` escapes configuration text for where the
sentences land (MyST for the book, nothing for a PDF).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from perception.catalog.results import Comparisons, Difference, Estimates
from perception.config.geography import Region
from perception.config.project import Project
from perception.config.registry import Indicator
from perception.i18n import load_strings
from perception.i18n.numbers import format_count, format_difference, format_difference_ci, format_percent, format_value

UNIT_ORDER = {"proportion": 0, "index": 1, "score": 2}  # sizes are ranked within a unit, shares first
TOP_REGION, TOP_GAPS = 3, 2  # sentences per kind; the tables below hold the rest

# Everyday fractions a share is told by, closest first; spaced so that the
# nearest is never more than five points away between 10 % and 90 %.
FRACTIONS = ((1, 10), (1, 5), (1, 4), (1, 3), (2, 5), (1, 2), (3, 5), (2, 3), (3, 4), (4, 5), (9, 10))
ABOUT = 0.01  # within one point of the fraction: "about"


def share_in_words(share: float, lang: str) -> str:
    """A proportion as a reader would say it: "plus d'une sur deux", "about one in four"."""
    words = load_strings(lang)["share_words"]
    if share < FRACTIONS[0][0] / FRACTIONS[0][1] - 0.03:
        return _elide(words["under"].format(fraction=_fraction(*FRACTIONS[0], words)), lang)
    if share > FRACTIONS[-1][0] / FRACTIONS[-1][1] + 0.03:
        return _elide(words["over"].format(fraction=_fraction(*FRACTIONS[-1], words)), lang)
    num, den = min(FRACTIONS, key=lambda f: (abs(share - f[0] / f[1]), f[1]))
    gap = share - num / den
    how = "about" if abs(gap) <= ABOUT else "over" if gap > 0 else "nearly"
    return _elide(words[how].format(fraction=_fraction(num, den, words)), lang)


def _elide(text: str, lang: str) -> str:
    """French elision: "plus de une" is written "plus d’une"."""
    return text.replace("de une", "d’une") if lang == "fr" else text


def _fraction(num: int, den: int, words: dict) -> str:
    return words["fraction"].format(num=words["numbers"][num], den=words["numbers"][den])


@dataclass(frozen=True)
class Headlines:
    """The opening sentences of a region: against the country, then women against men."""

    region: list[str]
    gender: list[str]

    @property
    def all(self) -> list[str]:
        return [*self.region, *self.gender]


def _level(row: Difference, lang: str) -> str:
    return format_percent(row.ci_level if row.ci_level is not None else 0.95, lang)


def _clear(project: Project, lookup: Callable[[Indicator], Difference]) -> tuple[list, int]:
    """Clear published differences, largest first within a unit (ties in registry order), and the count compared."""
    published = [(i, row) for i in project.indicators if (row := lookup(i)).published]
    clear = [(i, row) for i, row in published if row.significant]
    clear.sort(key=lambda item: (UNIT_ORDER[item[0].unit], -abs(item[1].difference)))
    return clear, len(published)


def _values(indicator: Indicator, value: float, lang: str) -> dict:
    """The value, and for a share also in words."""
    shown = format_value(value, indicator.unit, lang)
    if not indicator.is_proportion:
        return {"value": shown, "words": ""}
    return {"value": shown, "words": share_in_words(value, lang)}


def region_headlines(
    project: Project,
    estimates: Estimates,
    comparisons: Comparisons,
    region: Region,
    lang: str,
    label: Callable[[str], str] = str,
) -> Headlines:
    """Sentences for ``region`` in the latest wave; see the module docstring."""
    strings = load_strings(lang)
    wave = project.wave_ids[-1]
    name = label(region.name[lang])
    women = label(project.codebook.value_label("gender_code", "f", lang))
    men = label(project.codebook.value_label("gender_code", "m", lang))

    def what(indicator: Indicator) -> dict:
        statement = indicator.statement.get(lang, "") if indicator.statement else ""
        return {"statement": label(statement), "indicator": label(indicator.label[lang])}

    versus, compared = _clear(project, lambda i: comparisons.region_vs_rest(wave, i.id, region.code))
    region_lines = []
    for indicator, row in versus[:TOP_REGION]:
        here = estimates.get(wave, indicator.id, "region", region.code)
        national = estimates.get(wave, indicator.id, "national")
        if not (here.published and national.published):
            continue
        mine, country = _values(indicator, here.estimate, lang), _values(indicator, national.estimate, lang)
        kind = ("statement" if indicator.statement else "label") + ("_share" if indicator.is_proportion else "")
        sentence = strings["headline_region"][kind].format(
            region=name,
            here=mine["value"],
            here_words=mine["words"],
            national=country["value"],
            national_words=country["words"],
            **what(indicator),
        )
        sentence += " " + strings["headline_region_sure"].format(
            direction=strings["headline_direction"]["higher" if row.difference > 0 else "lower"],
            # the difference is measured against the rest of the country, not the national figure: say so
            rest=format_value(row.reference_estimate, indicator.unit, lang),
            difference=format_difference(row.difference, indicator.unit, lang),
            level=_level(row, lang),
            ci=format_difference_ci(row.ci_low, row.ci_high, indicator.unit, lang),
            n_region=format_count(here.n, lang),
            n_national=format_count(national.n, lang),
            region=name,
        )
        region_lines.append(sentence)
    total = format_count(compared, lang)
    if not compared:  # nothing compared (a region not surveyed): the page says why, in its own words
        region_lines = []
    elif not versus:
        region_lines.append(strings["headline_region_none"].format(region=name, total=total))
    elif len(versus) > TOP_REGION:
        region_lines.append(
            strings["headline_region_more"].format(clear=len(versus), total=total, shown=len(region_lines))
        )
    elif compared > len(versus):
        region_lines.append(strings["headline_region_rest"].format(rest=compared - len(versus), total=total))

    gaps, compared = _clear(project, lambda i: comparisons.gap(wave, i.id, "region", region.code))
    gender_lines = []
    for indicator, row in gaps[:TOP_GAPS]:
        n_women = estimates.get(wave, indicator.id, "region_gender", region.code, "f").n
        n_men = estimates.get(wave, indicator.id, "region_gender", region.code, "m").n
        kind = ("statement" if indicator.statement else "label") + ("_share" if indicator.is_proportion else "")
        sentence = strings["headline_gap"][kind].format(
            region=name,
            women=format_value(row.estimate, indicator.unit, lang),
            men=format_value(row.reference_estimate, indicator.unit, lang),
            women_label=women,
            men_label=men,
            **what(indicator),
        )
        sentence += " " + strings["headline_gap_sure"].format(
            difference=format_difference(row.difference, indicator.unit, lang),
            level=_level(row, lang),
            ci=format_difference_ci(row.ci_low, row.ci_high, indicator.unit, lang),
            n_women=format_count(n_women, lang),
            n_men=format_count(n_men, lang),
            women_label=women,
            men_label=men,
        )
        gender_lines.append(sentence)
    if compared and not gaps:
        gender_lines.append(
            strings["headline_gap_none"].format(
                region=name, total=format_count(compared, lang), women_label=women, men_label=men
            )
        )
    return Headlines(region_lines, gender_lines)

"""Key findings as sentences: the largest clear differences, or an explicit "no clear difference"."""

from __future__ import annotations

from collections.abc import Callable

from perception.book.data import TOP_FINDINGS, TRUST_CHAPTER, UNIT_ORDER, BookData
from perception.book.escape import text as md
from perception.book.markdown import plural
from perception.catalog.results import Difference
from perception.catalog.status import NOT_COMPARABLE
from perception.config.registry import Indicator
from perception.i18n import load_strings
from perception.i18n.numbers import (
    format_difference,
    format_difference_ci,
    format_interval,
    format_percent,
    format_value,
)


def _level(row: Difference, lang: str) -> str:
    """The confidence level of the interval the verdict used (e.g. "99,8 %"), never a typed 95 %."""
    return format_percent(row.ci_level if row.ci_level is not None else 0.95, lang)


def gap_item(data: BookData, indicator: Indicator, row: Difference, lang: str) -> str:
    strings = load_strings(lang)
    codebook = data.project.codebook
    return strings["finding_gap_item"].format(
        indicator=md(indicator.label[lang]),
        women_label=md(codebook.value_label("gender_code", "f", lang)),
        men_label=md(codebook.value_label("gender_code", "m", lang)),
        women=format_value(row.estimate, indicator.unit, lang),
        men=format_value(row.reference_estimate, indicator.unit, lang),
        difference=format_difference(row.difference, indicator.unit, lang),
        ci=format_difference_ci(row.ci_low, row.ci_high, indicator.unit, lang),
        level=_level(row, lang),
    )


def change_item(data: BookData, indicator: Indicator, row: Difference, lang: str) -> str:
    strings = load_strings(lang)
    return strings["finding_change_item"].format(
        indicator=md(indicator.label[lang]),
        before=format_value(row.reference_estimate, indicator.unit, lang),
        after=format_value(row.estimate, indicator.unit, lang),
        difference=format_difference(row.difference, indicator.unit, lang),
        ci=format_difference_ci(row.ci_low, row.ci_high, indicator.unit, lang),
        level=_level(row, lang),
    )


def clear_differences(
    data: BookData, lookup: Callable[[Indicator], Difference]
) -> tuple[list[tuple[Indicator, Difference]], int]:
    """Significant published differences, largest first (ties in registry order), and how many were published.

    Sizes are compared only within a unit (percentage points first, then
    index points, then scores), so a 0–100 index never outranks a share by
    its scale alone.
    """
    published = [(i, row) for i in data.project.indicators if (row := lookup(i)).published]
    clear = [(i, row) for i, row in published if row.significant]
    clear.sort(key=lambda item: (UNIT_ORDER[item[0].unit], -abs(item[1].difference)))
    return clear, len(published)


def differences_finding(
    data: BookData,
    lang: str,
    key: str,
    lookup: Callable[[Indicator], Difference],
    item: Callable[[BookData, Indicator, Difference, str], str],
    **fields,
) -> dict:
    """One finding: how many clear differences, the largest few, or an explicit "no clear difference"."""
    strings = load_strings(lang)
    clear, total = clear_differences(data, lookup)
    if not total:  # nothing compared (not asked, not surveyed, too few): never "none of the 0 indicators"
        redrawn = any(lookup(indicator).status == NOT_COMPARABLE for indicator in data.project.indicators)
        return {
            "text": strings["finding_redrawn" if redrawn else "finding_no_comparison"].format(**fields),
            "items": [],
        }
    if not clear:
        return {"text": strings[f"{key}_none"].format(total=total, **fields), "items": []}
    return {
        "text": plural(strings, key, len(clear), total=total, **fields),
        "items": [item(data, indicator, row, lang) for indicator, row in clear[:TOP_FINDINGS]],
    }


def trust_finding(data: BookData, lang: str) -> dict | None:
    """Highest and lowest national trust estimate among the institutions (shares only)."""
    strings = load_strings(lang)
    cells = [
        (indicator, cell)
        for indicator in data.project.indicators
        if indicator.chapter == TRUST_CHAPTER and indicator.is_proportion
        if (cell := data.estimates.get(data.latest, indicator.id, "national")).published
    ]
    if len(cells) < 2:
        return None
    high = max(cells, key=lambda item: item[1].estimate)
    low = min(cells, key=lambda item: item[1].estimate)
    return {
        "text": strings["finding_trust"].format(
            wave=data.wave_label(data.latest, lang),
            high_label=md(high[0].label[lang]),
            high=format_value(high[1].estimate, "proportion", lang),
            high_ci=format_interval(high[1].ci_low, high[1].ci_high, "proportion", lang),
            low_label=md(low[0].label[lang]),
            low=format_value(low[1].estimate, "proportion", lang),
            low_ci=format_interval(low[1].ci_low, low[1].ci_high, "proportion", lang),
        ),
        "items": [],
    }


def gap_finding(data: BookData, lang: str, domain: str = "national", region: str = "") -> dict:
    """Clear gender gaps in the latest wave, nationally or in one region."""
    return differences_finding(
        data,
        lang,
        f"finding_gaps_{domain}",
        lambda i: data.comparisons.gap(data.latest, i.id, domain, region),
        gap_item,
        wave=data.wave_label(data.latest, lang),
    )


def change_finding(
    data: BookData, lang: str, domain: str = "national", region: str = "", key: str | None = None, **fields
) -> dict:
    """Clear changes between the baseline and the latest wave, nationally or in one region.

    ``key`` names the sentences (``<key>_none``, ``_one``, ``_many``; by
    default ``finding_changes_<domain>``), ``fields`` what else they quote.
    """
    return differences_finding(
        data,
        lang,
        key or f"finding_changes_{domain}",
        lambda i: data.comparisons.change(data.latest, i.id, domain, region),
        change_item,
        wave=data.wave_label(data.latest, lang),
        baseline=data.wave_label(data.baseline, lang),
        **fields,
    )


def regional_gaps_finding(data: BookData, lang: str) -> dict:
    """How many regional gender gaps are clear, and where the largest are."""
    strings = load_strings(lang)
    clear, total = [], 0
    for region in data.project.report_geography.regions:
        found, published = clear_differences(
            data, lambda i, r=region: data.comparisons.gap(data.latest, i.id, "region", r.code)
        )
        clear += [(region, indicator, row) for indicator, row in found]
        total += published
    wave = data.wave_label(data.latest, lang)
    if not total:
        return {"text": strings["finding_no_comparison"].format(wave=wave), "items": []}
    if not clear:
        return {"text": strings["finding_gaps_regions_none"].format(total=total, wave=wave), "items": []}
    clear.sort(key=lambda item: (UNIT_ORDER[item[1].unit], -abs(item[2].difference)))
    items = [
        strings["finding_region_item"].format(region=md(region.name[lang]), item=gap_item(data, indicator, row, lang))
        for region, indicator, row in clear[:TOP_FINDINGS]
    ]
    return {"text": plural(strings, "finding_gaps_regions", len(clear), total=total, wave=wave), "items": items}

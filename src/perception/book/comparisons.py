"""Gender gaps and changes between waves: the gender and trends pages, and the tables regional pages share."""

from __future__ import annotations

from perception.book.chapters import indicator_link
from perception.book.data import BookData
from perception.book.escape import text as md
from perception.book.findings import change_finding, gap_finding, regional_gaps_finding
from perception.book.markdown import Marks, Table
from perception.catalog.results import Difference
from perception.config.registry import Indicator
from perception.i18n import load_strings


def comparison_table(
    data: BookData,
    lang: str,
    name: str,
    caption: str,
    header: list[str],
    rows: list[tuple[str, Indicator, Difference]],
    reference_first: bool,
) -> Table:
    """Both estimates, the difference with its interval and the verdict, one row per (label, indicator, row).

    A gender gap reads women then men (estimate, reference); a change reads
    baseline then later wave (reference first), as time runs.
    """
    marks = Marks(data.project, lang)
    body = []
    for label, indicator, row in rows:
        values = [marks.value(v, row.published, indicator) for v in (row.estimate, row.reference_estimate)]
        if reference_first:
            values.reverse()
        body.append([label, *values, *marks.difference(row, indicator)])
    strings = load_strings(lang)
    return Table(
        caption=caption,
        name=name,
        header=header,
        align="lrrrl",
        rows=body,
        notes=[*marks.notes(), strings["verdict_note"]],
    )


def gap_header(data: BookData, lang: str, first: str) -> list[str]:
    strings = load_strings(lang)
    codebook = data.project.codebook
    return [
        first,
        md(codebook.value_label("gender_code", "f", lang)),
        md(codebook.value_label("gender_code", "m", lang)),
        strings["col_gap"],
        strings["col_reading"],
    ]


def change_header(data: BookData, lang: str, wave: str, first: str) -> list[str]:
    strings = load_strings(lang)
    return [
        first,
        data.wave_label(data.baseline, lang),
        data.wave_label(wave, lang),
        strings["col_change"],
        strings["col_reading"],
    ]


def gender_context(data: BookData, lang: str) -> dict:
    """Per indicator: women, men and the gap nationally and in each region, latest wave."""
    project = data.project
    strings = load_strings(lang)
    wave = data.latest
    sections = []
    for indicator in project.indicators:
        rows = [(f"**{strings['national']}**", indicator, data.comparisons.gap(wave, indicator.id, "national"))]
        rows += [
            (md(region.name[lang]), indicator, data.comparisons.gap(wave, indicator.id, "region", region.code))
            for region in project.geography.regions
        ]
        sections.append(
            {
                "label": md(indicator.label[lang]),
                "link": indicator_link(indicator, lang),
                "table": comparison_table(
                    data,
                    lang,
                    f"tbl-gap-{indicator.id}",
                    strings["gender_table_caption"].format(
                        indicator=md(indicator.label[lang]), wave=data.wave_label(wave, lang)
                    ),
                    gap_header(data, lang, md(project.codebook["region_code"].label[lang])),
                    rows,
                    reference_first=False,
                ),
            }
        )
    return {
        "intro": strings["gender_intro"].format(wave=data.wave_label(wave, lang)),
        "findings": [gap_finding(data, lang), regional_gaps_finding(data, lang)],
        "sections": sections,
    }


def trends_context(data: BookData, lang: str) -> dict:
    """Per later wave and indicator: change since the baseline nationally, by gender and by region."""
    project = data.project
    strings = load_strings(lang)
    gender = project.codebook["gender_code"]
    waves = []
    for wave in project.wave_ids[1:]:
        sections = []
        for indicator in project.indicators:
            change = data.comparisons.change
            rows = [(f"**{strings['national']}**", indicator, change(wave, indicator.id, "national"))]
            rows += [
                (md(labels[lang]), indicator, change(wave, indicator.id, "gender", gender=str(code)))
                for code, labels in gender.codes.items()
            ]
            rows += [
                (md(region.name[lang]), indicator, change(wave, indicator.id, "region", region.code))
                for region in project.geography.regions
            ]
            sections.append(
                {
                    "label": md(indicator.label[lang]),
                    "link": indicator_link(indicator, lang),
                    "table": comparison_table(
                        data,
                        lang,
                        f"tbl-change-{wave}-{indicator.id}",
                        strings["trends_table_caption"].format(
                            indicator=md(indicator.label[lang]),
                            wave=data.wave_label(wave, lang),
                            baseline=data.wave_label(data.baseline, lang),
                        ),
                        change_header(data, lang, wave, ""),
                        rows,
                        reference_first=True,
                    ),
                }
            )
        waves.append({"title": data.wave_label(wave, lang), "sections": sections})
    return {
        "intro": strings["trends_intro"].format(baseline=data.wave_label(data.baseline, lang)),
        "findings": [change_finding(data, lang)],
        "waves": waves,
    }

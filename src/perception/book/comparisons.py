"""Gender gaps and changes between waves: the gender and trends pages, and the tables regional pages share."""

from __future__ import annotations

from perception.book.chapters import indicator_link
from perception.book.data import BookData
from perception.book.escape import text as md
from perception.book.findings import change_finding, gap_finding, regional_gaps_finding
from perception.book.markdown import Marks, Table, page_chart
from perception.book.wording import changed_between_waves, questions
from perception.catalog.paths import phone_chart_name
from perception.catalog.results import Difference
from perception.config.registry import Indicator
from perception.i18n import load_strings
from perception.i18n.numbers import format_count
from perception.outputs.chart_specs import gender_chart, trends_chart


def comparison_table(
    data: BookData,
    lang: str,
    name: str,
    caption: str,
    header: list[str],
    rows: list[tuple[str, Indicator, Difference]],
    reference_first: bool,
    counts: list[str] | None = None,
) -> Table:
    """Both estimates, the difference with its interval and the verdict, one row per (label, indicator, row).

    A gender gap reads women then men (estimate, reference); a change reads
    baseline then later wave (reference first), as time runs. ``counts``
    (one per row, e.g. "212 / 200") adds the n of each group after the values.
    """
    marks = Marks(data.project, lang)
    body = []
    for k, (label, indicator, row) in enumerate(rows):
        values = [
            marks.value(v, row.published or (row.missing_by_design and v is not None), indicator, row.status)
            for v in (row.estimate, row.reference_estimate)
        ]
        if reference_first:
            values.reverse()
        body.append([label, *values, *([counts[k]] if counts else []), *marks.difference(row, indicator)])
    strings = load_strings(lang)
    return Table(
        caption=caption,
        name=name,
        header=header,
        align="lrrrrl" if counts else "lrrrl",
        rows=body,
        notes=[*marks.notes(), strings["verdict_note"]],
    )


def gap_header(data: BookData, lang: str, first: str) -> list[str]:
    """Women, men, the n of each, then the gap stated as women − men."""
    strings = load_strings(lang)
    codebook = data.project.codebook
    women = md(codebook.value_label("gender_code", "f", lang))
    men = md(codebook.value_label("gender_code", "m", lang))
    return [
        first,
        women,
        men,
        strings["col_n_gender"].format(women=women, men=men),
        strings["col_gap_gender"].format(women=women.lower(), men=men.lower()),
        strings["col_reading"],
    ]


def gap_counts(data: BookData, lang: str, indicator: Indicator, domain: str, region: str = "") -> str:
    """ "n women / n men" of the cells a gap compares (from ``indicators.csv``)."""
    wave, cells = data.latest, "gender" if domain == "national" else "region_gender"
    women = data.estimates.get(wave, indicator.id, cells, region, "f").n
    men = data.estimates.get(wave, indicator.id, cells, region, "m").n
    return f"{format_count(women, lang)} / {format_count(men, lang)}"


def change_header(data: BookData, lang: str, wave: str, first: str) -> list[str]:
    strings = load_strings(lang)
    return [
        first,
        data.wave_label(data.baseline, lang),
        data.wave_label(wave, lang),
        strings["col_change"],
        strings["col_reading"],
    ]


def gender_context(data: BookData, lang: str, charts: dict[str, str]) -> dict:
    """Per indicator: women, men and the gap nationally and in each region, latest wave."""
    project = data.project
    strings = load_strings(lang)
    wave = data.latest
    sections = []
    for indicator in project.indicators:
        rows = [(f"**{strings['national']}**", indicator, data.comparisons.gap(wave, indicator.id, "national"))]
        rows += [
            (md(region.name[lang]), indicator, data.comparisons.gap(wave, indicator.id, "region", region.code))
            for region in project.report_geography.regions
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
                    counts=[gap_counts(data, lang, indicator, "national")]
                    + [gap_counts(data, lang, indicator, "region", r.code) for r in project.report_geography.regions],
                ),
            }
        )
    return {
        "intro": strings["gender_intro"].format(wave=data.wave_label(wave, lang)),
        "chart": page_chart(
            gender_chart(data.estimates, project, lang),
            project,
            lang,
            charts["gender"],
            "fig-gender",
            charts[phone_chart_name("gender")],
        ),
        "findings": [gap_finding(data, lang), regional_gaps_finding(data, lang)],
        "sections": sections,
    }


def trends_context(data: BookData, lang: str, charts: dict[str, str]) -> dict:
    """Per later wave and indicator: change since the baseline nationally, by gender and by region."""
    project = data.project
    strings = load_strings(lang)
    gender = project.codebook["gender_code"]
    asked = questions(project, data.processed_dir)
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
                for region in project.wave_geography(wave).regions
            ]
            sections.append(
                {
                    "label": md(indicator.label[lang]),
                    "link": indicator_link(indicator, lang),
                    # the question changed between waves: the change may be the question's
                    "limited": strings["comparability_limited"]
                    if changed_between_waves(indicator, asked, lang, (project.wave_ids[0], wave))
                    else "",
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
        "chart": page_chart(
            trends_chart(data.estimates, project, lang),
            project,
            lang,
            charts["trends"],
            "fig-trends",
            charts[phone_chart_name("trends")],
        ),
        "findings": [change_finding(data, lang)],
        "waves": waves,
    }

"""The regions page and one page per region: its indicators against the country, its gaps, its changes."""

from __future__ import annotations

from perception.book.chapters import indicator_link
from perception.book.comparisons import change_header, comparison_table, gap_counts, gap_header
from perception.book.data import DOWNLOADS_SUBDIR, REGIONS_PAGE, BookData, chapter_ids
from perception.book.escape import text as md
from perception.book.findings import change_finding
from perception.book.markdown import Marks, Table, page_chart
from perception.catalog.domains import on_layout
from perception.catalog.paths import phone_chart_name
from perception.i18n import load_strings
from perception.i18n.numbers import format_count, listed
from perception.outputs.chart_specs import region_chart
from perception.outputs.designs import describe_wave
from perception.outputs.headlines import region_headlines


def regions_context(data: BookData, lang: str) -> dict:
    project = data.project
    strings = load_strings(lang)
    sample = data.sample(data.latest).set_index("region_code")
    rows = [
        [
            f"[{md(region.name[lang])}]({REGIONS_PAGE}/{region.code}.md)",
            format_count(n, lang)
            if (n := sample["n_respondents"].get(region.code, 0))
            else strings["fig_not_surveyed"],
            f"{{download}}`{strings['factsheet_link_short']} <{DOWNLOADS_SUBDIR}/factsheets/{lang}/{region.code}.pdf>`",
        ]
        for region in project.report_geography.regions
    ]
    table = Table(
        caption=strings["regions_table_caption"].format(wave=data.wave_label(data.latest, lang)),
        name="tbl-regions",
        header=[md(project.codebook["region_code"].label[lang]), strings["col_respondents"], strings["col_factsheet"]],
        align="lrl",
        rows=rows,
    )
    return {"table": table}


def region_context(data: BookData, region, lang: str, charts: dict[str, str]) -> dict:
    """One region's story in sentences and a chart, then its indicators against the country, its gaps, its changes."""
    project = data.project
    strings = load_strings(lang)
    wave = data.latest
    sample = data.sample(wave)
    respondents = sample.loc[sample["region_code"] == region.code, "n_respondents"].sum()
    marks = Marks(project, lang)
    rows = []
    for chapter in chapter_ids(project):
        rows.append([f"**{md(strings['chapters'][chapter]['title'])}**", "", "", "", ""])
        for indicator in project.indicators:
            if indicator.chapter != chapter:
                continue
            here = data.estimates.get(wave, indicator.id, "region", region.code)
            # the verdict of the region against the rest of the country, as the key findings count it
            versus_rest = data.comparisons.region_vs_rest(wave, indicator.id, region.code)
            if versus_rest.published:
                verdict = strings["verdict_clear" if versus_rest.significant else "verdict_unclear"]
            else:
                verdict = marks.missing(versus_rest.status)
            rows.append(
                [
                    indicator_link(indicator, lang),
                    marks.estimate(here, indicator),
                    marks.estimate(data.estimates.get(wave, indicator.id, "national"), indicator),
                    format_count(here.n, lang),
                    f"**{verdict}**" if versus_rest.published and versus_rest.significant else verdict,
                ]
            )
    versus = Table(
        caption=strings["region_table_caption"].format(region=md(region.name[lang]), wave=data.wave_label(wave, lang)),
        name=f"tbl-region-{region.code}",
        header=[
            strings["col_indicator"],
            strings["col_region_estimate"].format(region=md(region.name[lang])),
            strings["col_national_estimate"],
            strings["col_n"],
            strings["col_versus_rest"],
        ],
        align="lrrrl",
        rows=rows,
        notes=marks.notes(),
    )
    gaps = comparison_table(
        data,
        lang,
        f"tbl-region-gaps-{region.code}",
        strings["region_gaps_caption"].format(region=md(region.name[lang]), wave=data.wave_label(wave, lang)),
        gap_header(data, lang, strings["col_indicator"]),
        [(md(i.label[lang]), i, data.comparisons.gap(wave, i.id, "region", region.code)) for i in project.indicators],
        reference_first=False,
        counts=[gap_counts(data, lang, i, "region", region.code) for i in project.indicators],
    )
    sheet = f"{DOWNLOADS_SUBDIR}/factsheets/{lang}/{region.code}.pdf"
    headlines = region_headlines(project, data.estimates, data.comparisons, region, lang, label=md)
    changes = None
    # a region the baseline split is compared with its parts there together (region@<layout>)
    domain = project.change_domain(wave, data.baseline, region.code) if len(project.wave_ids) > 1 else "region"
    if len(project.wave_ids) > 1:
        changes = comparison_table(
            data,
            lang,
            f"tbl-region-changes-{region.code}",
            strings["region_changes_caption"].format(
                region=md(region.name[lang]),
                baseline=data.wave_label(data.baseline, lang),
                wave=data.wave_label(wave, lang),
            ),
            change_header(data, lang, wave, strings["col_indicator"]),
            [
                (md(i.label[lang]), i, data.comparisons.change(wave, i.id, domain, region.code))
                for i in project.indicators
            ],
            reference_first=True,
        )
    territory = territory_changes(data, region, lang) if changes else None
    intro = strings["region_intro" if respondents else "region_not_surveyed_intro"].format(
        region=md(region.name[lang]), wave=data.wave_label(wave, lang), n=format_count(respondents, lang)
    )
    return {
        "region": md(region.name[lang]),
        "intro": intro,
        "factsheet": f"{{download}}`{strings['factsheet_link']} <../{sheet}>`",
        "findings": [
            *({"text": line, "items": []} for line in headlines.all),
            *([change_finding(data, lang, domain, region.code, key="finding_changes_region")] if changes else []),
            *([territory["finding"]] if territory else []),
        ],
        "chart": page_chart(
            region_chart(data.estimates, project, region, lang),
            project,
            lang,
            f"../{charts[f'region-{region.code}']}",
            f"fig-region-{region.code}",
            f"../{charts[phone_chart_name(f'region-{region.code}')]}",
        ),
        "versus": versus,
        "gaps": gaps,
        "changes": changes,
        "territory": territory,
        # how the waves this page shows were sampled and weighted, from their configured designs
        "method": [
            describe_wave(project, shown, lang, md)
            for shown in dict.fromkeys([data.baseline, wave] if changes else [wave])
        ],
    }


def territory_changes(data: BookData, region, lang: str) -> dict | None:
    """The changes since the baseline over the territory the region belonged to then, if the reform redrew it.

    Mopti's and Douentza's pages of a 2023 wave against a 2012 baseline both
    show Mopti as drawn in 2012 (today Mopti, Douentza and Bandiagara),
    estimated from the respondents of all three (``region@regions_2012``).
    """
    project, strings = data.project, load_strings(lang)
    found = project.former_territory(data.latest, data.baseline, region.code)
    if found is None:
        return None
    layout, code, parts = found
    domain = on_layout("region", layout.layout)
    own = project.wave_geography(data.latest)
    fields = {
        "former": md(layout.name(code, lang)),
        "parts": listed([md(own.name(part, lang)) for part in parts], strings),
        "baseline": data.wave_label(data.baseline, lang),
        "wave": data.wave_label(data.latest, lang),
    }
    table = comparison_table(
        data,
        lang,
        f"tbl-region-territory-{region.code}",
        strings["region_territory_caption"].format(**fields),
        change_header(data, lang, data.latest, strings["col_indicator"]),
        [(md(i.label[lang]), i, data.comparisons.change(data.latest, i.id, domain, code)) for i in project.indicators],
        reference_first=True,
    )
    finding = change_finding(data, lang, domain, code, key="finding_changes_territory", territory=fields["former"])
    return {
        "title": strings["region_territory"].format(**fields),
        "intro": strings["region_territory_intro"].format(**fields),
        "table": table,
        "finding": finding,
    }

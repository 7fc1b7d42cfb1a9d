"""The summary page and one chapter per indicator chapter of the registry."""

from __future__ import annotations

from perception.book.annexes import answer_table_name
from perception.book.availability import availability_notes
from perception.book.data import REGIONS_PAGE, BookData, chapter_ids, page_names
from perception.book.escape import option
from perception.book.escape import text as md
from perception.book.findings import change_finding, gap_finding, regional_gaps_finding, trust_finding
from perception.book.markdown import Marks, Table, page_chart, read_csv
from perception.book.wording import question_lines, questions
from perception.catalog.paths import phone_chart_name, trend_chart_name
from perception.catalog.status import NOT_ASKED, SUPPRESSED
from perception.config.geography import Geography
from perception.config.project import Project
from perception.config.registry import Indicator
from perception.estimate.answers import question_variables
from perception.estimate.weighting import AGE_GROUP
from perception.i18n import CATALOGUE_DIR, load_strings
from perception.i18n.numbers import format_count, format_interval, format_percent
from perception.outputs.chart_specs import summary_chart
from perception.outputs.territories import former_areas, territory_cell
from perception.transform.bands import band_labels


def indicator_link(indicator: Indicator, lang: str) -> str:
    """A link to the indicator's section (a Markdown link, whose text is escaped like any other)."""
    return f"[{md(indicator.label[lang])}](#ind-{indicator.id})"


def indicator_table(data: BookData, indicator: Indicator, lang: str) -> Table:
    """National, regional, gender, urban/rural and age estimates of one indicator, two columns per wave."""
    project = data.project
    strings = load_strings(lang)
    marks = Marks(project, lang)
    report = project.report_geography
    header = [""]
    for wave in project.wave_ids:
        header += [strings["col_estimate"].format(wave=data.wave_label(wave, lang)), strings["col_n"]]

    def row(label: str, domain: str, region: str = "", gender: str = "", layout: Geography = report) -> list[str]:
        cells = []
        for wave in project.wave_ids:
            if region:  # a region as ``layout`` draws it, in each wave's own cell or its territory's
                cell = territory_cell(data.estimates, project, wave, indicator.id, layout, region)
            else:
                cell = data.estimates.get(wave, indicator.id, domain, region, gender)
            cells += [marks.estimate(cell, indicator), format_count(cell.n, lang)]
        return [label, *cells]

    blank = [""] * (2 * len(project.wave_ids))
    rows = [row(f"**{strings['national']}**", "national")]
    rows.append([f"**{md(project.codebook['region_code'].label[lang])}**", *blank])
    rows += [row(md(region.name[lang]), "region", region.code) for region in report.regions]
    former = former_areas(project)  # the baseline's regions today's layout redrew, as the territories they were
    for layout, code in former:
        name = strings["trend_former_area"].format(region=md(layout.name(code, lang))).replace("\n", " ")
        rows.append(row(name, "region", code, layout=layout))
    gender = project.codebook["gender_code"]
    rows.append([f"**{md(gender.label[lang])}**", *blank])
    rows += [row(md(labels[lang]), "gender", gender=str(code)) for code, labels in gender.codes.items()]
    for name in project.breakdowns if data.breakdowns else []:
        rows.append([f"**{md(breakdown_label(project, name, lang))}**", *blank])
        for level, label in breakdown_levels(project, name, lang):
            cells = []
            for wave in project.wave_ids:
                cell = data.breakdowns.get(wave, indicator.id, name, level)
                cells += [marks.estimate(cell, indicator), format_count(cell.n, lang)]
            rows.append([md(label), *cells])
    return Table(
        caption=strings["chapter_table_caption"].format(indicator=md(indicator.label[lang])),
        name=f"tbl-{indicator.id}",
        header=header,
        align="l" + "r" * (2 * len(project.wave_ids)),
        rows=rows,
        notes=[
            *marks.notes(),
            *availability_notes(data, indicator, lang),
            *([strings["trend_former_note"].format(baseline=data.wave_label(data.baseline, lang))] if former else []),
        ],
    )


def breakdown_label(project: Project, name: str, lang: str) -> str:
    """A breakdown's heading: the codebook variable's label, or "Âge" for the age groups."""
    return load_strings(lang)["breakdown_age_group"] if name == AGE_GROUP else project.codebook[name].label[lang]


def breakdown_levels(project: Project, name: str, lang: str) -> list[tuple[str, str]]:
    """(level as in breakdowns.csv, label) in configured order; age groups read "18–24 ans"."""
    if name != AGE_GROUP:
        return [(str(code), labels[lang]) for code, labels in project.codebook[name].codes.items()]
    strings = load_strings(lang)
    bounds = project.config["models"]["age_bounds"]
    levels = []
    for (low, level), high in zip(band_labels(bounds).items(), [*bounds[1:], None], strict=True):
        label = (
            strings["age_band_open"].format(low=low)
            if high is None
            else strings["age_band"].format(low=low, high=high - 1)
        )
        levels.append((level, label))
    return levels


def headline_table(data: BookData, chapter: str, lang: str) -> Table:
    """National estimates of the latest wave for one chapter's indicators."""
    strings = load_strings(lang)
    marks = Marks(data.project, lang)
    rows = []
    for indicator in data.project.indicators:
        if indicator.chapter != chapter:
            continue
        cell = data.estimates.get(data.latest, indicator.id, "national")
        value = marks.value(cell.estimate, cell.published, indicator, cell.status)
        interval = "" if cell.missing_by_design else strings["suppressed_mark"]
        if cell.published:
            interval = format_interval(cell.ci_low, cell.ci_high, indicator.unit, lang)
            value += strings["unreliable_mark"] if cell.flagged else ""
            marks.flagged |= cell.flagged
        rows.append([indicator_link(indicator, lang), value, interval, format_count(cell.n, lang)])
    return Table(
        caption=strings["index_headline"].format(wave=data.wave_label(data.latest, lang)),
        name=f"tbl-headline-{chapter}",
        header=[strings["col_indicator"], strings["col_share"], strings["col_ci"], strings["col_n"]],
        align="lrrr",
        rows=rows,
        notes=marks.notes(),
    )


def index_context(data: BookData, lang: str, charts: dict[str, str]) -> dict:
    project = data.project
    strings = load_strings(lang)
    sample = data.sample(data.latest)
    sample_sentence = strings["index_sample"].format(
        wave=data.wave_label(data.latest, lang),
        n=format_count(sample["n_respondents"].sum(), lang),
        women=format_count(sample["n_women"].sum(), lang),
        men=format_count(sample["n_men"].sum(), lang),
        regions=format_count((sample["n_respondents"] > 0).sum(), lang),
    )
    trust = trust_finding(data, lang)
    findings = [*([trust] if trust else []), gap_finding(data, lang), regional_gaps_finding(data, lang)]
    if len(project.wave_ids) > 1:
        findings.append(change_finding(data, lang))
    headline = [
        {"title": strings["chapters"][chapter]["title"], "table": headline_table(data, chapter, lang)}
        for chapter in chapter_ids(project)
    ]
    return {
        "chart": page_chart(
            summary_chart(data.estimates, project, lang),
            project,
            lang,
            charts["summary"],
            "fig-summary",
            charts[phone_chart_name("summary")],
        ),
        "sample_sentence": sample_sentence,
        # "Votre région": a link to each regional page, so a forum finds its own first
        "regions": [
            f"[{md(region.name[lang])}]({REGIONS_PAGE}/{region.code}.md)" for region in project.report_geography.regions
        ],
        "findings": findings,
        "headline": headline,
        "contents": page_names(project)[1:],
    }


def nonresponse_table(data: BookData, chapter: str, lang: str) -> Table | None:
    """Per indicator and wave, the weighted share of each special answer, and how the indicator treats it.

    Read from ``nonresponse.csv`` (the estimation stage's table), so that
    a reader sees what an excluded don't know would have changed.
    """
    path = data.processed_dir / "nonresponse.csv"
    if not path.is_file():
        return None
    project = data.project
    strings = load_strings(lang)
    ids = [i.id for i in project.indicators if i.chapter == chapter]
    frame = read_csv(path, "item non-response")
    frame = frame[frame["indicator"].isin(ids)]
    specials = [s for s in project.codebook.special_labels if s in set(frame["special_code"])]
    if frame.empty or not specials:
        return None
    shares = frame.set_index(["wave", "indicator", "special_code"])
    labels = project.codebook.special_labels
    # answers down, waves across (as the dictionary's answer tables): more waves never make it wider than a phone
    header = ["", *(data.wave_label(wave, lang) for wave in project.wave_ids), strings["col_treatment"]]
    marks = Marks(project, lang)
    blank = [""] * (len(project.wave_ids) + 1)
    rows = []
    for indicator in project.indicators:
        if indicator.chapter != chapter:
            continue
        rows.append([f"**{indicator_link(indicator, lang)}**", *blank])
        for special, treatment in indicator.nonresponse:
            cells = [md(labels[special][lang])]
            for wave in project.wave_ids:
                key = (wave, indicator.id, special)
                if key in shares.index and shares.loc[key, "n_base"] > 0:
                    cells.append(format_percent(float(shares.loc[key, "share"]), lang))
                else:  # a question the wave did not ask says so; asked of nobody reads as no estimate
                    asked = key in shares.index and shares.loc[key, "status"] != NOT_ASKED
                    cells.append(marks.missing(SUPPRESSED if asked else NOT_ASKED))
            rows.append([*cells, strings["nonresponse_treatments"][treatment]])
    return Table(
        caption=strings["nonresponse_caption"],
        name=f"tbl-nonresponse-{chapter}",
        header=header,
        align="l" + "r" * len(project.wave_ids) + "l",
        rows=rows,
        notes=[*marks.notes(), strings["nonresponse_note"]],
    )


def chapter_context(data: BookData, chapter: str, lang: str, figures: dict[tuple[str, str], str]) -> dict:
    # The alt texts live beside the charts they describe; imported here so that building
    # the book's sources does not load plotnine and matplotlib (a second of start-up).
    from perception.outputs.figures import alt_text
    from perception.outputs.maps import map_alt_text
    from perception.outputs.trends import trend_alt_text

    project = data.project
    strings = load_strings(lang)
    if chapter not in strings["chapters"]:
        raise KeyError(f"{CATALOGUE_DIR / 'book.yaml'}: chapters.{chapter} (title, intro) is missing")
    sections = []
    asked = questions(project, data.processed_dir)
    coded = set(question_variables(project))
    for indicator in project.indicators:
        if indicator.chapter != chapter:
            continue
        charts = [
            {
                "path": figures[(wave, indicator.id)],
                "name": f"fig-{indicator.id}-{wave}",
                "figclass": "narrow-figure",
                "alt": option(alt_text(data.estimates, project, wave, indicator.id, lang)),
                "caption": strings["figure_caption"].format(
                    indicator=md(indicator.label[lang]), wave=data.wave_label(wave, lang)
                ),
            }
            for wave in project.wave_ids
        ]
        charts.append(
            {
                "path": figures[("map", indicator.id)],
                "name": f"fig-{indicator.id}-map",
                # a tile map is drawn narrow for every screen (outputs.maps.TILE_MAP), a choropleth wide
                **({} if project.config["report"]["boundaries"] else {"figclass": "narrow-figure"}),
                "alt": option(map_alt_text(data.estimates, project, data.latest, indicator.id, lang)),
                "caption": strings["map_figure_caption"].format(
                    indicator=md(indicator.label[lang]), wave=data.wave_label(data.latest, lang)
                ),
            }
        )
        if len(project.wave_ids) > 1:  # every wave at a glance, nationally and in each region
            charts.append(
                {
                    "path": figures[("chart", trend_chart_name(indicator.id))],
                    "phone": figures[("chart", phone_chart_name(trend_chart_name(indicator.id)))],
                    "figclass": "has-phone",
                    "name": f"fig-{indicator.id}-trend",
                    "alt": option(trend_alt_text(data.estimates, project, indicator.id, lang)),
                    "caption": strings["trend_figure_caption"].format(indicator=md(indicator.label[lang])),
                }
            )
        sections.append(
            {
                "questions": question_lines(project, indicator, asked, lang, md),
                # the dictionary's table of every answer per wave (a numbered reference: no external text in it)
                "answers": [
                    f"{{numref}}`{answer_table_name(name)}`"
                    for name in dict.fromkeys(indicator.variables)
                    if name in coded
                ],
                "anchor": f"ind-{indicator.id}",
                "label": md(indicator.label[lang]),
                "definition": md(indicator.definition[lang]),
                "table": indicator_table(data, indicator, lang),
                "figures": charts,
            }
        )
    return {
        "chapter": strings["chapters"][chapter],
        "sections": sections,
        "nonresponse": nonresponse_table(data, chapter, lang),
    }

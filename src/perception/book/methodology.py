"""The methodology page: sources, sample, weighting, reliability, disclosure and definitions, from workflow files."""

from __future__ import annotations

from pathlib import Path

from perception.book.data import BookData
from perception.book.escape import code as literal
from perception.book.escape import text as md
from perception.book.markdown import Table, in_configured_order, read_csv
from perception.book.targets import coverage_table, nonresponse_policy, target_tables
from perception.config.project import Project
from perception.i18n import load_strings
from perception.i18n.numbers import format_count, format_decimal
from perception.outputs.designs import describe_wave


def methodology_context(data: BookData, lang: str) -> dict:
    project = data.project
    processed_dir = data.processed_dir
    strings = load_strings(lang)
    source_tables, sample_tables = [], []
    for wave in project.wave_ids:
        label = data.wave_label(wave, lang)
        partners = {mapping.source_id: mapping.partner_in(lang) for mapping in project.sources(wave)}
        quality = read_csv(processed_dir / wave / "quality_summary.csv", "quality summary")
        quality = in_configured_order(quality, "source_id", list(partners))
        source_tables.append(
            Table(
                caption=label,
                name=f"tbl-sources-{wave}",
                header=[strings[f"col_{c}"] for c in ("source", "file", "received", "released", "quarantined")],
                align="llrrr",
                rows=[
                    [
                        md(partners.get(row.source_id, row.source_id)),
                        literal(Path(str(row.source_file)).name),
                        format_count(row.rows_received, lang),
                        format_count(row.rows_released, lang),
                        format_count(row.rows_quarantined, lang),
                    ]
                    for row in quality.itertuples(index=False)
                ],
            )
        )
        geography = project.wave_geography(wave)
        sample = in_configured_order(data.sample(wave), "region_code", geography.codes)
        sample_tables.append(
            Table(
                caption=label,
                name=f"tbl-sample-{wave}",
                header=[
                    md(project.codebook["region_code"].label[lang]),
                    strings["col_respondents"],
                    # sample_summary.csv has fixed n_women / n_men columns
                    md(project.codebook.value_label("gender_code", "f", lang)),
                    md(project.codebook.value_label("gender_code", "m", lang)),
                    strings["col_sum_weights"],
                ],
                align="lrrrr",
                rows=[
                    [
                        md(geography.name(str(row.region_code), lang)),
                        format_count(row.n_respondents, lang),
                        format_count(row.n_women, lang),
                        format_count(row.n_men, lang),
                        format_count(row.sum_weights, lang),
                    ]
                    for row in sample.itertuples(index=False)
                ],
            )
        )
    return {
        "source_tables": source_tables,
        "sample_tables": sample_tables,
        "sample_intro": strings["methodology_sample_intro"].format(layout=_layouts(project, lang)),
        "design_intro": strings["design"]["intro"],
        "design_lines": [describe_wave(project, wave, lang, md) for wave in project.wave_ids],
        "weighting": weighting_table(data, lang),
        "alpha": alpha_table(data, lang),
        "disclosure": disclosure_table(data, lang),
        "suppression": strings["methodology_suppression"].format(min_n=project.min_cell_n),
        "comparisons": comparisons_text(project, lang),
        "definitions": definitions(project, lang),
        "targets": target_tables(data, lang),
        "nonresponse_policy": nonresponse_policy(data, lang),
        "coverage": coverage_table(data, lang),
    }


def comparisons_text(project: Project, lang: str) -> str:
    """How comparisons are adjusted, in the words of the configured method and families."""
    strings = load_strings(lang)
    settings = project.config["comparisons"]
    method = strings["comparison_methods"][settings["adjustment"]]
    keys = [strings["comparison_family_keys"][key] for key in settings["family"]]
    family = keys[0] if len(keys) == 1 else f"{', '.join(keys[:-1])}{strings['and_word']}{keys[-1]}"
    alpha = f"{format_decimal(100 * settings['alpha'], lang, 0)} %" if lang == "fr" else f"{settings['alpha']:.0%}"
    return strings["methodology_comparisons_text"].format(
        method=method["name"], family=family, alpha=alpha, interval=method["interval"]
    )


def weighting_table(data: BookData, lang: str) -> Table | None:
    """Weighting diagnostics per wave, when the estimation stage wrote them."""
    path = data.processed_dir / "weighting_diagnostics.csv"
    if not path.is_file():
        return None
    strings = load_strings(lang)
    frame = in_configured_order(read_csv(path, "weighting diagnostics"), "wave", data.project.wave_ids)
    return Table(
        caption=strings["weighting_caption"],
        name="tbl-weighting",
        header=[strings[f"col_{c}"] for c in ("wave", "respondents", "kish_deff", "effective_n", "weight_ratio")],
        align="lrrrr",
        rows=[
            [
                data.wave_label(str(row.wave), lang),
                format_count(row.n, lang),
                format_decimal(row.kish_deff, lang, 2),
                format_count(row.effective_n, lang),
                format_decimal(row.weight_ratio, lang, 1),
            ]
            for row in frame.itertuples(index=False)
        ],
        notes=[strings["weighting_note"]],
    )


def alpha_table(data: BookData, lang: str) -> Table | None:
    """Cronbach's alpha of each composite index and wave, as the estimation stage wrote it."""
    path = data.processed_dir / "index_reliability.csv"
    if not path.is_file():
        return None
    frame = read_csv(path, "index reliability")
    if frame.empty:
        return None
    strings = load_strings(lang)
    labels = {i.id: md(i.label[lang]) for i in data.project.indicators}
    frame = in_configured_order(frame, "wave", data.project.wave_ids)
    return Table(
        caption=strings["alpha_caption"],
        name="tbl-alpha",
        header=[strings["col_wave"], strings["col_index"], strings["col_alpha"], strings["col_respondents"]],
        align="llrr",
        rows=[
            [
                data.wave_label(str(row.wave), lang),
                labels.get(str(row.indicator)) or md(row.indicator),
                format_decimal(row.cronbach_alpha, lang, 2),
                format_count(row.n, lang),
            ]
            for row in frame.itertuples(index=False)
        ],
        notes=[strings["alpha_note"]],
    )


DISCLOSURE_MEASURES = ("records_below_k", "expected_reidentifications", "attacker_min_k")


def disclosure_table(data: BookData, lang: str) -> Table | None:
    """Re-identification risk of the released microdata before and after protection."""
    path = data.processed_dir / "release" / "disclosure_report.csv"
    if not path.is_file():
        return None
    strings = load_strings(lang)
    frame = read_csv(path, "disclosure report")
    frame = frame[frame["measure"].isin(DISCLOSURE_MEASURES) & (frame["variable"].astype(str) == "")]
    # measures down, waves across (as the other annex tables): long headings never set its width
    values = {}
    for wave in data.project.wave_ids:
        part = frame[frame["wave"] == wave].set_index(["stage", "measure"])["value"].astype(float)
        if not part.empty:
            values[wave] = part
    if not values:
        return None
    columns = {
        ("records_below_k", "before"): "below_k_before",
        ("records_below_k", "after"): "below_k_after",
        ("expected_reidentifications", "before"): "reid_before",
        ("expected_reidentifications", "after"): "reid_after",
        ("attacker_min_k", "before"): "attacker_before",
        ("attacker_min_k", "after"): "attacker_after",
    }
    rows = [
        [strings[f"col_{name}"], *(format_count(part[(stage, measure)], lang) for part in values.values())]
        for (measure, stage), name in columns.items()
    ]
    settings = data.project.config["disclosure"]
    return Table(
        caption=strings["disclosure_caption"],
        name="tbl-disclosure",
        header=["", *(data.wave_label(wave, lang) for wave in values)],
        align="l" + "r" * len(values),
        rows=rows,
        notes=[strings["disclosure_note"].format(k=settings["k"], l=settings["l"])],
    )


def definitions(project: Project, lang: str) -> list[dict]:
    """Each indicator's questions, counted answers, population and exclusions, from the metadata."""
    strings = load_strings(lang)
    separator = strings["list_separator"]
    codebook = project.codebook
    definitions = []
    for indicator in project.indicators:
        special = [
            f"{md(codebook.special_labels[name][lang])}{strings['colon']}{strings['nonresponse_treatments'][treatment]}"
            for name, treatment in indicator.nonresponse
        ]
        among = ""
        if indicator.among is not None:
            among = strings["methodology_among_value"].format(
                question=md(codebook[indicator.among.variable].label[lang]),
                answers=separator.join(
                    md(codebook.value_label(indicator.among.variable, c, lang)) for c in indicator.among.codes
                ),
            )
        definitions.append(
            {
                "anchor": f"def-{indicator.id}",
                "label": md(indicator.label[lang]),
                "definition": md(indicator.definition[lang]),
                "kind": strings["indicator_types"][indicator.type],
                "questions": [md(codebook[v].label[lang]) for v in indicator.variables],
                "counted": separator.join(
                    md(codebook.value_label(indicator.variable, code, lang)) for code in indicator.success_codes
                ),
                "among": among,
                "excluded": strings["codes_separator"].join(special),
            }
        )
    return definitions


def _layouts(project: Project, lang: str) -> str:
    """The administrative layout, or each wave's when the waves use several (one sentence either way)."""
    strings = load_strings(lang)
    labels = {wave: project.wave_geography(wave).label[lang] for wave in project.wave_ids}
    if len(set(labels.values())) <= 1:
        return md(project.report_geography.label[lang])
    return strings["list_separator"].join(
        f"{md(project.waves[wave].label[lang])}{strings['colon']}{md(label)}" for wave, label in labels.items()
    )

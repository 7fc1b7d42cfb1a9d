"""The data-quality annex, the data dictionary and the downloads page."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from perception.book.data import DOWNLOADS_SUBDIR, BookData
from perception.book.escape import code as literal
from perception.book.escape import text as md
from perception.book.markdown import Table, read_csv
from perception.book.wording import questions
from perception.catalog.fields import field
from perception.catalog.paths import factsheet_path
from perception.catalog.tables import table
from perception.config.project import Project
from perception.i18n import load_strings
from perception.i18n.numbers import format_count, format_percent
from perception.release.contents import RELEASE_SUBDIR, microdata_files
from perception.transform.problems import categories, title


def quality_context(data: BookData, lang: str) -> dict:
    """Data-quality annex: each source's rows, quarantine reasons, flags and changes.

    Reads ``<wave>/quality_annex.csv`` (written by the validate stage, see
    ``perception.pipeline.quality_annex``); names of reasons and checks are
    those of ``perception check`` (``perception.problems``).
    """

    project = data.project
    strings = load_strings(lang)

    def named(item: str) -> str:
        return title(item, lang) if item in categories() else item

    waves = []
    for wave in project.wave_ids:
        partners = {mapping.source_id: mapping.partner_in(lang) for mapping in project.sources(wave)}
        annex = pd.read_csv(data.processed_dir / wave / "quality_annex.csv", dtype=str, keep_default_na=False)
        sources = []
        for source_id in dict.fromkeys([*partners, *annex["source_id"]]):
            part = annex[annex["source_id"] == source_id]
            if part.empty:
                continue
            counts = {row.item: int(row.count) for row in part[part["section"] == "rows"].itertuples(index=False)}
            tables = []
            sections = (
                ("quarantine", "quality_quarantine_caption", ["quality_col_reason"], lambda r: [named(r.item)]),
                (
                    "flags",
                    "quality_flags_caption",
                    ["quality_col_check", "quality_col_action"],
                    lambda r: [named(r.item), strings["quality_actions"].get(r.action, r.action)],
                ),
                (
                    "cleaning",
                    "quality_cleaning_caption",
                    ["quality_col_change"],
                    lambda r: [strings["quality_rules"].get(r.item, r.item)],
                ),
            )
            for section, caption, columns, describe in sections:
                rows = part[part["section"] == section]
                if rows.empty:
                    continue
                count_column = "quality_col_changes" if section == "cleaning" else "quality_col_rows"
                tables.append(
                    Table(
                        caption=strings[caption],
                        name=f"tbl-quality-{wave}-{source_id}-{section}",
                        header=[*(strings[c] for c in columns), strings[count_column]],
                        align="l" * len(columns) + "r",
                        rows=[
                            [*(md(cell) for cell in describe(r)), format_count(int(r.count), lang)]
                            for r in rows.itertuples(index=False)
                        ],
                    )
                )
            sources.append(
                {
                    "partner": md(partners.get(source_id, source_id)),
                    "file": literal(Path(str(part["source_file"].iloc[0])).name),
                    "sentence": strings["quality_rows"].format(
                        **{
                            key: format_count(counts.get(key, 0), lang)
                            for key in ("received", "released", "quarantined")
                        }
                    ),
                    "tables": tables,
                }
            )
        waves.append({"label": data.wave_label(wave, lang), "sources": sources})
    return {"waves": waves}


def dictionary_context(project: Project, lang: str, processed_dir: Path | None = None) -> dict:
    """The columns of the released responses.csv: pipeline columns, then published codebook variables."""
    strings = load_strings(lang)
    codebook = project.codebook
    separator = strings["codes_separator"]
    responses = table("responses")
    derived = [field(name) for name in (*responses.columns, *responses.trailing)]
    rows = [[f"`{column.name}`", md(column.description[lang]), ""] for column in derived]
    for variable in codebook:
        if not variable.publish:
            continue
        if variable.type == "region":
            codes = [f"{literal(r.code)} = {md(r.name[lang])}" for r in project.all_regions]
        else:
            codes = [f"{literal(code)} = {md(labels[lang])}" for code, labels in variable.codes.items()]
        codes += [
            f"{literal(codebook.special_code(s))} = {md(codebook.special_labels[s][lang])}" for s in variable.special
        ]
        rows.append([literal(variable.name), md(variable.label[lang]), separator.join(codes)])
    asked = questions(project, processed_dir) if processed_dir is not None else {}
    question_rows = []
    for name in dict.fromkeys(v for indicator in project.indicators for v in indicator.variables):
        for wave, qs in asked.get(name, {}).items():
            for q in qs:
                question_rows.append(
                    [
                        literal(name),
                        f"{md(project.waves[wave].label[lang])}, {md(q.partner[lang])} ({literal(q.column)})",
                        (f"« {md(q.wording[lang])} »" if lang == "fr" else f"“{md(q.wording[lang])}”")
                        + f" ({strings['wording_origin'][q.origin]})"
                        if q.wording
                        else strings["wording_unknown"],
                        md(separator.join(q.scale)) if q.scale else "",
                    ]
                )
    return {
        "answers": answer_tables(project, lang, processed_dir) if processed_dir is not None else [],
        "questions": Table(
            caption=strings["dictionary_questions_caption"],
            name="tbl-questions",
            header=[
                strings["col_variable"],
                strings["col_wave_source"],
                strings["col_wording"],
                strings["col_answers"],
            ],
            align="llll",
            rows=question_rows,
        )
        if question_rows
        else None,
        "table": Table(
            caption=strings["dictionary_caption"],
            name="tbl-dictionary",
            header=[strings["col_variable"], strings["col_label"], strings["col_codes"]],
            align="lll",
            rows=rows,
        ),
    }


def answer_table_name(variable: str) -> str:
    """The label of a question's answer table in the data dictionary (chapters refer to it)."""
    return f"tbl-answers-{variable.replace('_', '-')}"


def answer_tables(project: Project, lang: str, processed_dir: Path) -> list[Table]:
    """One table per coded question: each wave's weighted share of every answer, special answers included.

    Read from ``answers.csv`` (the estimation stage's table). A wave that did
    not ask the question says so in words; a share is never typed here.
    """
    strings = load_strings(lang)
    codebook = project.codebook
    frame = read_csv(processed_dir / "answers.csv", "answer distributions")
    frame = frame.assign(answer_code=frame["answer_code"].astype(str))
    tables = []
    for name in dict.fromkeys(frame["variable"]):
        rows_of = frame[frame["variable"] == name]
        answers = list(dict.fromkeys(rows_of["answer_code"]))
        by_wave = {wave: rows_of[rows_of["wave"] == wave].set_index("answer_code") for wave in project.wave_ids}
        asked = {wave: not cells.empty and int(cells["n_base"].iloc[0]) > 0 for wave, cells in by_wave.items()}
        # answers down, waves across: a long scale adds rows, never columns wider than a phone
        rows = [
            [
                md(codebook.value_label(name, code, lang)),
                *(
                    format_percent(float(cells.loc[code, "share"]), lang)
                    if asked[wave] and code in cells.index
                    else strings["status_mark_not_asked"]
                    for wave, cells in by_wave.items()
                ),
            ]
            for code in answers
        ]
        rows.append(
            [
                f"**{strings['col_asked']}**",
                *(
                    f"**{format_count(int(cells['n_base'].iloc[0]), lang) if asked[wave] else 0}**"
                    for wave, cells in by_wave.items()
                ),
            ]
        )
        header = [strings["col_answer"], *(md(project.waves[wave].label[lang]) for wave in project.wave_ids)]
        tables.append(
            Table(
                caption=strings["dictionary_answers_caption"].format(question=md(codebook[name].label[lang])),
                name=answer_table_name(name),
                header=header,
                align="l" + "r" * (len(header) - 1),
                rows=rows,
            )
        )
    return tables


def released_files(project: Project, processed_dir: Path) -> list[tuple[Path, str, str]]:
    """(source, path in the edition, kind) of every file the downloads page offers.

    Every data file comes from the disclosure-controlled release bundle
    (``<processed>/release/``, see :mod:`perception.release`): readers of the
    book, which is copied offline, get what partners get and nothing more;
    never the internal ``<wave>/responses.csv`` (exact age, design codes).
    """
    release = processed_dir / RELEASE_SUBDIR
    files = [(release / f"{name}.csv", f"{name}.csv", name) for name in ("indicators", "comparisons")]
    files += [
        (release / microdata_files(wave)["csv"], microdata_files(wave)["csv"], "responses") for wave in project.wave_ids
    ]
    files += [(release / name, name, name.split(".")[0]) for name in ("data_dictionary.csv", "README.md")]
    files += [
        (factsheet_path(processed_dir / "factsheets", lang, r.code), f"factsheets/{lang}/{r.code}.pdf", "factsheet")
        for lang in project.languages
        for r in project.report_geography.regions
    ]
    return files


def downloads_context(project: Project, processed_dir: Path, lang: str) -> dict:
    strings = load_strings(lang)
    items = []
    waves = {microdata_files(wave)["csv"]: wave for wave in project.wave_ids}
    for _, relative, kind in released_files(project, processed_dir):
        if kind == "responses":
            wave = waves[relative]
            text = strings["download_responses"].format(wave=md(project.waves[wave].label[lang]))
        elif kind == "factsheet":
            code, sheet_lang = Path(relative).stem, Path(relative).parent.name
            text = strings["download_factsheet"].format(
                region=md(project.report_geography.name(code, lang)), language=strings["language_names"][sheet_lang]
            )
        else:
            text = strings[f"download_{kind}"]
        items.append(
            {
                "kind": kind,
                "lang": Path(relative).parent.name if kind == "factsheet" else "",
                "link": f"{{download}}`{Path(relative).name} <{DOWNLOADS_SUBDIR}/{relative}>`",
                "text": text,
            }
        )
    sheets = [i for i in items if i["kind"] == "factsheet"]
    return {
        "data": [i for i in items if i["kind"] != "factsheet"],
        "factsheets_intro": strings["downloads_factsheets_intro"].format(
            wave=md(project.waves[project.wave_ids[-1]].label[lang])
        ),
        # one list per language of the sheets, the reader's own first
        "factsheets": [
            {
                "title": strings["downloads_factsheets_in"][sheet_lang],
                "items": [i for i in sheets if i["lang"] == sheet_lang],
            }
            for sheet_lang in sorted(project.languages, key=lambda other: other != lang)
        ],
    }

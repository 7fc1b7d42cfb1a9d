"""Methodology sections on the population the weights represent, item non-response and interval coverage.

Each is generated from what was done: the weighting targets a wave was raked
to (``config/margins/*.csv``, with the sources and assumptions they cite),
the sum of final weights the estimation stage wrote
(``weighting_diagnostics.csv``), the non-response treatments of the
registry, and the coverage the simulation wrote
(``benchmarks/coverage.csv``), so that the page cannot describe one thing
while the pipeline did another.
"""

from __future__ import annotations

from pathlib import Path

from perception.book.data import BookData
from perception.book.escape import code as literal
from perception.book.escape import text as md
from perception.book.markdown import Table, in_configured_order, read_csv
from perception.i18n import load_strings
from perception.i18n.numbers import format_count, format_decimal, format_percent

COVERAGE_FILE = Path("benchmarks/coverage.csv")  # written by benchmarks/coverage_bench.py, relative to the root


def target_tables(data: BookData, lang: str) -> list[dict]:
    """Per wave: each target file's variable, total and cited sources, and what the final weights sum to."""
    import pandas as pd

    from perception.config.margins import read_margin_file, sources_in

    project = data.project
    strings = load_strings(lang)
    sums = {}
    diagnostics = data.processed_dir / "weighting_diagnostics.csv"
    if diagnostics.is_file():
        frame = read_csv(diagnostics, "weighting diagnostics")
        sums = dict(zip(frame["wave"].astype(str), frame["sum_weights"].astype(float), strict=True))
    out = []
    for wave in project.wave_ids:
        files = list(project.waves[wave].weighting.rake_to or [])
        if not files:
            out.append({"label": data.wave_label(wave, lang), "text": strings["targets_none"], "rows": []})
            continue
        rows, totals = [], []
        for path in files:
            table = read_margin_file(project.root / path)
            total = float(pd.to_numeric(table["population"]).sum())
            totals.append(total)
            sources = sources_in(table, lang)
            rows.append(
                {
                    "file": literal(Path(path).name),
                    "variable": md(str(table["variable"].iloc[0])),
                    "levels": format_count(len(table), lang),
                    "total": format_count(total, lang),
                    "sources": [md(s) for s in sources],
                }
            )
        text = strings["targets_sum"].format(
            total=format_count(totals[0], lang),
            weights=format_count(sums[wave], lang) if wave in sums else "—",
        )
        out.append({"label": data.wave_label(wave, lang), "text": text, "rows": rows})
    return out


def nonresponse_policy(data: BookData, lang: str) -> list[str]:
    """One line per indicator whose special answers are not all excluded, plus the default rule."""
    strings = load_strings(lang)
    labels = data.project.codebook.special_labels
    lines = []
    for indicator in data.project.indicators:
        kept = [(s, t) for s, t in indicator.nonresponse if t != "excluded"]
        if kept:
            treatments = strings["codes_separator"].join(
                f"{md(labels[s][lang])}{strings['colon']}{strings['nonresponse_treatments'][t]}" for s, t in kept
            )
            lines.append(f"{md(indicator.label[lang])} — {treatments}")
    return lines


COVERAGE_TYPES = ("overall", "national", "region", "gender", "region_gender", "low_df")


def coverage_table(data: BookData, lang: str) -> Table | None:
    """Coverage of the published 95 % intervals by domain type, as the simulation wrote it."""
    path = data.project.root / COVERAGE_FILE
    if not path.is_file():
        return None
    strings = load_strings(lang)
    frame = read_csv(path, "coverage simulation")
    frame = in_configured_order(frame, "domain_type", list(COVERAGE_TYPES))
    names = strings["coverage_types"]
    rows = [
        [
            names.get(str(row.domain_type), md(str(row.domain_type))),
            format_count(row.cells, lang),
            format_count(row.cells_published, lang),
            format_percent(row.coverage, lang) if row.cells_published > 0 else "—",
            format_decimal(row.se_ratio, lang, 2) if row.cells_published > 0 else "—",
        ]
        for row in frame.itertuples(index=False)
    ]
    return Table(
        caption=strings["coverage_caption"].format(replications=format_count(frame["replications"].iloc[0], lang)),
        name="tbl-coverage",
        header=[strings[f"col_{c}"] for c in ("domain_type", "cells", "cells_published", "coverage", "se_ratio")],
        align="lrrrr",
        rows=rows,
        notes=[strings["coverage_note"].format(seed=int(frame["seed"].iloc[0]))],
    )

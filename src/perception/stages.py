"""The workflow's stages: one function per Snakemake rule, files in, files out.

``workflow/scripts/*.py`` only call these (through
:func:`perception.job.run_rule`), so a
stage runs and is tested the same way with or without Snakemake, and the
paths a stage reads and writes always come from its rule. Every output is
written atomically (see :mod:`perception.files`), so a failed or killed stage
never leaves a partial file; and deterministically (configured order, fixed
float format, no timestamps).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from perception.catalog.tables import write_table
from perception.config.project import Project
from perception.errors import DataError, at

log = logging.getLogger("perception")
WITHHELD = "(not published)"


def _responses_by_wave(paths: Iterable[str | Path]) -> dict[str, Path]:
    """``data/processed/<wave>/responses.csv`` paths keyed by their wave folder."""
    return {Path(path).parent.name: Path(path) for path in paths}


# --------------------------------------------------------------------------
# per source and wave
# --------------------------------------------------------------------------


def ingest(project: Project, wave: str, source_id: str, out_data: Path, out_meta: Path) -> None:
    """Read a partner file and keep only the mapped columns, labels and missing codes."""
    import pandas as pd

    from perception.files import write_atomic, write_json
    from perception.ingest.columns import select_mapped_columns
    from perception.ingest.readers import read_source

    mapping = project.source(wave, source_id)
    table = read_source(mapping.file, mapping)
    selected = select_mapped_columns(table, mapping)
    data = selected.data.copy()
    for column in data.columns:
        if not pd.api.types.is_numeric_dtype(data[column]):
            data[column] = data[column].astype("string")
    write_atomic(out_data, lambda tmp: data.to_parquet(tmp, index=False))
    write_json(
        {
            "source_id": mapping.source_id,
            "file": mapping.file.name,
            "rows": len(table.data),
            "columns_in_file": len(table.data.columns),
            "labelled_columns_in_file": len(table.labelled_columns),
            "value_labels": selected.value_labels,
            "missing_codes": selected.missing_codes,
            "variable_labels": selected.variable_labels,
            "labels_by_language": selected.labels_by_language,
        },
        out_meta,
    )


def harmonise(
    project: Project,
    wave: str,
    source_id: str,
    data_path: Path,
    meta_path: Path,
    out: Path,
    out_flags: Path,
    out_log: Path,
) -> None:
    """Harmonise one source, apply the wave's corrections for it and run its checks."""
    from perception.files import write_atomic
    from perception.ingest.table import read_interim
    from perception.transform.checks import prepare_source
    from perception.transform.corrections import corrections_path, load_corrections

    mapping = project.source(wave, source_id)
    path = corrections_path(project.root, wave)
    corrections = load_corrections(path, project.source_ids(wave)) if path.is_file() else None
    prepared = prepare_source(
        read_interim(data_path, meta_path), mapping, project.codebook, project.wave_geography(wave), corrections
    )
    write_atomic(out, lambda tmp: prepared.frame.to_parquet(tmp, index=False))
    write_table("flags", prepared.flags, out_flags)
    write_table("cleaning_log", prepared.cleaning_log, out_log)


def _read_interim_csv(path: Path):
    import pandas as pd

    return pd.read_csv(path, dtype=str, keep_default_na=False)


def validate(
    project: Project,
    wave: str,
    harmonised: Iterable[Path],
    flags: Iterable[Path],
    cleaning_logs: Iterable[Path],
    outputs: dict[str, Path],
) -> None:
    """Validate all sources of a wave; account for every row of every source.

    ``outputs`` names the files written: valid, quarantine, quality (rows per
    source), flags, cleaning_log and annex (see
    :func:`perception.transform.annex.quality_annex`).
    """
    import pandas as pd

    from perception.files import write_atomic
    from perception.transform.annex import quality_annex
    from perception.transform.checks import FLAG_COLUMNS, LOG_COLUMNS
    from perception.transform.validate import validate as validate_rows

    frames = [pd.read_parquet(p) for p in harmonised]
    frame = pd.concat(frames, ignore_index=True)
    design = project.waves[wave].design
    result = validate_rows(frame, project.codebook, project.wave_geography(wave), design.weight, design.columns)
    quality = []
    for part in frames:
        source_id = part["source_id"].iloc[0] if len(part) else ""
        released = int((result.released["source_id"] == source_id).sum())
        quarantined = int((result.quarantine["source_id"] == source_id).sum())
        if released + quarantined != len(part):
            raise AssertionError(f"{source_id}: {len(part)} rows in, {released} released + {quarantined} quarantined")
        quality.append(
            {
                "source_id": source_id,
                "source_file": part["source_file"].iloc[0] if len(part) else "",
                "rows_received": len(part),
                "rows_released": released,
                "rows_quarantined": quarantined,
            }
        )
    duplicates = [
        {
            "source_file": row.source_file,
            "source_row": row.source_row,
            "check": "duplicate_id",
            "detail": row.problem.text("en"),
            "action": "quarantine",
        }
        for row in result.problems.itertuples(index=False)
        if row.problem.category == "duplicate_id"
    ]
    order = {name: i for i, name in enumerate(part["source_file"].iloc[0] for part in frames if len(part))}
    all_flags = pd.concat(
        [*(_read_interim_csv(p) for p in flags), pd.DataFrame(duplicates, columns=FLAG_COLUMNS).astype(str)],
        ignore_index=True,
    )
    all_flags = all_flags.assign(
        _source=all_flags["source_file"].map(order), _row=pd.to_numeric(all_flags["source_row"])
    ).sort_values(["_source", "_row"], kind="stable")[FLAG_COLUMNS]
    cleaning = pd.concat([_read_interim_csv(p) for p in cleaning_logs], ignore_index=True)[LOG_COLUMNS]
    # values of variables that are never published (respondent ids) stay out of data/processed
    withheld = cleaning["variable"].ne("") & ~cleaning["variable"].isin(project.codebook.published())
    cleaning.loc[withheld, ["old_value", "new_value"]] = WITHHELD
    quality_frame = pd.DataFrame(quality)
    write_atomic(outputs["valid"], lambda tmp: result.released.to_parquet(tmp, index=False))
    write_table("quarantine", result.quarantine, outputs["quarantine"], project.codebook.names)
    write_table("quality_summary", quality_frame, outputs["quality"])
    write_table("flags", all_flags, outputs["flags"])
    write_table("cleaning_log", cleaning, outputs["cleaning_log"])
    write_table("quality_annex", quality_annex(quality_frame, result.quarantine, all_flags, cleaning), outputs["annex"])


def publish_responses(project: Project, wave: str, valid: Path, out_responses: Path, out_sample: Path) -> None:
    """Attach the final weight and publish the de-identified responses.

    Only codebook variables marked ``publish: true`` are released: the
    allowlist is the codebook, so a new column never leaks by default.
    """
    import pandas as pd

    from perception.estimate.indicators import prepare
    from perception.estimate.survey import final_weights
    from perception.estimate.weighting import sample_summary

    frame = pd.read_parquet(valid)
    if frame.empty:
        raise DataError(
            f"wave {wave}: every row was quarantined, nothing is left to publish; "
            f"see the reasons in data/processed/{wave}/quarantine.csv",
            file=valid,
        )
    prepared, design = prepare(project, wave, frame)
    frame["weight_final"] = final_weights(prepared, design).to_numpy()
    published = project.published(wave)
    responses = frame[["source_id", *published, "weight_final"]].copy()
    responses.insert(0, "wave", wave)
    responses.insert(2, "response_id", [f"{wave}-{i:05d}" for i in range(1, len(frame) + 1)])
    write_table("responses", responses, out_responses, published)
    write_table("sample_summary", sample_summary(project.wave_geography(wave), frame), out_sample)


# --------------------------------------------------------------------------
# across waves
# --------------------------------------------------------------------------


def estimate_wave(project: Project, wave: str, responses: Path, outputs: dict[str, Path], indicators_csv: Path) -> None:
    """One wave's estimates (``catalog.paths.WAVE_ESTIMATE_TABLES``), exact, for :func:`estimate` to combine.

    ``indicators_csv`` gets the wave's indicators as ``indicators.csv`` will
    hold them, for the wave's figures.
    """
    from perception.estimate.run import estimate_one_wave
    from perception.files import write_atomic

    tables = estimate_one_wave(project, wave, Path(responses))
    for name, path in outputs.items():
        write_atomic(Path(path), lambda tmp, frame=tables[name]: frame.to_parquet(tmp, index=False))
    write_table("indicators", tables["indicators"], indicators_csv)


def estimate(project: Project, wave_tables: Iterable[str | Path], outputs: dict[str, Path]) -> None:
    """Write indicators, comparisons, weighting diagnostics and the other tables of every wave, combined.

    ``wave_tables`` are the files :func:`estimate_wave` wrote
    (``<wave>/estimates/<table>.parquet``).
    """
    import pandas as pd

    from perception.estimate.run import combine_waves

    waves: dict[str, dict[str, pd.DataFrame]] = {}
    for path in map(Path, wave_tables):
        waves.setdefault(path.parent.parent.name, {})[path.stem] = pd.read_parquet(path)
    tables = combine_waves(project, waves)
    for name, path in outputs.items():
        write_table(name, tables[name], path)


def model(project: Project, responses: Iterable[str | Path], out_models: Path) -> None:
    """Odds ratios of the configured drivers-of-trust models."""
    from perception.estimate.models import fit_models

    write_table("models", fit_models(project, _responses_by_wave(responses)), out_models)


def figures(project: Project, lang: str, wave: str, indicators_csv: Path, out_dir: Path) -> list[Path]:
    """Every indicator's chart for one language and wave (one job each, in parallel)."""
    from perception.catalog.paths import figure_path
    from perception.catalog.results import read_indicators
    from perception.outputs.drawings import Drawings
    from perception.outputs.figures import FIGURE_WIDTH_IN, figure_height, indicator_by_region
    from perception.outputs.style import save_png

    frame = read_indicators(indicators_csv)
    drawings = Drawings(out_dir)
    paths = []
    for indicator in project.indicators:
        path = figure_path(out_dir, lang, wave, indicator.id)
        with at(indicator=indicator.id):
            plot = indicator_by_region(frame, project, wave, indicator.id, lang)
            save_png(plot, path, lang, FIGURE_WIDTH_IN, figure_height(project, wave), drawings)
        paths.append(path)
    log.info("figures: %s", drawings.summary())
    return paths


def charts(project: Project, lang: str, indicators_csv: Path, out_dir: Path) -> list[Path]:
    """Dot charts of the summary, gender, trends and regional pages, and each indicator's trend, in ``lang``."""
    from perception.catalog.paths import chart_path, phone_chart_name
    from perception.catalog.results import Estimates, read_indicators
    from perception.outputs.chart_specs import page_charts
    from perception.outputs.charts import PAGE, PHONE, chart_height, dot_chart
    from perception.outputs.drawings import Drawings
    from perception.outputs.style import save_png

    estimates = Estimates(read_indicators(indicators_csv))
    drawings = Drawings(out_dir)
    paths = []
    for name, chart in page_charts(estimates, project, lang).items():
        for layout, drawn in ((PAGE, name), (PHONE, phone_chart_name(name))):
            path = chart_path(out_dir, lang, drawn)
            height = chart_height(project, layout, len(chart.panels))
            save_png(dot_chart(project, chart, lang, layout), path, lang, layout.width_in, height, drawings)
            paths.append(path)
    if len(project.wave_ids) > 1:
        from perception.catalog.paths import trend_chart_name
        from perception.outputs.trends import PAGE_TRENDS, PHONE_TRENDS, trend_by_region, trend_height

        for indicator in project.indicators:
            name = trend_chart_name(indicator.id)
            for layout, drawn in ((PAGE_TRENDS, name), (PHONE_TRENDS, phone_chart_name(name))):
                path = chart_path(out_dir, lang, drawn)
                with at(indicator=indicator.id):
                    plot = trend_by_region(estimates, project, indicator.id, lang, layout)
                    save_png(plot, path, lang, layout.width_in, trend_height(project, layout), drawings)
                paths.append(path)
    log.info("charts: %s", drawings.summary())
    return paths


def maps(project: Project, lang: str, indicators_csv: Path, out_dir: Path, boundaries: Path | None) -> list[Path]:
    """One map per indicator for the latest wave in ``lang``: a choropleth if ``boundaries`` is given."""
    from perception.catalog.paths import map_path
    from perception.catalog.results import Estimates, read_indicators
    from perception.outputs.boundaries import read_boundaries
    from perception.outputs.drawings import Drawings
    from perception.outputs.maps import CHOROPLETH, TILE_MAP, choropleth, tile_map
    from perception.outputs.style import save_png

    estimates = Estimates(read_indicators(indicators_csv))
    wave = project.wave_ids[-1]
    polygons = read_boundaries(boundaries, project.wave_geography(wave)) if boundaries else None
    drawings = Drawings(out_dir)
    paths = []
    for indicator in project.indicators:
        with at(wave=wave, indicator=indicator.id):
            if polygons is None:
                plot, layout = tile_map(estimates, project, wave, indicator.id, lang), TILE_MAP
            else:
                plot, layout = choropleth(estimates, polygons, project, wave, indicator.id, lang), CHOROPLETH
            path = map_path(out_dir, lang, indicator.id)
            save_png(plot, path, lang, layout.width_in, layout.height_in, drawings)
        paths.append(path)
    log.info("maps: %s", drawings.summary())
    return paths


def factsheets(project: Project, processed_dir: Path, out_dir: Path) -> list[Path]:
    """One printable sheet per language and configured region, in configured order, from the workflow's tables."""
    import pandas as pd

    from perception.catalog.paths import factsheet_path
    from perception.catalog.results import Comparisons, Estimates, read_comparisons, read_indicators
    from perception.files import write_atomic
    from perception.outputs.factsheets import write_factsheet

    processed_dir = Path(processed_dir)
    estimates = Estimates(read_indicators(processed_dir / "indicators.csv"))
    comparisons = Comparisons(read_comparisons(processed_dir / "comparisons.csv"))
    sample = pd.read_csv(processed_dir / project.wave_ids[-1] / "sample_summary.csv", keep_default_na=False)
    paths = []
    for lang in project.languages:
        for region in project.report_geography.regions:
            path = factsheet_path(out_dir, lang, region.code)
            with at(lang=lang, region=region.code):
                write_atomic(
                    path,
                    lambda tmp, region=region, lang=lang: write_factsheet(
                        tmp, project, estimates, comparisons, sample, region, lang
                    ),
                )
            paths.append(path)
    return paths


def book(
    project: Project,
    processed_dir: Path,
    figures_dir: Path,
    templates_dir: Path,
    static_dir: Path,
    sources_dir: Path,
    html_dir: Path,
) -> None:
    """Write the MyST sources of every edition, then build the HTML, all or nothing."""
    from perception.book.build import build_book
    from perception.book.sources import write_book_sources

    write_book_sources(
        project, Path(processed_dir), Path(figures_dir), Path(templates_dir), Path(static_dir), Path(sources_dir)
    )
    build_book(Path(sources_dir), Path(html_dir))


def release(
    project: Project,
    responses: Iterable[str | Path],
    tables: Iterable[str | Path],
    out_dir: Path,
    raw_files: Iterable[str | Path],
    config_files: Iterable[str | Path],
) -> None:
    """The partner release bundle (see :mod:`perception.release`)."""
    from perception.release.bundle import build_release

    build_release(
        project,
        responses=_responses_by_wave(responses),
        tables={Path(path).stem: Path(path) for path in tables},
        out_dir=Path(out_dir),
        raw_files=[Path(path) for path in raw_files],
        config_files=[Path(path) for path in config_files],
    )

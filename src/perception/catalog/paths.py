"""Where the figures, maps, fact sheets and each wave's estimates are written, under the folders the workflow gives."""

from __future__ import annotations

from pathlib import Path

# Tables one wave's estimation writes (``<wave>/estimates/<name>.parquet``, rule estimate_wave), combined
# across waves by ``estimate.run.combine_waves``: exact floats, so that the combined tables equal one pass
# over every wave.
WAVE_ESTIMATE_TABLES = (
    "indicators",
    "gender_gaps",
    "regions_vs_rest",
    "weighting_diagnostics",
    "index_reliability",
    "nonresponse",
    "breakdowns",
    "answers",
)


def wave_estimate_path(processed_dir: Path, wave: str, name: str) -> Path:
    return Path(processed_dir) / wave / "estimates" / f"{name}.parquet"


def wave_indicators_path(processed_dir: Path, wave: str) -> Path:
    """One wave's rows of ``indicators.csv``, as written there: what that wave's figures draw, so that
    a change to another wave does not redraw them."""
    return Path(processed_dir) / wave / "estimates" / "indicators.csv"


# Under the figures folder: each output's last drawing, by content (``outputs.drawings``), not a result.
DRAWN_SUBDIR = ".drawn"


def figure_path(out_dir: Path, lang: str, wave: str, indicator_id: str) -> Path:
    return Path(out_dir) / lang / wave / f"{indicator_id}.png"


def map_path(out_dir: Path, lang: str, indicator_id: str) -> Path:
    return Path(out_dir) / lang / "maps" / f"{indicator_id}.png"


def factsheet_path(out_dir: Path, lang: str, region_code: str) -> Path:
    return Path(out_dir) / lang / f"{region_code}.pdf"


def page_chart_names(wave_ids: list[str], region_codes: list[str]) -> list[str]:
    """The dot charts of the summary, gender, trends (from a second wave) and regional pages."""
    trends = ["trends"] if len(wave_ids) > 1 else []
    return ["summary", "gender", *trends, *(f"region-{code}" for code in region_codes)]


def chart_names(wave_ids: list[str], region_codes: list[str], indicator_ids: list[str] = ()) -> list[str]:
    """One language's charts: the page charts and, from a second wave, one per indicator; each also drawn for phones."""
    pages = page_chart_names(wave_ids, region_codes)
    per_indicator = [trend_chart_name(i) for i in indicator_ids] if len(wave_ids) > 1 else []
    return [*pages, *(phone_chart_name(name) for name in pages), *per_indicator, *map(phone_chart_name, per_indicator)]


def phone_chart_name(name: str) -> str:
    """A chart drawn narrow for small screens (``outputs.charts.PHONE``, ``outputs.trends.PHONE_TRENDS``)."""
    return f"{name}-phone"


def trend_chart_name(indicator_id: str) -> str:
    """The chart of one indicator in every wave, nationally and by region."""
    return f"trend-{indicator_id}"


def chart_path(out_dir: Path, lang: str, name: str) -> Path:
    return Path(out_dir) / lang / "charts" / f"{name}.png"  # stale.CHARTS_SUBDIR

"""Where the figures, maps and fact sheets are written, under the folders the workflow gives."""

from __future__ import annotations

from pathlib import Path


def figure_path(out_dir: Path, lang: str, wave: str, indicator_id: str) -> Path:
    return Path(out_dir) / lang / wave / f"{indicator_id}.png"


def map_path(out_dir: Path, lang: str, indicator_id: str) -> Path:
    return Path(out_dir) / lang / "maps" / f"{indicator_id}.png"


def factsheet_path(out_dir: Path, lang: str, region_code: str) -> Path:
    return Path(out_dir) / lang / f"{region_code}.pdf"


def chart_names(wave_ids: list[str], region_codes: list[str]) -> list[str]:
    """The page charts of one language: summary, gender, trends (from a second wave), one per region."""
    trends = ["trends"] if len(wave_ids) > 1 else []
    return ["summary", "gender", *trends, *(f"region-{code}" for code in region_codes)]


def chart_path(out_dir: Path, lang: str, name: str) -> Path:
    return Path(out_dir) / lang / "charts" / f"{name}.png"  # stale.CHARTS_SUBDIR

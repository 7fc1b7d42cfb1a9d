"""Where the figures, maps and fact sheets are written, under the folders the workflow gives."""

from __future__ import annotations

from pathlib import Path


def figure_path(out_dir: Path, lang: str, wave: str, indicator_id: str) -> Path:
    return Path(out_dir) / lang / wave / f"{indicator_id}.png"


def map_path(out_dir: Path, lang: str, indicator_id: str) -> Path:
    return Path(out_dir) / lang / "maps" / f"{indicator_id}.png"


def factsheet_path(out_dir: Path, lang: str, region_code: str) -> Path:
    return Path(out_dir) / lang / f"{region_code}.pdf"

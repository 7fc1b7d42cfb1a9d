"""What every page reads, loaded once per build, and the book's page structure."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from perception.book.escape import text as md
from perception.book.markdown import read_csv
from perception.catalog.results import BREAKDOWN_COLUMNS, Breakdowns, Comparisons, Estimates
from perception.config.project import Project

FIGURES_SUBDIR = "figures"


DOWNLOADS_SUBDIR = "downloads"


REGIONS_PAGE = "regions"


QUALITY_PAGE = "quality"


TRUST_CHAPTER = "trust"  # the chapter whose institutions the summary ranks


TOP_FINDINGS = 3  # differences listed per finding; the chapters hold the rest


UNIT_ORDER = {"proportion": 0, "index": 1, "score": 2}  # differences are ranked within a unit


def chapter_ids(project: Project) -> list[str]:
    """Chapters in the order their first indicator appears in the registry."""
    return list(dict.fromkeys(indicator.chapter for indicator in project.indicators))


def page_names(project: Project) -> list[str]:
    """Top-level pages in reading order; the trends page only once there is a second wave."""
    trends = ["trends"] if len(project.wave_ids) > 1 else []
    return [
        "index",
        *chapter_ids(project),
        "gender",
        *trends,
        REGIONS_PAGE,
        "methodology",
        QUALITY_PAGE,
        "dictionary",
        "downloads",
    ]


def region_page(code: str) -> str:
    return f"{REGIONS_PAGE}/{code}"


@dataclass(frozen=True)
class BookData:
    """Everything the pages read, loaded once per build."""

    project: Project
    estimates: Estimates
    comparisons: Comparisons
    processed_dir: Path
    breakdowns: Breakdowns | None = None  # breakdowns.csv; None: the chapters show regions and gender only

    def __post_init__(self):
        if self.breakdowns is None:
            object.__setattr__(self, "breakdowns", Breakdowns(pd.DataFrame(columns=BREAKDOWN_COLUMNS)))

    @property
    def latest(self) -> str:
        return self.project.wave_ids[-1]

    @property
    def baseline(self) -> str:
        return self.project.wave_ids[0]

    def wave_label(self, wave: str, lang: str) -> str:
        """The wave's label from the configuration, escaped for MyST (perception.book.escape)."""
        return md(self.project.waves[wave].label[lang])

    def sample(self, wave: str) -> pd.DataFrame:
        return read_csv(self.processed_dir / wave / "sample_summary.csv", "sample summary")

    def availability(self) -> pd.DataFrame:
        """Which source of which wave asked each indicator (``availability.csv``)."""
        return read_csv(self.processed_dir / "availability.csv", "availability table")

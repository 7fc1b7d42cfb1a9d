"""What a reader returns: a file's rows plus what its format says about them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class RawTable:
    """A file's rows plus what its format says about them.

    ``value_labels`` maps column -> {code text: label}; ``missing_codes`` maps
    column -> code texts the file itself declares as missing (SPSS
    user-missing values and ranges ``lo..hi``, Stata tagged missing values).
    ``labels_by_language`` holds the choice labels of an XLSForm per language
    (``value_labels`` is then the French set).
    """

    path: Path
    data: pd.DataFrame
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    missing_codes: dict[str, list[str]] = field(default_factory=dict)
    variable_labels: dict[str, str] = field(default_factory=dict)
    labels_by_language: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)

    @property
    def labelled_columns(self) -> list[str]:
        return [c for c in self.data.columns if self.value_labels.get(c)]


def read_interim(data_path: Path, meta_path: Path) -> RawTable:
    meta = json.loads(Path(meta_path).read_text(encoding="utf-8"))
    return RawTable(
        Path(meta["file"]),
        pd.read_parquet(data_path),
        meta["value_labels"],
        meta["missing_codes"],
        meta["variable_labels"],
        meta.get("labels_by_language", {}),
    )

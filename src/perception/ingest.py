"""Ingest: read a partner export as it is, keeping value labels and missing codes.

Readers are chosen by file extension. SPSS and Stata files are read with
``user_missing=True`` so that "don't know" and "refused" codes arrive as
their codes (not as blanks) and harmonisation can keep them distinct. Text
formats are read as text: codes such as ``01`` or ``nsp`` reach the mapping
unchanged.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyreadstat

from perception.errors import DataError, UnreadableFileError
from perception.metadata import SourceMapping, code_key

READERS = {
    ".sav": "SPSS",
    ".zsav": "SPSS (compressed)",
    ".por": "SPSS portable",
    ".dta": "Stata",
    ".csv": "CSV",
    ".xlsx": "Excel",
}


@dataclass(frozen=True)
class RawTable:
    """A file's rows plus what its format says about them.

    ``value_labels`` maps column -> {code text: label}; ``missing_codes`` maps
    column -> code texts the file itself declares as missing (SPSS
    user-missing values, Stata tagged missing values).
    """

    path: Path
    data: pd.DataFrame
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    missing_codes: dict[str, list[str]] = field(default_factory=dict)
    variable_labels: dict[str, str] = field(default_factory=dict)

    @property
    def labelled_columns(self) -> list[str]:
        return [c for c in self.data.columns if self.value_labels.get(c)]


def _format_name(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in READERS:
        known = ", ".join(READERS)
        raise UnreadableFileError(f"{path}: unsupported file type {suffix or '(none)'} (expected one of {known})")
    return READERS[suffix]


def _from_readstat(path: Path, data: pd.DataFrame, meta: Any) -> RawTable:
    labels = {
        column: {code_key(code): str(label) for code, label in mapping.items()}
        for column, mapping in (meta.variable_value_labels or {}).items()
    }
    missing: dict[str, list[str]] = {}
    for column, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
        codes = []
        for item in ranges:
            low, high = item.get("lo"), item.get("hi")
            codes.append(code_key(low) if low == high else f"{code_key(low)}..{code_key(high)}")
        missing[column] = codes
    for column, values in (getattr(meta, "missing_user_values", None) or {}).items():
        missing.setdefault(column, []).extend(code_key(v) for v in values)
    variable_labels = {
        column: str(label) for column, label in zip(meta.column_names, meta.column_labels or [], strict=False) if label
    }
    return RawTable(path, data, labels, missing, variable_labels)


def _read_text_table(path: Path, options: dict[str, Any]) -> pd.DataFrame:
    kwargs = {"dtype": str, "keep_default_na": False, "na_values": [""]}
    if path.suffix.lower() == ".xlsx":
        return pd.read_excel(path, sheet_name=options.get("sheet", 0), **kwargs)
    return pd.read_csv(
        path,
        encoding=options.get("encoding", "utf-8-sig"),
        sep=options.get("sep", ","),
        **kwargs,
    )


def read_file(path: str | Path, options: dict[str, Any] | None = None) -> RawTable:
    """Read one export; any failure becomes one line naming the file."""
    path = Path(path)
    options = options or {}
    kind = _format_name(path)
    if not path.is_file():
        raise UnreadableFileError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise UnreadableFileError(f"{path}: file is empty")
    suffix = path.suffix.lower()
    try:
        if suffix in (".sav", ".zsav"):
            encoding = options.get("encoding")
            data, meta = pyreadstat.read_sav(str(path), user_missing=True, encoding=encoding)
            table = _from_readstat(path, data, meta)
        elif suffix == ".por":
            data, meta = pyreadstat.read_por(str(path))
            table = _from_readstat(path, data, meta)
        elif suffix == ".dta":
            data, meta = pyreadstat.read_dta(str(path), user_missing=True, encoding=options.get("encoding"))
            table = _from_readstat(path, data, meta)
        else:
            table = RawTable(path, _read_text_table(path, options))
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            f"{path}: not readable as {kind} with encoding {options.get('encoding', 'utf-8')} "
            f"({exc.reason} at byte {exc.start}); set read.encoding in the source mapping"
        ) from None
    except Exception as exc:  # native readers raise many types; the user needs one line
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UnreadableFileError(f"{path}: cannot be read as {kind} ({message})") from None
    if table.data.empty and len(table.data.columns) == 0:
        raise UnreadableFileError(f"{path}: no columns found (is it really {kind}?)")
    return table


def select_mapped_columns(table: RawTable, mapping: SourceMapping) -> RawTable:
    """Keep only the columns the mapping reads; everything else never leaves ingest.

    Dropping unmapped columns here is what keeps names, phone numbers and GPS
    out of every later file. A mapped column missing from the file is a
    whole-file problem: it stops the run with the file, the column and the
    closest column names.
    """
    available = list(table.data.columns)
    missing = [c for c in mapping.columns if c not in available]
    if missing:
        hints = []
        for column in missing:
            close = difflib.get_close_matches(column, available, n=1)
            hints.append(f"{column}" + (f" (did you mean {close[0]}?)" if close else ""))
        raise DataError(f"{table.path}: column(s) named in {mapping.path} not found: {'; '.join(hints)}")
    keep = mapping.columns
    data = table.data.loc[:, keep].copy()
    data.insert(0, "source_row", range(1, len(data) + 1))
    return RawTable(
        table.path,
        data.reset_index(drop=True),
        {c: v for c, v in table.value_labels.items() if c in keep},
        {c: v for c, v in table.missing_codes.items() if c in keep},
        {c: v for c, v in table.variable_labels.items() if c in keep},
    )

"""Reading one partner export, whatever its format; any failure becomes one line naming the file.

Readers are chosen by file extension: SPSS and Stata (:mod:`.native`), CSV
and Excel (:mod:`.text`). An XLSForm referenced by the mapping (``form:``)
supplies the choice labels of select questions (:mod:`.xlsform`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from perception.config.sources import SourceMapping
from perception.errors import ConfigError, UnreadableFileError
from perception.ingest.native import read_native
from perception.ingest.table import RawTable
from perception.ingest.text import read_csv, read_excel
from perception.ingest.xlsform import apply_form, read_xlsform

READERS = {
    ".sav": "SPSS",
    ".zsav": "SPSS (compressed)",
    ".por": "SPSS portable",
    ".dta": "Stata",
    ".csv": "CSV",
    ".xlsx": "Excel",
}


NATIVE = (".sav", ".zsav", ".por", ".dta")


def _format_name(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in READERS:
        known = ", ".join(READERS)
        raise UnreadableFileError(f"{path}: unsupported file type {suffix or '(none)'} (expected one of {known})")
    return READERS[suffix]


WEB_PAGE_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml", b"<!--")


def _is_web_page(path: Path) -> bool:
    """The file starts like an HTML page (a login or error page saved under the export's name)."""
    with path.open("rb") as handle:
        start = handle.read(1024)
    for bom in (b"\xef\xbb\xbf",):
        start = start.removeprefix(bom)
    text = start.lstrip().lower()
    if text.startswith(b"<?xml"):
        return b"<html" in text
    return text.startswith(WEB_PAGE_STARTS)


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
    if _is_web_page(path):
        raise UnreadableFileError(
            f"{path}: this is a web page (HTML), not a {kind} export; the download probably failed "
            "or needed a login: download the file again"
        )
    try:
        if suffix in NATIVE:
            table = read_native(path, kind, options)
        elif suffix == ".csv":
            table = RawTable(path, read_csv(path, options))
        else:
            table = RawTable(path, read_excel(path, options))
    except (UnreadableFileError, ConfigError):
        raise
    except Exception as exc:  # parsers raise many types; the user needs one line
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UnreadableFileError(f"{path}: cannot be read as {kind} ({message})") from None
    if len(table.data.columns) == 0:
        raise UnreadableFileError(f"{path}: no columns found (is it really {kind}?)")
    return table


def read_source(path: str | Path, mapping: SourceMapping) -> RawTable:
    """Read a partner file with its mapping's reader options and form."""
    table = read_file(path, mapping.read_options)
    return apply_form(table, read_xlsform(mapping.form)) if mapping.form is not None else table

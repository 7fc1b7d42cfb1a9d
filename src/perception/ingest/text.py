"""CSV and Excel exports, read as text so that codes such as ``01`` or ``nsp`` reach the mapping unchanged.

For CSV the encoding, separator and decimal mark are sniffed when the
mapping does not give them (``read:``), and a file that is not text at all is
refused rather than read as garbage.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pandas as pd

from perception.errors import ConfigError, UnreadableFileError

SEPARATORS = (",", ";", "\t", "|")


SNIFF_BYTES = 64 * 1024


def _looks_binary(sample: bytes) -> bool:
    """NUL bytes or many control characters: not a text export, whatever its name."""
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    return bool(sample) and controls / len(sample) > 0.05


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def utf16_encoding(raw: bytes) -> str | None:
    """``utf-16`` (with a byte-order mark), ``utf-16-le``/``-be`` (without), or None.

    Excel's "Unicode text" export is UTF-16 with a mark; without one, text
    mostly in Latin letters has a NUL byte in every other position.
    """
    if raw.startswith(UTF16_BOMS):
        return "utf-16"
    sample = raw[: SNIFF_BYTES - SNIFF_BYTES % 2]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.3 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) > 0.3 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def repeated_columns(columns: list[str]) -> list[str]:
    """Column names that appear more than once, in first-appearance order."""
    names = [str(c).strip() for c in columns]
    return list(dict.fromkeys(n for n in names if names.count(n) > 1))


def sniff_encoding(raw: bytes) -> str:
    """UTF-8 (with or without BOM) when the bytes decode as such, else windows-1252.

    Windows-1252 is what Excel and SPSS on French-language Windows write; it
    agrees with latin-1 on every printable character latin-1 has, so latin-1
    files read correctly too. Bytes undefined in windows-1252 fall back to
    latin-1, which accepts anything.
    """
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return "latin-1"


def sniff_separator(text: str) -> str:
    """The candidate giving the same number (>1) of fields on the first lines, the widest first."""
    lines = text.splitlines()[:50]
    best, best_score = ",", (False, 1)
    for sep in SEPARATORS:
        try:
            widths = [len(row) for row in csv.reader(lines, delimiter=sep) if row]
        except csv.Error:
            continue
        if not widths or widths[0] < 2:
            continue
        score = (all(w == widths[0] for w in widths), widths[0])
        if score > best_score:
            best, best_score = sep, score
    return best


def _check_field_counts(path: Path, text: str, sep: str) -> None:
    """Every record has the header's number of fields.

    pandas pads a short record with blanks without a word; a short last
    record is a truncated file, a short or long one elsewhere a separator
    inside an unquoted value. Either way the values would land in the wrong
    columns, so the file is refused with the line to look at.
    """
    records = csv.reader(io.StringIO(text), delimiter=sep)
    width = None
    for record in records:
        if not record:
            continue
        if width is None:
            width = len(record)
            repeated = repeated_columns(record)
            if repeated:
                names = [c.strip() for c in record]
                where = ", ".join(
                    f"column {name} appears more than once (columns "
                    + " and ".join(str(i + 1) for i, n in enumerate(names) if n == name)
                    + ")"
                    for name in repeated
                )
                raise UnreadableFileError(f"{path}: line {records.line_num}: {where}")
        elif len(record) != width:
            line = records.line_num
            last = next(records, None) is None
            why = "the file looks truncated" if last and len(record) < width else "check the separator and quoting"
            raise UnreadableFileError(
                f"{path}: line {line} has {len(record)} field(s) but the header has {width} ({why})"
            )


DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")


def read_csv(path: Path, options: dict[str, Any]) -> pd.DataFrame:
    raw = path.read_bytes()
    encoding = options.get("encoding") or utf16_encoding(raw)
    if encoding is None and _looks_binary(raw[:SNIFF_BYTES]):
        raise UnreadableFileError(f"{path}: does not look like a text (CSV) file; is it really CSV?")
    encoding = encoding or sniff_encoding(raw)
    try:
        text = raw.decode(encoding)
    except LookupError:
        raise UnreadableFileError(f"{path}: unknown encoding {encoding!r} in read.encoding") from None
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            f"{path}: not readable as CSV with encoding {encoding} ({exc.reason} at byte {exc.start}); "
            "set read.encoding in the source mapping (e.g. utf-8, cp1252, latin-1)"
        ) from None
    text = text.removeprefix("\ufeff")
    sep = options.get("sep") or sniff_separator(text)
    _check_field_counts(path, text, sep)
    frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[""])
    decimal = options.get("decimal") or ("," if sep == ";" else ".")
    if decimal == ",":
        for column in frame.columns:
            values = frame[column]
            mask = values.str.match(DECIMAL_COMMA, na=False)
            if mask.any():
                frame.loc[mask, column] = values[mask].str.replace(",", ".", regex=False)
    elif decimal != ".":
        raise ConfigError(f"read.decimal must be ',' or '.' (got {decimal!r})")
    return frame


def _choose_sheet(path: Path, options: dict[str, Any]) -> str | int:
    """The configured sheet, else the KoBo main data sheet, else the first.

    KoBo's XLS export puts the main table first and one sheet per repeat
    group after it; the main one has ``_uuid`` and no ``_parent_index``.
    """
    if "sheet" in options:
        return options["sheet"]
    headers = pd.read_excel(path, sheet_name=None, nrows=0)
    if {"survey", "choices"} <= set(headers):
        raise UnreadableFileError(f"{path}: this is an XLSForm (survey and choices sheets), not a data export")
    for name, frame in headers.items():
        columns = {str(c) for c in frame.columns}
        if "_uuid" in columns and "_parent_index" not in columns:
            return name
    return 0


def read_excel(path: Path, options: dict[str, Any]) -> pd.DataFrame:
    sheet = _choose_sheet(path, options)
    try:
        header = pd.read_excel(path, sheet_name=sheet, header=None, nrows=1, dtype=str)
        frame = pd.read_excel(path, sheet_name=sheet, dtype=str, keep_default_na=False, na_values=[""])
    except (ValueError, IndexError) as exc:
        sheets = ", ".join(map(str, pd.ExcelFile(path).sheet_names))
        raise UnreadableFileError(f"{path}: no sheet {sheet!r} ({exc}); sheets are: {sheets}") from None
    repeated = repeated_columns([c for c in header.iloc[0].tolist() if isinstance(c, str)]) if len(header) else []
    if repeated:
        name = sheet if isinstance(sheet, str) else pd.ExcelFile(path).sheet_names[sheet]
        raise UnreadableFileError(f"{path}: sheet {name}, row 1: column(s) {', '.join(repeated)} appear more than once")
    return frame

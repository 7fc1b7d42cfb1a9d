"""Ingest: read a partner export as it is, keeping value labels and missing codes.

Readers are chosen by file extension. SPSS and Stata files are read with
``user_missing=True`` so that "don't know" and "refused" codes arrive as
their codes (not as blanks) and harmonisation can keep them distinct; Stata's
tagged missing values ``.a`` … ``.z`` arrive as the codes ``"a"`` … ``"z"``,
distinct from each other and from a plain ``.``. ReadStat runs in a child
process with a timeout, because a malformed file can crash or hang it.

Text formats are read as text: codes such as ``01`` or ``nsp`` reach the
mapping unchanged. For CSV the encoding, separator and decimal mark are
sniffed when the mapping does not give them (``read:``), and a file that is
not text at all is refused rather than read as garbage.

An XLSForm referenced by the mapping (``form:``) supplies the choice labels
of select questions in every language it has.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import pickle
import re
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from perception.errors import ConfigError, DataError, UnreadableFileError
from perception.metadata import DEFAULT_READ_TIMEOUT, LANGUAGES, SourceMapping, code_key, normalise_name

READERS = {
    ".sav": "SPSS",
    ".zsav": "SPSS (compressed)",
    ".por": "SPSS portable",
    ".dta": "Stata",
    ".csv": "CSV",
    ".xlsx": "Excel",
}
NATIVE = (".sav", ".zsav", ".por", ".dta")
CHILD = Path(__file__).with_name("_readstat_child.py")
SEPARATORS = (",", ";", "\t", "|")
SNIFF_BYTES = 64 * 1024


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


def _format_name(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in READERS:
        known = ", ".join(READERS)
        raise UnreadableFileError(f"{path}: unsupported file type {suffix or '(none)'} (expected one of {known})")
    return READERS[suffix]


# --------------------------------------------------------------------------
# SPSS and Stata, in a child process
# --------------------------------------------------------------------------


def run_reader_process(command: list[str], path: Path, kind: str, timeout: float) -> None:
    """Run a reader child; turn a crash, a hang or an error into one line naming the file."""
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise UnreadableFileError(
            f"{path}: the {kind} reader did not finish within {timeout:g} s and was stopped "
            "(the file is probably malformed; raise read.timeout in the source mapping if it is just very large)"
        ) from None
    if result.returncode < 0:
        try:
            name = signal.Signals(-result.returncode).name
        except ValueError:
            name = f"signal {-result.returncode}"
        raise UnreadableFileError(f"{path}: the {kind} reader crashed ({name}); the file is probably corrupt")
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        message = lines[-1] if lines else f"exit status {result.returncode}"
        hint = "; set read.encoding in the source mapping" if "encoding" in message.lower() else ""
        raise UnreadableFileError(f"{path}: cannot be read as {kind} ({message}){hint}")


def _has_tagged_missing(values: pd.Series) -> bool:
    """Numbers mixed with letters: a Stata numeric column with tagged missing values."""
    if values.dtype != object:
        return False
    kinds = values.map(lambda v: "text" if isinstance(v, str) else "number" if isinstance(v, int | float) else "")
    return bool((kinds == "text").any() and (kinds == "number").any())


def _text_codes(column: pd.Series) -> pd.Series:
    """A numeric column holding Stata tagged missing letters, as text codes ("1", "a")."""
    return column.map(lambda v: None if v is None or (isinstance(v, float) and math.isnan(v)) else code_key(v)).astype(
        "string"
    )


def _read_native(path: Path, kind: str, options: dict[str, Any]) -> RawTable:
    timeout = float(options.get("timeout", DEFAULT_READ_TIMEOUT))
    with tempfile.TemporaryDirectory(prefix="perception-read-") as scratch:
        output = Path(scratch) / "table.pickle"
        encoding = options.get("encoding") or "-"
        run_reader_process([sys.executable, str(CHILD), str(path), str(encoding), str(output)], path, kind, timeout)
        with output.open("rb") as handle:
            data, info = pickle.load(handle)  # written by our own child process just now
    for column in data.columns:
        if _has_tagged_missing(data[column]):
            data[column] = _text_codes(data[column])
    labels = {
        column: {code_key(code): str(label) for code, label in mapping.items()}
        for column, mapping in info["value_labels"].items()
    }
    missing: dict[str, list[str]] = {}
    for column, ranges in info["missing_ranges"].items():
        codes = []
        for item in ranges:
            low, high = item.get("lo"), item.get("hi")
            codes.append(code_key(low) if low == high else f"{code_key(low)}..{code_key(high)}")
        missing[column] = codes
    for column, values in info["missing_user_values"].items():
        missing.setdefault(column, []).extend(code_key(v) for v in values)
    variable_labels = {
        column: str(label) for column, label in zip(info["column_names"], info["column_labels"], strict=False) if label
    }
    return RawTable(path, data, labels, missing, variable_labels)


# --------------------------------------------------------------------------
# CSV and Excel
# --------------------------------------------------------------------------


def _looks_binary(sample: bytes) -> bool:
    """NUL bytes or many control characters: not a text export, whatever its name."""
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    return bool(sample) and controls / len(sample) > 0.05


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
        elif len(record) != width:
            line = records.line_num
            last = next(records, None) is None
            why = "the file looks truncated" if last and len(record) < width else "check the separator and quoting"
            raise UnreadableFileError(
                f"{path}: line {line} has {len(record)} field(s) but the header has {width} ({why})"
            )


DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")


def _read_csv(path: Path, options: dict[str, Any]) -> pd.DataFrame:
    raw = path.read_bytes()
    if _looks_binary(raw[:SNIFF_BYTES]):
        raise UnreadableFileError(f"{path}: does not look like a text (CSV) file; is it really CSV?")
    encoding = options.get("encoding") or sniff_encoding(raw)
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


def _read_excel(path: Path, options: dict[str, Any]) -> pd.DataFrame:
    sheet = _choose_sheet(path, options)
    try:
        return pd.read_excel(path, sheet_name=sheet, dtype=str, keep_default_na=False, na_values=[""])
    except (ValueError, IndexError) as exc:
        sheets = ", ".join(map(str, pd.ExcelFile(path).sheet_names))
        raise UnreadableFileError(f"{path}: no sheet {sheet!r} ({exc}); sheets are: {sheets}") from None


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
        if suffix in NATIVE:
            table = _read_native(path, kind, options)
        elif suffix == ".csv":
            table = RawTable(path, _read_csv(path, options))
        else:
            table = RawTable(path, _read_excel(path, options))
    except (UnreadableFileError, ConfigError):
        raise
    except Exception as exc:  # parsers raise many types; the user needs one line
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UnreadableFileError(f"{path}: cannot be read as {kind} ({message})") from None
    if len(table.data.columns) == 0:
        raise UnreadableFileError(f"{path}: no columns found (is it really {kind}?)")
    return table


# --------------------------------------------------------------------------
# XLSForm
# --------------------------------------------------------------------------

LANGUAGE_NAMES = {"french": "fr", "francais": "fr", "fr": "fr", "english": "en", "anglais": "en", "en": "en"}


def _label_language(column: str) -> str | None:
    """``label`` -> "" (default), ``label::French (fr)`` / ``label::fr`` -> "fr"; other columns None."""
    if column == "label":
        return ""
    if not column.startswith("label::"):
        return None
    language = column.split("::", 1)[1]
    code = re.search(r"\(([A-Za-z-]+)\)\s*$", language)
    key = normalise_name(code.group(1) if code else language)
    return LANGUAGE_NAMES.get(key, key)


@dataclass(frozen=True)
class XLSForm:
    """Select questions of an XLSForm: question name -> (type, list); list -> choice -> {lang: label}."""

    path: Path
    selects: dict[str, tuple[str, str]]
    choices: dict[str, dict[str, dict[str, str]]]

    def labels(self, question: str, lang: str) -> dict[str, str]:
        _, list_name = self.selects[question]
        return {
            choice: labels.get(lang) or labels.get("") or choice for choice, labels in self.choices[list_name].items()
        }


def read_xlsform(path: str | Path) -> XLSForm:
    """The select questions and choice labels of an XLSForm (survey and choices sheets)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: form (XLSForm) not found")
    try:
        sheets = pd.read_excel(path, sheet_name=["survey", "choices"], dtype=str, keep_default_na=False)
    except Exception as exc:
        raise ConfigError(f"{path}: not a readable XLSForm with survey and choices sheets ({exc})") from None
    survey, choice_sheet = sheets["survey"], sheets["choices"]
    for sheet, needed in (("survey", {"type", "name"}), ("choices", {"list_name", "name"})):
        missing = needed - set(sheets[sheet].columns)
        if missing:
            raise ConfigError(f"{path}: sheet {sheet} lacks column(s) {', '.join(sorted(missing))}")
    selects: dict[str, tuple[str, str]] = {}
    or_other: set[str] = set()
    for row in survey.itertuples(index=False):
        parts = str(row.type).split()
        if len(parts) >= 2 and parts[0] in ("select_one", "select_multiple"):
            selects[str(row.name)] = (parts[0], parts[1])
            if parts[2:] == ["or_other"]:
                or_other.add(parts[1])
    label_columns = {c: _label_language(str(c)) for c in choice_sheet.columns}
    choices: dict[str, dict[str, dict[str, str]]] = {}
    for record in choice_sheet.to_dict("records"):
        if not str(record["list_name"]).strip():
            continue
        labels = {lang: str(record[c]) for c, lang in label_columns.items() if lang is not None and str(record[c])}
        choices.setdefault(str(record["list_name"]), {})[code_key(record["name"])] = labels
    for question, (_, list_name) in selects.items():
        if list_name not in choices:
            raise ConfigError(f"{path}: question {question} uses list {list_name!r}, absent from the choices sheet")
    for list_name in or_other:  # KoBo's "or_other" adds an implicit choice named "other"
        choices[list_name].setdefault("other", {"fr": "Autre", "en": "Other"})
    return XLSForm(path, selects, choices)


def apply_form(table: RawTable, form: XLSForm) -> RawTable:
    """Attach the form's choice labels (every language) to the columns of its select questions.

    KoBo exports name columns ``group/subgroup/question``; the question name is
    the last part.
    """
    value_labels = dict(table.value_labels)
    by_language: dict[str, dict[str, dict[str, str]]] = {lang: {} for lang in LANGUAGES}
    for column in table.data.columns:
        question = str(column).rsplit("/", 1)[-1]
        if question not in form.selects:
            continue
        for lang in LANGUAGES:
            by_language[lang][column] = form.labels(question, lang)
        value_labels[column] = by_language[LANGUAGES[0]][column]
    return RawTable(table.path, table.data, value_labels, table.missing_codes, table.variable_labels, by_language)


def read_source(path: str | Path, mapping: SourceMapping) -> RawTable:
    """Read a partner file with its mapping's reader options and form."""
    table = read_file(path, mapping.read_options)
    return apply_form(table, read_xlsform(mapping.form)) if mapping.form is not None else table


# --------------------------------------------------------------------------
# Keeping the mapped columns only
# --------------------------------------------------------------------------


def _check_choices(table: RawTable, mapping: SourceMapping) -> None:
    """Options named by the mapping must exist in the column's labelled choices (a typo never maps silently)."""
    for spec in mapping.variables.values():
        labels = table.value_labels.get(spec.column or "")
        if not labels:
            continue
        named = [spec.choice] if spec.choice is not None else []
        if spec.other is not None:
            named += [spec.other.value, *spec.other.recode.values()]
        unknown = [n for n in named if n not in labels]
        if unknown:
            raise ConfigError(
                f"{mapping.path}: variables.{spec.variable}: option(s) {', '.join(unknown)} are not choices of "
                f"column {spec.column} (choices: {', '.join(labels)})"
            )


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
            close = difflib.get_close_matches(column, [str(a) for a in available], n=1)
            hints.append(f"{column}" + (f" (did you mean {close[0]}?)" if close else ""))
        raise DataError(f"{table.path}: column(s) named in {mapping.path} not found: {'; '.join(hints)}")
    _check_choices(table, mapping)
    keep = mapping.columns
    data = table.data.loc[:, keep].copy()
    data.insert(0, "source_row", range(1, len(data) + 1))
    return RawTable(
        table.path,
        data.reset_index(drop=True),
        {c: v for c, v in table.value_labels.items() if c in keep},
        {c: v for c, v in table.missing_codes.items() if c in keep},
        {c: v for c, v in table.variable_labels.items() if c in keep},
        {lang: {c: v for c, v in labels.items() if c in keep} for lang, labels in table.labels_by_language.items()},
    )

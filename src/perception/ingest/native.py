"""SPSS and Stata files, read with ReadStat in a child process.

ReadStat is C code: a malformed file can crash it (segfault) or make it
loop. It runs in a separate interpreter (:mod:`.readstat_child`) with a
timeout, so the pipeline and ``perception check`` survive and report one
line. Files are read with ``user_missing=True`` so that "don't know" and
"refused" codes arrive as their codes; Stata's tagged missing values ``.a`` …
``.z`` arrive as the codes ``"a"`` … ``"z"``.
"""

from __future__ import annotations

import math
import pickle
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from perception.config.codebook import code_key
from perception.config.sources import DEFAULT_READ_TIMEOUT
from perception.errors import UnreadableFileError
from perception.ingest.table import RawTable

CHILD = Path(__file__).with_name("readstat_child.py")


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


def read_native(path: Path, kind: str, options: dict[str, Any]) -> RawTable:
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

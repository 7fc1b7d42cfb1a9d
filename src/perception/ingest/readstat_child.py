"""Run by ``perception.ingest`` in a child process: read one SPSS/Stata file with ReadStat.

ReadStat is C code: a malformed file can crash it (segfault) or make it loop.
Running it here, in a separate interpreter, keeps the pipeline and the
``perception check`` command alive: the parent sees an exit code or a
timeout and reports one line. This file is executed by path, not imported as
part of the package, so the child starts without loading the pipeline.

Usage: python _readstat_child.py FILE ENCODING|- OUTPUT.pickle
Exit 0 with the table pickled to OUTPUT; exit 3 with one line on stderr when
the file cannot be read.
"""

from __future__ import annotations

import pickle
import sys

import pyreadstat


def read(path: str, encoding: str | None) -> tuple:
    """Rows and the metadata the parent needs, as plain picklable objects."""
    suffix = path.rsplit(".", 1)[-1].lower()
    if suffix in ("sav", "zsav"):
        data, meta = pyreadstat.read_sav(path, user_missing=True, encoding=encoding)
    elif suffix == "por":
        data, meta = pyreadstat.read_por(path)
    elif suffix == "dta":
        data, meta = pyreadstat.read_dta(path, user_missing=True, encoding=encoding)
    else:
        raise ValueError(f"not an SPSS or Stata file: .{suffix}")
    info = {
        "value_labels": dict(meta.variable_value_labels or {}),
        "missing_ranges": dict(getattr(meta, "missing_ranges", None) or {}),
        "missing_user_values": dict(getattr(meta, "missing_user_values", None) or {}),
        "column_names": list(meta.column_names or []),
        "column_labels": list(meta.column_labels or []),
        "file_encoding": getattr(meta, "file_encoding", None),
    }
    return data, info


def main(argv: list[str]) -> int:
    path, encoding, output = argv
    try:
        result = read(path, None if encoding == "-" else encoding)
    except Exception as exc:  # the parent turns this line into its own message
        text = str(exc).strip().splitlines()
        print(text[0] if text else type(exc).__name__, file=sys.stderr)
        return 3
    with open(output, "wb") as handle:
        pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

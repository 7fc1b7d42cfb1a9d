"""Reading and writing files: all or nothing, and byte for byte the same every run.

Every output of the pipeline is written here: atomically (to a temporary name
beside the target, then renamed, so a failed or killed stage never leaves a
partial file), with a fixed float format and line ending, and without the
clock (SPSS and Stata headers get a fixed date). Every YAML settings file is
read here too, once per process, with libyaml's C loader when available.
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from perception.errors import ConfigError

if TYPE_CHECKING:  # pandas is imported where a frame is written: the Snakefile reads settings only
    import pandas as pd

try:  # libyaml is several times faster than the pure-Python loader
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader

_YAML_CACHE: dict[tuple[str, int, int], Any] = {}
_MERGE = "tag:yaml.org,2002:merge"


class _StrictLoader(_Loader):
    """Refuses a key written twice in one mapping (YAML would keep the last, silently).

    Keys brought in by a merge (``<<: *anchor``) may be overridden: that is
    what merging is for.
    """

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: set = set()
            for key_node, _ in node.value:
                if key_node.tag == _MERGE:
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    repeated = key in seen
                except TypeError:  # an unhashable key: PyYAML reports it itself
                    continue
                if repeated:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key!r} appears twice in the same mapping", key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep)


def file_version(path: str | Path) -> tuple[str, int, int] | None:
    """(resolved path, size, modification time) of a file, or None when it cannot be seen: a cache key."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        return None
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def load_yaml(path: str | Path) -> Any:
    """Read a YAML file, turning every failure into one readable ConfigError.

    Parsed once per process and file version (path, size, modification
    time): stages and the Snakefile read the same settings many times.
    Callers get their own copy, so nobody can change what another reads.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise ConfigError("file not found", file=path) from None
    except OSError as exc:
        raise ConfigError(f"cannot be read ({exc.strerror})", file=path) from None
    if not path.is_file():
        raise ConfigError("is a folder, not a file", file=path)
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _YAML_CACHE:
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"not UTF-8 text (byte {exc.start})", file=path, hint="save the file as UTF-8") from None
        try:
            _YAML_CACHE[key] = yaml.load(text, Loader=_StrictLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else None
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise ConfigError(f"not valid YAML ({problem})", file=path, where=where) from None
    return _copy(_YAML_CACHE[key])


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


FLOAT_FORMAT = "%.10g"


PUBLISHED_MODE = 0o644


def remove_stale_temporaries(path: Path) -> None:
    """Delete temporaries of ``path`` left by a killed writer (``kill -9`` skips every clean-up).

    Only names :func:`tempfile.mkstemp` made for this very target
    (``.<name>.`` and 8 random characters) are touched; one job writes a
    target at a time, so none of them is in use.
    """
    pattern = re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}")
    for sibling in path.parent.glob(f".{glob.escape(path.name)}.*"):
        if pattern.fullmatch(sibling.name) and sibling.is_file():
            sibling.unlink(missing_ok=True)


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` then move ``tmp`` to ``path``: all or nothing.

    The file gets ordinary read permissions (mkstemp creates it owner-only),
    since outputs are meant to be shared.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        write(Path(tmp))
        os.chmod(tmp, PUBLISHED_MODE)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# A spreadsheet cell starting with one of these is read as a formula (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise_formula(value: object) -> object:
    """``'=HYPERLINK(…)`` for ``=HYPERLINK(…)``: text that would start a formula gets a leading quote.

    As OWASP's CSV injection guidance recommends, a cell starting with
    ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a
    single quote, which spreadsheets show as text. Numbers, including
    negative ones (``-3``, ``-0.25``, ``-1e-05``), are left as they are.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_START) or _NUMBER.fullmatch(value):
        return value
    return "'" + value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names cannot start a spreadsheet formula."""
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_bool_dtype(out[column])):
            out[column] = out[column].map(neutralise_formula, na_action="ignore")
    out.columns = [neutralise_formula(str(name)) for name in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path: str | Path, released: bool = False) -> None:
    """Write ``frame``; ``released``: for readers, with formulas neutralised (see :func:`neutralise_formula`)."""
    if released:
        frame = neutralise_formulas(frame)
    write_atomic(
        path,
        lambda tmp: frame.to_csv(tmp, index=False, float_format=FLOAT_FORMAT, lineterminator="\n"),
    )


def write_json(data: object, path: str | Path) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def sha256(path: Path) -> str:
    with Path(path).open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


# ReadStat writes the clock into SPSS and Stata headers; these put a fixed date instead.
SAV_DATE_OFFSET = 92  # header: "$FL2", product (60), 5 int32, bias (double), date "dd Mon yy", time "hh:mm:ss"


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def fix_sav_timestamp(path: Path, when: dt.datetime) -> None:
    """Overwrite the creation date and time ReadStat takes from the clock."""
    stamp = f"{when.day:02d} {MONTHS[when.month - 1]} {when.year % 100:02d}{when:%H:%M:%S}".encode("ascii")
    data = bytearray(path.read_bytes())
    if data[:4] != b"$FL2":
        raise ValueError(f"{path}: not an SPSS system file")
    data[SAV_DATE_OFFSET : SAV_DATE_OFFSET + len(stamp)] = stamp
    path.write_bytes(bytes(data))


def fix_dta_timestamp(path: Path, when: dt.datetime) -> None:
    """Overwrite the <timestamp> of a Stata 117+ header (one length byte, then text)."""
    stamp = f"{when.day:02d} {MONTHS[when.month - 1]} {when.year} {when:%H:%M}".encode("ascii")
    data = bytearray(path.read_bytes())
    tag = data.find(b"<timestamp>", 0, 512)
    if tag < 0 or data[tag + 11] != len(stamp):
        raise ValueError(f"{path}: unexpected Stata header")
    data[tag + 12 : tag + 12 + len(stamp)] = stamp
    path.write_bytes(bytes(data))

"""Strict settings files: every YAML file is checked against a JSON schema, every CSV against its columns.

The schemas live in ``schemas/`` beside this module (``config``, ``codebook``,
``indicators``, ``geography``, ``source``). A key the schema does not know is
refused, with the closest known key suggested ("quasi_identifer: did you mean
quasi_identifier?"): a typo must never switch a setting off silently. Every
problem is one :class:`~perception.errors.ConfigError` line naming the file,
the place (the path of keys, or the column and line) and what was expected.

Identifiers that end up in file names (waves, source ids, region codes,
indicator ids) must match :data:`SAFE_ID`, so that no setting can make the
workflow write outside its folders.
"""

from __future__ import annotations

import difflib
import io
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from perception.errors import ConfigError
from perception.files import load_yaml

SCHEMAS = Path(__file__).with_name("schemas")

# Lowercase letters, digits, "-" and "_", starting with a letter or digit: safe
# as a file or folder name on every system (no "/", no "..", no case clashes).
SAFE_ID = "^[a-z0-9][a-z0-9_-]{0,63}$"
SAFE_ID_TEXT = "lowercase letters, digits, '-' and '_', starting with a letter or digit (it is used in file names)"

MAX_SHOWN = 60


@cache
def _schema(name: str) -> dict:
    return load_yaml(SCHEMAS / f"{name}.schema.yaml")


def schema(name: str) -> dict:
    """The JSON schema ``schemas/<name>.schema.yaml`` (parsed once)."""
    return _schema(name)


def did_you_mean(word: Any, options: list[str] | tuple[str, ...] | set[str]) -> str | None:
    """The closest of ``options`` to ``word``, when one is close enough to be a typo."""
    same_letters = [o for o in sorted(map(str, options)) if o.casefold() == str(word).casefold()]
    if same_letters:
        return same_letters[0]
    close = difflib.get_close_matches(str(word), sorted(map(str, options)), n=1, cutoff=0.6)
    return close[0] if close else None


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (a yes/no value; quote it if you meant text)"
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…"


TYPE_NAMES = {
    "object": "a mapping (key: value)",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def _known_keys(error: jsonschema.ValidationError) -> list[str]:
    return list(error.schema.get("properties") or {})


def _place(path, instance: Any) -> str:
    """``variables.age``; a list item by its id or code (``indicators[trust_police]``), else ``[#n]`` from 1."""
    text = ""
    node = instance
    for part in path:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            name = item.get("id", item.get("code")) if isinstance(item, dict) else None
            text += f"[{name}]" if isinstance(name, str | int) and not isinstance(name, bool) else f"[#{part + 1}]"
        else:
            text += f".{part}" if text else str(part)
        node = node[part] if isinstance(node, dict | list) else None
    return text or "(top level)"


def _describe(error: jsonschema.ValidationError, root: Any) -> tuple[str, str]:
    """(place, message) for one schema violation."""
    place = _place(error.absolute_path, root)
    kind, value, instance = error.validator, error.validator_value, error.instance
    if kind == "additionalProperties" and value is False and isinstance(instance, dict):
        known = _known_keys(error)
        extra = [k for k in instance if k not in known]
        key = extra[0] if extra else "?"
        hint = did_you_mean(key, known)
        if hint:
            return place, f"{key}: unknown key; did you mean {hint}?"
        return place, f"{key}: unknown key (known keys: {', '.join(known)})"
    if kind == "required":
        missing = [k for k in value if not isinstance(instance, dict) or k not in instance]
        return place, f"missing key {missing[0] if missing else value[0]}"
    if kind == "type":
        names = value if isinstance(value, list) else [value]
        expected = " or ".join(TYPE_NAMES.get(n, n) for n in names)
        return place, f"expected {expected}, found {_shown(instance)}"
    if kind == "enum":
        hint = did_you_mean(instance, [str(v) for v in value])
        text = f"expected one of {', '.join(map(str, value))}, found {_shown(instance)}"
        return place, text + (f"; did you mean {hint}?" if hint else "")
    if kind == "pattern":
        expected = error.schema.get("x-expected") or f"text matching {value}"
        return place, f"{_shown(instance)} is not allowed: expected {expected}"
    if kind in ("minItems", "minProperties"):
        return place, f"expected at least {value} item(s), found {_shown(instance)}"
    if kind == "uniqueItems":
        seen, repeated = [], None
        for item in instance:
            if item in seen:
                repeated = item
                break
            seen.append(item)
        return place, f"{_shown(repeated)} is listed twice"
    message = " ".join(error.message.split())
    return place, message if len(message) <= 200 else message[:200] + "…"


def check(instance: Any, name: str, file: str | Path) -> Any:
    """Refuse ``instance`` (read from ``file``) unless it satisfies schema ``name``; return it."""
    validator = jsonschema.Draft202012Validator(schema(name))
    errors = list(validator.iter_errors(instance))
    if errors:
        error = min(errors, key=lambda e: _position(instance, e))
        place, message = _describe(error, instance)
        raise ConfigError(message, file=file, where=place)
    return instance


def _position(instance: Any, error: jsonschema.ValidationError) -> tuple:
    """Where the problem is in the file: the first problem in reading order is reported.

    At one place an unknown key comes first: a typo explains the "missing
    key" it causes.
    """
    order = []
    node = instance
    for part in error.absolute_path:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        order.append((0, keys.index(part) if part in keys else len(keys)))
        node = node[part]
    return (*order, (-1, 0 if error.validator == "additionalProperties" else 1))


def check_identifier(value: Any, file: str | Path, where: str) -> str:
    """``value`` as text, refused unless it is a :data:`SAFE_ID`."""
    import re

    text = str(value)
    if not re.fullmatch(SAFE_ID, text):
        raise ConfigError(f"{_shown(text)} is not allowed: expected {SAFE_ID_TEXT}", file=file, where=where)
    return text


def read_settings_csv(path: str | Path, required: list[str], optional: list[str] = ()):
    """A settings CSV (corrections, weighting targets) as text, its columns checked.

    One line names the file and the place for every way it can be wrong: not
    found, a folder, not UTF-8, not CSV, a repeated, missing or unknown column
    (with the closest known one suggested).
    """
    import csv

    import pandas as pd

    path = Path(path)
    if path.is_dir():
        raise ConfigError("is a folder, not a CSV file", file=path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError("file not found", file=path) from None
    except OSError as exc:
        raise ConfigError(f"cannot be read ({exc.strerror})", file=path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text (byte {exc.start})", file=path, hint="save the file as UTF-8") from None
    if not text.strip():
        raise ConfigError("file is empty", file=path, expected=f"a header line ({', '.join(required)})")
    if text.lstrip()[:1] == "<":
        raise ConfigError("looks like a web page (HTML or XML), not a CSV file", file=path)
    header = next(csv.reader(io.StringIO(text)))
    header = [h.strip() for h in header]
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise ConfigError(f"column(s) {', '.join(repeated)} appear more than once", file=path, where="line 1")
    known = [*required, *optional]
    for column in header:
        if column not in known:
            hint = did_you_mean(column, known)
            why = f"did you mean {hint}?" if hint else f"known columns: {', '.join(known)}"
            raise ConfigError(f"{column}: unknown column; {why}", file=path, where="line 1")
    missing = [c for c in required if c not in header]
    if missing:
        raise ConfigError(f"missing column(s) {', '.join(missing)}", file=path, where="line 1")
    records = csv.reader(io.StringIO(text))
    for record in records:
        if record and len(record) != len(header):
            raise ConfigError(
                f"{len(record)} field(s) but the header has {len(header)} (check commas and quotes)",
                file=path,
                where=f"line {records.line_num}",
            )
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, csv.Error) as exc:
        raise ConfigError(f"not a readable CSV ({str(exc).strip().splitlines()[0]})", file=path) from None
    frame.columns = header
    return frame

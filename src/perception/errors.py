"""Errors a user can act on.

Every error carries, as svy's errors do, *where* the problem is (the file, and
the row, column or key when known), what was *expected*, what was *found* and
a *hint*. ``str(error)`` renders them as one line — the form in which the
command line, the workflow's logs and the terminal show it, never a
traceback. Code that already has a finished sentence may pass it as the
message; structured fields are appended to it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class PerceptionError(Exception):
    """A problem the user can fix, reported in one line."""

    def __init__(
        self,
        message: str = "",
        *,
        file: str | Path | None = None,
        where: str | None = None,
        expected: str | None = None,
        found: str | None = None,
        hint: str | None = None,
    ):
        self.message = message
        self.file = None if file is None else str(file)
        self.where = where
        self.expected = expected
        self.found = found
        self.hint = hint
        super().__init__(self.line())

    def line(self) -> str:
        """The error as one line: ``file: where: message (expected …, found …); hint``."""
        parts = [p for p in (self.file, self.where) if p]
        text = self.message
        details = []
        if self.expected is not None:
            details.append(f"expected {self.expected}")
        if self.found is not None:
            details.append(f"found {self.found}")
        if details:
            text = f"{text} ({', '.join(details)})" if text else ", ".join(details)
        if self.hint:
            text = f"{text}; {self.hint}" if text else self.hint
        line = ": ".join([*parts, text]) if text else ": ".join(parts)
        return " ".join(line.split())  # one line, whatever the inputs contained

    def __str__(self) -> str:
        return self.line()


class ConfigError(PerceptionError):
    """A configuration, codebook, registry, mapping or other settings file is wrong."""


class UnreadableFileError(PerceptionError):
    """A data file cannot be read at all (missing, empty, corrupt, wrong format)."""


class DataError(PerceptionError):
    """A data file is readable but unusable as a whole (e.g. a mapped column is missing)."""


# --------------------------------------------------------------------------
# where a failure happened: wave, source, indicator
# --------------------------------------------------------------------------

PLACE_ATTRIBUTE = "perception_place"
PLACE_ORDER = ("rule", "wave", "source", "indicator", "lang", "region")


@contextmanager
def at(**place: object) -> Iterator[None]:
    """Mark a failure inside the block with where it happened (``wave=``, ``source=``, ``indicator=``…).

    Any exception passing through is annotated (never replaced), so that
    :func:`place_text` can name the wave and indicator even of an error
    raised deep inside svy or pandas. Inner places add detail to outer ones.
    """
    try:
        yield
    except Exception as exc:
        inner = getattr(exc, PLACE_ATTRIBUTE, {})
        with suppress(AttributeError):  # an exception type without a __dict__: nothing to add to
            setattr(exc, PLACE_ATTRIBUTE, {**{k: str(v) for k, v in place.items() if v is not None}, **inner})
        raise


def place_text(exc: BaseException, fallback: dict[str, object] | None = None) -> str:
    """``wave 2024-baseline, indicator trust_police``: where ``exc`` happened, as far as known."""
    place = {k: str(v) for k, v in (fallback or {}).items() if v not in (None, "")}
    place.update(getattr(exc, PLACE_ATTRIBUTE, {}))
    keys = [k for k in PLACE_ORDER if k in place] + [k for k in place if k not in PLACE_ORDER]
    return ", ".join(f"{key} {place[key]}" for key in keys)


def in_wave(function: Callable[..., T]) -> Callable[..., T]:
    """Decorate a stage function ``f(project, wave, ...)``: a failure inside it names the wave."""

    @functools.wraps(function)
    def wrapper(project: Any, wave: str, *args: Any, **kwargs: Any) -> T:
        with at(wave=wave):
            return function(project, wave, *args, **kwargs)

    return wrapper

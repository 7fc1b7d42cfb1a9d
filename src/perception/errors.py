"""Errors a user can act on.

Every error carries, as svy's errors do, *where* the problem is (the file, and
the row, column or key when known), what was *expected*, what was *found* and
a *hint*. ``str(error)`` renders them as one line — the form in which the
command line, the workflow's logs and the terminal show it, never a
traceback. Code that already has a finished sentence may pass it as the
message; structured fields are appended to it.
"""

from __future__ import annotations

from pathlib import Path


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

"""Errors a user can act on.

Each carries one plain sentence naming the file (and, when known, the column
and rows). Entry points print that sentence instead of a traceback.
"""


class PerceptionError(Exception):
    """Base class: a problem the user can fix, reported in one line."""


class ConfigError(PerceptionError):
    """A configuration, codebook, registry or mapping file is wrong."""


class UnreadableFileError(PerceptionError):
    """A data file cannot be read at all (missing, empty, corrupt, wrong format)."""


class DataError(PerceptionError):
    """A data file is readable but unusable as a whole (e.g. a mapped column is missing)."""

"""Keeping the mapped columns only: everything else never leaves ingest."""

from __future__ import annotations

import difflib

from perception.config.sources import SourceMapping
from perception.errors import ConfigError
from perception.ingest.table import RawTable


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


def closest_column(column: str, available: list[str]) -> str | None:
    """The file's column a mapping probably meant: the same name in another case first (``Q49g`` → ``Q49G``).

    Otherwise the closest spelling, compared ignoring case, so that a
    lowercase mapping of an uppercase file finds ``Q49G`` rather than the
    first of ``Q49A`` … ``Q49G``.
    """
    same = [a for a in available if a.casefold() == column.casefold()]
    if same:
        return same[0]
    folded = {a.casefold(): a for a in reversed(available)}
    close = difflib.get_close_matches(column.casefold(), list(folded), n=1)
    return folded[close[0]] if close else None


def select_mapped_columns(table: RawTable, mapping: SourceMapping) -> RawTable:
    """Keep only the columns the mapping reads; everything else never leaves ingest.

    Dropping unmapped columns here is what keeps names, phone numbers and GPS
    out of every later file. A mapped column missing from the file means
    the mapping does not fit the file (a configuration error: ``perception
    check`` exits 2, no row was checked): it stops the run with the file,
    the column and the closest column names.
    """
    available = list(table.data.columns)
    missing = [c for c in mapping.columns if c not in available]
    if missing:
        hints = []
        for column in missing:
            close = closest_column(column, [str(a) for a in available])
            hints.append(f"{column}" + (f" (did you mean {close}?)" if close else ""))
        raise ConfigError(f"{table.path}: column(s) named in {mapping.path} not found: {'; '.join(hints)}")
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

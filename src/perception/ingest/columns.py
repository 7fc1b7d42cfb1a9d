"""Keeping the mapped columns only: everything else never leaves ingest."""

from __future__ import annotations

import difflib

from perception.config.sources import SourceMapping
from perception.errors import ConfigError, DataError
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

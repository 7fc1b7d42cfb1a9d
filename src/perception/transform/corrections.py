"""Researchers' corrections: ``config/corrections/<wave>.csv``, applied after harmonisation.

A correction is a decision taken with the partner ("row 57 is in Mopti",
"row 412 is a test interview"), kept in a file beside the configuration so
that it is reviewed, versioned and re-applied on every run. Columns:

- ``source_id``: the source (mapping) the row comes from;
- ``source_row`` (1 = first data row of the file) or ``respondent_id``;
- ``action``: ``set`` (give ``variable`` the harmonised ``new_value``),
  ``blank`` (make ``variable`` missing) or ``remove`` (send the row to the
  quarantine: a removed row is never lost, it is accounted for there);
- ``variable``, ``new_value``: for set and blank; ``new_value`` is a
  harmonised code (``ML-5``, ``2``) or a special-code name (``dont_know``);
- ``reason``: why, in words; copied to the cleaning log.

Every applied correction is one row of the cleaning log. A correction that
points at a source, row, respondent or variable that does not exist is an
error naming the file and its line: a correction never silently does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from perception.config.codebook import Codebook, code_key
from perception.config.geography import Geography
from perception.config.schema import read_settings_csv
from perception.config.sources import SourceMapping
from perception.errors import ConfigError
from perception.transform.checks import add_problem, cell_text, drop_problems
from perception.transform.harmonise import convert
from perception.transform.problems import Problem

REQUIRED = ["source_id", "action", "variable", "new_value", "reason"]
CORRECTIONS_DIR = Path("config/corrections")
ACTIONS = ("set", "blank", "remove")


@dataclass(frozen=True)
class Corrections:
    """The lines of one wave's corrections file (``line`` is the line number in the file)."""

    path: Path
    lines: pd.DataFrame

    def for_source(self, source_id: str) -> pd.DataFrame:
        return self.lines[self.lines["source_id"] == source_id]

    def error(self, line: int, message: str) -> ConfigError:
        """The error for one line of the file, naming the file and the line."""
        return ConfigError(f"{self.path}: line {line}: {message}")

    def _rows(self, frame: pd.DataFrame, mapping: SourceMapping, item) -> int:
        """Index of the single row a correction line points at."""
        if item.source_row:
            try:
                number = int(item.source_row)
            except ValueError:
                raise self.error(item.line, f"source_row {item.source_row!r} is not a row number") from None
            hits = frame.index[frame["source_row"] == number]
            if len(hits) == 0:
                raise self.error(
                    item.line, f"source_row {number} does not exist in {mapping.file.name} (rows 1–{len(frame)})"
                )
            return int(hits[0])
        hits = frame.index[frame["respondent_id"] == item.respondent_id]
        if len(hits) == 0:
            raise self.error(item.line, f"respondent_id {item.respondent_id!r} not found in {mapping.file.name}")
        if len(hits) > 1:
            rows = ", ".join(str(frame.at[i, "source_row"]) for i in hits)
            raise self.error(
                item.line,
                f"respondent_id {item.respondent_id!r} matches source rows {rows}; use source_row instead",
            )
        return int(hits[0])

    def _value(self, item, codebook: Codebook, geography: Geography):
        var = codebook[item.variable]
        text = item.new_value.strip()
        if text in codebook.special_codes:
            if text not in var.special:
                raise self.error(item.line, f"{item.variable} does not allow the special code {text}")
            return codebook.special_code(text)
        if var.type == "region":
            code = geography.match(text)
            if code is None:
                raise self.error(item.line, f"{text!r} is not a region of layout {geography.layout}")
            return code
        try:
            value = convert(text, var)
        except (TypeError, ValueError):
            raise self.error(item.line, f"{text!r} is not a valid {var.type} value for {item.variable}") from None
        if var.is_coded and code_key(value) not in {code_key(c) for c in var.codes}:
            codes = ", ".join(str(c) for c in var.codes)
            raise self.error(item.line, f"{text!r} is not a code of {item.variable} ({codes})")
        return value

    def apply(
        self, frame: pd.DataFrame, mapping: SourceMapping, codebook: Codebook, geography: Geography
    ) -> tuple[pd.DataFrame, list[dict]]:
        """This source's corrections applied to its harmonised rows, and their cleaning-log entries."""
        frame = frame.copy()
        log = []
        for item in self.for_source(mapping.source_id).itertuples(index=False):
            index = self._rows(frame, mapping, item)
            row = {"source_file": frame.at[index, "source_file"], "source_row": int(frame.at[index, "source_row"])}
            if item.action == "remove":
                add_problem(frame, index, Problem("removed", "", "", "", "", {"reason": item.reason}))
                log.append(
                    {
                        **row,
                        "variable": "",
                        "old_value": "",
                        "new_value": "",
                        "rule": "correction:remove",
                        "reason": item.reason,
                    }
                )
                continue
            if item.variable not in codebook.variables:
                raise self.error(item.line, f"{item.variable!r} is not a codebook variable")
            value = pd.NA if item.action == "blank" else self._value(item, codebook, geography)
            old = cell_text(frame.at[index, item.variable])
            frame.at[index, item.variable] = value
            drop_problems(frame, index, item.variable)
            log.append(
                {
                    **row,
                    "variable": item.variable,
                    "old_value": old,
                    "new_value": cell_text(value),
                    "rule": f"correction:{item.action}",
                    "reason": item.reason,
                }
            )
        return frame, log


def corrections_path(root: str | Path, wave: str) -> Path:
    """Where a wave's corrections live, by convention: ``config/corrections/<wave>.csv``."""
    return Path(root) / CORRECTIONS_DIR / f"{wave}.csv"


def load_corrections(path: str | Path, source_ids: list[str]) -> Corrections:
    """Read and check a corrections file against the wave's sources."""
    path = Path(path)
    lines = read_settings_csv(path, REQUIRED, ["source_row", "respondent_id"])
    missing = [c for c in REQUIRED if c not in lines.columns]
    if missing or not {"source_row", "respondent_id"} & set(lines.columns):
        needed = ", ".join([*REQUIRED, "source_row or respondent_id"])
        raise ConfigError(f"{path}: needs columns {needed} (missing: {', '.join(missing) or 'a row identifier'})")
    for column in ("source_row", "respondent_id"):
        if column not in lines.columns:
            lines[column] = ""
    lines = lines.map(str.strip)
    lines.insert(0, "line", range(2, len(lines) + 2))
    corrections = Corrections(path, lines)
    for item in lines.itertuples(index=False):
        if item.source_id not in source_ids:
            raise corrections.error(
                item.line, f"source_id {item.source_id!r} is not a source of this wave ({', '.join(source_ids)})"
            )
        if item.action not in ACTIONS:
            raise corrections.error(item.line, f"action must be one of {', '.join(ACTIONS)} (got {item.action!r})")
        if bool(item.source_row) == bool(item.respondent_id):
            raise corrections.error(item.line, "give either source_row or respondent_id (exactly one)")
        if item.action != "remove" and not item.variable:
            raise corrections.error(item.line, f"action {item.action} needs a variable")
        if item.action == "set" and not item.new_value:
            raise corrections.error(item.line, "action set needs a new_value")
        if not item.reason:
            raise corrections.error(item.line, "give a reason (it is copied to the cleaning log)")
    return corrections

"""Counts per source for the book's data-quality annex."""

from __future__ import annotations

import pandas as pd


def quality_annex(
    quality: pd.DataFrame, quarantine: pd.DataFrame, flags: pd.DataFrame, log: pd.DataFrame
) -> pd.DataFrame:
    """Tidy counts per source for the book's data-quality annex.

    ``section`` is rows (received, released, quarantined), quarantine (rows
    per reason category; a row with two reasons counts in both), flags (rows
    per check and action) or cleaning (changes per rule).
    """
    rows = []
    for source in quality.itertuples(index=False):
        key = {"source_id": source.source_id, "source_file": source.source_file}
        for item in ("received", "released", "quarantined"):
            rows.append(
                {**key, "section": "rows", "item": item, "action": "", "count": getattr(source, f"rows_{item}")}
            )
        mine = quarantine[quarantine["source_id"] == source.source_id]
        categories = mine["reason_categories"].astype(str).str.split(",").explode()
        for category, count in categories.value_counts(sort=False).sort_index().items():
            rows.append({**key, "section": "quarantine", "item": category, "action": "", "count": int(count)})
        raised = flags[flags["source_file"] == source.source_file]
        for (check, action), count in raised.groupby(["check", "action"], sort=True).size().items():
            rows.append({**key, "section": "flags", "item": check, "action": action, "count": int(count)})
        changes = log[log["source_file"] == source.source_file]
        for rule, count in changes.groupby("rule", sort=True).size().items():
            rows.append({**key, "section": "cleaning", "item": rule, "action": "", "count": int(count)})
    return pd.DataFrame(rows, columns=["source_id", "source_file", "section", "item", "action", "count"])

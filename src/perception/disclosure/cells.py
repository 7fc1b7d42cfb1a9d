"""Tables: small cells and the complementary cells that would give them away."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from perception.catalog.domains import is_former_territory, split
from perception.catalog.status import ESTIMATED, SUPPRESSED
from perception.catalog.tables import COMPARISON_VALUES, INDICATOR_VALUES
from perception.errors import DataError

SMALL_CELL = "small_cell"


COMPLEMENTARY = "complementary"


# Columns of a table cell that reveal its value; emptied when it is suppressed.
CELL_NUMBERS = INDICATOR_VALUES


COMPARISON_NUMBERS = COMPARISON_VALUES


def _relations(cells: pd.DataFrame) -> list[tuple[int, list[int]]]:
    """(total, parts) of every additive relation of one wave and indicator.

    A total (national, a region, a gender) is a weighted mix of its parts
    (the regions or genders, the region × gender cells), whose weighted n are
    published: with all parts but one shown, the last can be recovered.
    """
    region = cells["region_code"].astype("string")
    gender = cells["gender_code"].astype("string")
    has_region, has_gender = region.notna().to_numpy(), gender.notna().to_numpy()
    positions = np.arange(len(cells))
    national = positions[~has_region & ~has_gender]
    by_region = positions[has_region & ~has_gender]
    by_gender = positions[~has_region & has_gender]
    crossed = positions[has_region & has_gender]
    relations: list[tuple[int, list[int]]] = []
    for total in national:
        relations += [(int(total), by_region.tolist()), (int(total), by_gender.tolist())]
    for total in by_region:
        relations.append((int(total), [int(p) for p in crossed if region.iloc[p] == region.iloc[total]]))
    for total in by_gender:
        relations.append((int(total), [int(p) for p in crossed if gender.iloc[p] == gender.iloc[total]]))
    return [(total, parts) for total, parts in relations if parts]


def _protect(relations: list[tuple[int, list[int]]], hidden: np.ndarray, reason: np.ndarray, n: np.ndarray) -> None:
    """Hide complementary cells (in place) until no relation exposes a cell hidden for disclosure."""

    def exposed(total: int, parts: list[int]) -> bool:
        hidden_parts = [p for p in parts if hidden[p]]
        return not hidden[total] and len(hidden_parts) == 1 and reason[hidden_parts[0]] in (SMALL_CELL, COMPLEMENTARY)

    def cost(cell: int) -> int:
        """How many relations hiding ``cell`` would expose, minus those it would close."""
        before = sum(exposed(total, parts) for total, parts in relations)
        was, why = hidden[cell], reason[cell]
        hidden[cell], reason[cell] = True, COMPLEMENTARY
        after = sum(exposed(total, parts) for total, parts in relations)
        hidden[cell], reason[cell] = was, why
        return after - before

    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            if not exposed(total, parts):
                continue
            shown = [p for p in parts if not hidden[p]]
            complement = min(shown, key=lambda p: (cost(p), n[p], p)) if shown else total
            hidden[complement] = True
            reason[complement] = COMPLEMENTARY
            changed = True


def protect_partition(parts: np.ndarray, hidden: np.ndarray, reason: np.ndarray, n: np.ndarray) -> None:
    """Hide complements (in place) among ``parts``, the levels of a total published elsewhere.

    A breakdown's levels (urban, rural) partition the national figure, which
    is always shown: with one level hidden for disclosure and the others
    shown, it could be recovered, so one more is hidden (see :func:`suppress_cells`).
    """
    if not len(parts):
        return
    total = len(hidden)
    all_hidden, all_reasons = np.append(hidden, False), np.append(reason, "").astype(object)
    _protect([(total, [int(p) for p in parts])], all_hidden, all_reasons, np.append(n, np.inf))
    hidden[:] = all_hidden[:-1]
    reason[:] = all_reasons[:-1]


def suppress_cells(indicators: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """Hide cells with fewer than ``min_n`` respondents, and complements that would reveal them.

    Reads the columns ``wave, indicator, region_code, gender_code, n`` and,
    when present, ``is_suppressed`` and ``suppression_reason`` (cells already
    hidden, e.g. as ``unreliable``, stay hidden with their reason). Within
    each wave and indicator, wherever a shown total has exactly one hidden
    part hidden for disclosure (``small_cell`` or ``complementary``), one of
    its shown parts is hidden too with reason ``complementary`` — the total
    itself when no part is left to hide — until no such relation remains.
    Relations: national = regions, national = genders, region = its genders,
    gender = its regions. The part chosen is the one that leaves the fewest
    other relations exposed (hiding a cell whose region already lost one
    cell closes a rectangle instead of opening a new region), then the
    smallest n, then the first in row order.

    Returns a copy, rows in the same order, with ``is_suppressed``,
    ``suppression_reason`` and the numbers of hidden cells emptied. Running
    it again on its output changes nothing.
    """
    missing = [c for c in ("wave", "indicator", "region_code", "gender_code", "n") if c not in indicators]
    if missing:
        raise DataError(f"indicators: missing column(s) {', '.join(missing)}")
    out = indicators.reset_index(drop=True).copy()
    hidden = (
        out["is_suppressed"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        if "is_suppressed" in out
        else np.zeros(len(out), dtype=bool)
    )
    reason = (
        out["suppression_reason"].astype("string").fillna("").to_numpy(dtype=object)
        if "suppression_reason" in out
        else np.full(len(out), "", dtype=object)
    )
    small = ~(pd.to_numeric(out["n"], errors="coerce") >= min_n).to_numpy()
    reason[small] = SMALL_CELL
    hidden |= small
    cell = out[["wave", "indicator", "region_code", "gender_code"]].astype("string").fillna("")
    duplicated = cell.duplicated(keep=False)
    if duplicated.any():
        rows = ", ".join(str(i + 2) for i in np.flatnonzero(duplicated)[:5])
        raise DataError(f"indicators: the same wave, indicator, region and gender appear twice (rows {rows})")
    n = pd.to_numeric(out["n"], errors="coerce").fillna(0).to_numpy()
    for _, group in out.groupby(["wave", "indicator"], sort=False):
        index = group.index.to_numpy()
        relations = [(index[t], index[parts].tolist()) for t, parts in _relations(group)]
        _protect(relations, hidden, reason, n)
    out["is_suppressed"] = hidden
    out["suppression_reason"] = reason
    numbers = [c for c in CELL_NUMBERS if c in out]
    out.loc[hidden, numbers] = np.nan
    return out


# Per wave, per former layout, each region it redrew -> its parts (``Project.former_territories``).
TerritoryParts = Mapping[str, Mapping[str, Mapping[str, Sequence[str]]]]


def suppress_estimated(
    estimates: pd.DataFrame, min_cell_n: int, territories: TerritoryParts | None = None
) -> pd.DataFrame:
    """Disclosure control over the cells that were estimated; other cells keep their status.

    A cell nobody was asked in, or with no respondents, hides nothing: the
    structure of the survey is public. Keeping such cells out of the
    additive relations stops them from forcing complementary suppression.

    Rows of former territories (domains ``region@<layout>``,
    :mod:`perception.estimate.territories`) are published only where they
    tell nothing the wave's own cells do not: when no part (the same
    indicator and gender in each region that makes the territory up) is
    hidden for disclosure. Its estimate is then the parts' weighted mean,
    their weighted n being published; with a part hidden as a small cell
    or a complement it would give that part away. A part hidden as
    unreliable only hides a noisy number, not a person, and does not
    hide its territory. ``territories`` names the parts.
    """
    estimates = estimates.reset_index(drop=True)
    former = _former_rows(estimates)
    if former.any() and territories is None:
        raise DataError("indicators: rows on an earlier layout's regions, but no parts were given to protect them")
    estimated = estimates["status"].isin([ESTIMATED, SUPPRESSED]) & pd.to_numeric(estimates["n"]).gt(0)
    own = estimated & ~former
    protected = suppress_cells(estimates[own], min_cell_n)
    protected.index = estimates.index[own]
    out = pd.concat([protected, estimates[~own]]).loc[estimates.index]
    if former.any():
        out = _protect_territories(out, estimated.to_numpy() & former, min_cell_n, territories)
    out.loc[estimated, "status"] = np.where(out.loc[estimated, "is_suppressed"].astype(bool), SUPPRESSED, ESTIMATED)
    out.loc[out["status"].ne(ESTIMATED), [c for c in CELL_NUMBERS if c in out]] = np.nan
    return out.reset_index(drop=True)


def _former_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows on an earlier layout's regions (none in a table without domains)."""
    if "domain" not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame["domain"].map(is_former_territory).to_numpy(dtype=bool)


def _protect_territories(
    cells: pd.DataFrame, rows: np.ndarray, min_cell_n: int, territories: TerritoryParts
) -> pd.DataFrame:
    """Hide former territories (``rows``) that are small, or one of whose parts is hidden for disclosure."""
    out = cells.copy()
    text = out[["wave", "indicator", "domain", "region_code", "gender_code"]].astype("string").fillna("")
    keys = list(text.itertuples(index=False, name=None))
    hidden = out["is_suppressed"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    reason = out["suppression_reason"].astype("string").fillna("").to_numpy(dtype=object)
    # a part hidden as unreliable hides no one: only disclosure control's own hiding must hold
    guarded = dict(zip(keys, hidden & np.isin(reason, [SMALL_CELL, COMPLEMENTARY]), strict=True))
    n = pd.to_numeric(out["n"], errors="coerce").fillna(0).to_numpy()
    for i in np.flatnonzero(rows):
        wave, indicator, domain, region, gender = keys[i]
        plain, layout = split(domain)
        parts = (territories.get(wave) or {}).get(layout or "", {}).get(region)
        if parts is None:
            raise DataError(f"indicators: {domain} {region} of wave {wave} is not a region that layout's reform redrew")
        if n[i] < min_cell_n:
            hidden[i], reason[i] = True, SMALL_CELL
        elif any(guarded.get((wave, indicator, plain, part, gender), True) for part in parts):
            hidden[i], reason[i] = True, COMPLEMENTARY
    out["is_suppressed"] = hidden
    out["suppression_reason"] = reason
    return out


def align_comparisons(comparisons: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Hide every comparison that involves a cell hidden in ``indicators``.

    A gender gap involves the women's and the men's cell of its wave; a
    region against the rest of the country involves the region's cell; a
    change involves the same cell in the wave and in the reference wave.
    Without this, a gap printed beside a shown cell would give away its
    complementary-suppressed sibling. A change on a former layout's region
    (``region@regions_2012``) involves that territory's cell in a wave on a
    newer layout, and the region's own cell in a wave drawn on that layout.
    """
    key = ["wave", "indicator", "region_code", "gender_code"]
    cells = indicators[[*key, "is_suppressed"]].copy()
    for column in key:
        cells[column] = cells[column].astype("string").fillna("")
    layouts = (
        indicators["domain"].map(lambda domain: split(domain)[1] or "")
        if "domain" in indicators
        else [""] * len(indicators)
    )
    hidden = {
        (layout, *row[:4]): bool(row[4]) for layout, row in zip(layouts, cells.itertuples(index=False), strict=True)
    }
    out = comparisons.reset_index(drop=True).copy()
    unknown = sorted(set(out["comparison"]) - {"gender_gap", "region_vs_rest", "change", "change_previous"})
    if unknown:
        raise DataError(f"comparisons: unknown comparison type(s) {', '.join(map(str, unknown))}")

    def text(value: object) -> str:
        return "" if pd.isna(value) else str(value)

    def is_hidden(layout: str, side: tuple) -> bool:
        """A side on a former layout is that territory's cell, or the region's own in a wave drawn on that layout."""
        side = tuple(map(text, side))
        found = hidden.get((layout, *side)) if layout else None
        return hidden.get(("", *side), True) if found is None else found

    flags = []
    for row in out.itertuples(index=False):
        region, gender = text(row.region_code), text(row.gender_code)
        layout = split(text(getattr(row, "domain", "")))[1] or ""
        if row.comparison == "region_vs_rest":
            # the rest of the country and the national estimate would give a hidden region away
            sides = [(row.wave, row.indicator, region, "")]
        elif row.comparison == "gender_gap":
            sides = [
                (row.wave, row.indicator, region, text(row.group)),
                (row.wave, row.indicator, region, text(row.reference_group)),
            ]
        else:
            sides = [(row.wave, row.indicator, region, gender), (row.reference_wave, row.indicator, region, gender)]
        flags.append(any(is_hidden(layout, side) for side in sides))
    newly = np.asarray(flags, dtype=bool) & ~out["is_suppressed"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    out["is_suppressed"] = out["is_suppressed"].astype("boolean").fillna(False).to_numpy(dtype=bool) | newly
    out.loc[newly, [c for c in COMPARISON_NUMBERS if c in out]] = np.nan
    if "is_significant" in out:
        out.loc[newly, "is_significant"] = False
    if "status" in out:
        out.loc[newly & out["status"].eq(ESTIMATED).to_numpy(), "status"] = SUPPRESSED
    return out

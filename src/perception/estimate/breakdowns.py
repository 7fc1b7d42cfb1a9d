"""National breakdowns of every indicator: urban and rural, age groups (``breakdowns`` in config).

Survey reports print each figure by area of residence and age beside
regions and gender. These are estimated on the same raked design as the
indicators (domain estimation: the design is never subset), assessed with
the same NCHS rules, and disclosure-controlled: a level with fewer than
``min_cell_n`` respondents is hidden, and so is the smallest other level of
its breakdown, since the national figure and the other levels would give it
away. Levels are those of the codebook (age groups: the bands of
``models.age_bounds``), every one present in every wave's table: a level
without respondents is *not surveyed*; a wave whose sources did not ask the
indicator, or recorded no level at all, is *not asked*.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from perception.catalog.status import ESTIMATED, NOT_ASKED, SUPPRESSED
from perception.catalog.tables import table
from perception.config.project import Project
from perception.disclosure.cells import CELL_NUMBERS, SMALL_CELL, protect_partition
from perception.errors import at, in_wave
from perception.estimate.availability import WaveAvailability
from perception.estimate.groups import check_grouping, group_column_name, group_levels
from perception.estimate.indicators import complete_grid, estimate_cells, value_column, weighted_n
from perception.estimate.survey import DesignedSample

BREAKDOWN_COLUMNS = list(table("breakdowns").columns)


@in_wave
def estimate_breakdowns(project: Project, wave: str, sample: DesignedSample) -> pd.DataFrame:
    """Every indicator by every configured breakdown for one wave, disclosure-controlled."""
    for name in project.breakdowns:
        check_grouping(project, name, "breakdowns")
    availability = WaveAvailability.of(project, wave)
    data, weights = sample.data, sample.weights
    ci_method = project.config["estimation"]["ci_method"]
    parts = []
    for indicator in project.indicators:
        with at(indicator=indicator.id):
            column = value_column(indicator)
            for name in project.breakdowns:
                group = group_column_name(name)
                grid = pd.DataFrame({group: pd.Series(group_levels(project, name, wave), dtype="string")})
                recorded = data[group].notna().any()
                asked = availability.is_asked(indicator) and recorded
                cells = (
                    estimate_cells(sample, indicator, column, [group], ci_method, project.min_cell_n) if asked else None
                )
                if cells is not None:
                    cells = cells[cells[group].notna()].astype({group: "string"})
                    cells = cells.merge(weighted_n(data, weights, column, [group]), on=group, how="left")
                    cells["status"] = np.where(cells["is_suppressed"].astype(bool), SUPPRESSED, ESTIMATED)
                    out = complete_grid(cells, [group], grid, data, availability.asking_sources(indicator))
                else:
                    out = complete_grid(None, [group], grid, data, [])
                    out["status"] = NOT_ASKED
                    out[["n", "n_weighted"]] = 0
                    out["is_suppressed"] = False
                    out["suppression_reason"] = ""
                out = out.rename(columns={group: "level"})
                out.insert(0, "wave", wave)
                out.insert(1, "indicator", indicator.id)
                out.insert(2, "breakdown", name)
                parts.append(_protect(out, project.min_cell_n))
    out = pd.concat(parts, ignore_index=True)
    for name in BREAKDOWN_COLUMNS:
        if name not in out:
            out[name] = float("nan")
    return out[BREAKDOWN_COLUMNS].reset_index(drop=True)


def _protect(levels: pd.DataFrame, min_cell_n: int) -> pd.DataFrame:
    """The levels of one breakdown with small cells hidden, and one more where a single one would show."""
    out = levels.reset_index(drop=True).copy()
    estimated = out["status"].isin([ESTIMATED, SUPPRESSED]).to_numpy() & (pd.to_numeric(out["n"]) > 0).to_numpy()
    n = pd.to_numeric(out["n"], errors="coerce").fillna(0).to_numpy()
    hidden = out["is_suppressed"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    reason = out["suppression_reason"].astype("string").fillna("").to_numpy(dtype=object)
    small = estimated & (n < min_cell_n)
    hidden |= small
    reason[small] = SMALL_CELL
    protect_partition(np.flatnonzero(estimated), hidden, reason, n)
    newly = estimated & hidden
    out["is_suppressed"] = np.where(estimated, hidden, out["is_suppressed"].astype(bool))
    out["suppression_reason"] = np.where(estimated, reason, out["suppression_reason"])
    out.loc[newly, "status"] = SUPPRESSED
    out.loc[out["status"].ne(ESTIMATED), [c for c in CELL_NUMBERS if c in out]] = np.nan
    return out

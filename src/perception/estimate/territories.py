"""Former territories: a wave on a newer layout estimated on the regions of an older one it redrew.

When the 2023 reform split Mopti into Mopti, Douentza and Bandiagara, the
region called Mopti in a 2023 wave is not the territory the 2012 baseline
surveyed. The 2023 wave is therefore also estimated on the 2012 regions it
redrew, from the respondents of their parts (domains ``region@regions_2012``
and ``region_gender@regions_2012``, :mod:`perception.catalog.domains`), on
the wave's full design like every other domain. Changes across the reform
are then measured on one territory (:func:`perception.estimate.comparisons.wave_changes`).

A former territory is only as complete as its parts: if a part was not
surveyed, or its sources did not ask the indicator, the territory cell
takes that status and no number — an estimate over part of the territory
would pass for the whole. Disclosure control publishes a former territory
only where none of its parts is hidden for disclosure
(:func:`perception.disclosure.cells.suppress_estimated`).
"""

from __future__ import annotations

import pandas as pd

from perception.catalog.domains import on_layout, split
from perception.catalog.status import BY_DESIGN, PRECEDENCE
from perception.config.project import Project
from perception.errors import at, in_wave
from perception.estimate.availability import WaveAvailability
from perception.estimate.indicators import (
    INDICATOR_COLUMNS,
    domain_name,
    estimate_domain,
    indicator_rows,
    label_domain,
    territory_column,
)
from perception.estimate.survey import DesignedSample
from perception.progress import Progress


@in_wave
def estimate_territories(project: Project, wave: str, sample: DesignedSample, cells: pd.DataFrame) -> pd.DataFrame:
    """The wave's indicators on the former territories it redrew, with their status; rows of ``indicators.csv``.

    ``cells`` are the wave's own indicator rows (:func:`perception.estimate.indicators.estimate_wave`),
    whose parts' statuses a former territory inherits when they are by design.
    """
    availability = WaveAvailability.of(project, wave)
    genders = [str(code) for code in project.codebook["gender_code"].codes]
    regional = [list(by) for by in project.domains if "region_code" in by]
    parts = []
    for layout, formers in project.former_territories(wave).items():
        column = territory_column(layout)
        progress = Progress(f"estimate {wave} on the regions of {layout}: indicators", len(project.indicators))
        for indicator in project.indicators:
            progress.step(indicator.id)
            with at(indicator=indicator.id):
                for by in regional:
                    on = [column if name == "region_code" else name for name in by]
                    levels = {column: list(formers), "gender_code": genders}
                    grid = pd.MultiIndex.from_product([levels[name] for name in on], names=on).to_frame(index=False)
                    table = estimate_domain(project, sample, availability, indicator, on, grid.astype("string"))
                    table = table.rename(columns={column: "region_code"})
                    parts.append(label_domain(table, wave, indicator, on_layout(domain_name(by), layout)))
    if not parts:
        return pd.DataFrame(columns=INDICATOR_COLUMNS)  # untyped: the caller adds no rows
    return inherit_by_design(project, wave, indicator_rows(parts), cells)


def inherit_by_design(project: Project, wave: str, territories: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """A former territory with a part not surveyed or not asked takes that status (first by precedence), no number."""
    own = {
        (row.indicator, row.domain, row.region_code, "" if pd.isna(row.gender_code) else row.gender_code): row.status
        for row in cells.itertuples(index=False)
    }
    formers = project.former_territories(wave)
    out = territories.reset_index(drop=True)
    changed, status = [], []
    for i, row in enumerate(out.itertuples(index=False)):
        plain, layout = split(row.domain)
        gender = "" if pd.isna(row.gender_code) else row.gender_code
        sides = {own.get((row.indicator, plain, part, gender)) for part in formers[layout][row.region_code]}
        by_design = [s for s in PRECEDENCE if s in sides and s in BY_DESIGN]
        if by_design:
            changed.append(i)
            status.append(by_design[0])
    # as any cell without a number by design: nothing suppressed, nothing assessed; n counts the parts surveyed
    rows = out.index[changed]
    out.loc[rows, "status"] = status
    out.loc[rows, ["is_suppressed", "is_reliable"]] = False
    out.loc[rows, ["suppression_reason", "reliability_note"]] = ""
    return out

"""Regions followed across a territorial reform: which ones, and each wave's cell for them.

Trend charts, the chapters' tables across waves and the fact sheets show a
region as one layout draws it in every wave: a wave's own cell where it draws
the region the same, its former-territory cell
(:mod:`perception.estimate.territories`) where its layout split it, and
"autre découpage" where neither holds. Light on purpose: the book's pages
import it without the plotting stack.
"""

from __future__ import annotations

from perception.catalog.domains import on_layout
from perception.catalog.results import REDRAWN, Cell, Estimates
from perception.config.geography import Geography, common_ancestor, former_regions, same_territory
from perception.config.project import Project


def former_areas(project: Project) -> list[tuple[Geography, str]]:
    """The baseline's regions that today's layout redrew, each followed as one territory across the waves.

    (the layout both refine, the region's code there): Mopti as the 2012
    baseline drew it, estimated in a 2023 wave from Mopti, Douentza and
    Bandiagara (:mod:`perception.estimate.territories`). None when the
    report's layout draws the baseline's regions as they were.
    """
    report = project.report_geography
    common = common_ancestor(report, project.wave_geography(project.wave_ids[0])) if project.wave_ids else None
    if common is None or common.layout == report.layout:
        return []
    return [(common, code) for code in former_regions(report, common)]


def territory_cell(
    estimates: Estimates, project: Project, wave: str, indicator_id: str, layout: Geography, code: str
) -> Cell:
    """Region ``code`` of ``layout`` in ``wave``: its own cell where the wave draws it so, else its territory's.

    A wave on a layout that does not split ``layout`` (an older one, when
    ``layout`` is today's) has no number for a region it drew otherwise:
    "autre découpage".
    """
    own = project.wave_geography(wave)
    if code in same_territory(own, layout):
        return estimates.get(wave, indicator_id, "region", code)
    if (common_ancestor(own, layout) or own).layout == layout.layout:  # the wave's layout splits it
        return estimates.get(wave, indicator_id, on_layout("region", layout.layout), code)
    return REDRAWN

"""Comparisons: gender gaps within a wave, changes between waves, and multiplicity.

- gender gaps (women − men, nationally and per region) with design-based SEs
  from svy contrasts on the shared design, tested with the domain's df;
- each region against the rest of the country, on the common design;
- changes since the baseline and since the previous wave (independent samples).

Multiplicity (families, adjusted p-values and intervals) is
:mod:`perception.estimate.multiplicity`'s.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from perception.catalog.domains import is_former_territory, on_layout, split
from perception.catalog.status import BY_DESIGN, ESTIMATED, NOT_ASKED, NOT_COMPARABLE, SUPPRESSED, combine
from perception.catalog.tables import table
from perception.config.geography import Geography, common_ancestor, same_territory
from perception.config.project import Project
from perception.config.registry import Indicator
from perception.errors import in_wave
from perception.estimate.indicators import region_column, value_column
from perception.estimate.multiplicity import t_test
from perception.estimate.survey import DesignedSample, Difference
from perception.progress import Progress

COMPARISON_COLUMNS = list(table("comparisons").columns)


@in_wave
def gender_gaps(project: Project, wave: str, designed: DesignedSample, indicators: pd.DataFrame) -> pd.DataFrame:
    """Women − men, nationally and in each region, with svy contrasts.

    Both genders are estimated on the same design, so their estimates are
    correlated; the contrast's SE accounts for that (subtracting two
    published SEs in quadrature would not). The t reference has the degrees
    of freedom of the domain the gap is drawn in, less one, as R's
    ``svyttest(y ~ gender, subset(design, region == r))``: a region's gap
    rests on that region's PSUs, not on the whole design's.
    """
    data = designed.data
    rows = []
    regions = project.wave_geography(wave).codes
    gender = data["gender_code"].astype("string")
    progress = Progress(f"gender gaps {wave}: indicators", len(project.indicators))
    for indicator in project.indicators:
        progress.step(indicator.id)
        column = value_column(indicator)
        answered = data[column].notna().to_numpy()
        if not ((gender == "f").to_numpy() & answered).any() or not ((gender == "m").to_numpy() & answered).any():
            # not asked, or one gender gave no answer: the rows say why, from the cells' status
            rows += [_blank_gap(indicator, "national", None), *(_blank_gap(indicator, "region", r) for r in regions)]
            continue
        (national,) = designed.differences(column, ["gender_code"], [(("f",), ("m",))])
        rows.append(_gap_row(indicator, "national", None, national, designed.degrees_of_freedom(answered) - 1))
        pairs = [((region, "f"), (region, "m")) for region in regions]
        regional = designed.differences(column, ["region_code", "gender_code"], pairs)
        for region, gap in zip(regions, regional, strict=True):
            if gap is None:
                rows.append(_blank_gap(indicator, "region", region))
            else:
                df = designed.degrees_of_freedom(answered & (data["region_code"] == region).to_numpy()) - 1
                rows.append(_gap_row(indicator, "region", region, gap, df))
    gaps = pd.DataFrame(rows)
    gaps.insert(0, "wave", wave)
    return _attach_groups(gaps, indicators, wave)


def _blank_gap(indicator: Indicator, domain: str, region: str | None) -> dict:
    """A gap that cannot be drawn; its status comes from the two cells' (see :func:`_attach_groups`)."""
    return {
        "comparison": "gender_gap",
        "indicator": indicator.id,
        "domain": domain,
        "region_code": region,
        "gender_code": None,
        "reference_wave": None,
        "group": "f",
        "reference_group": "m",
        "difference": np.nan,
        "se": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "df": np.nan,
        "p_value": np.nan,
    }


def _gap_row(indicator: Indicator, domain: str, region: str | None, gap: Difference, df: int) -> dict:
    test = t_test(np.array([gap.estimate]), np.array([gap.se]), np.array([df]))
    return {
        "comparison": "gender_gap",
        "indicator": indicator.id,
        "domain": domain,
        "region_code": region,
        "gender_code": None,
        "reference_wave": None,
        "group": "f",
        "reference_group": "m",
        "difference": gap.estimate,
        "se": gap.se,
        "ci_low": test["ci_low"][0],
        "ci_high": test["ci_high"][0],
        "df": float(df),
        "p_value": test["p_value"][0],
    }


@in_wave
def regions_vs_rest(project: Project, wave: str, designed: DesignedSample, indicators: pd.DataFrame) -> pd.DataFrame:
    """Each region minus the rest of the country, on the wave's common design.

    The two groups partition the sample, so the contrast is
    ``svyttest(y ~ I(region == r), design)`` in R: its SE is the design-based
    SE of the difference between the two domain means, its t reference has
    the whole design's df less one. ``reference_estimate`` is the rest of the
    country's estimate, which is not published elsewhere.
    """
    data = designed.data
    cells = indicators.assign(_key=_cell_key(indicators)).set_index("_key")
    rows = []
    progress = Progress(f"regions against the rest {wave}: indicators", len(project.indicators))
    for indicator in project.indicators:
        progress.step(indicator.id)
        column = value_column(indicator)
        answered = data[column].notna().to_numpy()
        df = designed.degrees_of_freedom(answered) - 1
        for region in project.wave_geography(wave).codes:
            inside = data["region_code"].astype("string") == region
            cell = cells.reindex([f"{wave}/{indicator.id}/{region}/"]).iloc[0]
            if not (answered & inside.to_numpy()).any() or (answered & ~inside.to_numpy()).sum() == 0:
                row, rest, test = {"est": np.nan, "se": np.nan}, np.nan, {k: [np.nan] for k in ("ci_low", "ci_high")}
                test["p_value"] = [np.nan]
                status = combine([cell["status"]]) if cell["status"] != ESTIMATED else SUPPRESSED
            else:
                (gap,) = designed.differences(column, [region_column(region)], [(("in",), ("rest",))])
                row, rest = {"est": gap.estimate, "se": gap.se}, gap.second
                test = t_test(np.array([row["est"]]), np.array([row["se"]]), np.array([df]))
                status = combine([cell["status"]])
            rows.append(
                {
                    "comparison": "region_vs_rest",
                    "indicator": indicator.id,
                    "domain": "region",
                    "region_code": region,
                    "gender_code": None,
                    "wave": wave,
                    "reference_wave": None,
                    "group": region,
                    "reference_group": "rest",
                    "estimate": cell["estimate"],
                    "reference_estimate": rest,
                    "difference": row["est"],
                    "se": row["se"],
                    "ci_low": test["ci_low"][0],
                    "ci_high": test["ci_high"][0],
                    "df": float(df),
                    "p_value": test["p_value"][0],
                    "is_suppressed": status == SUPPRESSED,
                    "status": status,
                }
            )
    return pd.DataFrame(rows, columns=[c for c in COMPARISON_COLUMNS if c in rows[0]] if rows else None)


def _cell_key(frame: pd.DataFrame) -> pd.Series:
    return (
        frame["wave"].astype(str)
        + "/"
        + frame["indicator"].astype(str)
        + "/"
        + frame["region_code"].fillna("").astype(str)
        + "/"
        + frame["gender_code"].fillna("").astype(str)
    )


def _attach_groups(gaps: pd.DataFrame, indicators: pd.DataFrame, wave: str) -> pd.DataFrame:
    """Add the two genders' estimates; a gap is suppressed when either side is."""
    cells = indicators.assign(_key=_cell_key(indicators)).set_index("_key")
    women = gaps.assign(gender_code="f")
    men = gaps.assign(gender_code="m")
    women_cells = cells.reindex(_cell_key(women).to_numpy())
    men_cells = cells.reindex(_cell_key(men).to_numpy())
    gaps["estimate"] = women_cells["estimate"].to_numpy()
    gaps["reference_estimate"] = men_cells["estimate"].to_numpy()
    sides = zip(women_cells["status"].fillna(SUPPRESSED), men_cells["status"].fillna(SUPPRESSED), strict=True)
    status = [
        combine(pair) if pd.notna(difference) or combine(pair) != ESTIMATED else SUPPRESSED
        for pair, difference in zip(sides, gaps["difference"], strict=True)
    ]
    gaps["status"] = status
    gaps["is_suppressed"] = gaps["status"].eq(SUPPRESSED)
    return gaps


def wave_changes(project: Project, indicators: pd.DataFrame) -> pd.DataFrame:
    """Each later wave minus the baseline and minus the wave before it, for every domain cell.

    Which of the two is computed is ``comparisons.changes``; a series of
    waves is read both ways (how far since the start, and since last time).
    "The wave before" is, per cell, the latest earlier wave after the
    baseline that asked the question, so a round that skipped an item
    leaves a gap, not a missing comparison; where that is the baseline
    itself (the second wave, or no round in between asked it) the change
    since the baseline says it all and no second row is made.
    Waves are independent samples, so the variance of the difference is the
    sum of the variances; df is the smaller of the two (conservative).
    A region that is not the same territory in the two waves' layouts
    (``Project.same_territory``: Mopti before and after Douentza and
    Bandiagara became regions), or that the reference wave's layout does not
    have (Douentza against 2012), gets a ``not_comparable`` row with the
    later wave's estimate only; the change is then measured on the territory
    as the older layout drew it (domain ``region@<layout>``, Mopti of 2012
    against Mopti, Douentza and Bandiagara together), against the reference
    wave given first (the baseline, or the wave just before).
    """
    wanted = project.config["comparisons"].get("changes", ["baseline", "previous"])
    waves = project.wave_ids
    own = indicators[~indicators["domain"].map(is_former_territory).astype(bool)]
    cells = own.assign(_cell=_cell_key(own.assign(wave="")))
    pairs = []
    for position, wave in enumerate(waves[1:], start=1):
        if "baseline" in wanted:
            pairs.append(("change", wave, [waves[0]]))
        if "previous" in wanted and position > 1:
            pairs.append(("change_previous", wave, waves[position - 1 : 0 : -1]))
    rows = []
    for comparison, wave, candidates in pairs:
        reference = _latest_asked(cells, candidates, keep_not_asked=comparison == "change")
        later = cells[cells["wave"] == wave].set_index("_cell")
        joined = later.join(reference.add_suffix("_ref"), how="inner")
        new_regions = _new_regions(project, later, joined, candidates[0])
        if not new_regions.empty:
            joined = pd.concat([joined, new_regions])
        rows.append(_change_rows(comparison, wave, joined, _redrawn(project, joined)))
        territories = _former_territory_pairs(project, indicators, wave, candidates[0])
        if not territories.empty:
            rows.append(_change_rows(comparison, wave, territories, pd.Series(False, index=territories.index)))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=COMPARISON_COLUMNS)


def _change_rows(comparison: str, wave: str, joined: pd.DataFrame, redrawn: pd.Series) -> pd.DataFrame:
    """Change rows from ``wave``'s cells joined to their reference (``_ref`` columns); ``redrawn`` ones not compared."""
    difference = (joined["estimate"] - joined["estimate_ref"]).mask(redrawn)
    se = np.sqrt(joined["se"] ** 2 + joined["se_ref"] ** 2).mask(redrawn)
    df = np.minimum(joined["df"], joined["df_ref"]).astype(float).mask(redrawn)
    test = t_test(difference.to_numpy(), se.to_numpy(), df.to_numpy())
    status = [combine(pair) for pair in zip(joined["status"], joined["status_ref"], strict=True)]
    status = [
        NOT_COMPARABLE if moved and side not in BY_DESIGN else side for moved, side in zip(redrawn, status, strict=True)
    ]
    out = pd.DataFrame(
        {
            "comparison": comparison,
            "indicator": joined["indicator"],
            "domain": joined["domain"],
            "region_code": joined["region_code"],
            "gender_code": joined["gender_code"],
            "wave": wave,
            "reference_wave": joined["wave_ref"],
            "group": wave,
            "reference_group": joined["wave_ref"],
            "estimate": joined["estimate"],
            "reference_estimate": joined["estimate_ref"].mask(redrawn),
            "difference": difference,
            "se": se,
            "ci_low": test["ci_low"],
            "ci_high": test["ci_high"],
            "df": df,
            "p_value": test["p_value"],
            "status": status,
        }
    ).reset_index(drop=True)
    out["is_suppressed"] = out["status"].eq(SUPPRESSED)
    return out


def _former_territory_pairs(project: Project, indicators: pd.DataFrame, wave: str, reference: str) -> pd.DataFrame:
    """Cells of ``wave`` joined to ``reference``'s on the regions of their common older layout that were redrawn.

    Mopti of 2012 in a 2023 wave (Mopti, Douentza and Bandiagara,
    :mod:`perception.estimate.territories`) against Mopti in the 2012
    baseline; domains ``region@regions_2012`` and ``region_gender@regions_2012``.
    Empty when both waves share a layout, or no layout links them.
    """
    later, earlier = project.wave_geography(wave), project.wave_geography(reference)
    common = common_ancestor(later, earlier)
    if later.layout == earlier.layout or common is None:
        return pd.DataFrame()
    compared = set(common.codes) - project.same_territory(wave, reference)
    sides = [_on_layout(project, indicators, side, common, compared) for side in (wave, reference)]
    return sides[0].join(sides[1].add_suffix("_ref"), how="inner")


def _on_layout(
    project: Project, indicators: pd.DataFrame, wave: str, layout: Geography, regions: set[str]
) -> pd.DataFrame:
    """The wave's regional cells of ``regions`` as drawn in ``layout``, keyed by indicator, domain, region, gender.

    A region the wave's own layout draws as in ``layout`` is its own cell;
    one it redrew is its former-territory cell.
    """
    rows = indicators[indicators["wave"] == wave]
    plain, on = zip(*(split(domain) for domain in rows["domain"]), strict=True) if len(rows) else ((), ())
    own = project.wave_geography(wave)
    same = same_territory(own, layout)
    codes = rows["region_code"].astype("string").fillna("")
    mine = pd.Series([layout_ is None for layout_ in on], index=rows.index) & codes.isin(same)
    former = pd.Series([layout_ == layout.layout for layout_ in on], index=rows.index)
    kept = (mine | former) & codes.isin(regions)
    out = rows[kept].assign(domain=[on_layout(p, layout.layout) for p, k in zip(plain, kept, strict=True) if k])
    return out.set_index(_cell_key(out.assign(wave=out["domain"])))


def _new_regions(project: Project, later: pd.DataFrame, joined: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Regional cells of the later wave in regions the reference wave's layout does not have, sides unmatched."""
    codes = later["region_code"].fillna("").astype(str)
    old = set(project.wave_geography(reference).codes)
    new = later[(codes != "") & ~codes.isin(old) & ~later.index.isin(joined.index)]
    blank = {f"{column}_ref": np.nan for column in later.columns}
    return new.assign(**{**blank, "wave_ref": reference, "status_ref": SUPPRESSED})


def _redrawn(project: Project, joined: pd.DataFrame) -> pd.Series:
    """Rows of a regional cell whose region is not the same territory in the wave and its reference wave."""
    regional = joined["region_code"].fillna("").astype(str)
    same = {pair: project.same_territory(*pair) for pair in set(zip(joined["wave"], joined["wave_ref"], strict=True))}
    return pd.Series(
        [
            code != "" and code not in same[(wave, ref)]
            for code, wave, ref in zip(regional, joined["wave"], joined["wave_ref"], strict=True)
        ],
        index=joined.index,
        dtype=bool,
    )


def _latest_asked(cells: pd.DataFrame, waves: list[str], keep_not_asked: bool) -> pd.DataFrame:
    """Per cell, its row in the first of ``waves`` that asked it (or simply the first wave's row)."""
    found: list[pd.DataFrame] = []
    seen: pd.Index = pd.Index([])
    for wave in waves:
        rows = cells[cells["wave"] == wave]
        if not keep_not_asked and "status" in rows:
            rows = rows[rows["status"] != NOT_ASKED]
        rows = rows.set_index("_cell")
        rows = rows[~rows.index.isin(seen)]
        found.append(rows)
        seen = seen.append(rows.index)
    return pd.concat(found) if found else cells.iloc[:0].set_index("_cell")

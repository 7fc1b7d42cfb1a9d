"""Comparisons: gender gaps within a wave, changes between waves, and multiplicity.

- gender gaps (women − men, nationally and per region) with design-based SEs
  from svy contrasts on the shared design;
- changes since the baseline (independent samples);
- p-values adjusted for multiple comparisons within each family.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import svy
from scipy import stats
from statsmodels.stats.multitest import multipletests

from perception.catalog.tables import table
from perception.config.project import Project
from perception.config.registry import Indicator
from perception.estimate.indicators import value_column
from perception.estimate.survey import DesignedSample

COMPARISON_COLUMNS = list(table("comparisons").columns)


def gender_gaps(project: Project, wave: str, designed: DesignedSample, indicators: pd.DataFrame) -> pd.DataFrame:
    """Women − men, nationally and in each region, with svy contrasts.

    Both genders are estimated on the same design, so their estimates are
    correlated; the contrast's SE accounts for that (subtracting two
    published SEs in quadrature would not).
    """
    sample = designed.sample
    rows = []
    for indicator in project.indicators:
        column = value_column(indicator)
        national = sample.estimation.mean(column, by="gender_code", drop_nulls=True)
        rows.append(_gap_row(indicator, "national", None, national, svy.estd("f") - svy.estd("m")))
        regional = sample.estimation.mean(column, by=("region_code", "gender_code"), drop_nulls=True)
        keys = set(regional.keys())
        for region in project.wave_geography(wave).codes:
            if (region, "f") in keys and (region, "m") in keys:
                contrast = svy.estd((region, "f")) - svy.estd((region, "m"))
                rows.append(_gap_row(indicator, "region", region, regional, contrast))
    gaps = pd.DataFrame(rows)
    gaps.insert(0, "wave", wave)
    return _attach_groups(gaps, indicators, wave)


def _gap_row(indicator: Indicator, domain: str, region: str | None, result, contrast) -> dict:
    row = result.contrast(contrast).to_polars().row(0, named=True)
    return {
        "comparison": "gender_gap",
        "indicator": indicator.id,
        "domain": domain,
        "region_code": region,
        "gender_code": None,
        "reference_wave": None,
        "group": "f",
        "reference_group": "m",
        "difference": row["est"],
        "se": row["se"],
        "ci_low": row["lci"],
        "ci_high": row["uci"],
        "df": row["df"],
        "p_value": row["p_value"],
    }


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
    women_hidden = women_cells["is_suppressed"].fillna(True).to_numpy(dtype=bool)
    men_hidden = men_cells["is_suppressed"].fillna(True).to_numpy(dtype=bool)
    gaps["is_suppressed"] = women_hidden | men_hidden
    return gaps


def wave_changes(project: Project, indicators: pd.DataFrame) -> pd.DataFrame:
    """Each later wave minus the baseline, for every domain cell.

    Waves are independent samples, so the variance of the difference is the
    sum of the variances; df is the smaller of the two (conservative).
    """
    baseline = project.wave_ids[0]
    cells = indicators.assign(_cell=_cell_key(indicators.assign(wave="")))
    reference = cells[cells["wave"] == baseline].set_index("_cell")
    rows = []
    for wave in project.wave_ids[1:]:
        later = cells[cells["wave"] == wave].set_index("_cell")
        joined = later.join(reference, rsuffix="_ref", how="inner")
        difference = joined["estimate"] - joined["estimate_ref"]
        se = np.sqrt(joined["se"] ** 2 + joined["se_ref"] ** 2)
        df = np.minimum(joined["df"], joined["df_ref"]).astype(float)
        t_crit = stats.t.ppf(0.975, df)
        with np.errstate(divide="ignore", invalid="ignore"):
            p_value = 2 * stats.t.sf(np.abs(difference / se), df)
        rows.append(
            pd.DataFrame(
                {
                    "comparison": "change",
                    "indicator": joined["indicator"],
                    "domain": joined["domain"],
                    "region_code": joined["region_code"],
                    "gender_code": joined["gender_code"],
                    "wave": wave,
                    "reference_wave": baseline,
                    "group": wave,
                    "reference_group": baseline,
                    "estimate": joined["estimate"],
                    "reference_estimate": joined["estimate_ref"],
                    "difference": difference,
                    "se": se,
                    "ci_low": difference - t_crit * se,
                    "ci_high": difference + t_crit * se,
                    "df": df,
                    "p_value": p_value,
                    "is_suppressed": joined["is_suppressed"] | joined["is_suppressed_ref"],
                }
            ).reset_index(drop=True)
        )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=COMPARISON_COLUMNS)


def adjust_p_values(comparisons: pd.DataFrame, method: str, alpha: float) -> pd.DataFrame:
    """Adjust p-values within each family of published comparisons.

    A family is one comparison type, wave and indicator: the national and
    regional gender gaps of one indicator, or its changes in every domain —
    what one table or chart of the report shows at once.
    """
    out = comparisons.copy()
    out["p_adjusted"] = np.nan
    out["is_significant"] = False
    published = ~out["is_suppressed"] & out["p_value"].notna()
    for _, family in out[published].groupby(["comparison", "wave", "indicator"], sort=False):
        reject, adjusted, _, _ = multipletests(family["p_value"].to_numpy(), alpha=alpha, method=method)
        out.loc[family.index, "p_adjusted"] = adjusted
        out.loc[family.index, "is_significant"] = reject
    return out

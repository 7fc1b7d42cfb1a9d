"""How much the released design changes standard errors: variance_check.csv.

A partner analyses the release with ``weight_final`` and the masked variance
units (``stratum_id``, ``psu_id``), as the release README shows. For every
indicator, nationally and by region, this compares the estimate and its
standard error computed that way from the released microdata with the
report's (real strata and PSUs, raking accounted for).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from perception.catalog.tables import table
from perception.config.project import Project
from perception.estimate.indicators import prepare, value_column
from perception.estimate.survey import designed_sample

DOMAINS = {"national": [], "region": ["region_code"]}


def release_estimates(project: Project, wave: str, released: pd.DataFrame) -> pd.DataFrame:
    """Every indicator nationally and by region, from the released records of one wave."""
    data, design = prepare(project, wave, released, rake=False)
    design = replace(design, weight="weight_final", rake_to=None, rake_bounds=None, trim_ratio=None)
    sample = designed_sample(data, design, ["region_code", *(value_column(i) for i in project.indicators)])
    rows = []
    for indicator in project.indicators:
        if not data[value_column(indicator)].notna().any():
            continue  # not asked in this wave: the report has no cell to compare with
        for domain, by in DOMAINS.items():
            column = [value_column(indicator)]
            result = sample.shares(column, by=by) if indicator.is_proportion else sample.means(column, by=by)
            result["indicator"], result["domain"] = indicator.id, domain
            result["region_code"] = result["region_code"].astype("string") if by else pd.NA
            rows.append(result[["indicator", "domain", "region_code", "estimate", "se"]])
    return pd.concat(rows, ignore_index=True)


def variance_check(project: Project, released: dict[str, pd.DataFrame], indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per wave, indicator and national or regional cell; cells the report hides are left out."""
    internal = indicators[indicators["domain"].isin(list(DOMAINS))].copy()
    internal["region_code"] = internal["region_code"].astype("string")
    parts = []
    for wave, frame in released.items():
        ours = release_estimates(project, wave, frame)
        theirs = internal[internal["wave"] == wave]
        merged = theirs.merge(ours, on=["indicator", "domain", "region_code"], how="left", suffixes=("", "_release"))
        parts.append(
            pd.DataFrame(
                {
                    "wave": wave,
                    "indicator": merged["indicator"],
                    "domain": merged["domain"],
                    "region_code": merged["region_code"],
                    "estimate_internal": merged["estimate"],
                    "estimate_release": merged["estimate_release"],
                    "se_internal": merged["se"],
                    "se_release": merged["se_release"],
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    shown = out["se_internal"].notna() & (out["se_internal"] > 0)
    out = out[shown].reset_index(drop=True)
    out["se_ratio"] = np.round(out["se_release"] / out["se_internal"], 6)
    return table("variance_check").frame(out)

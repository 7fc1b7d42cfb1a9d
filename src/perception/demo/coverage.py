"""Coverage of the published intervals, by simulation from the demo's known population.

Each replication draws a new sample from the same population (the demo's
model, :mod:`perception.demo.population`), runs it through the pipeline's own
functions — indicator values from the registry, raking of the design weights
to the population's region and sex totals, every indicator by every
configured domain with the configured interval method, the NCHS assessment
and the suppression of small cells — and records, for every cell, whether
the interval printed would contain the true value.

Raking targets are the simulated population's own totals (adults by region
and by sex): that is what calibration assumes of census targets, and it
keeps a mismatch between the demo population and Mali's census out of a
test of the variance estimator and the intervals.

Coverage is reported by domain type (national, region, gender, region ×
gender) and for low-df cells (df below the NCHS threshold of 8, any domain),
over the intervals the book would print: cells suppressed (too few
respondents, failing the NCHS standard, or complementary) print none, so the
table gives how many cells there were and how many were published. Cells
flagged as unreliable but published (df below 8, for instance) are counted.
``se_ratio`` compares the mean published standard error with the spread of
the estimates around the truth (root mean squared error): close to 1 when
the standard errors are honest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from perception.config.project import Project
from perception.demo.population import BASELINE, DEFAULT_SEED, cell_populations, region_item_effects, truth_table
from perception.demo.sample import simulate

LOW_DF = 8  # NCHS: df below 8 is not a reliable basis for an interval
DOMAIN_TYPES = ("national", "region", "gender", "region_gender")
COVERAGE_COLUMNS = [
    "domain_type",
    "replications",
    "seed",
    "sample_size",
    "cells",
    "cells_published",
    "coverage",
    "se_ratio",
]


def population_margins() -> dict[str, dict[str, float]]:
    """The demo population's adults by region and by sex: the raking targets of the simulation."""
    cells = cell_populations()
    return {
        "region_code": cells.groupby("region_code")["population"].sum().to_dict(),
        "gender_code": cells.groupby("gender_code")["population"].sum().to_dict(),
    }


def replicate(project: Project, rng: np.random.Generator, effects: dict, size: int) -> pd.DataFrame:
    """One sample's estimates, assessed and suppressed as the estimation stage does (before blanking)."""
    from perception.disclosure.cells import suppress_cells
    from perception.estimate.indicators import estimate_wave, region_columns, value_column
    from perception.estimate.survey import SurveyDesign, designed_sample
    from perception.estimate.values import indicator_values

    wave = project.wave_ids[0]
    spec = project.waves[wave]
    sample = simulate(rng, BASELINE, tuple(project.wave_geography(wave).codes), size, effects)
    sample = sample.rename(columns={"weight": "weight_design", "stratum": "stratum_id", "ea": "psu_id"})
    values = {value_column(i): indicator_values(sample, i, project.codebook).to_numpy() for i in project.indicators}
    data = sample.assign(**values)
    data["region_code"] = pd.Categorical(data["region_code"], categories=project.wave_geography(wave).codes)
    data["gender_code"] = pd.Categorical(data["gender_code"], categories=list(project.codebook["gender_code"].codes))
    data = data.assign(**region_columns(data, project.wave_geography(wave).codes))
    design = SurveyDesign(
        weight="weight_design",
        strata="stratum_id",
        psu="psu_id",
        singleton=spec.design.singleton,
        rake_to=population_margins(),
        rake_bounds=spec.weighting.bounds,
    )
    bound = designed_sample(data, design, ["region_code", "gender_code", *values])
    return suppress_cells(estimate_wave(project, wave, bound), project.min_cell_n)


def coverage_hits(estimates: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Each cell of one replication: domain, df, published or not, error, SE and whether its interval covers."""
    keys = ["indicator", "region_code", "gender_code"]
    cells = estimates.assign(
        region_code=estimates["region_code"].fillna("").astype(str),
        gender_code=estimates["gender_code"].fillna("").astype(str),
    )
    merged = cells.merge(truth, on=keys, how="inner", validate="one_to_one")
    if len(merged) != len(cells):
        raise ValueError(f"coverage: {len(cells) - len(merged)} estimated cells have no true value")
    published = ~merged["is_suppressed"].astype(bool) & merged["ci_low"].notna()
    covered = (merged["ci_low"] <= merged["true_value"]) & (merged["true_value"] <= merged["ci_high"])
    return pd.DataFrame(
        {
            "indicator": merged["indicator"],
            "domain": merged["domain"],
            "region_code": merged["region_code"],
            "gender_code": merged["gender_code"],
            "df": merged["df"],
            "published": published,
            "covered": covered & published,
            "error": merged["estimate"] - merged["true_value"],
            "se": merged["se"],
        }
    )


def _se_ratio(published: pd.DataFrame) -> float:
    """Mean SE over RMSE, per cell then averaged (cells differ in scale), over cells seen at least twice."""
    by_cell = published.groupby(["indicator", "domain", "region_code", "gender_code"])
    stats = by_cell.agg(se=("se", "mean"), mse=("error", lambda e: float(np.mean(np.square(e)))), k=("se", "size"))
    stats = stats[(stats["k"] >= 2) & (stats["mse"] > 0)]
    return float(np.mean(stats["se"] / np.sqrt(stats["mse"]))) if len(stats) else np.nan


def summarise(hits: pd.DataFrame, replications: int, seed: int, size: int) -> pd.DataFrame:
    """Coverage of the published intervals overall, by domain type and for low-df cells."""
    groups = [("overall", hits)]
    groups += [(name, hits[hits["domain"] == name]) for name in DOMAIN_TYPES]
    groups.append(("low_df", hits[hits["df"] < LOW_DF]))
    rows = []
    for name, part in groups:
        published = part[part["published"]]
        rows.append(
            {
                "domain_type": name,
                "replications": replications,
                "seed": seed,
                "sample_size": size,
                "cells": len(part),
                "cells_published": len(published),
                "coverage": round(float(published["covered"].mean()), 6) if len(published) else np.nan,
                "se_ratio": round(_se_ratio(published), 6) if len(published) else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=COVERAGE_COLUMNS)


def simulate_coverage(project: Project, replications: int, seed: int, size: int = 3000, progress=None) -> pd.DataFrame:
    """Coverage table from ``replications`` seeded samples of ``size`` respondents (``progress(i)`` after each)."""
    effects = region_item_effects(np.random.default_rng(DEFAULT_SEED))  # the population, not the sample
    truth = truth_table(effects, project.indicators)
    truth = truth[truth["wave"] == BASELINE].drop(columns="wave").fillna("")
    truth["region_code"] = truth["region_code"].astype(str)
    truth["gender_code"] = truth["gender_code"].astype(str)
    rng = np.random.default_rng(seed)
    hits = []
    for i in range(replications):
        hits.append(coverage_hits(replicate(project, rng, effects, size), truth))
        if progress is not None:
            progress(i + 1)
    return summarise(pd.concat(hits, ignore_index=True), replications, seed, size)

"""The estimation stage: indicators, comparisons and weighting diagnostics.

Reads the published responses of every wave and writes tidy tables:

- ``indicators.csv``: every indicator by every configured domain, with SE,
  CI, CV, design effect, df, unweighted and weighted n, the NCHS reliability
  assessment and suppression (small cells, unreliable cells, and the
  complementary cells that would let a hidden one be derived);
- ``comparisons.csv``: gender gaps (women − men, nationally and per region)
  with design-based SEs from svy contrasts, and changes since the baseline
  (independent samples), with p-values adjusted for multiple comparisons;
- ``weighting_diagnostics.csv`` and ``index_reliability.csv`` (Cronbach's
  alpha of composite indices).

The design, weighting targets and indicator definitions all come from
``config/``; nothing here is specific to a wave or a partner.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import svy
from scipy import stats
from statsmodels.stats.multitest import multipletests

from perception.disclosure import suppress_cells
from perception.estimate import DesignedSample, SurveyDesign, designed_sample
from perception.indicators import Indicator, cronbach_alpha, indicator_values
from perception.project import Project
from perception.reliability import assess, blank_suppressed
from perception.weighting import (
    AGE_GROUP,
    add_cell_columns,
    age_groups,
    check_levels,
    diagnostics,
    load_margins,
    margin_columns,
)

DOMAIN_COLUMNS = ["region_code", "gender_code"]
INDICATOR_COLUMNS = [
    "wave",
    "indicator",
    "domain",
    "region_code",
    "gender_code",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "cv",
    "deff",
    "df",
    "n",
    "n_weighted",
    "n_effective",
    "is_reliable",
    "reliability_note",
    "is_suppressed",
    "suppression_reason",
]
COMPARISON_COLUMNS = [
    "comparison",
    "indicator",
    "domain",
    "region_code",
    "gender_code",
    "wave",
    "reference_wave",
    "group",
    "reference_group",
    "estimate",
    "reference_estimate",
    "difference",
    "se",
    "ci_low",
    "ci_high",
    "df",
    "p_value",
    "p_adjusted",
    "is_significant",
    "is_suppressed",
]


def wave_design(project: Project, wave: str) -> SurveyDesign:
    """The wave's design and weighting targets as an immutable spec."""
    spec = project.waves[wave]
    rake_to = load_margins(list(spec.weighting.rake_to)) if spec.weighting.rake_to else None
    return SurveyDesign(
        weight=spec.design.weight,
        strata=spec.design.strata,
        psu=spec.design.psu,
        ssu=spec.design.ssu,
        fpc=spec.design.fpc,
        singleton=spec.design.singleton,
        rake_to=rake_to,
        rake_bounds=spec.weighting.bounds,
        trim_ratio=spec.weighting.trim_ratio,
    )


def prepare(project: Project, wave: str, responses: pd.DataFrame) -> tuple[pd.DataFrame, SurveyDesign]:
    """Responses with weighting cells and one column per indicator, plus the design."""
    design = wave_design(project, wave)
    data = responses.copy()
    if design.rake_to:
        margins = {k: dict(v) for k, v in design.rake_to.items()}
        if AGE_GROUP in margin_columns(margins) and AGE_GROUP not in data:
            data[AGE_GROUP] = age_groups(data["age"], project.config["models"]["age_bounds"])
        data = add_cell_columns(data, margins)
        check_levels(data, margins, f"wave {wave}")
    data["region_code"] = pd.Categorical(data["region_code"], categories=project.wave_geography(wave).codes)
    data["gender_code"] = pd.Categorical(data["gender_code"], categories=list(project.codebook["gender_code"].codes))
    values = {value_column(i): indicator_values(responses, i, project.codebook) for i in project.indicators}
    return data.assign(**{name: v.to_numpy() for name, v in values.items()}), design


def value_column(indicator: Indicator) -> str:
    """Column holding an indicator's per-respondent values (ids may equal question names)."""
    return f"value__{indicator.id}"


def domain_name(by: Iterable[str]) -> str:
    return "_".join(name.removesuffix("_code") for name in by) or "national"


def _weighted_n(data: pd.DataFrame, weights: pd.Series, column: str, by: list[str]) -> pd.DataFrame:
    present = data[column].notna()
    frame = pd.DataFrame({"w": weights.where(present, 0.0)})
    if not by:
        return pd.DataFrame({"n_weighted": [float(frame["w"].sum())]})
    for name in by:
        frame[name] = data[name].astype(str)
    return frame.groupby(by, sort=False)["w"].sum().rename("n_weighted").reset_index()


def wave_sample(project: Project, wave: str, responses: pd.DataFrame) -> DesignedSample:
    """The wave's responses bound to its raked design, with every indicator's values: built once per wave."""
    data, design = prepare(project, wave, responses)
    return designed_sample(data, design, [*DOMAIN_COLUMNS, *(value_column(i) for i in project.indicators)])


def estimate_wave(project: Project, wave: str, sample: DesignedSample) -> pd.DataFrame:
    """Every indicator by every domain for one wave, assessed but not yet blanked."""
    data = sample.data
    weights = sample.weights
    ci_method = project.config["estimation"]["ci_method"]
    parts = []
    for indicator in project.indicators:
        for by in project.domains:
            by = list(by)
            column = value_column(indicator)
            if indicator.is_proportion:
                table = sample.shares([column], by=by, ci_method=ci_method)
            else:
                table = sample.means([column], by=by)
            table = assess(table, indicator.is_proportion, project.min_cell_n)
            weighted = _weighted_n(data, weights, column, by)
            table = table.merge(weighted, on=by, how="left") if by else table.assign(**weighted.iloc[0])
            table.insert(0, "wave", wave)
            table.insert(1, "indicator", indicator.id)
            table.insert(2, "domain", domain_name(by))
            parts.append(table)
    out = pd.concat(parts, ignore_index=True)
    for name in DOMAIN_COLUMNS:
        if name not in out:
            out[name] = pd.NA
        out[name] = out[name].astype("string")
    return out[INDICATOR_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------
# comparisons
# --------------------------------------------------------------------------


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


# --------------------------------------------------------------------------
# the stage
# --------------------------------------------------------------------------


def read_responses(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"region_code": "string", "gender_code": "string", "stratum_id": "string"})


def run_estimation(project: Project, responses: dict[str, Path]) -> dict[str, pd.DataFrame]:
    """All estimation outputs, in memory, in configured order."""
    data = {wave: read_responses(path) for wave, path in responses.items()}
    samples = {wave: wave_sample(project, wave, frame) for wave, frame in data.items()}
    estimates = pd.concat([estimate_wave(project, wave, samples[wave]) for wave in samples], ignore_index=True)
    # small cells, and the cells that would give them away, are hidden before any comparison is drawn
    indicators = suppress_cells(estimates, project.min_cell_n)
    gaps = [gender_gaps(project, wave, samples[wave], indicators) for wave in samples]
    comparisons = pd.concat([*gaps, wave_changes(project, indicators)], ignore_index=True)
    settings = project.config["comparisons"]
    comparisons = adjust_p_values(comparisons, settings["adjustment"], settings["alpha"])
    comparisons = blank_suppressed(
        comparisons[COMPARISON_COLUMNS],
        ["estimate", "reference_estimate", "difference", "se", "ci_low", "ci_high", "p_value", "p_adjusted"],
    )
    diagnostics_rows = []
    alphas = []
    for wave, sample in samples.items():
        prepared, weights = sample.data, sample.weights
        diagnostics_rows.append({"wave": wave, **diagnostics(weights)})
        design_weights = prepared[project.waves[wave].design.weight].astype(float)
        diagnostics_rows[-1]["design_weight_ratio"] = float(design_weights.max() / design_weights.min())
        for indicator in project.indicators:
            if indicator.type == "index":
                alpha = cronbach_alpha(prepared, indicator, project.codebook, weights)
                n = int(prepared[value_column(indicator)].notna().sum())
                alphas.append({"wave": wave, "indicator": indicator.id, "cronbach_alpha": alpha, "n": n})
    return {
        "indicators": indicators[INDICATOR_COLUMNS],
        "comparisons": comparisons,
        "weighting_diagnostics": pd.DataFrame(diagnostics_rows),
        "index_reliability": pd.DataFrame(alphas, columns=["wave", "indicator", "cronbach_alpha", "n"]),
    }

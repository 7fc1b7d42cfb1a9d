"""Drivers of trust: survey-weighted logistic regressions.

For each configured outcome (a share indicator) and wave, a design-based
logistic regression (svy's GLM, linearised SEs on the same raked design as
the indicators) of the indicator on the configured predictors. Results are
odds ratios with 95 % CIs in one tidy table, so the book can say "women
are less likely than men to trust the gendarmerie, other things equal".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import svy

from perception.catalog.tables import table
from perception.config.project import Project
from perception.errors import ConfigError, DataError, in_wave
from perception.estimate.indicators import prepare, special_codes, value_column
from perception.estimate.run import read_responses
from perception.estimate.survey import designed_sample
from perception.estimate.weighting import AGE_GROUP
from perception.transform.bands import band_labels, band_text

MODEL_COLUMNS = list(table("models").columns)
DERIVED_PREFIX = "model__"


def predictor_levels(project: Project, name: str) -> list[str]:
    """Levels of a predictor in configured order; the first is the reference."""
    if name == "region_code":
        return project.geography.codes
    if name == AGE_GROUP:
        return list(band_labels(project.config["models"]["age_bounds"]).values())
    return [str(code) for code in project.codebook[name].codes]


def _predictor_column(project: Project, data: pd.DataFrame, name: str) -> pd.Series:
    """Predictor values as text, with special codes missing."""
    if name == AGE_GROUP:
        return band_text(data["age"], project.config["models"]["age_bounds"], special_codes(project, "age"))
    if name not in project.codebook.variables:
        raise ConfigError(f"config: models.predictors: {name!r} is neither a codebook variable nor age_group")
    values = data[name]
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype("object")
    var = project.codebook[name]
    valid = {str(c) for c in var.codes} if var.codes else None
    text = values.map(lambda v: None if pd.isna(v) else str(int(v)) if isinstance(v, float) else str(v))
    return text.where(text.isin(valid)) if valid else text


@in_wave
def fit_wave(project: Project, wave: str, responses: pd.DataFrame) -> pd.DataFrame:
    settings = project.config["models"]
    data, design = prepare(project, wave, responses)
    predictors = settings["predictors"]
    for name in predictors:
        data[DERIVED_PREFIX + name] = _predictor_column(project, data, name).astype("object")
    indicators = {i.id: i for i in project.indicators}
    rows = []
    for outcome in settings["outcomes"]:
        if outcome not in indicators or not indicators[outcome].is_proportion:
            raise ConfigError(f"config: models.outcomes: {outcome!r} is not a share indicator of the registry")
        column = value_column(indicators[outcome])
        model_columns = [column, *(DERIVED_PREFIX + p for p in predictors)]
        complete = data[model_columns].notna().all(axis=1)
        terms, references = [], {}
        for name in predictors:
            present = set(data.loc[complete, DERIVED_PREFIX + name])
            levels = [level for level in predictor_levels(project, name) if level in present]
            if len(levels) < 2:
                raise DataError(f"wave {wave}: predictor {name} has fewer than two levels among respondents")
            references[name] = levels[0]
            terms.append(svy.Cat(DERIVED_PREFIX + name, ref=levels[0]))
        sample = designed_sample(data, design, model_columns).sample
        try:
            fitted = sample.glm.fit(y=column, x=terms, family="binomial")
        except Exception as exc:  # svy raises several types; report in one line
            raise DataError(f"wave {wave}: model of {outcome} could not be fitted ({exc})") from None
        table = fitted.to_polars().to_pandas()
        for row in table.itertuples():
            if row.term == "_intercept_":
                continue
            name = next(p for p in predictors if row.term.startswith(f"{DERIVED_PREFIX}{p}_"))
            rows.append(
                {
                    "wave": wave,
                    "outcome": outcome,
                    "predictor": name,
                    "level": row.term.removeprefix(f"{DERIVED_PREFIX}{name}_"),
                    "reference": references[name],
                    "odds_ratio": float(np.exp(row.estimate)),
                    "ci_low": float(np.exp(row.conf_low)),
                    "ci_high": float(np.exp(row.conf_high)),
                    "p_value": row.p_value,
                    "df": row.df,
                    "n": int(complete.sum()),
                }
            )
    return pd.DataFrame(rows, columns=MODEL_COLUMNS)


def fit_models(project: Project, responses: dict[str, str]) -> pd.DataFrame:
    """Odds ratios for every configured outcome and wave, in configured order."""
    tables = [fit_wave(project, wave, read_responses(path)) for wave, path in responses.items()]
    return pd.concat(tables, ignore_index=True)

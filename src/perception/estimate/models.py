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

from perception.catalog.status import NOTE_OUTCOME_NOT_ASKED, NOTE_PREDICTOR_NOT_ASKED, NOTE_PREDICTOR_SINGLE_LEVEL
from perception.catalog.tables import table
from perception.config.project import Project
from perception.errors import ConfigError, DataError, in_wave
from perception.estimate.availability import WaveAvailability
from perception.estimate.groups import group_column, group_levels
from perception.estimate.indicators import prepare, value_column
from perception.estimate.run import read_responses
from perception.estimate.survey import designed_sample
from perception.estimate.weighting import AGE_GROUP

MODEL_COLUMNS = list(table("models").columns)
DERIVED_PREFIX = "model__"


def _note_row(wave: str, outcome: str, predictor: str, note: str, n: int = 0) -> dict:
    """A row of models.csv saying why an outcome was not modelled or a predictor left out."""
    return {
        "wave": wave,
        "outcome": outcome,
        "predictor": predictor,
        "level": "",
        "reference": "",
        "n": n,
        "note": note,
    }


def _asked_predictor(availability: WaveAvailability, name: str) -> bool:
    return name == "region_code" or availability.variable_is_asked("age" if name == AGE_GROUP else name)


@in_wave
def fit_wave(project: Project, wave: str, responses: pd.DataFrame) -> pd.DataFrame:
    """Odds ratios of every configured outcome in one wave.

    An outcome the wave did not ask is not modelled, and a predictor the
    wave did not ask (or with a single level among the outcome's
    respondents) is left out of that wave's models: each case is a row of
    ``models.csv`` whose ``note`` says so, instead of a failed run.
    """
    settings = project.config["models"]
    availability = WaveAvailability.of(project, wave)
    data, design = prepare(project, wave, responses)
    indicators = {i.id: i for i in project.indicators}
    for outcome in settings["outcomes"]:
        if outcome not in indicators or not indicators[outcome].is_proportion:
            raise ConfigError(f"config: models.outcomes: {outcome!r} is not a share indicator of the registry")
    rows = []
    asked = []
    for name in settings["predictors"]:
        if _asked_predictor(availability, name):
            data[DERIVED_PREFIX + name] = group_column(project, data, name).astype("object")
            asked.append(name)
    for outcome in settings["outcomes"]:
        column = value_column(indicators[outcome])
        if not availability.is_asked(indicators[outcome]) or not data[column].notna().any():
            rows.append(_note_row(wave, outcome, "", NOTE_OUTCOME_NOT_ASKED))
            continue
        rows += [
            _note_row(wave, outcome, p, NOTE_PREDICTOR_NOT_ASKED) for p in settings["predictors"] if p not in asked
        ]
        predictors = list(asked)
        while True:
            model_columns = [column, *(DERIVED_PREFIX + p for p in predictors)]
            complete = data[model_columns].notna().all(axis=1)
            levels = {}
            for name in predictors:
                present = set(data.loc[complete, DERIVED_PREFIX + name])
                levels[name] = [level for level in group_levels(project, name, wave) if level in present]
            single = [name for name in predictors if len(levels[name]) < 2]
            if not single:
                break
            # dropping one predictor can change which rows are complete: check the others again
            rows.append(_note_row(wave, outcome, single[0], NOTE_PREDICTOR_SINGLE_LEVEL, int(complete.sum())))
            predictors.remove(single[0])
        if not predictors or not complete.any():
            raise DataError(f"wave {wave}: model of {outcome} has no predictor with two levels among its respondents")
        references = {name: levels[name][0] for name in predictors}
        terms = [svy.Cat(DERIVED_PREFIX + name, ref=references[name]) for name in predictors]
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
                    "note": "",
                }
            )
    return pd.DataFrame(rows, columns=MODEL_COLUMNS)


def fit_models(project: Project, responses: dict[str, str]) -> pd.DataFrame:
    """Odds ratios for every configured outcome and wave, in configured order."""
    tables = [fit_wave(project, wave, read_responses(path)) for wave, path in responses.items()]
    return pd.concat(tables, ignore_index=True)

"""The full spread of answers to each question, per wave: every answer's weighted share, special answers included.

An indicator reduces a question to one number (trust "assez" or
"beaucoup"); a forum also wants to see the whole scale — how many said "pas
du tout", how many did not know or refused — as good survey reports print
it. This table gives, for every coded question an indicator uses, the
weighted share (final weights, as the indicators) of each answer of the
codebook, then of each special answer the question allows, among the
respondents with an answer recorded. Nothing is dropped or merged: the
shares of a question sum to one, and don't know, refused and not applicable
stay distinct. A wave whose sources did not ask the question has
``status`` not_asked, ``n_base`` 0 and no shares: not asked, not zero.

National figures only: a marginal distribution of one answer crosses no
quasi-identifier.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from perception.catalog.status import ESTIMATED, NOT_ASKED
from perception.catalog.tables import table
from perception.config.codebook import code_key
from perception.config.project import Project
from perception.estimate.availability import WaveAvailability
from perception.estimate.survey import DesignedSample

ANSWER_COLUMNS = list(table("answers").columns)


def question_variables(project: Project) -> list[str]:
    """The coded questions the indicators use, in registry order, each once."""
    names = dict.fromkeys(v for indicator in project.indicators for v in indicator.variables)
    return [name for name in names if project.codebook[name].is_coded]


def answer_distribution(project: Project, wave: str, sample: DesignedSample) -> pd.DataFrame:
    """One row per question and answer (codebook codes, then special answers), in codebook order."""
    codebook = project.codebook
    weights = sample.weights.to_numpy(dtype=float)
    availability = WaveAvailability.of(project, wave)
    rows = []
    for name in question_variables(project):
        status = ESTIMATED if availability.variable_is_asked(name) else NOT_ASKED
        variable = codebook[name]
        values = sample.data[name]
        recorded = values.notna().to_numpy(dtype=bool)
        keys = np.array(
            [code_key(v) if r else "" for v, r in zip(values.tolist(), recorded, strict=True)], dtype=object
        )
        base_weight = float(weights[recorded].sum())
        answers = [(code_key(code), "") for code in variable.codes]
        answers += [(code_key(codebook.special_code(s)), s) for s in variable.special]
        for key, special in answers:
            given = recorded & (keys == key)
            rows.append(
                {
                    "wave": wave,
                    "variable": name,
                    "answer_code": key,
                    "special_code": special,
                    "n_base": int(recorded.sum()),
                    "n": int(given.sum()),
                    "share": float(weights[given].sum() / base_weight) if base_weight > 0 else np.nan,
                    "status": status,
                }
            )
    return pd.DataFrame(rows, columns=ANSWER_COLUMNS)

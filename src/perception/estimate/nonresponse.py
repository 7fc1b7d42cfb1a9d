"""Item non-response in the open: the weighted share of each special answer, per indicator and wave.

Whether don't know or refused is excluded from an indicator, counted as "no"
or reported as its own share is the registry's decision
(:mod:`perception.config.registry`); this table shows how much each decision
weighs, so that a reader can see what an excluded answer would have changed.

The base of a share is everyone the indicator's question was put to: every
respondent with a recorded answer (substantive or special) to at least one
of its questions, and, for an indicator ``among`` a subpopulation, only
those inside it. For an indicator on several questions (``any_of``, an
index) a respondent counts once for a special answer given to at least one
of them. Shares use the final (raked) weights, as the indicators do. A
wave whose sources did not ask the indicator has ``status`` not_asked and
no share: not asked, not zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from perception.catalog.status import ESTIMATED, NOT_ASKED
from perception.catalog.tables import table
from perception.config.project import Project
from perception.estimate.availability import WaveAvailability
from perception.estimate.survey import DesignedSample

NONRESPONSE_COLUMNS = list(table("nonresponse").columns)


def nonresponse_shares(project: Project, wave: str, sample: DesignedSample) -> pd.DataFrame:
    """One row per indicator and special answer its questions may take, in registry and codebook order."""
    codebook = project.codebook
    data = sample.data
    weights = sample.weights.to_numpy(dtype=float)
    availability = WaveAvailability.of(project, wave)
    rows = []
    for indicator in project.indicators:
        status = ESTIMATED if availability.is_asked(indicator) else NOT_ASKED
        answers = data[list(indicator.variables)]
        base = answers.notna().any(axis=1).to_numpy(dtype=bool, copy=True)
        if indicator.among is not None:
            base &= data[indicator.among.variable].isin(indicator.among.codes).fillna(False).to_numpy(dtype=bool)
        base_weight = float(weights[base].sum())
        for special, treatment in indicator.nonresponse:
            code = codebook.special_code(special)
            given = (answers == code).fillna(False).any(axis=1).to_numpy(dtype=bool) & base
            rows.append(
                {
                    "wave": wave,
                    "indicator": indicator.id,
                    "special_code": special,
                    "treatment": treatment,
                    "n_base": int(base.sum()),
                    "n": int(given.sum()),
                    "share": float(weights[given].sum() / base_weight) if base_weight > 0 else np.nan,
                    "status": status,
                }
            )
    return pd.DataFrame(rows, columns=NONRESPONSE_COLUMNS)

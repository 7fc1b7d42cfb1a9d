"""Coverage of the published 95 % intervals on the demo's known population.

Draws repeated samples from the demo population model (the same population,
new samples), estimates shares by region with the design, and counts how
often the interval contains the true value: close to 95 % if the design,
the variance estimator and the intervals are right.
"""

from __future__ import annotations

import numpy as np
import pytest

from perception import demo
from perception.estimate.survey import SurveyDesign, estimate_shares
from perception.estimate.values import indicator_values

REPLICATES = 25
INDICATORS = ("trust_police", "feel_unsafe", "victim_12m")

pytestmark = pytest.mark.slow


def test_confidence_intervals_cover_the_truth_about_95_percent_of_the_time(project):
    effects = demo.region_item_effects(np.random.default_rng(demo.DEFAULT_SEED))
    truth = demo.truth_table(effects, project.indicators)
    truth = truth[(truth["wave"] == demo.BASELINE) & (truth["gender_code"] == "")]
    truth = truth.set_index(["indicator", "region_code"])["true_value"]
    registry = {i.id: i for i in project.indicators}
    design = SurveyDesign("weight", strata="stratum", psu="ea")
    rng = np.random.default_rng(12345)
    hits = []
    for _ in range(REPLICATES):
        sample = demo.simulate(rng, demo.BASELINE, tuple(project.geography.codes), 1500, effects)
        for indicator in INDICATORS:
            sample[indicator] = indicator_values(sample, registry[indicator], project.codebook)
        for by in ([], ["region_code"]):
            table = estimate_shares(sample, design, list(INDICATORS), by=by)
            for row in table.itertuples():
                region = getattr(row, "region_code", "") if by else ""
                true_value = truth[(row.variable, region)]
                hits.append(row.ci_low <= true_value <= row.ci_high)
    coverage = float(np.mean(hits))
    assert len(hits) == REPLICATES * len(INDICATORS) * (1 + len(project.geography.codes))
    print(f"coverage {coverage:.3f} over {len(hits)} intervals")
    assert 0.92 <= coverage <= 0.98, f"coverage {coverage:.3f} over {len(hits)} intervals"

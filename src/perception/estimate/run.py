"""The estimation stage: indicators, comparisons and weighting diagnostics.

Reads the published responses of every wave and writes tidy tables:

- ``indicators.csv``: every indicator by every configured domain, with SE,
  CI, CV, design effect, df, unweighted and weighted n, the NCHS reliability
  assessment and suppression (small cells, unreliable cells, and the
  complementary cells that would let a hidden one be derived); a wave on a
  newer layout also on the older regions it redrew
  (:mod:`perception.estimate.territories`);
- ``comparisons.csv``: gender gaps (women − men, nationally and per region)
  with design-based SEs from svy contrasts, each region against the rest of
  the country, and changes since the baseline (independent samples), with
  p-values, verdicts and intervals adjusted for multiple comparisons within
  the configured families;
- ``weighting_diagnostics.csv`` and ``index_reliability.csv`` (Cronbach's
  alpha of composite indices);
- ``nonresponse.csv``: the weighted share of don't know, refused and not
  applicable per indicator and wave, with how the registry treats each;
- ``breakdowns.csv``: every indicator nationally by the configured
  breakdowns (urban/rural, age groups), assessed and disclosure-controlled
  like the indicators;
- ``answers.csv``: the weighted share of every answer to every coded
  question, per wave (the full scale, special answers included).

The design, weighting targets and indicator definitions all come from
``config/``; nothing here is specific to a wave or a partner.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from perception.catalog.paths import WAVE_ESTIMATE_TABLES
from perception.catalog.status import ESTIMATED
from perception.catalog.tables import COMPARISON_VALUES
from perception.config.project import Project
from perception.disclosure.cells import suppress_estimated
from perception.errors import DataError
from perception.estimate.answers import answer_distribution
from perception.estimate.availability import Availability
from perception.estimate.breakdowns import estimate_breakdowns
from perception.estimate.comparisons import COMPARISON_COLUMNS, gender_gaps, regions_vs_rest, wave_changes
from perception.estimate.indicators import INDICATOR_COLUMNS, estimate_wave, read_responses, value_column, wave_sample
from perception.estimate.multiplicity import adjust
from perception.estimate.nonresponse import nonresponse_shares
from perception.estimate.reliability import blank_suppressed
from perception.estimate.territories import estimate_territories
from perception.estimate.values import cronbach_alpha
from perception.estimate.weighting import diagnostics


def estimate_one_wave(project: Project, wave: str, responses: Path) -> dict[str, pd.DataFrame]:
    """Everything estimated within one wave (:data:`WAVE_ESTIMATE_TABLES`): a wave's job, independent of the others.

    Comparisons within the wave (gender gaps, regions against the rest) are
    tested here, but adjusted for multiple comparisons only once every wave
    is in (:func:`combine_waves`), as a family can span waves (changes).
    """
    sample = wave_sample(project, wave, read_responses(responses))
    own = estimate_wave(project, wave, sample)
    territories = estimate_territories(project, wave, sample, own)
    cells = pd.concat([own, territories], ignore_index=True) if len(territories) else own
    # small cells, and the cells that would give them away, are hidden before any comparison is drawn
    indicators = suppress_estimated(cells, project.min_cell_n, {wave: project.former_territories(wave)})
    own = indicators.iloc[: len(own)]
    prepared, weights = sample.data, sample.weights
    design_weights = prepared[project.waves[wave].design.weight].astype(float)
    diagnostics_row = {
        "wave": wave,
        **diagnostics(weights),
        "design_weight_ratio": float(design_weights.max() / design_weights.min()),
    }
    alphas = []
    for indicator in project.indicators:
        n = int(prepared[value_column(indicator)].notna().sum())
        if indicator.type == "index" and n >= 2:  # an index not asked in the wave has no alpha
            alpha = cronbach_alpha(
                prepared[prepared[value_column(indicator)].notna()], indicator, project.codebook, weights
            )
            alphas.append({"wave": wave, "indicator": indicator.id, "cronbach_alpha": alpha, "n": n})
    return {
        "indicators": indicators[INDICATOR_COLUMNS],
        "gender_gaps": gender_gaps(project, wave, sample, own),
        "regions_vs_rest": regions_vs_rest(project, wave, sample, own),
        "weighting_diagnostics": pd.DataFrame([diagnostics_row]),
        "index_reliability": pd.DataFrame(alphas, columns=["wave", "indicator", "cronbach_alpha", "n"]).astype(
            {"cronbach_alpha": float, "n": "int64"}  # typed when empty, so that waves combine as numbers
        ),
        "nonresponse": nonresponse_shares(project, wave, sample),
        "breakdowns": estimate_breakdowns(project, wave, sample),
        "answers": answer_distribution(project, wave, sample),
    }


def combine_waves(project: Project, waves: dict[str, dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """The estimation stage's tables from every wave's own (:func:`estimate_one_wave`), in configured order.

    Adds what needs several waves: the changes between waves, and the
    adjustment for multiple comparisons within each family.
    """
    missing = [wave for wave in project.wave_ids if wave not in waves]
    if missing:
        raise DataError(f"estimation: no estimates given for wave(s) {', '.join(missing)}")
    parts = {name: [waves[wave][name] for wave in project.wave_ids] for name in WAVE_ESTIMATE_TABLES}
    indicators = pd.concat(parts["indicators"], ignore_index=True)
    within = [*parts["gender_gaps"], *parts["regions_vs_rest"]]
    comparisons = pd.concat([*within, wave_changes(project, indicators)], ignore_index=True)
    settings = project.config["comparisons"]
    comparisons = adjust(comparisons, settings["adjustment"], settings["alpha"], settings["family"])
    comparisons = blank_suppressed(comparisons[COMPARISON_COLUMNS], list(COMPARISON_VALUES))
    # a side that was estimated stays printed beside a comparison the other side's status prevents
    differences = [c for c in COMPARISON_VALUES if c not in ("estimate", "reference_estimate")]
    comparisons.loc[comparisons["status"] != ESTIMATED, differences] = float("nan")
    own = ("indicators", "gender_gaps", "regions_vs_rest")  # combined above
    combined = {name: pd.concat(parts[name], ignore_index=True) for name in WAVE_ESTIMATE_TABLES if name not in own}
    return {
        "indicators": indicators,
        "comparisons": comparisons,
        **combined,
        "availability": Availability(project).table(),
    }


def run_estimation(project: Project, responses: dict[str, Path]) -> dict[str, pd.DataFrame]:
    """All estimation outputs, in memory, in configured order: every wave, then their combination."""
    return combine_waves(project, {wave: estimate_one_wave(project, wave, path) for wave, path in responses.items()})

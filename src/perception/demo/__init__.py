"""Seeded demo data: partner exports drawn from a population whose true values are known.

``write_demo(root)`` writes, under ``root/data/raw``, three partner exports
that look like the real thing (SPSS with French labels, a KoBoToolbox CSV, a
Stata file), with personal data and deliberate mess, plus ``demo_truth.csv``:
the exact value of every indicator in the population the samples were drawn
from. Newcomers see real-looking inputs, and the estimates the pipeline
publishes can be checked against the truth. The files in ``data/raw`` are
this module's output for ``DEFAULT_SEED``; a test regenerates them and
compares bytes.

Population model
----------------
Adults by region x milieu (urban/rural) x gender. Region totals are the 2009
census (INSTAT, RGPH 2009): Kayes 1,993,615; Koulikoro 2,422,108; Sikasso
2,643,179; Ségou 2,338,349; Mopti 2,036,209; Tombouctou 674,793; Gao
542,304; Kidal 67,739; Bamako 1,810,366. Documented assumptions (rounded,
illustrative, not official figures) turn them into adult cells:

- share aged 18 or more: 0.46 (Kayes, Sikasso), 0.47 (Koulikoro, Ségou,
  Mopti, Gao), 0.48 (Tombouctou), 0.50 (Kidal), 0.55 (Bamako);
- urban share: Kayes 0.15, Koulikoro 0.13, Sikasso 0.20, Ségou 0.14, Mopti
  0.13, Tombouctou 0.12, Gao 0.22, Kidal 0.40, Bamako 1 (all urban);
- 50.3 % men and 49.7 % women in every cell (national sex ratio, INSTAT,
  RGPH5 2022, applied within every region).

Each item's answer in a cell follows an ordered logit: P(answer >= k) =
logistic(eta - cut_k), with cut points (see ``ITEMS``) placed so that
logistic(eta) is the probability of the indicator's success codes. The
linear predictor is

    eta = intercept + conflict[region] * b_conflict + urban * b_urban
          + female * b_female + u[region, item] + shift[wave, region, item]

- ``conflict`` is a documented region intensity (0 for Bamako, 0.1-0.2 in
  the south, 0.5 for Ségou, 0.9-1.1 for Mopti, Tombouctou, Gao, Kidal): the
  north and centre trust the police less, feel less safe and name armed
  groups far more often;
- women trust the gendarmerie somewhat less and feel unsafe more often;
  trust in the army is high, in the courts lower; victimisation is 10-25 %;
- ``u`` are idiosyncratic region x item effects, normal with sd 0.15, the
  first draws of the random generator: a seed is a population, not just a
  sample;
- ``WAVE_SHIFTS`` lists the follow-up changes (e.g. trust in the police up
  about 5 points in Mopti).

The six trust items are correlated within a respondent (a latent trust
level, Gaussian copula with correlation 0.8 between the items' latent
scores): each item keeps exactly its model distribution, so the truth is
unchanged, and the trust index has a realistic Cronbach's alpha.

Besides the substantive answers, every item except the threats gets "don't
know" with probability 0.03 and "refused" with 0.01, independently of the
substantive answer, so they do not change the true shares. "Reported to the
police" is asked of victims only (not applicable otherwise).

The true value of an indicator in a domain (national, region, gender,
region x gender) is the adult-population-weighted average, over the cells of
the domain, of the indicator's expectation in the cell: P(success |
substantive answer) for a share, 1 - prod(1 - p_i) for "any of" (items are
drawn independently), the expected code for a mean, and the mean of the
items' expected rescaled codes for an index. For a subpopulation share
(reported to the police among victims) cells are weighted by their share of
victims. Indicator definitions are read from ``config/indicators.yaml``.

Samples
-------
About 1,800 respondents for partner A's baseline, 1,200 for partner B and
3,000 for partner A's follow-up. Strata are region x milieu, ids like
``ML-4-U``. Each region's sample is proportional to the square root of its
adult population; urban areas are oversampled to at least 30 % of a
region's sample. A stratum has round(n/12) (at least 2) enumeration areas
(EAs, ids like ``ML-4-U-03``, unique within a file and across partners) of
10 to 14 respondents, each a woman with probability 0.497 (as in the
population). Within an EA, each gender's answer probabilities for an item
are drawn from a Dirichlet centred on the cell's probabilities
(concentration 40): clustering without moving the expectation away from
the truth. Design weight = stratum adult population / stratum sample size x
an EA non-response factor uniform in [0.9, 1.1].

Partner B's threat question is a required select_multiple: a respondent
naming none of the five listed threats answers "autre" (often "aucune
menace"), as does 5 % of everyone, so the five threat columns keep their
model distribution. KoBo rows are in submission order.

Everything random comes from one ``numpy.random.default_rng(seed)``
(``DEFAULT_SEED`` = 20240304): the region x item effects first, then partner
A baseline, partner B, partner A follow-up. KoBo timestamps derive from the
generator and fixed fieldwork dates, and the creation timestamps ReadStat
writes into the SPSS and Stata headers are overwritten with fixed export
dates, so the same seed gives byte-identical files.

Files and deliberate mess
-------------------------
Rows are counted from 1 for the first data row (the pipeline's
``source_row``).

- ``2024-baseline/partner_a_baseline.sav`` (Kayes, Koulikoro, Sikasso,
  Bamako): rows 418 and 419 share one ``ID_REP`` (row 419 repeats row
  418's id); rows 233 and 1290 have ``Q11_2`` = 5, not a code.
- ``2024-baseline/partner_b_kobo.csv`` (Ségou, Mopti, Tombouctou, Gao,
  Kidal): ``identification/region`` is "Douentza" in row 57, "Kouttiala" in
  row 611 and blank in row 948 (unknown regions); ``poids`` is blank in rows
  302 and 1105. Region names also come in accepted spelling variants
  ("SEGOU", "segou ", "Timbuktu", ...): not errors.
- ``2025-followup/partner_a_followup.dta`` (all nine regions): row 1502
  repeats row 1501's ``id_rep``; row 777 has ``q25`` = 5 (scale 0-4).

- ``2025-partner-c/partner_c_survey.csv`` (partner C, every region but
  Kidal, about 2,000 respondents, drawn last from the follow-up population):
  a short questionnaire without the national guard and complaint-mechanism
  questions, weights only (no strata or EAs in the file): see
  :mod:`perception.demo.partner_c`. Its indicators are "not asked" and Kidal
  "not surveyed" in the report; its truth rows repeat the follow-up's.

``MESS`` holds the same list for tests. ``write_demo(root, scale=0.2)``
(``perception demo --scale 0.2``) draws smaller samples of the same
population with the same kinds of mess, rows moved in proportion
(``scaled_mess``): the tests' ``.test`` project. Personal data the pipeline must drop:
respondent and enumerator names, phone numbers, GPS, KoBo device and
submission ids.
"""

from perception.demo.mess import A_BASELINE_FILE, A_FOLLOWUP_FILE, B_FILE, COPY_PREVIOUS, MESS, scaled_mess
from perception.demo.partner_c import C_REGIONS
from perception.demo.population import (
    BASELINE,
    DEFAULT_SEED,
    FOLLOWUP,
    cell_populations,
    region_item_effects,
    true_values,
    truth_table,
)
from perception.demo.sample import simulate
from perception.demo.write import B_REGIONS, C_FILE, write_demo

__all__ = [
    "A_BASELINE_FILE",
    "A_FOLLOWUP_FILE",
    "BASELINE",
    "B_FILE",
    "B_REGIONS",
    "COPY_PREVIOUS",
    "C_FILE",
    "C_REGIONS",
    "DEFAULT_SEED",
    "FOLLOWUP",
    "MESS",
    "cell_populations",
    "region_item_effects",
    "scaled_mess",
    "simulate",
    "true_values",
    "truth_table",
    "write_demo",
]

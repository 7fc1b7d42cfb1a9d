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

``MESS`` holds the same list for tests. Personal data the pipeline must drop:
respondent and enumerator names, phone numbers, GPS, KoBo device and
submission ids.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

DEFAULT_SEED = 20240304

BASELINE = "2024-baseline"
FOLLOWUP = "2025-followup"

# --------------------------------------------------------------------------
# Population
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionModel:
    """A region's census total, documented assumptions and field details."""

    code: str
    name: str
    partner_a_code: int
    census_2009: int
    adult_share: float
    urban_share: float
    conflict: float
    lat: float
    lon: float
    altitude: float


REGIONS = (
    RegionModel("ML-1", "Kayes", 1, 1_993_615, 0.46, 0.15, 0.10, 14.447, -11.445, 50),
    RegionModel("ML-2", "Koulikoro", 2, 2_422_108, 0.47, 0.13, 0.20, 12.863, -7.560, 300),
    RegionModel("ML-3", "Sikasso", 3, 2_643_179, 0.46, 0.20, 0.15, 11.317, -5.667, 375),
    RegionModel("ML-4", "Ségou", 4, 2_338_349, 0.47, 0.14, 0.50, 13.431, -6.216, 290),
    RegionModel("ML-5", "Mopti", 5, 2_036_209, 0.47, 0.13, 1.00, 14.484, -4.183, 265),
    RegionModel("ML-6", "Tombouctou", 6, 674_793, 0.48, 0.12, 0.90, 16.766, -3.003, 260),
    RegionModel("ML-7", "Gao", 7, 542_304, 0.47, 0.22, 0.90, 16.272, -0.044, 250),
    RegionModel("ML-8", "Kidal", 8, 67_739, 0.50, 0.40, 1.10, 18.441, 1.407, 450),
    RegionModel("ML-BKO", "Bamako", 9, 1_810_366, 0.55, 1.00, 0.00, 12.639, -8.003, 350),
)
REGION = {r.code: r for r in REGIONS}
MEN_SHARE = 0.503
GENDERS = ("f", "m")


def cell_populations() -> pd.DataFrame:
    """Adults per region x milieu x gender, the weights of the true values."""
    rows = []
    for region in REGIONS:
        adults = region.census_2009 * region.adult_share
        for urban, share in ((True, region.urban_share), (False, 1 - region.urban_share)):
            if share == 0:
                continue
            for gender in GENDERS:
                gender_share = MEN_SHARE if gender == "m" else 1 - MEN_SHARE
                rows.append((region.code, urban, gender, adults * share * gender_share))
    return pd.DataFrame(rows, columns=["region_code", "urban", "gender_code", "population"])


@dataclass(frozen=True)
class Item:
    """One questionnaire item: ordered-logit cut points and effects (logit scale)."""

    variable: str
    cuts: tuple[float, ...]
    intercept: float
    conflict: float
    urban: float
    female: float
    has_special: bool = True

    @property
    def n_codes(self) -> int:
        return len(self.cuts) + 1


TRUST_CUTS = (-1.5, 0.0, 1.5)  # codes 0-3; success {2, 3} = logistic(eta)
UNSAFE_CUTS = (0.0, 1.2, 2.2, 3.2)  # codes 0-4; success {1..4} = logistic(eta)
YES = (0.0,)  # codes 0-1; success {1} = logistic(eta)

ITEMS = (
    Item("trust_police", TRUST_CUTS, 0.50, -0.80, -0.20, -0.05),
    Item("trust_gendarmerie", TRUST_CUTS, 0.70, -0.50, 0.00, -0.30),
    Item("trust_national_guard", TRUST_CUTS, 0.55, -0.40, -0.05, -0.10),
    Item("trust_army", TRUST_CUTS, 1.90, -0.35, -0.10, -0.05),
    Item("trust_courts", TRUST_CUTS, -0.20, -0.40, -0.15, 0.00),
    Item("trust_customary", TRUST_CUTS, 1.20, 0.30, -0.50, 0.05),
    Item("unsafe_frequency", UNSAFE_CUTS, -0.30, 1.30, 0.25, 0.35),
    Item("victim_12m", YES, -2.00, 0.55, 0.35, -0.15),
    Item("reported_to_police", YES, -0.40, -0.60, 0.60, -0.25),
    Item("threat_armed_groups", YES, -2.40, 2.80, -0.30, 0.00, has_special=False),
    Item("threat_banditry", YES, -0.50, 0.40, -0.10, 0.00, has_special=False),
    Item("threat_intercommunal", YES, -2.00, 1.30, -0.30, 0.00, has_special=False),
    Item("threat_land_disputes", YES, -1.20, -0.30, -0.60, 0.00, has_special=False),
    Item("threat_theft", YES, -0.90, -0.40, 0.90, 0.00, has_special=False),
    Item("abuse_witnessed", YES, -2.20, 1.00, 0.15, -0.20),
    Item("knows_complaint_mechanism", YES, -0.50, -0.40, 0.80, -0.45),
)
ITEM = {item.variable: item for item in ITEMS}
ITEM_NAMES = tuple(ITEM)
TRUST_ITEMS = ITEM_NAMES[:6]
YES_NO_ITEMS = ("victim_12m", "reported_to_police", "abuse_witnessed", "knows_complaint_mechanism")

# Follow-up changes on the logit scale: (variable, region or None for all) -> shift.
WAVE_SHIFTS = {
    BASELINE: {},
    FOLLOWUP: {
        ("trust_police", "ML-5"): 0.20,
        ("trust_army", None): 0.15,
        ("unsafe_frequency", "ML-4"): 0.35,
        ("threat_armed_groups", "ML-4"): 0.50,
        ("knows_complaint_mechanism", None): 0.10,
    },
}

DONT_KNOW, REFUSED, NOT_APPLICABLE = -1, -2, -3
P_DONT_KNOW, P_REFUSED = 0.03, 0.01
EFFECT_SD = 0.15

REGISTRY = Path(__file__).resolve().parents[2] / "config"
TRUST_CORRELATION = 0.8  # latent correlation between trust items (Gaussian copula)
DOMAIN_KEYS = ("region_code", "gender_code")
DOMAINS = ((), ("region_code",), ("gender_code",), ("region_code", "gender_code"))


def region_item_effects(rng: np.random.Generator) -> dict[tuple[str, str], float]:
    """The population's idiosyncratic region x item effects (the rng's first draws)."""
    draws = rng.normal(0.0, EFFECT_SD, size=(len(REGIONS), len(ITEMS)))
    return {
        (region.code, item.variable): float(draws[i, j])
        for i, region in enumerate(REGIONS)
        for j, item in enumerate(ITEMS)
    }


def answer_probabilities(item: Item, eta: float) -> np.ndarray:
    """P(answer = k), k = 0..n-1, for an ordered logit with the item's cut points."""
    at_least = 1.0 / (1.0 + np.exp(-(eta - np.asarray(item.cuts))))
    bounds = np.concatenate(([1.0], at_least, [0.0]))
    return bounds[:-1] - bounds[1:]


def cell_probabilities(item: Item, wave: str, region: str, urban: bool, gender: str, effects: dict) -> np.ndarray:
    """The answer distribution of one item among one cell's adults."""
    shifts = WAVE_SHIFTS[wave]
    eta = (
        item.intercept
        + item.conflict * REGION[region].conflict
        + item.urban * urban
        + item.female * (gender == "f")
        + effects[(region, item.variable)]
        + shifts.get((item.variable, region), 0.0)
        + shifts.get((item.variable, None), 0.0)
    )
    return answer_probabilities(item, eta)


def _load_registry() -> tuple:
    from perception.indicators import load_indicators
    from perception.metadata import load_codebook

    return load_indicators(REGISTRY / "indicators.yaml", load_codebook(REGISTRY / "codebook.yaml"))


def cell_truth(indicator, wave: str, cell, effects: dict) -> tuple[float, float]:
    """(expected value, weight in the denominator) of an indicator in one cell.

    Special answers are independent of the substantive ones with the same
    rate in every cell, so they cancel out; a subpopulation (``among``)
    weights each cell by how many of its adults belong to it.
    """

    def probs(variable: str) -> np.ndarray:
        return cell_probabilities(ITEM[variable], wave, cell.region_code, cell.urban, cell.gender_code, effects)

    def mean_code(variable: str) -> float:
        p = probs(variable)
        return float(np.dot(np.arange(len(p)), p))

    success = list(indicator.success_codes)
    if indicator.type == "share":
        value = float(probs(indicator.variable)[success].sum())
    elif indicator.type == "any_of":
        value = 1.0 - float(np.prod([1.0 - probs(v)[success].sum() for v in indicator.variables]))
    elif indicator.type == "mean":
        value = mean_code(indicator.variable)
    else:  # index: items rescaled to 0-100, averaged
        value = 100.0 * float(np.mean([mean_code(v) / (ITEM[v].n_codes - 1) for v in indicator.variables]))
    weight = 1.0
    if indicator.among is not None:
        weight = float(probs(indicator.among.variable)[list(indicator.among.codes)].sum())
    return value, weight


def truth_table(effects: dict, indicators: tuple | None = None) -> pd.DataFrame:
    """Every indicator's true value by wave and domain (national, region, gender, both)."""
    cells = cell_populations()
    rows = []
    for wave in WAVE_SHIFTS:
        for indicator in indicators or _load_registry():
            values = np.array([cell_truth(indicator, wave, c, effects) for c in cells.itertuples()])
            denominator = cells["population"] * values[:, 1]
            frame = cells.assign(weighted=values[:, 0] * denominator, denominator=denominator)
            for keys in DOMAINS:
                # a domain variable not in the breakdown is "" (all), as in the CSV
                by = [frame[k] if k in keys else pd.Series("", index=frame.index, name=k) for k in DOMAIN_KEYS]
                sums = frame.groupby(by, sort=False)[["weighted", "denominator"]].sum()
                for (region, gender), row in sums.iterrows():
                    rows.append((wave, indicator.id, region, gender, round(row["weighted"] / row["denominator"], 6)))
    return pd.DataFrame(rows, columns=["wave", "indicator", *DOMAIN_KEYS, "true_value"])


def true_values(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The table written to demo_truth.csv (empty region/gender code = all)."""
    return truth_table(region_item_effects(np.random.default_rng(seed)))


# --------------------------------------------------------------------------
# Samples (harmonised codes; partners' codes come later)
# --------------------------------------------------------------------------

EA_SIZE = (10, 14)
MEAN_EA_SIZE = sum(EA_SIZE) / 2
CONCENTRATION = 40.0
MIN_URBAN_SAMPLE = 0.30


def allocate(regions: tuple[str, ...], target: int) -> list[tuple[str, bool, int]]:
    """(region, urban, number of EAs) per stratum for about ``target`` respondents."""
    cells = cell_populations()
    adults = cells.groupby("region_code")["population"].sum()
    roots = np.sqrt(adults[list(regions)])
    strata = []
    for region in regions:
        n_region = target * roots[region] / roots.sum()
        urban_share = REGION[region].urban_share
        sample_urban = 1.0 if urban_share == 1 else max(urban_share, MIN_URBAN_SAMPLE)
        for urban, share in ((True, sample_urban), (False, 1 - sample_urban)):
            if share > 0:
                strata.append((region, urban, max(2, round(n_region * share / MEAN_EA_SIZE))))
    return strata


def stratum_id(region: str, urban: bool) -> str:
    return f"{region}-{'U' if urban else 'R'}"


def draw_answers(rng: np.random.Generator, probs: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Answers from an EA-level distribution drawn around the cell's one.

    ``uniforms`` are the respondents' uniform draws; correlated uniforms give
    correlated answers with unchanged marginal distributions (a copula).
    """
    ea_probs = rng.dirichlet(np.maximum(probs, 1e-12) * CONCENTRATION)  # Dirichlet needs alpha > 0
    return np.minimum(np.searchsorted(np.cumsum(ea_probs), uniforms), len(probs) - 1)


def trust_uniforms(rng: np.random.Generator, n: int) -> np.ndarray:
    """Uniform draws for the trust items sharing a latent trust level per respondent.

    Gaussian copula: Phi(rho * z + sqrt(1 - rho^2) * e) is uniform for every
    item, so each item keeps its model distribution (and the truth), while
    the items correlate as a real battery does.
    """
    from scipy.stats import norm

    latent = rng.standard_normal(n)
    noise = rng.standard_normal((len(TRUST_ITEMS), n))
    rho = TRUST_CORRELATION
    return norm.cdf(rho * latent + np.sqrt(1 - rho**2) * noise)


def add_specials(rng: np.random.Generator, codes: np.ndarray) -> np.ndarray:
    """Replace some answers by don't know / refused, independently of the answer."""
    u = rng.random(len(codes))
    return np.where(u < P_DONT_KNOW, DONT_KNOW, np.where(u < P_DONT_KNOW + P_REFUSED, REFUSED, codes))


def simulate_ea(rng: np.random.Generator, wave: str, region: str, urban: bool, ea: str, effects: dict) -> pd.DataFrame:
    """One EA's respondents: gender, age and every item in harmonised codes."""
    n = int(rng.integers(EA_SIZE[0], EA_SIZE[1] + 1))
    genders = np.where(rng.random(n) < 1 - MEN_SHARE, "f", "m")
    frame = pd.DataFrame(
        {
            "region_code": region,
            "urban": urban,
            "stratum": stratum_id(region, urban),
            "ea": ea,
            "gender_code": genders,
            "age": 18 + np.minimum(rng.exponential(15, n), 72).astype(int),
        }
    )
    correlated = dict(zip(TRUST_ITEMS, trust_uniforms(rng, n), strict=True))
    for item in ITEMS:
        codes = np.zeros(n, dtype=int)
        uniforms = correlated.get(item.variable)
        if uniforms is None:
            uniforms = rng.random(n)
        for gender in GENDERS:
            mask = genders == gender
            probs = cell_probabilities(item, wave, region, urban, gender, effects)
            codes[mask] = draw_answers(rng, probs, uniforms[mask])
        if item.has_special:
            codes = add_specials(rng, codes)
        frame[item.variable] = codes
    victims = frame["victim_12m"].to_numpy() == 1
    frame.loc[~victims, "reported_to_police"] = NOT_APPLICABLE
    return frame


def simulate(rng: np.random.Generator, wave: str, regions: tuple[str, ...], target: int, effects: dict) -> pd.DataFrame:
    """A stratified two-stage sample with design weights (see the module docstring)."""
    population = cell_populations().groupby(["region_code", "urban"])["population"].sum()
    strata = []
    for region, urban, n_eas in allocate(regions, target):
        eas = [
            simulate_ea(rng, wave, region, urban, f"{stratum_id(region, urban)}-{k:02d}", effects)
            for k in range(1, n_eas + 1)
        ]
        factors = rng.uniform(0.9, 1.1, n_eas)
        stratum = pd.concat(eas, ignore_index=True)
        base = population[(region, urban)] / len(stratum)
        stratum["weight"] = np.concatenate([np.full(len(ea), base * f) for ea, f in zip(eas, factors, strict=True)])
        strata.append(stratum)
    return pd.concat(strata, ignore_index=True)


# --------------------------------------------------------------------------
# Personal data (fictitious), shared by partners
# --------------------------------------------------------------------------

FIRST_NAMES = {
    "m": (
        "Moussa",
        "Mamadou",
        "Ibrahim",
        "Oumar",
        "Abdoulaye",
        "Seydou",
        "Bakary",
        "Souleymane",
        "Adama",
        "Boubacar",
        "Modibo",
        "Issa",
        "Amadou",
        "Drissa",
        "Lassana",
        "Sékou",
        "Hamidou",
        "Youssouf",
        "Cheick",
        "Mahamadou",
        "Alassane",
        "Aliou",
        "Ousmane",
        "Sidi",
    ),
    "f": (
        "Aminata",
        "Fatoumata",
        "Mariam",
        "Awa",
        "Kadiatou",
        "Oumou",
        "Hawa",
        "Djénéba",
        "Assétou",
        "Rokia",
        "Salimata",
        "Kadidia",
        "Aïssata",
        "Bintou",
        "Nana",
        "Ramata",
        "Coumba",
        "Safiatou",
        "Fanta",
        "Mariétou",
    ),
}
FAMILY_NAMES = (
    "Traoré",
    "Coulibaly",
    "Diarra",
    "Keïta",
    "Konaté",
    "Touré",
    "Cissé",
    "Maïga",
    "Sidibé",
    "Sangaré",
    "Diallo",
    "Dembélé",
    "Koné",
    "Sissoko",
    "Doumbia",
    "Camara",
    "Kanté",
    "Bagayoko",
    "Haïdara",
    "Dicko",
    "Guindo",
    "Togo",
    "Samaké",
    "Fofana",
    "Sow",
    "Tounkara",
    "Ag Mohamed",
    "Ag Alhassane",
)
PHONE_PREFIXES = ("66", "67", "69", "70", "73", "74", "75", "76", "77", "78", "79", "90", "91", "92", "94", "95")


def person_names(rng: np.random.Generator, genders) -> list[str]:
    return [f"{rng.choice(FIRST_NAMES[g])} {rng.choice(FAMILY_NAMES)}" for g in genders]


def phone_digits(rng: np.random.Generator, n: int, p_blank: float) -> list[str]:
    """Eight-digit Malian mobile numbers; blank when the respondent gave none."""
    numbers = [f"{rng.choice(PHONE_PREFIXES)}{rng.integers(0, 1_000_000):06d}" for _ in range(n)]
    blank = rng.random(n) < p_blank
    return ["" if b else number for number, b in zip(numbers, blank, strict=True)]


def enumerators(rng: np.random.Generator, sample: pd.DataFrame, per_region: int = 3) -> pd.Series:
    """Each EA's enumerator: a region's EAs go round-robin to its team."""
    team = {}
    for region in sample["region_code"].unique():
        names = person_names(rng, rng.choice(GENDERS, per_region))
        eas = sample.loc[sample["region_code"] == region, "ea"].unique()
        team.update({ea: names[k % per_region] for k, ea in enumerate(eas)})
    return sample["ea"].map(team)


def gps(rng: np.random.Generator, sample: pd.DataFrame) -> pd.DataFrame:
    """Respondent coordinates scattered around an EA centre near the region capital."""
    centres = {}
    for ea, urban, region in sample[["ea", "urban", "region_code"]].drop_duplicates("ea").itertuples(index=False):
        spread = 0.03 if urban else 0.6
        centres[ea] = (REGION[region].lat + rng.normal(0, spread), REGION[region].lon + rng.normal(0, spread))
    lat = sample["ea"].map(lambda ea: centres[ea][0]) + rng.normal(0, 0.002, len(sample))
    lon = sample["ea"].map(lambda ea: centres[ea][1]) + rng.normal(0, 0.002, len(sample))
    altitude = sample["region_code"].map(lambda r: REGION[r].altitude) + rng.normal(0, 8, len(sample))
    precision = rng.uniform(3, 15, len(sample))
    return pd.DataFrame(
        {"lat": lat.round(6), "lon": lon.round(6), "alt": altitude.round(1), "precision": precision.round(1)}
    )


# --------------------------------------------------------------------------
# Partner A (SPSS baseline, Stata follow-up)
# --------------------------------------------------------------------------

TRUST_LABELS = ("Pas du tout", "Un peu", "Assez", "Beaucoup")
UNSAFE_LABELS = ("Jamais", "Une ou deux fois", "Plusieurs fois", "Souvent", "Toujours")
ITEM_LABELS_FR = {
    "trust_police": "Confiance : police",
    "trust_gendarmerie": "Confiance : gendarmerie",
    "trust_national_guard": "Confiance : garde nationale",
    "trust_army": "Confiance : armée",
    "trust_courts": "Confiance : tribunaux",
    "trust_customary": "Confiance : autorités coutumières",
    "unsafe_frequency": "Fréquence du sentiment d'insécurité dans le quartier (12 mois)",
    "victim_12m": "Victime de vol, agression ou attaque (12 mois)",
    "reported_to_police": "A signalé le dernier incident à la police ou gendarmerie",
    "threat_armed_groups": "Menace citée : groupes armés",
    "threat_banditry": "Menace citée : banditisme",
    "threat_intercommunal": "Menace citée : conflits intercommunautaires",
    "threat_land_disputes": "Menace citée : conflits fonciers",
    "threat_theft": "Menace citée : vols et cambriolages",
    "abuse_witnessed": "A subi ou vu des abus des forces de sécurité (12 mois)",
    "knows_complaint_mechanism": "Sait où porter plainte contre un agent des forces de sécurité",
}


@dataclass(frozen=True)
class PartnerALayout:
    """What changed between partner A's questionnaires: names, special codes, ids."""

    columns: dict[str, str]  # harmonised or personal field -> raw column
    dont_know: int
    refused: int
    not_applicable: int
    id_prefix: str


def _a_columns(upper: bool, numbers: dict[str, str]) -> dict[str, str]:
    fields = [
        "id",
        "enumerator",
        "name",
        "phone",
        "region",
        "milieu",
        "stratum",
        "ea",
        "lat",
        "lon",
        "sex",
        "age",
        "weight",
    ]
    raw = [
        "id_rep",
        "enqueteur",
        "nom_rep",
        "tel",
        "region",
        "milieu",
        "strate",
        "zd",
        "gps_lat",
        "gps_lon",
        "sexe",
        "age",
        "poids",
    ]
    columns = dict(zip(fields, raw, strict=True)) | numbers
    return {k: v.upper() if upper else v for k, v in columns.items()}


def _question_numbers(trust: str, unsafe: str, victim: str, reported: str, threats: str, abuse: str, knows: str):
    threat_items = [i for i in ITEM_NAMES if i.startswith("threat_")]
    return {
        **{item: f"{trust}_{k}" for k, item in enumerate(TRUST_ITEMS, start=1)},
        "unsafe_frequency": unsafe,
        "victim_12m": victim,
        "reported_to_police": reported,
        **{item: f"{threats}_{k}" for k, item in enumerate(threat_items, start=1)},
        "abuse_witnessed": abuse,
        "knows_complaint_mechanism": knows,
    }


A_BASELINE = PartnerALayout(
    _a_columns(True, _question_numbers("q11", "q20", "q21", "q22", "q23", "q30", "q31")),
    dont_know=8,
    refused=9,
    not_applicable=7,
    id_prefix="A24-",
)
A_FOLLOWUP = PartnerALayout(
    _a_columns(False, _question_numbers("q12", "q25", "q26", "q27", "q28", "q35", "q36")),
    dont_know=98,
    refused=99,
    not_applicable=97,
    id_prefix="A25-",
)
AGE_DONT_KNOW, AGE_REFUSED = 98, 99


def a_item_codes(item: str, codes: pd.Series, layout: PartnerALayout) -> pd.Series:
    """Harmonised codes -> partner A codes (trust 1-4, yes 1 / no 2, specials per layout)."""
    if item.startswith("trust_"):
        substantive = {k: k + 1 for k in range(4)}
    elif item in YES_NO_ITEMS:
        substantive = {1: 1, 0: 2}
    else:
        substantive = {k: k for k in range(ITEM[item].n_codes)}
    specials = {DONT_KNOW: layout.dont_know, REFUSED: layout.refused, NOT_APPLICABLE: layout.not_applicable}
    return codes.map(substantive | specials).astype("int32")


def a_value_labels(item: str, layout: PartnerALayout) -> dict[int, str]:
    if item.startswith("trust_"):
        labels = {k + 1: text for k, text in enumerate(TRUST_LABELS)}
    elif item == "unsafe_frequency":
        labels = dict(enumerate(UNSAFE_LABELS))
    elif item.startswith("threat_"):
        return {0: "Non citée", 1: "Citée"}
    else:
        labels = {1: "Oui", 2: "Non"}
    if item == "reported_to_police":
        labels[layout.not_applicable] = "Sans objet (non victime)"
    return labels | {layout.dont_know: "NSP", layout.refused: "Refus"}


def partner_a_frame(
    rng: np.random.Generator, sample: pd.DataFrame, layout: PartnerALayout
) -> tuple[pd.DataFrame, dict[str, str], dict[str, dict[int, str]], dict[str, list[int]]]:
    """Partner A's export: data, variable labels, value labels, user-missing codes.

    Age is "NSP" (98) for 1 % and "Refus" (99) for 0.5 % of respondents.
    """
    col = layout.columns
    n = len(sample)
    ages = sample["age"].to_numpy()
    u = rng.random(n)
    ages = np.where(u < 0.01, AGE_DONT_KNOW, np.where(u < 0.015, AGE_REFUSED, ages))
    phones = [f"{p[:2]} {p[2:4]} {p[4:6]} {p[6:]}" if p else "" for p in phone_digits(rng, n, 0.1)]
    coords = gps(rng, sample)
    data = {
        col["id"]: [f"{layout.id_prefix}{i:05d}" for i in range(1, n + 1)],
        col["enumerator"]: enumerators(rng, sample).to_numpy(),
        col["name"]: person_names(rng, sample["gender_code"]),
        col["phone"]: phones,
        col["region"]: sample["region_code"].map(lambda r: REGION[r].partner_a_code).astype("int32"),
        col["milieu"]: np.where(sample["urban"], 1, 2).astype("int32"),
        col["stratum"]: sample["stratum"].to_numpy(),
        col["ea"]: sample["ea"].to_numpy(),
        col["lat"]: coords["lat"].to_numpy(),
        col["lon"]: coords["lon"].to_numpy(),
        col["sex"]: np.where(sample["gender_code"] == "m", 1, 2).astype("int32"),
        col["age"]: ages.astype("int32"),
        **{col[item]: a_item_codes(item, sample[item], layout).to_numpy() for item in ITEM_NAMES},
        col["weight"]: sample["weight"].round(4).to_numpy(),
    }
    frame = pd.DataFrame(data)
    variable_labels = {
        col["id"]: "Identifiant du répondant",
        col["enumerator"]: "Nom de l'enquêteur",
        col["name"]: "Nom du répondant",
        col["phone"]: "Téléphone du répondant",
        col["region"]: "Région",
        col["milieu"]: "Milieu de résidence",
        col["stratum"]: "Strate de tirage",
        col["ea"]: "Zone de dénombrement (ZD)",
        col["lat"]: "GPS latitude",
        col["lon"]: "GPS longitude",
        col["sex"]: "Sexe du répondant",
        col["age"]: "Âge (années révolues)",
        **{col[item]: f"{col[item].upper()}. {ITEM_LABELS_FR[item]}" for item in ITEM_NAMES},
        col["weight"]: "Poids de sondage",
    }
    value_labels = {
        col["region"]: {r.partner_a_code: "District de Bamako" if r.code == "ML-BKO" else r.name for r in REGIONS},
        col["milieu"]: {1: "Urbain", 2: "Rural"},
        col["sex"]: {1: "Masculin", 2: "Féminin"},
        col["age"]: {AGE_DONT_KNOW: "NSP", AGE_REFUSED: "Refus"},
        **{col[item]: a_value_labels(item, layout) for item in ITEM_NAMES},
    }
    missing = {col["age"]: [AGE_DONT_KNOW, AGE_REFUSED]}
    for item in (i for i in ITEMS if i.has_special):
        not_applicable = [layout.not_applicable] if item.variable == "reported_to_police" else []
        missing[col[item.variable]] = [*not_applicable, layout.dont_know, layout.refused]
    return frame, variable_labels, value_labels, missing


# --------------------------------------------------------------------------
# Partner B (KoBoToolbox CSV)
# --------------------------------------------------------------------------

KOBO_TRUST = ("pas_du_tout", "un_peu", "assez", "beaucoup")
KOBO_UNSAFE = ("jamais", "une_deux_fois", "plusieurs_fois", "souvent", "toujours")
KOBO_SPECIAL = {DONT_KNOW: "nsp", REFUSED: "refus", NOT_APPLICABLE: ""}
KOBO_TRUST_COLUMNS = ("police", "gendarmerie", "garde_nationale", "armee", "tribunaux", "autorites_coutumieres")
THREAT_CHOICES = {
    "threat_armed_groups": "groupes_armes",
    "threat_banditry": "banditisme",
    "threat_intercommunal": "conflits_communautaires",
    "threat_land_disputes": "conflits_fonciers",
    "threat_theft": "vols",
}
P_OTHER_THREAT = 0.05
OTHER_THREATS = (
    "aucune menace",
    "rien",
    "pas de menace",
    "les mines",
    "enlèvements",
    "coupeurs de route",
    "inondations",
    "conflits entre éleveurs et agriculteurs",
    "les chiens errants",
    "la drogue",
)
REGION_SPELLINGS = {
    "ML-4": (("Ségou", 0.70), ("SEGOU", 0.12), ("Segou", 0.12), ("segou ", 0.06)),
    "ML-5": (("Mopti", 0.85), ("MOPTI", 0.10), ("mopti", 0.05)),
    "ML-6": (("Tombouctou", 0.75), ("TOMBOUCTOU", 0.12), ("Timbuktu", 0.08), ("Tombouctou ", 0.05)),
    "ML-7": (("Gao", 0.90), ("GAO", 0.10)),
    "ML-8": (("Kidal", 0.90), ("KIDAL", 0.10)),
}
FIELDWORK_START = dt.datetime(2024, 3, 4, 7, 30)
ALPHANUMERIC = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))


def kobo_choices(item: str, codes: pd.Series) -> pd.Series:
    """Harmonised codes -> KoBo choice names."""
    if item.startswith("trust_"):
        names = dict(enumerate(KOBO_TRUST))
    elif item == "unsafe_frequency":
        names = dict(enumerate(KOBO_UNSAFE))
    else:
        names = {0: "non", 1: "oui"}
    return codes.map(names | KOBO_SPECIAL)


def typed_regions(rng: np.random.Generator, regions: pd.Series) -> list[str]:
    """Region names as enumerators typed them."""
    typed = []
    for code in regions:
        spellings = REGION_SPELLINGS[code]
        k = rng.choice(len(spellings), p=[w for _, w in spellings])
        typed.append(spellings[k][0])
    return typed


def threat_columns(rng: np.random.Generator, sample: pd.DataFrame) -> dict[str, list]:
    """The select_multiple answer, its 0/1 columns and the "other, specify" text.

    The question is required: a respondent naming none of the listed threats
    answers "autre" (often "aucune menace"), so no answer is blank.
    """
    chosen = {choice: sample[item].to_numpy() == 1 for item, choice in THREAT_CHOICES.items()}
    other = (rng.random(len(sample)) < P_OTHER_THREAT) | ~np.any(list(chosen.values()), axis=0)
    chosen["autre"] = other
    answers = [" ".join(c for c, flags in chosen.items() if flags[i]) for i in range(len(sample))]
    columns = {"securite/menaces": answers}
    columns |= {f"securite/menaces/{c}": flags.astype(int).tolist() for c, flags in chosen.items()}
    columns["securite/menaces_autre"] = [str(rng.choice(OTHER_THREATS)) if o else "" for o in other]
    return columns


def iso(moment: dt.datetime, millis: bool = True) -> str:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{moment.microsecond // 1000:03d}+00:00" if millis else text


def kobo_times(rng: np.random.Generator, sample: pd.DataFrame, enumerator: pd.Series) -> pd.DataFrame:
    """start/end/today/_submission_time: one EA a day per enumerator, interviews back to back."""
    day_of = {}
    for name in enumerator.unique():
        eas = sample.loc[enumerator.to_numpy() == name, "ea"].unique()
        day_of.update({ea: 2 * k for k, ea in enumerate(eas)})
    starts, ends, submitted = {}, {}, {}
    for ea, members in sample.groupby("ea", sort=False).groups.items():
        clock = FIELDWORK_START + dt.timedelta(days=day_of[ea], seconds=int(rng.integers(0, 1800)))
        for i in members:
            starts[i] = clock + dt.timedelta(milliseconds=int(rng.integers(0, 1000)))
            ends[i] = starts[i] + dt.timedelta(seconds=int(rng.integers(18 * 60, 46 * 60)))
            clock = ends[i] + dt.timedelta(seconds=int(rng.integers(5 * 60, 25 * 60)))
        upload = ends[members[-1]] + dt.timedelta(seconds=int(rng.integers(3600, 48 * 3600)))
        submitted.update({i: upload + dt.timedelta(seconds=3 * k) for k, i in enumerate(members)})
    times = pd.DataFrame({"start": starts, "end": ends, "submitted": submitted}).loc[sample.index]
    return pd.DataFrame(
        {
            "start": times["start"].map(iso),
            "end": times["end"].map(iso),
            "today": times["start"].map(lambda t: t.strftime("%Y-%m-%d")),
            "_submission_time": times["submitted"].map(lambda t: iso(t, millis=False)),
        }
    )


def partner_b_frame(rng: np.random.Generator, sample: pd.DataFrame) -> pd.DataFrame:
    """Partner B's KoBo export, rows in submission order as KoBo lists them."""
    n = len(sample)
    enumerator = enumerators(rng, sample)
    devices = {name: "collect:" + "".join(rng.choice(ALPHANUMERIC, 16)) for name in enumerator.unique()}
    times = kobo_times(rng, sample, enumerator)
    coords = gps(rng, sample)
    items = {item: kobo_choices(item, sample[item]) for item in ITEM_NAMES if not item.startswith("threat_")}
    frame = pd.DataFrame(
        {
            "start": times["start"],
            "end": times["end"],
            "today": times["today"],
            "deviceid": enumerator.map(devices),
            "identification/enqueteur": enumerator,
            "identification/id_repondant": [f"B24-{i:04d}" for i in range(1, n + 1)],
            "identification/telephone": [f"+223{p}" if p else "" for p in phone_digits(rng, n, 0.15)],
            "identification/region": typed_regions(rng, sample["region_code"]),
            "identification/milieu": np.where(sample["urban"], "urbain", "rural"),
            "identification/strate": sample["stratum"],
            "identification/zd": sample["ea"],
            "identification/gps": [f"{a:.6f} {o:.6f} {h:.1f} {p:.1f}" for a, o, h, p in coords.itertuples(index=False)],
            "_identification/gps_latitude": coords["lat"].map("{:.6f}".format),
            "_identification/gps_longitude": coords["lon"].map("{:.6f}".format),
            "_identification/gps_altitude": coords["alt"].map("{:.1f}".format),
            "_identification/gps_precision": coords["precision"].map("{:.1f}".format),
            "repondant/sexe": sample["gender_code"].map({"m": "homme", "f": "femme"}),
            "repondant/age": sample["age"].astype(str),
            **{f"confiance/{c}": items[item] for c, item in zip(KOBO_TRUST_COLUMNS, TRUST_ITEMS, strict=True)},
            "securite/insecurite": items["unsafe_frequency"],
            "securite/victime": items["victim_12m"],
            "securite/signale": items["reported_to_police"],
            **threat_columns(rng, sample),
            "droits/abus": items["abuse_witnessed"],
            "droits/plainte": items["knows_complaint_mechanism"],
            "poids": sample["weight"].map("{:.4f}".format),
            "_submission_time": times["_submission_time"],
        }
    )
    frame = frame.sort_values("_submission_time", kind="stable").reset_index(drop=True)
    frame["_id"] = np.arange(n) + 187_204_311
    frame["_uuid"] = [str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(n)]
    frame["_submission_time"] = frame.pop("_submission_time")
    frame["_index"] = np.arange(1, n + 1)
    return frame


# --------------------------------------------------------------------------
# Deliberate mess
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Mess:
    """One deliberate error: file, row (1 = first data row), column, value written."""

    file: str
    row: int
    column: str
    value: object
    what: str


A_BASELINE_FILE = "2024-baseline/partner_a_baseline.sav"
B_FILE = "2024-baseline/partner_b_kobo.csv"
A_FOLLOWUP_FILE = "2025-followup/partner_a_followup.dta"
COPY_PREVIOUS = "same as the row above"

MESS = (
    Mess(A_BASELINE_FILE, 419, "ID_REP", COPY_PREVIOUS, "duplicated respondent id (row 418's)"),
    Mess(A_BASELINE_FILE, 233, "Q11_2", 5, "out-of-range code 5 (trust scale 1-4, 8, 9)"),
    Mess(A_BASELINE_FILE, 1290, "Q11_2", 5, "out-of-range code 5 (trust scale 1-4, 8, 9)"),
    Mess(B_FILE, 57, "identification/region", "Douentza", "unknown region (a cercle of Mopti)"),
    Mess(B_FILE, 611, "identification/region", "Kouttiala", "unknown region (misspelt cercle of Sikasso)"),
    Mess(B_FILE, 948, "identification/region", "", "blank region"),
    Mess(B_FILE, 302, "poids", "", "blank weight"),
    Mess(B_FILE, 1105, "poids", "", "blank weight"),
    Mess(A_FOLLOWUP_FILE, 1502, "id_rep", COPY_PREVIOUS, "duplicated respondent id (row 1501's)"),
    Mess(A_FOLLOWUP_FILE, 777, "q25", 5, "out-of-range code 5 (scale 0-4, 98, 99)"),
)


def add_mess(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    """Write this file's deliberate errors into its rows."""
    frame = frame.copy()
    for mess in (m for m in MESS if m.file == file):
        if mess.row > len(frame):
            raise ValueError(f"{file} has {len(frame)} rows; cannot put mess in row {mess.row}")
        i = mess.row - 1
        frame.loc[i, mess.column] = frame.loc[i - 1, mess.column] if mess.value == COPY_PREVIOUS else mess.value
    return frame


# --------------------------------------------------------------------------
# Writers (byte-identical for a given seed)
# --------------------------------------------------------------------------

SAV_EXPORTED = dt.datetime(2024, 5, 20, 10, 0, 0)
DTA_EXPORTED = dt.datetime(2025, 5, 19, 10, 0, 0)
SAV_DATE_OFFSET = 92  # header: "$FL2", product (60), 5 int32, bias (double), date "dd Mon yy", time "hh:mm:ss"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def fix_sav_timestamp(path: Path, when: dt.datetime) -> None:
    """Overwrite the creation date and time ReadStat takes from the clock."""
    stamp = f"{when.day:02d} {MONTHS[when.month - 1]} {when.year % 100:02d}{when:%H:%M:%S}".encode("ascii")
    data = bytearray(path.read_bytes())
    if data[:4] != b"$FL2":
        raise ValueError(f"{path}: not an SPSS system file")
    data[SAV_DATE_OFFSET : SAV_DATE_OFFSET + len(stamp)] = stamp
    path.write_bytes(bytes(data))


def fix_dta_timestamp(path: Path, when: dt.datetime) -> None:
    """Overwrite the <timestamp> of a Stata 117+ header (one length byte, then text)."""
    stamp = f"{when.day:02d} {MONTHS[when.month - 1]} {when.year} {when:%H:%M}".encode("ascii")
    data = bytearray(path.read_bytes())
    tag = data.find(b"<timestamp>", 0, 512)
    if tag < 0 or data[tag + 11] != len(stamp):
        raise ValueError(f"{path}: unexpected Stata header")
    data[tag + 12 : tag + 12 + len(stamp)] = stamp
    path.write_bytes(bytes(data))


def write_sav(path: Path, frame, variable_labels, value_labels, missing) -> None:
    pyreadstat.write_sav(
        frame,
        path,
        file_label="Partenaire A - enquête de référence 2024",
        column_labels=variable_labels,
        variable_value_labels=value_labels,
        missing_ranges=missing,
    )
    fix_sav_timestamp(path, SAV_EXPORTED)


def write_dta(path: Path, frame, variable_labels, value_labels) -> None:
    pyreadstat.write_dta(
        frame,
        path,
        file_label="Partenaire A - enquête de suivi 2025",
        column_labels=variable_labels,
        variable_value_labels=value_labels,
    )
    fix_dta_timestamp(path, DTA_EXPORTED)


A_BASELINE_REGIONS = ("ML-1", "ML-2", "ML-3", "ML-BKO")
B_REGIONS = ("ML-4", "ML-5", "ML-6", "ML-7", "ML-8")
FOLLOWUP_REGIONS = tuple(r.code for r in REGIONS)


def write_demo(root: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the three partner exports and demo_truth.csv under root/data/raw."""
    raw = Path(root) / "data/raw"
    rng = np.random.default_rng(seed)
    effects = region_item_effects(rng)
    paths = [raw / A_BASELINE_FILE, raw / B_FILE, raw / A_FOLLOWUP_FILE, raw / "demo_truth.csv"]
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)

    sample = simulate(rng, BASELINE, A_BASELINE_REGIONS, 1800, effects)
    frame, variable_labels, value_labels, missing = partner_a_frame(rng, sample, A_BASELINE)
    write_sav(paths[0], add_mess(frame, A_BASELINE_FILE), variable_labels, value_labels, missing)

    sample = simulate(rng, BASELINE, B_REGIONS, 1200, effects)
    kobo = add_mess(partner_b_frame(rng, sample), B_FILE)
    kobo.to_csv(paths[1], index=False, encoding="utf-8", lineterminator="\n")

    sample = simulate(rng, FOLLOWUP, FOLLOWUP_REGIONS, 3000, effects)
    frame, variable_labels, value_labels, _ = partner_a_frame(rng, sample, A_FOLLOWUP)
    write_dta(paths[2], add_mess(frame, A_FOLLOWUP_FILE), variable_labels, value_labels)

    truth_table(effects).to_csv(paths[3], index=False, float_format="%.6f", lineterminator="\n")
    return paths

"""The demo population: adults by region, milieu and gender, and the true value of every indicator."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_SEED = 20240304

BASELINE = "2024-baseline"
FOLLOWUP = "2025-followup"
PARTNER_C = "2025-partner-c"  # partner C's short survey of the follow-up population (demo/partner_c.py)


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
WAVE_SHIFTS[PARTNER_C] = WAVE_SHIFTS[FOLLOWUP]

DONT_KNOW, REFUSED, NOT_APPLICABLE = -1, -2, -3
P_DONT_KNOW, P_REFUSED = 0.03, 0.01
EFFECT_SD = 0.15

REGISTRY = Path(__file__).resolve().parents[3] / "config"
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
    from perception.config.codebook import load_codebook
    from perception.config.registry import load_indicators

    return load_indicators(REGISTRY / "indicators.yaml", load_codebook(REGISTRY / "codebook.yaml"))


SPECIAL_RATES = {"dont_know": P_DONT_KNOW, "refused": P_REFUSED}


def _counted_scale(indicator) -> float:
    """Answered rate over the rate in the denominator, for special answers the indicator counts as "no"."""
    if not ITEM[indicator.variable].has_special:
        return 1.0
    answered = 1.0 - P_DONT_KNOW - P_REFUSED
    counted = sum(
        SPECIAL_RATES.get(special, 0.0) for special, treatment in indicator.nonresponse if treatment != "excluded"
    )
    return answered / (answered + counted)


def cell_truth(indicator, wave: str, cell, effects: dict) -> tuple[float, float]:
    """(expected value, weight in the denominator) of an indicator in one cell.

    Special answers are independent of the substantive ones with the same
    rate in every cell, so they cancel out of a share that excludes them; a
    share that counts them as "no" (the registry's ``nonresponse``) is
    scaled by the answered over the counted rate. A subpopulation (``among``)
    weights each cell by how many of its adults belong to it.
    """

    def probs(variable: str) -> np.ndarray:
        return cell_probabilities(ITEM[variable], wave, cell.region_code, cell.urban, cell.gender_code, effects)

    def mean_code(variable: str) -> float:
        p = probs(variable)
        return float(np.dot(np.arange(len(p)), p))

    success = list(indicator.success_codes)
    if indicator.type == "share":
        value = float(probs(indicator.variable)[success].sum()) * _counted_scale(indicator)
    elif indicator.type == "any_of":
        if any(ITEM[v].has_special for v in indicator.variables) and indicator.denominator_includes:
            raise ValueError(f"demo truth: {indicator.id} counts special answers of items that have them")
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

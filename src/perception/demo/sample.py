"""Samples drawn from the demo population: strata, enumeration areas, answers (harmonised codes)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from perception.demo.population import (
    DONT_KNOW,
    GENDERS,
    ITEMS,
    MEN_SHARE,
    NOT_APPLICABLE,
    P_DONT_KNOW,
    P_REFUSED,
    REFUSED,
    REGION,
    TRUST_CORRELATION,
    TRUST_ITEMS,
    cell_populations,
    cell_probabilities,
)

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

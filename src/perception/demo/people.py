"""Personal data the demo exports carry and the pipeline must drop: names, phones, enumerators, GPS."""

from __future__ import annotations

import numpy as np
import pandas as pd

from perception.demo.population import GENDERS, REGION

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

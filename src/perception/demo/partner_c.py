"""Partner C's export: a short questionnaire, weights only, fieldwork that did not reach Kidal.

The demo's example of a partner that asks a subset of the questions (issue
10): its questionnaire omits trust in the national guard and the complaint
mechanism (so those indicators are *not asked* in its wave, and so is the
trust index, which needs the national guard), and its fieldwork did not
reach Kidal (so Kidal is *not surveyed*). The file carries respondent
weights but no stratum or cluster ids, as many partner exports do; the
mapping (config/sources/partner_c_2025-partner-c.yaml) maps only what the
file has. It is drawn from the follow-up population (``PARTNER_C`` has the
follow-up's shifts), so its true values are known: demo_truth.csv lists
them under its wave, including those of the items it did not ask.

A plain CSV with English column names and numeric codes: 1-4 for the trust
scale, 0-4 for feeling unsafe, 1 yes / 2 no, 8 don't know, 9 refused, 7 not
applicable (reported to the police, asked of victims only); threats as 0/1
columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from perception.demo.population import DONT_KNOW, NOT_APPLICABLE, REFUSED

C_REGIONS = ("ML-1", "ML-2", "ML-3", "ML-4", "ML-5", "ML-6", "ML-7", "ML-BKO")  # not Kidal (ML-8)
C_NAMES = {
    "ML-1": "Kayes",
    "ML-2": "Koulikoro",
    "ML-3": "Sikasso",
    "ML-4": "Segou",
    "ML-5": "Mopti",
    "ML-6": "Tombouctou",
    "ML-7": "Gao",
    "ML-BKO": "Bamako",
}
C_SIZE = 2000
# Columns of the export, harmonised variable -> raw column; what the questionnaire asks, no more.
C_COLUMNS = {
    "trust_police": "trust_police",
    "trust_gendarmerie": "trust_gendarmerie",
    "trust_army": "trust_army",
    "trust_courts": "trust_justice",
    "trust_customary": "trust_chiefs",
    "unsafe_frequency": "unsafe_walk",
    "victim_12m": "crime_victim",
    "reported_to_police": "crime_reported",
    "threat_armed_groups": "threat_armed",
    "threat_banditry": "threat_bandits",
    "threat_intercommunal": "threat_community",
    "threat_land_disputes": "threat_land",
    "threat_theft": "threat_theft",
    "abuse_witnessed": "abuse_seen",
}
SPECIAL = {DONT_KNOW: 8, REFUSED: 9, NOT_APPLICABLE: 7}


def _coded(variable: str, codes: pd.Series) -> pd.Series:
    if variable.startswith("trust_"):
        substantive = codes + 1
    elif variable in ("victim_12m", "reported_to_police", "abuse_witnessed"):
        substantive = codes.map({1: 1, 0: 2})
    else:
        substantive = codes
    return substantive.where(codes >= 0, codes.map(SPECIAL)).astype(int)


def partner_c_frame(sample: pd.DataFrame) -> pd.DataFrame:
    """The export, in sample order, from a simulated sample (harmonised codes)."""
    frame = pd.DataFrame(
        {
            "resp_no": [f"C{i:05d}" for i in range(1, len(sample) + 1)],
            "province": sample["region_code"].map(C_NAMES),
            "area": np.where(sample["urban"], "urban", "rural"),
            "sex": sample["gender_code"].map({"m": "male", "f": "female"}),
            "age_years": sample["age"].astype(int),
        }
    )
    for variable, column in C_COLUMNS.items():
        frame[column] = _coded(variable, sample[variable].astype(int))
    frame["wt"] = sample["weight"].round(4)
    return frame

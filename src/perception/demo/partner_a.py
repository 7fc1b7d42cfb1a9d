"""Partner A's exports (SPSS baseline, Stata follow-up): its columns, codes and labels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from perception.demo.people import enumerators, gps, person_names, phone_digits
from perception.demo.population import (
    DONT_KNOW,
    ITEM,
    ITEM_NAMES,
    ITEMS,
    NOT_APPLICABLE,
    REFUSED,
    REGION,
    REGIONS,
    TRUST_ITEMS,
    YES_NO_ITEMS,
)

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

"""Partner B's export: a KoBoToolbox CSV with group prefixes and a select_multiple question."""

from __future__ import annotations

import datetime as dt
import uuid

import numpy as np
import pandas as pd

from perception.demo.people import enumerators, gps, phone_digits
from perception.demo.population import DONT_KNOW, ITEM_NAMES, NOT_APPLICABLE, REFUSED, TRUST_ITEMS

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

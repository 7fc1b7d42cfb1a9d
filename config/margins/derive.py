"""Derive the default weighting targets: adults (18+) by region and by sex, per survey year.

Run from the repository root to (re)write the files (the test suite checks
that the committed files are this script's output):

    .venv/bin/python config/margins/derive.py

Every input figure below is copied from ``../shared/reference/mali_population.md``
(INSTAT figures with their sources; a test checks each one appears there).
Nothing else is typed: every target is arithmetic on these figures, and each
step that is an assumption rather than a published figure is named in
``assumptions`` and written, in French and English, into the ``source_fr``
and ``source_en`` columns of the rows it affects
(see README.md beside this script for the full account).

Why: the survey interviews adults in 2024 and 2025, so the weights must sum
to the adult population of the survey year, distributed as adults are
distributed — not to the all-age population of 2009.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# ---- inputs (INSTAT; see ../shared/reference/mali_population.md) ----------------------------
RGPH4_2009 = {  # RGPH 2009, definitive results, 2012 layout (8 regions + Bamako)
    "ML-1": 1_993_615,  # Kayes
    "ML-2": 2_422_108,  # Koulikoro
    "ML-3": 2_643_179,  # Sikasso
    "ML-4": 2_338_349,  # Ségou
    "ML-5": 2_036_209,  # Mopti
    "ML-6": 674_793,  # Tombouctou
    "ML-7": 542_304,  # Gao
    "ML-8": 67_739,  # Kidal
    "ML-BKO": 1_810_366,  # Bamako
}
RGPH4_TOTAL = 14_528_662
RGPH5_TOTAL = 22_395_485  # RGPH5 2022, as reported by INSTAT in the press (2024)
RGPH5_MEN_PERCENT = 50.3
RGPH5_WOMEN_PERCENT = 49.7
# RGPH5 2022 figures on the 2023 layout that map onto one region of the 2012 layout:
RGPH5_BAMAKO = 4_227_569  # the district's limits did not change
RGPH5_SIKASSO_2023_PARTS = {"Sikasso": 1_533_123, "Bougouni": 1_570_979, "Koutiala": 1_169_882}
RGPH5_UNDER_15_PERCENT = 47.2  # RGPH5 age structure (results presented 28 December 2023)
RGPH5_MEDIAN_AGE = 16.1
RGPH5_GROWTH_PERCENT = 3.3  # annual growth
CENSUS_YEAR = 2022
SURVEY_YEARS = {"2024": 2024, "2025": 2025}
ADULT_AGE = 18
LANGUAGES = ("fr", "en")  # a source column per edition: source_fr, source_en

NBSP = "\u00a0"  # French: thousands and the space before %


def number(value: float, lang: str, decimals: int = 0) -> str:
    """``value`` as each edition writes it: 22,395,485 and 45.16 in English, 22 395 485 and 45,16 in French."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", NBSP).replace(".", ",") if lang == "fr" else text


def percent(value: float, lang: str, decimals: int = 1) -> str:
    return f"{number(value, lang, decimals)}{NBSP if lang == 'fr' else ' '}%"


def assumptions(lang: str, adult: float, year: int) -> dict[str, str]:
    """Each step that is an assumption rather than a published figure, in ``lang``."""
    under_15, median = percent(RGPH5_UNDER_15_PERCENT, lang), number(RGPH5_MEDIAN_AGE, lang, 1)
    growth, half = percent(RGPH5_GROWTH_PERCENT, lang), percent(50, lang, 0)
    men, women = percent(RGPH5_MEN_PERCENT, lang), percent(RGPH5_WOMEN_PERCENT, lang)
    if lang == "fr":
        return {
            "sikasso": "les régions de 2023 de Sikasso, Bougouni et Koutiala couvrent ensemble la région de "
            "Sikasso du découpage de 2012",
            "residual": "le RGPH5 ne publie pas de tableau complet sur le découpage de 2012 : la population de "
            "2022 de Kayes, Koulikoro, Ségou, Mopti, Tombouctou, Gao et Kidal est le total national moins Bamako "
            "et Sikasso, réparti selon leurs proportions du RGPH 2009",
            "adults": "aucun tableau des adultes par région : la part nationale des 18 ans et plus est appliquée "
            "à chaque région (elle sous-estime les adultes de Bamako, dont la population est plus âgée) ; cette "
            f"part, {percent(adult, lang, 2)}, interpole linéairement la distribution cumulée des âges de "
            f"{under_15} de moins de 15 ans à {half} à l'âge médian de {median} ans, jusqu'à 18 ans",
            "projection": f"projeté de 2022 à {year} au taux de croissance annuel national de {growth} dans "
            "chaque région",
            "sex": f"aucun tableau par sexe et âge : la répartition nationale par sexe du RGPH5 ({men} d'hommes, "
            f"{women} de femmes, tous âges) est appliquée aux adultes",
        }
    return {
        "sikasso": "the 2023 regions of Sikasso, Bougouni and Koutiala together cover the 2012 region of Sikasso",
        "residual": "RGPH5 publishes no complete table on the 2012 layout: the 2022 population of Kayes, "
        "Koulikoro, Ségou, Mopti, Tombouctou, Gao and Kidal is the national total less Bamako and Sikasso, "
        "shared in their RGPH 2009 proportions",
        "adults": "no table of adults by region: the national share aged 18+ is applied in every region (it "
        f"understates adults in Bamako, whose population is older); that share, {percent(adult, lang, 2)}, "
        f"interpolates the cumulative age distribution linearly from {under_15} under 15 through {half} at the "
        f"median age {median} to age 18",
        "projection": f"projected from 2022 to {year} at the national annual growth of {growth} in every region",
        "sex": f"no table by sex and age: the national sex ratio of RGPH5 ({men} men, {women} women, all ages) "
        "is applied to adults",
    }


def adult_share() -> float:
    """Share aged 18+: the cumulative age distribution is 47.2 % at 15 and 50 % at the median age."""
    under_15 = RGPH5_UNDER_15_PERCENT / 100
    slope = (0.5 - under_15) / (RGPH5_MEDIAN_AGE - 15)  # share per year of age around 15-16
    under_18 = 0.5 + slope * (ADULT_AGE - RGPH5_MEDIAN_AGE)
    return 1 - under_18


def population_2022() -> dict[str, float]:
    """All ages in 2022 on the 2012 layout: RGPH5 where it maps, RGPH 2009 proportions for the rest."""
    known = {"ML-BKO": float(RGPH5_BAMAKO), "ML-3": float(sum(RGPH5_SIKASSO_2023_PARTS.values()))}
    rest_2009 = sum(v for code, v in RGPH4_2009.items() if code not in known)
    rest_2022 = RGPH5_TOTAL - sum(known.values())
    return {code: known.get(code, rest_2022 * value / rest_2009) for code, value in RGPH4_2009.items()}


def origins(lang: str, notes: dict[str, str]) -> dict[str, str]:
    """Where each region's 2022 figure comes from, in ``lang`` (``""``: the regions shared by the residual)."""
    parts = RGPH5_SIKASSO_2023_PARTS
    sikasso = " + ".join(f"{name} {number(people, lang)}" for name, people in parts.items())
    if lang == "fr":
        press, assumption = "INSTAT, RGPH5 2022 (presse, 2024)", "hypothèse"
        residual = (
            f"INSTAT, total du RGPH5 2022 {number(RGPH5_TOTAL, lang)} (presse, 2024) et résultats définitifs du "
            "RGPH 2009"
        )
    else:
        press, assumption = "INSTAT, RGPH5 2022 (press, 2024)", "assumption"
        residual = (
            f"INSTAT, RGPH5 2022 total {number(RGPH5_TOTAL, lang)} (press, 2024) and RGPH 2009 definitive results"
        )
    colon, semicolon = (" : ", " ; ") if lang == "fr" else (": ", "; ")
    return {
        "ML-BKO": f"{press}{colon}Bamako {number(RGPH5_BAMAKO, lang)}",
        "ML-3": f"{press}{colon}{sikasso}{semicolon}{assumption}{colon}{notes['sikasso']}",
        "": f"{residual}{semicolon}{assumption}{colon}{notes['residual']}",
    }


def targets(year: int) -> tuple[list[list], list[list]]:
    """Rows (variable, level, population, source_fr, source_en) of the region and the sex file for one year."""
    share = adult_share()
    growth = (1 + RGPH5_GROWTH_PERCENT / 100) ** (year - CENSUS_YEAR)
    notes = {lang: assumptions(lang, 100 * share, year) for lang in LANGUAGES}
    common = {
        "fr": f"adultes de 18 ans et plus en {year} ; hypothèses : {notes['fr']['adults']} ; "
        f"{notes['fr']['projection']}",
        "en": f"adults 18+ in {year}; assumptions: {notes['en']['adults']}; {notes['en']['projection']}",
    }
    origin = {lang: origins(lang, notes[lang]) for lang in LANGUAGES}
    regions = []
    for code, people in population_2022().items():
        cited = [
            f"{origin[lang].get(code, origin[lang][''])}{' ; ' if lang == 'fr' else '; '}{common[lang]}"
            for lang in LANGUAGES
        ]
        regions.append(["region_code", code, round(people * share * growth), *cited])
    total = sum(row[2] for row in regions)
    men = round(total * RGPH5_MEN_PERCENT / (RGPH5_MEN_PERCENT + RGPH5_WOMEN_PERCENT))
    region_file = f"config/margins/mali_adults_{year}_region.csv"
    sex_source = [
        f"Somme de {region_file} répartie par sexe ; hypothèse : {notes['fr']['sex']}",
        f"Sum of {region_file} split by sex; assumption: {notes['en']['sex']}",
    ]
    sexes = [["gender_code", "m", men, *sex_source], ["gender_code", "f", total - men, *sex_source]]
    return regions, sexes


def render(rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["variable", "level", "population", *(f"source_{lang}" for lang in LANGUAGES)])
    writer.writerows(rows)
    return out.getvalue()


def files() -> dict[Path, str]:
    """Each target file and its content."""
    out = {}
    for label, year in SURVEY_YEARS.items():
        regions, sexes = targets(year)
        out[HERE / f"mali_adults_{label}_region.csv"] = render(regions)
        out[HERE / f"mali_adults_{label}_sex.csv"] = render(sexes)
    return out


def main() -> int:
    assert sum(RGPH4_2009.values()) == RGPH4_TOTAL, "RGPH 2009 regions do not add up to the total"
    for path, text in files().items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(HERE.parents[1])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

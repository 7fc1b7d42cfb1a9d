"""Derive the default weighting targets: adults (18+) by region and by sex, per survey year.

Run from the repository root to (re)write the files (the test suite checks
that the committed files are this script's output):

    .venv/bin/python config/margins/derive.py

Every input figure below is copied from ``../shared/reference/mali_population.md``
(INSTAT figures with their sources; a test checks each one appears there).
Nothing else is typed: every target is arithmetic on these figures, and each
step that is an assumption rather than a published figure is named in
``ASSUMPTIONS`` and written into the ``source`` column of the rows it affects
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

ASSUMPTIONS = {
    "sikasso": ("the 2023 regions of Sikasso, Bougouni and Koutiala together cover the 2012 region of Sikasso"),
    "residual": (
        "RGPH5 publishes no complete table on the 2012 layout: the 2022 population of Kayes, Koulikoro, Ségou, "
        "Mopti, Tombouctou, Gao and Kidal is the national total less Bamako and Sikasso, shared in their RGPH "
        "2009 proportions"
    ),
    "adults": (
        "no table of adults by region: the national share aged 18+ is applied in every region (it understates "
        "adults in Bamako, whose population is older); that share, {adult:.2f} %, interpolates the cumulative "
        "age distribution linearly from 47.2 % under 15 through 50 % at the median age 16.1 to age 18"
    ),
    "projection": "projected from 2022 to {year} at the national annual growth of 3.3 % in every region",
    "sex": (
        "no table by sex and age: the national sex ratio of RGPH5 (50.3 % men, 49.7 % women, all ages) is "
        "applied to adults"
    ),
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


def targets(year: int) -> tuple[list[list], list[list]]:
    """Rows (variable, level, population, source) of the region and the sex file for one survey year."""
    share = adult_share()
    growth = (1 + RGPH5_GROWTH_PERCENT / 100) ** (year - CENSUS_YEAR)
    notes = {k: v.format(adult=100 * share, year=year) for k, v in ASSUMPTIONS.items()}
    common = f"adults 18+ in {year}; assumptions: {notes['adults']}; {notes['projection']}"
    regions = []
    for code, people in population_2022().items():
        if code == "ML-BKO":
            origin = "INSTAT, RGPH5 2022 (press, 2024): Bamako 4,227,569"
        elif code == "ML-3":
            origin = (
                "INSTAT, RGPH5 2022 (press, 2024): Sikasso 1,533,123 + Bougouni 1,570,979 + Koutiala 1,169,882; "
                f"assumption: {notes['sikasso']}"
            )
        else:
            origin = (
                "INSTAT, RGPH5 2022 total 22,395,485 (press, 2024) and RGPH 2009 definitive results; "
                f"assumption: {notes['residual']}"
            )
        regions.append(["region_code", code, round(people * share * growth), f"{origin}; {common}"])
    total = sum(row[2] for row in regions)
    men = round(total * RGPH5_MEN_PERCENT / (RGPH5_MEN_PERCENT + RGPH5_WOMEN_PERCENT))
    sex_source = f"Sum of config/margins/mali_adults_{year}_region.csv split by sex; assumption: {notes['sex']}"
    sexes = [["gender_code", "m", men, sex_source], ["gender_code", "f", total - men, sex_source]]
    return regions, sexes


def render(rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["variable", "level", "population", "source"])
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

"""Inline inputs the tests share: the tables the workflow writes, a book written from them, raw exports.

Test files import these from here, never from one another, so that each test
file can be read, run and changed alone.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import matplotlib.text
import numpy as np
import pandas as pd

from perception.book.sources import write_book_sources
from perception.catalog.domains import on_layout
from perception.catalog.paths import chart_names, chart_path
from perception.catalog.results import Comparisons, Estimates
from perception.catalog.tables import table
from perception.config.project import Project
from perception.estimate.answers import question_variables
from perception.estimate.availability import Availability

LEAKED = 0.777  # a value a suppressed row must never show, even if the file carries it


def indicators_frame(
    project: Project, suppressed: set[tuple[str, ...]] = frozenset(), flagged: set[tuple[str, ...]] = frozenset()
) -> pd.DataFrame:
    """A complete indicators table with distinct estimates per cell, in the workflow's format.

    Cells listed in ``suppressed`` as (wave, indicator, domain, region, gender)
    get n below the threshold and is_suppressed=True, but keep an estimate of
    ``LEAKED`` to prove that nothing downstream prints it. Cells in
    ``flagged`` are published with is_reliable=False. Index indicators are on
    0–100, as the estimation stage writes them.
    """
    rows = []
    for w, wave in enumerate(project.wave_ids):
        regions = project.wave_geography(wave).codes
        keys = [("national", "", "")]
        keys += [("region", r, "") for r in regions]
        keys += [("gender", "", g) for g in ("f", "m")]
        keys += [("region_gender", r, g) for r in regions for g in ("f", "m")]
        for layout, formers in project.former_territories(wave).items():  # the older regions the wave's redrew
            keys += [(on_layout("region", layout), r, "") for r in formers]
            keys += [(on_layout("region_gender", layout), r, g) for r in formers for g in ("f", "m")]
        for i, indicator in enumerate(project.indicators):
            for k, (domain, region, gender) in enumerate(keys):
                key = (wave, indicator.id, domain, region, gender)
                hidden = key in suppressed
                estimate = LEAKED if hidden else round(0.20 + 0.01 * ((7 * k + 3 * i + 5 * w) % 50), 4)
                scale = 100 if indicator.unit == "index" else 1
                rows.append(
                    {
                        "wave": wave,
                        "indicator": indicator.id,
                        "domain": domain,
                        "region_code": region,
                        "gender_code": gender,
                        "estimate": estimate * scale,
                        "se": 0.02 * scale,
                        "ci_low": round(estimate - 0.04, 4) * scale,
                        "ci_high": round(estimate + 0.04, 4) * scale,
                        "n": 12 if hidden else 250,
                        "is_reliable": not hidden and key not in flagged,
                        "reliability_note": "fewer than 8 degrees of freedom" if key in flagged else "",
                        "is_suppressed": hidden,
                        "suppression_reason": "small_cell" if hidden else "",
                    }
                )
    return pd.DataFrame(rows)


def comparisons_frame(
    project: Project, indicators: pd.DataFrame, significant: set[tuple[str, ...]] = frozenset()
) -> pd.DataFrame:
    """Gender gaps and changes since the baseline built from ``indicators``, in the workflow's format.

    Keys in ``significant`` are (comparison, wave, indicator, domain, region,
    gender); those rows get is_significant=True, every other row False. A
    comparison involving a suppressed cell is suppressed, with empty numbers.
    A change in a region the baseline drew differently (another layout) is
    ``not_comparable``, with the later wave's estimate only.
    """
    cells = {
        tuple(row[k] for k in ("wave", "indicator", "domain", "region_code", "gender_code")): row
        for row in indicators.to_dict("records")
    }
    rows = []

    def add(kind, wave, reference_wave, indicator, domain, region, gender, group, reference_group, a, b):
        if b is None:  # another territory in the reference wave
            rows.append(
                {
                    **dict.fromkeys(rows[0]),
                    **dict(comparison=kind, indicator=indicator, domain=domain, region_code=region),
                    **dict(gender_code=gender, wave=wave, reference_wave=reference_wave, group=group),
                    **dict(reference_group=reference_group, estimate=a["estimate"], df=200, family_size=10),
                    **dict(is_significant=False, is_suppressed=False, status="not_comparable"),
                }
            )
            return
        hidden = a["is_suppressed"] or b["is_suppressed"]
        difference = a["estimate"] - b["estimate"]
        clear = (kind, wave, indicator, domain, region, gender) in significant and not hidden
        # The interval the verdict used: it excludes 0 exactly when the verdict is "clear".
        if clear:
            adjusted = (difference - abs(difference) / 2, difference + abs(difference) / 2)
        else:
            adjusted = (min(difference, 0) - 0.05, max(difference, 0) + 0.05)
        rows.append(
            {
                "comparison": kind,
                "indicator": indicator,
                "domain": domain,
                "region_code": region,
                "gender_code": gender,
                "wave": wave,
                "reference_wave": reference_wave,
                "group": group,
                "reference_group": reference_group,
                "estimate": None if hidden else a["estimate"],
                "reference_estimate": None if hidden else b["estimate"],
                "difference": None if hidden else round(difference, 6),
                "se": None if hidden else 0.03,
                "ci_low": None if hidden else round(difference - 0.06, 6),
                "ci_high": None if hidden else round(difference + 0.06, 6),
                "df": 200,
                "p_value": None if hidden else 0.5,
                "family_size": 10,
                "p_adjusted": None if hidden else 1.0,
                "ci_level_adjusted": None if hidden else 0.995,
                "ci_low_adjusted": None if hidden else round(adjusted[0], 6),
                "ci_high_adjusted": None if hidden else round(adjusted[1], 6),
                "is_significant": clear,
                "is_suppressed": hidden,
                "status": "suppressed" if hidden else "estimated",
            }
        )

    baseline = project.wave_ids[0]
    for wave in project.wave_ids:
        for indicator in project.indicators:
            i = indicator.id
            regions = project.wave_geography(wave).codes
            for domain, region in [("national", ""), *(("region", r) for r in regions)]:
                gendered = "region_gender" if domain == "region" else "gender"
                women, men = cells[(wave, i, gendered, region, "f")], cells[(wave, i, gendered, region, "m")]
                add("gender_gap", wave, "", i, domain, region, "", "f", "m", women, men)
                if domain == "region":  # against the rest of the country (here the national cell stands in)
                    here, rest = cells[(wave, i, "region", region, "")], cells[(wave, i, "national", "", "")]
                    add("region_vs_rest", wave, "", i, "region", region, "", region, "rest", here, rest)
            if wave == baseline:
                continue
            keys = [("national", "", ""), *(("region", r, "") for r in regions)]
            keys += [("gender", "", g) for g in ("f", "m")]
            keys += [("region_gender", r, g) for r in regions for g in ("f", "m")]
            same = project.same_territory(wave, baseline)
            for domain, region, gender in keys:
                after = cells[(wave, i, domain, region, gender)]
                before = cells[(baseline, i, domain, region, gender)] if not region or region in same else None
                add("change", wave, baseline, i, domain, region, gender, wave, baseline, after, before)
            for region in regions:  # a region the baseline split: against its parts there together
                if (domain := project.change_domain(wave, baseline, region)) == "region":
                    continue
                for plain, gender in [("region", ""), *(("region_gender", g) for g in ("f", "m"))]:
                    after = cells[(wave, i, plain, region, gender)]
                    before = cells[(baseline, i, domain.replace("region", plain, 1), region, gender)]
                    on = domain.replace("region", plain, 1)
                    add("change", wave, baseline, i, on, region, gender, wave, baseline, after, before)
            on_baseline = project.wave_geography(baseline).layout
            for region in project.former_territories(wave).get(on_baseline, {}):  # over the baseline's territory
                for domain, gender in [("region", ""), *(("region_gender", g) for g in ("f", "m"))]:
                    after = cells[(wave, i, on_layout(domain, on_baseline), region, gender)]
                    before = cells[(baseline, i, domain, region, gender)]
                    domain = on_layout(domain, on_baseline)
                    add("change", wave, baseline, i, domain, region, gender, wave, baseline, after, before)
    return pd.DataFrame(rows)


def rendered_texts(plot) -> list[str]:
    figure = plot.draw()
    try:
        return [t.get_text() for t in figure.findobj(matplotlib.text.Text)]
    finally:
        plt.close(figure)


TEMPLATES = Path(__file__).resolve().parents[1] / "book/templates"
STATIC = Path(__file__).resolve().parents[1] / "book/static"


def national_breakdowns(project: Project, frame: pd.DataFrame) -> pd.DataFrame:
    """A breakdowns table whose every level repeats the national row (statuses included)."""
    from perception.book.chapters import breakdown_levels

    national = frame[frame["domain"] == "national"]
    rows = []
    for name in project.breakdowns:
        for level, _ in breakdown_levels(project, name, "en"):
            rows.append(national.assign(breakdown=name, level=level))
    out = pd.concat(rows, ignore_index=True)
    return out[[c for c in table("breakdowns").columns if c in out]]


def write_inputs(tmp_path: Path, project: Project, frame: pd.DataFrame, comparisons: pd.DataFrame) -> tuple[Path, Path]:
    """Workflow outputs in their published layout: processed tables, figure PNGs, maps and fact sheets."""
    processed = tmp_path / "processed"
    processed.mkdir()
    frame.to_csv(processed / "indicators.csv", index=False)
    comparisons.to_csv(processed / "comparisons.csv", index=False)
    Availability(project).table().to_csv(processed / "availability.csv", index=False)
    answer_rows = []
    for wave in project.wave_ids:
        for name in question_variables(project):
            variable = project.codebook[name]
            codes = [str(c) for c in variable.codes] + [str(project.codebook.special_code(s)) for s in variable.special]
            specials = [""] * len(variable.codes) + list(variable.special)
            for code, special in zip(codes, specials, strict=True):
                answer_rows.append((wave, name, code, special, 250, 250 // len(codes), 1 / len(codes), "estimated"))
    pd.DataFrame(answer_rows, columns=list(table("answers").columns)).to_csv(processed / "answers.csv", index=False)
    national_breakdowns(project, frame).to_csv(processed / "breakdowns.csv", index=False)
    pd.DataFrame(
        [
            {
                "wave": w,
                "n": 2700,
                "sum_weights": 1e7,
                "kish_deff": 1.16,
                "effective_n": 2330.4,
                "weight_min": 900,
                "weight_max": 8000,
                "weight_ratio": 8.9,
            }
            for w in project.wave_ids
        ]
    ).to_csv(processed / "weighting_diagnostics.csv", index=False)
    for wave in project.wave_ids:
        (processed / wave).mkdir()
        sources = project.source_ids(wave)
        pd.DataFrame(
            [
                {
                    "source_id": source,
                    "source_file": f"data/raw/{wave}/{source}.csv",
                    "rows_received": 1000 + i,
                    "rows_released": 990 + i,
                    "rows_quarantined": 10,
                }
                for i, source in enumerate(sources)
            ]
        ).to_csv(processed / wave / "quality_summary.csv", index=False)
        pd.DataFrame(
            [
                {"source_id": s, "source_file": f"{s}.csv", "section": "rows", "item": item, "action": "", "count": n}
                for s in sources
                for item, n in (("received", 1000), ("released", 990), ("quarantined", 10))
            ]
        ).to_csv(processed / wave / "quality_annex.csv", index=False)
        pd.DataFrame(
            [
                {"region_code": code, "n_respondents": 300, "n_women": 140, "n_men": 160, "sum_weights": 12345.6}
                for code in project.wave_geography(wave).codes
            ]
        ).to_csv(processed / wave / "sample_summary.csv", index=False)
        # what the book must never offer: the internal responses (exact age, design codes)
        (processed / wave / "responses.csv").write_text("wave,region_code,age\n", encoding="utf-8")
    release = processed / "release"
    release.mkdir()
    for name in ["indicators.csv", "comparisons.csv", "data_dictionary.csv", "README.md"]:
        (release / name).write_text("released\n", encoding="utf-8")
    for wave in project.wave_ids:
        (release / f"responses_{wave}.csv").write_text("wave,region_code,age_group\n", encoding="utf-8")
    for lang in project.languages:
        (processed / "factsheets" / lang).mkdir(parents=True)
        for code in project.report_geography.codes:
            (processed / "factsheets" / lang / f"{code}.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    figures = tmp_path / "figures"
    for lang in project.languages:
        for folder in [*project.wave_ids, "maps"]:
            for indicator in project.indicators:
                path = figures / lang / folder / f"{indicator.id}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                plt.imsave(path, np.zeros((2, 2, 3)))
        for name in chart_names(project.wave_ids, project.report_geography.codes, [i.id for i in project.indicators]):
            path = chart_path(figures, lang, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            plt.imsave(path, np.zeros((2, 2, 3)))
    return processed, figures


def make_book(project, tmp_path, suppressed=frozenset(), significant=frozenset(), flagged=frozenset()):
    frame = indicators_frame(project, suppressed=suppressed, flagged=flagged)
    comparisons = comparisons_frame(project, frame, significant=significant)
    processed, figures = write_inputs(tmp_path, project, frame, comparisons)
    out = tmp_path / "src"
    write_book_sources(project, processed, figures, TEMPLATES, STATIC, out)
    return frame, comparisons, processed, figures, out


KOBO_HEADER = (
    "identification/id_repondant,identification/region,identification/milieu,identification/strate,"
    "identification/zd,poids,repondant/sexe,repondant/age,confiance/police,confiance/gendarmerie,"
    "confiance/garde_nationale,confiance/armee,confiance/tribunaux,confiance/autorites_coutumieres,"
    "securite/insecurite,securite/victime,securite/signale,securite/menaces,droits/abus,droits/plainte,"
    "identification/telephone"
)


def kobo_row(rid, region, sexe="femme", police="assez", poids="1.5", victime="non", signale="", menaces="vols"):
    return (
        f"{rid},{region},urbain,S1,Z1,{poids},{sexe},34,{police},un_peu,nsp,beaucoup,refus,assez,"
        f"jamais,{victime},{signale},{menaces},non,oui,+22370000000"
    )


def partner_b_mapping(project, data) -> str:
    """Partner B's mapping pointed at ``data``, without its checks (they need columns these rows lack)."""
    text = (project.root / "config/sources/partner_b_2024-baseline.yaml").read_text(encoding="utf-8")
    text = text.split("\n# Data-quality checks")[0]
    return text.replace("data/raw/2024-baseline/partner_b_kobo.csv", str(data))


def sheet_inputs(project, processed):
    wave = project.wave_ids[-1]
    (processed / wave).mkdir(parents=True)
    frame = indicators_frame(project)
    comparisons = comparisons_frame(project, frame)
    sample = pd.DataFrame(
        [
            {"region_code": c, "n_respondents": 300, "n_women": 150, "n_men": 150, "sum_weights": 1.0}
            for c in project.report_geography.codes
        ]
    )
    return Estimates(frame), Comparisons(comparisons), sample

"""Waves on different administrative layouts (issue 10 item 7).

The demo's three waves are given three layouts here: the baseline the 2012
regions, the follow-up the 2016 ones (Ménaka split from Gao, Taoudénit from
Tombouctou), the partner wave the 2023 reform (nine more regions). Each
wave's own outputs use its own layout; series and changes compare a region
only where it is the same territory in both waves, and say "autre découpage"
elsewhere, never a number from another territory.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml
from builders import indicators_frame, make_book, rendered_texts
from conftest import REPO, build_small_project, snakemake
from test_designs import _surveyed_margins

from perception.catalog.results import Comparisons, Estimates
from perception.catalog.status import ESTIMATED, NOT_COMPARABLE
from perception.config.geography import load_geography, same_territory
from perception.config.project import Project
from perception.errors import ConfigError
from perception.estimate.comparisons import wave_changes
from perception.files import load_yaml
from perception.i18n.numbers import format_value

LAYOUTS = {"2024-baseline": "regions_2012", "2025-followup": "regions_2016", "2025-partner-c": "regions_2023"}
INDICATOR = "trust_police"


@pytest.fixture(scope="module")
def reformed(project) -> Project:
    waves = {wave: {**spec, "layout": LAYOUTS[wave]} for wave, spec in project.config["waves"].items()}
    return Project({**project.config, "waves": waves}, root=project.root)


@pytest.fixture(scope="module")
def frame(reformed) -> pd.DataFrame:
    return indicators_frame(reformed).assign(df=200.0, status="estimated")


def test_same_territory_follows_the_declared_splits(project):
    path = project.root / "config/geography.yaml"
    old, mid, new = (load_geography(path, name) for name in ("regions_2012", "regions_2016", "regions_2023"))
    # Gao lost Ménaka and Tombouctou Taoudénit in 2016; Kayes, Koulikoro, Sikasso, Ségou and Mopti lost parts in 2023
    assert same_territory(old, mid) == {"ML-1", "ML-2", "ML-3", "ML-4", "ML-5", "ML-8", "ML-BKO"}
    assert same_territory(mid, new) == {"ML-6", "ML-7", "ML-8", "ML-9", "ML-10", "ML-BKO"}
    assert same_territory(new, old) == same_territory(old, new) == {"ML-8", "ML-BKO"}
    assert same_territory(new, new) == set(new.codes)


def _gao_and_menaka_inside_tombouctou(geography: dict) -> None:
    for region in geography["layouts"]["regions_2016"]["regions"]:
        if region["code"] in ("ML-7", "ML-9"):
            region["part_of"] = "ML-6"


@pytest.mark.parametrize(
    ("plant", "message"),
    [
        (lambda g: g["layouts"]["regions_2016"].update(refines="regions_1960"), "refines 'regions_1960', which is not"),
        (lambda g: g["layouts"]["regions_2012"].update(refines="regions_2023"), "goes round in a circle"),
        (lambda g: g["layouts"]["regions_2023"]["regions"][0].pop("part_of"), "region ML-1: part_of: missing"),
        (lambda g: g["layouts"]["regions_2016"]["regions"][0].update(part_of="ML-99"), "'ML-99' is not a region"),
        (lambda g: g["layouts"]["regions_2012"]["regions"][0].update(part_of="ML-1"), "refines no other"),
        (_gao_and_menaka_inside_tombouctou, "no region lies within ML-7 of layout regions_2012"),
    ],
)
def test_a_wrong_refinement_is_one_line_naming_the_layout_and_region(project, tmp_path, plant, message):
    geography = copy.deepcopy(load_yaml(project.root / "config/geography.yaml"))
    plant(geography)
    path = tmp_path / "geography.yaml"
    path.write_text(yaml.safe_dump(geography, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_geography(path)
    assert message in str(error.value)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_changes_compare_a_region_only_where_it_is_the_same_territory(reformed, frame):
    changes = wave_changes(reformed, frame)
    changes = changes[changes["indicator"] == INDICATOR]
    regional = changes[(changes["domain"] == "region") & (changes["comparison"] == "change")].set_index(
        ["wave", "region_code"]
    )
    bamako = regional.loc[("2025-partner-c", "ML-BKO")]
    mopti = regional.loc[("2025-partner-c", "ML-5")]
    douentza = regional.loc[("2025-partner-c", "MLX-DTZ")]
    assert bamako["status"] == ESTIMATED and bamako["difference"] == pytest.approx(
        bamako["estimate"] - bamako["reference_estimate"]
    )
    for redrawn in (mopti, douentza):  # Mopti lost Douentza and Bandiagara; Douentza was no region in 2012
        assert redrawn["status"] == NOT_COMPARABLE
        assert redrawn[["difference", "se", "ci_low", "ci_high", "p_value", "reference_estimate"]].isna().all()
        assert pd.notna(redrawn["estimate"])
    # 2016 against 2012: Mopti unchanged, Gao not
    assert regional.loc[("2025-followup", "ML-5"), "status"] == ESTIMATED
    assert regional.loc[("2025-followup", "ML-7"), "status"] == NOT_COMPARABLE
    gendered = changes[(changes["domain"] == "region_gender") & (changes["wave"] == "2025-partner-c")]
    since = {
        kind: set(rows.loc[rows["status"] == ESTIMATED, "region_code"]) for kind, rows in gendered.groupby("comparison")
    }
    assert since["change"] == {"ML-8", "ML-BKO"}  # against 2012
    assert since["change_previous"] == {"ML-6", "ML-7", "ML-8", "ML-9", "ML-10", "ML-BKO"}  # against 2016
    national = changes[(changes["domain"] == "national")]
    assert (national["status"] == ESTIMATED).all()
    # every region of the later wave has its row: nothing silently missing
    latest = set(regional.loc["2025-partner-c"].index)
    assert latest == set(reformed.wave_geography("2025-partner-c").codes)


def test_trend_panels_are_the_latest_regions_with_no_line_between_two_territories(reformed, frame):
    from perception.outputs.trends import _segments, trend_by_region, trend_data

    data = trend_data(Estimates(frame), reformed, INDICATOR, "fr")
    today = [r.name["fr"] for r in reformed.report_geography.regions]
    # then the baseline's regions the 2023 layout redrew, each followed as the territory it was
    redrawn = ["Kayes", "Koulikoro", "Sikasso", "Ségou", "Mopti", "Tombouctou", "Gao"]
    assert list(data["area"].cat.categories[1:]) == today + [f"{name}\n(avant réforme)" for name in redrawn]
    by_area = {area: rows.set_index("wave") for area, rows in data.groupby("area", observed=True)}
    assert list(by_area["Bamako"]["published"]) == [True, True, True]
    # Mopti held Douentza and Bandiagara until the 2023 layout, Gao held Ménaka until 2016
    assert list(by_area["Mopti"]["published"]) == [False, False, True]
    assert by_area["Mopti"].loc[1, "label"] == "autre découpage"
    assert list(by_area["Gao"]["published"]) == [False, True, True]
    assert list(by_area["Douentza"]["published"]) == [False, False, True]
    # Mopti of 2012: itself in 2012 and 2016, then Mopti, Douentza and Bandiagara together
    former = by_area["Mopti\n(avant réforme)"]
    cells = Estimates(frame)
    expected = [
        cells.get("2024-baseline", INDICATOR, "region", "ML-5").estimate,
        cells.get("2025-followup", INDICATOR, "region", "ML-5").estimate,
        cells.get("2025-partner-c", INDICATOR, "region@regions_2012", "ML-5").estimate,
    ]
    assert list(former["published"]) == [True, True, True]
    assert list(former["estimate"]) == pytest.approx([100 * value for value in expected])
    # Gao of 2012 in 2016: Gao and Ménaka, as estimated in that wave
    gao = cells.get("2025-followup", INDICATOR, "region@regions_2012", "ML-7").estimate
    assert by_area["Gao\n(avant réforme)"].loc[2, "estimate"] == pytest.approx(100 * gao)
    lines = _segments(data)
    assert lines.loc[lines["area"] == "Mopti"].empty
    assert set(lines.loc[lines["area"] == "Mopti\n(avant réforme)", "x"]) == {1, 2}
    assert set(lines.loc[lines["area"] == "Gao", "x"]) == {2}  # 2016 -> 2023 only
    assert set(lines.loc[lines["area"] == "Bamako", "x"]) == {1, 2}
    texts = " ".join(rendered_texts(trend_by_region(Estimates(frame), reformed, INDICATOR, "fr")))
    assert "autre découpage" in texts and "réforme territoriale" in texts
    assert "avant réforme" in texts and "la région dans ses limites" in texts.replace("\n", " ")


def test_each_wave_is_mapped_and_drawn_on_its_own_layout(reformed, frame):
    from perception.outputs.figures import figure_height, plot_data
    from perception.outputs.maps import region_values, tile_map

    estimates = Estimates(frame)
    for wave, layout in LAYOUTS.items():
        codes = load_geography(reformed.root / "config/geography.yaml", layout).codes
        assert list(region_values(estimates, reformed, wave, INDICATOR, "fr")["region_code"]) == codes
        drawn = plot_data(estimates, reformed, wave, INDICATOR, "fr")
        assert drawn["published"].all() and len(drawn) == 2 * len(codes)
    assert figure_height(reformed, "2025-partner-c") > figure_height(reformed, "2024-baseline")
    texts = " ".join(rendered_texts(tile_map(estimates, reformed, "2025-partner-c", INDICATOR, "fr")))
    assert "Douentza" in texts and "Bandiagara" in texts


def test_the_book_tells_of_todays_regions_and_says_where_a_change_would_compare_two_territories(reformed, tmp_path):
    frame, comparisons, _, _, out = make_book(reformed, tmp_path)
    regions = sorted(p.stem for p in (out / "fr" / "regions").glob("*.md"))
    assert set(regions) >= set(reformed.report_geography.codes)
    mopti = (out / "fr" / "regions" / "ML-5.md").read_text(encoding="utf-8")
    changes = mopti[mopti.index("tbl-region-changes-ML-5") :]
    assert "autre découpage" in changes and "limites" in changes  # the mark and its note
    police = next(line for line in changes.splitlines() if line.startswith("| Confiance dans la police"))
    # the baseline's Mopti was another territory; the latest wave's own value stands, no change is computed
    assert [cell.strip() for cell in police.split("|")[2:5]] == ["autre découpage", "65,0\u00a0%", "autre découpage"]
    douentza = (out / "fr" / "regions" / "MLX-DTZ.md").read_text(encoding="utf-8")
    assert "Douentza" in douentza
    assert "pas d’évolution mesurable ici" in mopti and "autre découpage, réforme territoriale" in douentza
    assert "pas d’évolution mesurable" not in (out / "fr" / "regions" / "ML-BKO.md").read_text(encoding="utf-8")
    methodology = (out / "fr" / "methodology.md").read_text(encoding="utf-8")
    for layout in LAYOUTS.values():
        assert load_geography(reformed.root / "config/geography.yaml", layout).label["fr"] in methodology
    dictionary = (out / "fr" / "dictionary.md").read_text(encoding="utf-8")
    assert "`MLX-DTZ` = Douentza" in dictionary and "`ML-5` = Mopti" in dictionary
    looked_up = Comparisons(comparisons).change("2025-partner-c", INDICATOR, "region", "ML-5")
    assert looked_up.status == NOT_COMPARABLE and looked_up.missing_by_design and not looked_up.published
    # the change is measured instead over the 2012 territory, on the pages of every region now part of it
    over = Comparisons(comparisons).change("2025-partner-c", INDICATOR, "region@regions_2012", "ML-5")
    assert over.published
    for page in (mopti, douentza):
        territory = page[page.index("Évolutions sur le territoire de l’ancienne région de Mopti") :]
        assert "aujourd’hui Mopti, Douentza et Bandiagara" in territory
        police = next(line for line in territory.splitlines() if line.startswith("| Confiance dans la police"))
        cells = [cell.strip() for cell in police.split("|")[2:5]]
        sides = (over.reference_estimate, over.estimate)
        assert cells[:2] == [format_value(side, "proportion", "fr") for side in sides]
        assert "territoire de l’ancienne région de Mopti" in page.split("tbl-region-territory")[0]  # its finding
    assert "ancienne région" not in (out / "fr" / "regions" / "ML-BKO.md").read_text(encoding="utf-8")
    # the chapters' tables follow the redrawn regions as the territories they were, like the trend charts
    chapter = (out / "fr" / "trust.md").read_text(encoding="utf-8")
    row = next(line for line in chapter.splitlines() if line.startswith("| Mopti (avant réforme)"))
    cells = Estimates(frame)
    series = [
        cells.get("2024-baseline", INDICATOR, "region", "ML-5"),
        cells.get("2025-followup", INDICATOR, "region", "ML-5"),
        cells.get("2025-partner-c", INDICATOR, "region@regions_2012", "ML-5"),
    ]
    assert [cell.split("(")[0].strip() for cell in row.split("|")[2:-1:2]] == [
        format_value(cell.estimate, "proportion", "fr") for cell in series
    ]
    assert "la région dans ses limites au moment de" in chapter[chapter.index(row) :]  # and its note


# --- End to end: the partner wave of the small project surveyed on the 2023 layout ----------------------------

REFORMED_WAVE = "2025-partner-c"
# Mopti's respondents in thirds (Mopti, Douentza, Bandiagara): the 2012 Mopti is surveyed whole; Sikasso's in
# halves, but Bougouni is not reached: the 2012 Sikasso is not
SPLIT = {"Mopti": ("Douentza", "Bandiagara"), "Sikasso": ("Koutiala",)}
RUN_TARGETS = (
    "data/processed/indicators.csv",
    "data/processed/comparisons.csv",
    "data/processed/release/indicators.csv",
    "data/processed/release/data_dictionary.csv",
    f"data/processed/release/responses_{REFORMED_WAVE}.csv",
)


def _in_2012(geography, code: str) -> str:
    """The 2012 region a region of a later layout lies within (through the layouts' ``part_of``)."""
    while geography.refines is not None:
        code = next(r.part_of for r in geography.regions if r.code == code)
        geography = geography.refines
    return code


def _margins_2023(source: Path, target: Path, sample: pd.DataFrame) -> None:
    """The 2025 regional margins on the 2023 layout, same national total.

    A region the sample splits gets its 2012 region's adults in the
    sample's proportions; another new region (not surveyed here) a tenth of
    its 2012 region's, which ``absent_levels: restrict`` then leaves out.
    """
    margins = pd.read_csv(source, keep_default_na=False).set_index("level")
    geography = load_geography(REPO / "config/geography.yaml", "regions_2023")
    counts = sample["province"].value_counts()
    population = {code: float(margins.loc[code, "population"]) for code in margins.index}
    shares = {
        geography.match(new): counts[new] / (counts[old] + sum(counts[part] for part in news))
        for old, news in SPLIT.items()
        for new in news
    }
    original, rows = dict(population), []
    for region in geography.regions:
        if region.code in population:
            rows.append(region.code)
            continue
        parent = _in_2012(geography, region.code)
        part = original[parent] * shares.get(region.code, 0.1)
        population[parent] -= part
        population[region.code] = part
        rows.append(region.code)
    frame = margins.reindex(rows).fillna({"variable": "region_code"})
    frame[["source_fr", "source_en"]] = margins.iloc[0][["source_fr", "source_en"]].to_list()
    frame["variable"] = "region_code"
    frame["population"] = [round(population[code]) for code in rows]
    drift = margins["population"].sum() - frame["population"].sum()
    frame.loc[frame.index[0], "population"] += drift  # rounding: the national total stays the file's
    frame.rename_axis("level").reset_index()[margins.reset_index().columns].to_csv(target, index=False)


@pytest.fixture(scope="module")
def reform_run(tmp_path_factory) -> Path:
    root = build_small_project(tmp_path_factory.mktemp("reform"))
    raw = root / "data/raw" / REFORMED_WAVE / "partner_c_survey.csv"
    sample = pd.read_csv(raw, dtype=str, keep_default_na=False)
    for old, news in SPLIT.items():
        rows = sample.index[sample["province"] == old]
        for start, new in enumerate(news, start=1):
            sample.loc[rows[start :: len(news) + 1], "province"] = new
    sample.to_csv(raw, index=False)
    config_path = root / "config/config.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["waves"] = {w: config["waves"][w] for w in ("2024-baseline", REFORMED_WAVE)}
    config["min_cell_n"] = 10  # the parts of this small sample's regions are published
    wave = config["waves"][REFORMED_WAVE]
    wave["layout"] = "regions_2023"
    margins = root / "config/margins/mali_adults_2025_region_2023.csv"
    _margins_2023(root / wave["weighting"]["rake_to"][0], margins, sample)
    wave["weighting"]["rake_to"][0] = str(margins.relative_to(root))
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = snakemake(root, *RUN_TARGETS)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return root


@pytest.mark.slow
def test_a_wave_on_the_2023_layout_is_estimated_and_compared_on_its_own_regions(reform_run):
    indicators = pd.read_csv(reform_run / "data/processed/indicators.csv", keep_default_na=False)
    regional = indicators[(indicators["wave"] == REFORMED_WAVE) & (indicators["domain"] == "region")]
    police = regional[regional["indicator"] == INDICATOR].set_index("region_code")
    assert list(police.index) == load_geography(REPO / "config/geography.yaml", "regions_2023").codes
    for code in ("MLX-DTZ", "MLX-BDG", "MLX-KTL"):  # the new regions' own respondents
        assert police.loc[code, "n"] > 10 and police.loc[code, "status"] != "not_surveyed"
    assert police.loc["MLX-NIO", "status"] == "not_surveyed"  # on the layout, not reached
    changes = pd.read_csv(reform_run / "data/processed/comparisons.csv", keep_default_na=False)
    change = changes[
        (changes["comparison"] == "change") & (changes["indicator"] == INDICATOR) & (changes["domain"] == "region")
    ].set_index("region_code")
    assert change.loc["ML-BKO", "status"] == ESTIMATED and change.loc["ML-BKO", "difference"] != ""
    for code in ("ML-5", "ML-3", "ML-6", "MLX-DTZ", "MLX-BDG", "MLX-KTL"):  # split, or new, between 2012 and 2023
        assert change.loc[code, "status"] == NOT_COMPARABLE and change.loc[code, "difference"] == "", code
    assert change.loc["ML-8", "status"] == "not_surveyed"  # Kidal: same territory, not reached
    released = pd.read_csv(reform_run / f"data/processed/release/responses_{REFORMED_WAVE}.csv", dtype=str)
    assert {"MLX-DTZ", "MLX-KTL", "ML-5"} <= set(released["region_code"])
    dictionary = (reform_run / "data/processed/release/data_dictionary.csv").read_text(encoding="utf-8")
    assert "MLX-DTZ" in dictionary and "Douentza" in dictionary


@pytest.mark.slow
def test_the_outputs_of_a_reformed_wave_show_its_regions(reform_run, tmp_path):
    from perception.catalog.results import Comparisons as LookUp
    from perception.catalog.results import read_comparisons, read_indicators
    from perception.outputs.factsheets import write_factsheet
    from perception.outputs.maps import region_values
    from perception.outputs.trends import trend_data

    project = Project.from_file(reform_run / "config/config.yaml", root=reform_run)
    processed = reform_run / "data/processed"
    estimates = Estimates(read_indicators(processed / "indicators.csv"))
    comparisons = LookUp(read_comparisons(processed / "comparisons.csv"))
    assert "MLX-DTZ" in set(region_values(estimates, project, REFORMED_WAVE, INDICATOR, "fr")["region_code"])
    trend = trend_data(estimates, project, INDICATOR, "fr").set_index(["area", "wave"])
    assert trend.loc[("Mopti", 1), "label"] == "autre découpage" and trend.loc[("Bamako", 1), "published"]
    sample = pd.read_csv(processed / REFORMED_WAVE / "sample_summary.csv", keep_default_na=False)
    assert "MLX-DTZ" in set(sample["region_code"])
    printed = []
    from perception.outputs import sheet_layout

    original, heading = sheet_layout.Sheet.table, sheet_layout.Sheet.heading
    headings = []

    def record(self, header, rows, *args, **kwargs):
        printed.append(rows)
        return original(self, header, rows, *args, **kwargs)

    def record_heading(self, text, *args, **kwargs):
        headings.append(text)
        return heading(self, text, *args, **kwargs)

    sheet_layout.Sheet.table, sheet_layout.Sheet.heading = record, record_heading
    try:
        region = next(r for r in project.report_geography.regions if r.code == "ML-5")
        write_factsheet(tmp_path / "mopti.pdf", project, estimates, comparisons, sample, region, "fr")
    finally:
        sheet_layout.Sheet.table, sheet_layout.Sheet.heading = original, heading
    changes = printed[-1]  # the last table of the sheet: changes since the baseline
    # the baseline's Mopti held Douentza and Bandiagara: the sheet compares that territory, not today's Mopti
    assert any("ancienne région de Mopti, aujourd’hui Mopti, Douentza et Bandiagara" in line for line in headings)
    label = next(i.label["fr"] for i in project.indicators if i.id == "trust_army")
    army = next(row for row in changes if row[0] == label)
    change = comparisons.change(REFORMED_WAVE, "trust_army", "region@regions_2012", "ML-5")
    assert change.published
    sides = (change.reference_estimate, change.estimate)
    assert army[1:3] == [format_value(side, "proportion", "fr") for side in sides]
    assert not any("autre découpage" in cell for row in changes for cell in row)


def test_margins_of_another_layout_are_one_line_naming_the_file_the_levels_and_the_layout(reformed):
    from perception.errors import DataError
    from perception.estimate.indicators import prepare

    wave = "2025-partner-c"  # on the 2023 layout here, its margins still those of the 2012 regions
    responses = pd.DataFrame(
        {
            "region_code": ["MLX-DTZ", "ML-5", "ML-BKO"],
            "gender_code": ["f", "m", "f"],
            "weight_design": [1.0, 1.0, 1.0],
        }
    )
    with pytest.raises(DataError) as error:
        prepare(reformed, wave, responses)
    message = str(error.value)
    assert "config/margins/mali_adults_2025_region.csv" in message and "MLX-DTZ" in message
    assert "layout regions_2023" in message and "\n" not in message


@pytest.mark.slow
def test_a_redrawn_region_is_compared_over_the_territory_it_had(reform_run):
    """Mopti of 2012 in the 2023 wave: its three parts' respondents, on the wave's design, against the baseline's."""
    project = Project.from_file(reform_run / "config/config.yaml", root=reform_run)
    indicators = pd.read_csv(reform_run / "data/processed/indicators.csv")
    asked = "trust_army"  # here precise enough over the territory (values are checked against R below)
    wave = indicators[(indicators["wave"] == REFORMED_WAVE) & (indicators["indicator"] == asked)]
    parts = wave[wave["domain"] == "region"].set_index("region_code").loc[["ML-5", "MLX-DTZ", "MLX-BDG"]]
    territory = wave[wave["domain"] == "region@regions_2012"].set_index("region_code")
    mopti = territory.loc["ML-5"]
    assert mopti["status"] == ESTIMATED and mopti["se"] > 0
    assert mopti["n"] == parts["n"].sum() and mopti["n_weighted"] == pytest.approx(parts["n_weighted"].sum())
    # Sikasso of 2012 holds Bougouni, which the wave did not reach: no number for part of a territory
    assert territory.loc["ML-3", "status"] == "not_surveyed" and pd.isna(territory.loc["ML-3", "estimate"])
    assert "ML-8" not in territory.index and "ML-BKO" not in territory.index  # not redrawn: their own rows say it
    changes = pd.read_csv(reform_run / "data/processed/comparisons.csv")
    change = changes[
        (changes["comparison"] == "change")
        & (changes["indicator"] == asked)
        & (changes["domain"] == "region@regions_2012")
    ].set_index("region_code")
    baseline = indicators[
        (indicators["wave"] == "2024-baseline")
        & (indicators["indicator"] == asked)
        & (indicators["domain"] == "region")
    ].set_index("region_code")
    moved = change.loc["ML-5"]
    assert moved["status"] == ESTIMATED and moved["reference_wave"] == "2024-baseline"
    assert moved["difference"] == pytest.approx(mopti["estimate"] - baseline.loc["ML-5", "estimate"])
    assert moved["se"] == pytest.approx((mopti["se"] ** 2 + baseline.loc["ML-5", "se"] ** 2) ** 0.5)
    assert change.loc["ML-3", "status"] == "not_surveyed" and pd.isna(change.loc["ML-3", "difference"])
    assert set(change.index) == set(project.former_territories(REFORMED_WAVE)["regions_2012"])
    released = pd.read_csv(reform_run / "data/processed/release/indicators.csv")
    kept = released[released["domain"].str.contains("@")]
    assert len(kept) == len(indicators[indicators["domain"].str.contains("@")])
    readme = (reform_run / "data/processed/release/README.md").read_text(encoding="utf-8")
    assert "domaines `region@regions_2012`" in readme and "domains `region@regions_2012`" in readme
    # the release protects them again: the same cells published
    assert kept["status"].tolist() == indicators.loc[indicators["domain"].str.contains("@"), "status"].tolist()


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("Rscript") is None, reason="R is not installed (apt-get install r-base-core r-cran-survey)"
)
def test_former_territories_match_r_survey(reform_run, tmp_path):
    """R's svyby over the 2012 region each 2023 region lies within, on the wave's raked design."""
    project = Project.from_file(reform_run / "config/config.yaml", root=reform_run)
    responses = reform_run / f"data/processed/{REFORMED_WAVE}/responses.csv"
    margins = [str(path) for path in project.waves[REFORMED_WAVE].weighting.rake_to]
    if project.waves[REFORMED_WAVE].weighting.absent_levels == "restrict":
        margins = _surveyed_margins(margins, pd.read_csv(responses, dtype=str), tmp_path / "margins")
    formers = project.former_territories(REFORMED_WAVE)["regions_2012"]
    territories = tmp_path / "territories.csv"
    pd.DataFrame(
        [{"region_code": part, "territory": former} for former, parts in formers.items() for part in parts]
    ).to_csv(territories, index=False)
    out = tmp_path / "r.csv"
    script = REPO / "tests/r/demo_estimates.R"
    result = subprocess.run(
        ["Rscript", str(script), str(responses), *margins, str(out), str(territories)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if "there is no package called" in result.stderr:
        pytest.skip("R package survey is not installed (apt-get install r-cran-survey)")
    assert result.returncode == 0, result.stderr
    r_rows = pd.read_csv(out, keep_default_na=False)
    r_rows = r_rows[(r_rows["breakdown"] == "territory") & (r_rows["variable"] == "trust_army_ind")]
    ours = pd.read_csv(reform_run / "data/processed/indicators.csv")
    ours = ours[(ours["wave"] == REFORMED_WAVE) & (ours["indicator"] == "trust_army")]
    ours = ours[ours["domain"] == "region@regions_2012"].set_index("region_code")
    compared = 0
    for row in r_rows[r_rows["level"] != ""].itertuples():
        cell = ours.loc[row.level]
        if cell["status"] == ESTIMATED:
            assert cell["estimate"] == pytest.approx(row.estimate, rel=1e-7, abs=1e-9), row
            assert cell["se"] == pytest.approx(row.se, rel=1e-6), row
            compared += 1
    assert compared >= 1  # Mopti of 2012, surveyed whole


def _territory_cells(part_n: int = 40, part_reason: str = "", territory_n: int = 80) -> pd.DataFrame:
    rows = [("region", "P1", part_n, part_reason), ("region", "P2", 40, ""), ("region@old", "T", territory_n, "")]
    return pd.DataFrame(
        [
            {
                "wave": "w",
                "indicator": "i",
                "domain": domain,
                "region_code": code,
                "gender_code": None,
                "estimate": 0.5,
                "se": 0.05,
                "n": n,
                "is_suppressed": bool(reason),
                "suppression_reason": reason,
                "status": "suppressed" if reason else ESTIMATED,
            }
            for domain, code, n, reason in rows
        ]
    )


PARTS = {"w": {"old": {"T": ("P1", "P2")}}}


@pytest.mark.parametrize(
    ("cells", "shown", "reason"),
    [
        (_territory_cells(), True, ""),
        (_territory_cells(part_n=5), False, "complementary"),  # with P2 and T shown, P1 = T - P2
        (_territory_cells(part_reason="unreliable"), True, ""),  # a noisy number, nobody's answer
        (_territory_cells(territory_n=8), False, "small_cell"),
    ],
)
def test_a_former_territory_is_published_only_where_it_gives_no_part_away(cells, shown, reason):
    from perception.disclosure.cells import suppress_estimated

    out = suppress_estimated(cells, 30, PARTS).set_index("region_code")
    assert (out.loc["T", "status"] == ESTIMATED) is shown and out.loc["T", "suppression_reason"] == reason
    assert pd.isna(out.loc["T", "estimate"]) is not shown
    again = suppress_estimated(out.reset_index(), 30, PARTS).set_index("region_code")
    assert again["status"].tolist() == out["status"].tolist()  # as the release runs it again


def test_former_territories_without_their_parts_are_refused():
    from perception.disclosure.cells import suppress_estimated
    from perception.errors import DataError

    with pytest.raises(DataError, match="earlier layout's regions"):
        suppress_estimated(_territory_cells(), 30)


def test_a_change_over_a_former_territory_hides_with_either_side(reformed, frame):
    from perception.disclosure.cells import align_comparisons

    changes = wave_changes(reformed, frame)
    over = changes[changes["domain"] == "region@regions_2012"]
    assert set(over["wave"]) == {"2025-followup", "2025-partner-c"}  # Gao and Tombouctou already split in 2016
    hidden = frame.assign(is_suppressed=False)
    territory = (hidden["domain"] == "region@regions_2012") & (hidden["region_code"] == "ML-5")
    hidden.loc[territory & (hidden["wave"] == "2025-partner-c"), "is_suppressed"] = True
    aligned = align_comparisons(over.assign(is_significant=False), hidden)
    gone = aligned[aligned["is_suppressed"]]
    assert set(zip(gone["wave"], gone["region_code"], strict=True)) == {("2025-partner-c", "ML-5")}
    assert gone["difference"].isna().all()


@pytest.fixture(scope="module")
def inverted(project) -> Project:
    """A partner still coding the 2012 regions after a baseline on the 2023 ones."""
    layouts = dict(zip(LAYOUTS, reversed(LAYOUTS.values()), strict=True))
    waves = {wave: {**spec, "layout": layouts[wave]} for wave, spec in project.config["waves"].items()}
    return Project({**project.config, "waves": waves}, root=project.root)


def test_a_wave_on_an_older_layout_is_compared_with_its_territory_in_the_baseline(inverted, tmp_path):
    from perception.outputs.trends import trend_data

    frame = indicators_frame(inverted).assign(df=200.0, status="estimated")
    cells = Estimates(frame)
    latest, baseline = "2025-partner-c", "2024-baseline"
    assert inverted.change_domain(latest, baseline, "ML-5") == "region@regions_2012"
    assert inverted.change_domain(latest, baseline, "ML-BKO") == "region"
    changes = wave_changes(inverted, frame)
    mopti = changes[
        (changes["indicator"] == INDICATOR)
        & (changes["comparison"] == "change")
        & (changes["wave"] == latest)
        & (changes["domain"] == "region@regions_2012")
        & (changes["region_code"] == "ML-5")
    ].iloc[0]
    before = cells.get(baseline, INDICATOR, "region@regions_2012", "ML-5").estimate  # Mopti, Douentza, Bandiagara
    after = cells.get(latest, INDICATOR, "region", "ML-5").estimate
    assert mopti["status"] == ESTIMATED and mopti["difference"] == pytest.approx(after - before)
    # the trend's Mopti is the 2012 Mopti in every wave
    trend = trend_data(cells, inverted, INDICATOR, "fr").set_index(["area", "wave"])
    assert trend.loc[("Mopti", 1), "published"] and trend.loc[("Mopti", 1), "estimate"] == pytest.approx(100 * before)
    assert not any("avant réforme" in str(area) for area, _ in trend.index)
    _, _, _, _, out = make_book(inverted, tmp_path)
    page = (out / "fr" / "regions" / "ML-5.md").read_text(encoding="utf-8")
    police = next(line for line in page[page.index("tbl-region-changes-ML-5") :].splitlines() if "police" in line)
    assert [cell.strip() for cell in police.split("|")[2:4]] == [
        format_value(value, "proportion", "fr") for value in (before, after)
    ]
    assert "ancienne région" not in page and "pas d’évolution mesurable" not in page

"""Fact sheets: one reproducible two-page PDF per region, with no creation date."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from builders import comparisons_frame, indicators_frame, sheet_inputs

from perception.catalog.paths import factsheet_path
from perception.catalog.results import Comparisons, Estimates
from perception.config.project import Project
from perception.outputs.factsheets import measure_factsheet, write_factsheet
from perception.outputs.sheet_layout import BOTTOM, TOP
from perception.stages import factsheets as write_factsheets


def test_the_stage_writes_one_sheet_per_language_and_region_in_configured_order(project, tmp_path, monkeypatch):
    """Paths in language then configured region order, each written atomically (no temporary file left)."""
    import perception.outputs.factsheets as sheets

    processed = tmp_path / "processed"
    wave = project.wave_ids[-1]
    (processed / wave).mkdir(parents=True)
    frame = indicators_frame(project)
    frame.to_csv(processed / "indicators.csv", index=False)
    comparisons_frame(project, frame).to_csv(processed / "comparisons.csv", index=False)
    (processed / wave / "sample_summary.csv").write_text(
        "region_code,n_respondents,n_women,n_men,sum_weights\n", encoding="utf-8"
    )
    drawn = []

    def draw(path, project, estimates, comparisons, sample, region, lang):
        drawn.append((lang, region.code))
        path.write_bytes(b"%PDF-")

    monkeypatch.setattr(sheets, "write_factsheet", draw)
    paths = write_factsheets(project, processed, tmp_path / "a")
    expected = [(lang, code) for lang in project.languages for code in project.geography.codes]
    assert [(p.parent.name, p.stem) for p in paths] == expected == drawn
    assert all(p.read_bytes() == b"%PDF-" for p in paths)
    assert sorted((tmp_path / "a").rglob("*.*")) == sorted(paths)  # nothing else: no temporary file left


def test_a_sheet_written_again_is_the_same_bytes_and_has_no_creation_date(project, tmp_path):
    """The two sheets with a masked and a significant cell, one per language, written twice in one process.

    (That a whole run's sheets are the same bytes in another process is
    test_workflow's two-run check; that each is a two-page PDF without a
    date, below on the shared run's sheets.)
    """
    wave = project.wave_ids[-1]
    frame = indicators_frame(project, suppressed={(wave, "reported_to_police", "region", "ML-8", "")})
    comparisons = comparisons_frame(
        project, frame, significant={("gender_gap", wave, "trust_police", "region", "ML-5", "")}
    )
    *_, sample = sheet_inputs(project, tmp_path / "processed")
    regions = {region.code: region for region in project.geography.regions}
    for lang, code in zip(project.languages, ("ML-8", "ML-5"), strict=False):
        first, again = tmp_path / f"{lang}-{code}.pdf", tmp_path / f"again-{lang}-{code}.pdf"
        for path in (first, again):
            write_factsheet(path, project, Estimates(frame), Comparisons(comparisons), sample, regions[code], lang)
        assert again.read_bytes() == first.read_bytes(), (lang, code)
        assert b"/CreationDate" not in first.read_bytes() and b"Matplotlib" not in first.read_bytes()


def test_the_workflows_sheets_are_two_page_pdfs_without_a_date(workflow_run, run_project):
    """Every sheet the shared run wrote from real tables, one per language and region."""
    out = workflow_run / "data/processed/factsheets"
    for lang in run_project.languages:
        for region in run_project.report_geography.regions:
            data = factsheet_path(out, lang, region.code).read_bytes()
            assert data.startswith(b"%PDF"), (lang, region.code)
            assert b"/CreationDate" not in data and b"Matplotlib" not in data, (lang, region.code)
            assert len(re.findall(rb"/Type /Page\b", data)) == 2, (lang, region.code)


@pytest.mark.parametrize("copies", [1, 3])
def test_every_table_of_every_sheet_is_complete_on_the_page(project, tmp_path, copies):
    """Each table holds one row per indicator, every row inside the page; two pages while they fit.

    Every region's sheet in every language is laid out as it would be drawn;
    the first region's is drawn too, with the same rows on as many PDF pages.
    """
    if copies > 1:  # three times the registry, as a project with many more indicators would have
        project = Project.from_file("config/config.yaml", root=project.root)
        project.indicators = tuple(
            replace(i, id=f"{i.id}_{n}", label={k: f"{v} ({n})" for k, v in i.label.items()})
            for n in range(copies)
            for i in Project.from_file("config/config.yaml", root=project.root).indicators
        )
    estimates, comparisons, sample = sheet_inputs(project, tmp_path / "processed")
    tables = 3 if len(project.wave_ids) > 1 else 2
    regions = project.geography.regions if copies == 1 else project.geography.regions[:1]
    for lang in project.languages:
        for region in regions:
            sheet = measure_factsheet(project, estimates, comparisons, sample, region, lang)
            labels = [cells[0] for _, _, cells in sheet.drawn]
            assert labels == [i.label[lang] for i in project.indicators] * tables, region.code
            assert all(BOTTOM <= y <= TOP for _, y, _ in sheet.drawn)
            if copies == 1:
                assert sheet.pages == 2, region.code
        path = tmp_path / f"{regions[0].code}-{lang}.pdf"
        drawn = write_factsheet(path, project, estimates, comparisons, sample, regions[0], lang)
        measured = measure_factsheet(project, estimates, comparisons, sample, regions[0], lang)
        assert (drawn.drawn, drawn.pages) == (measured.drawn, measured.pages)
        assert len(re.findall(rb"/Type /Page\b", path.read_bytes())) == drawn.pages


def test_a_region_the_latest_wave_missed_says_so_and_keeps_each_waves_own_reason(project, tmp_path):
    """Kidal not reached by the latest wave, its baseline figure masked: "non enquêtée" only where it is true."""
    baseline, wave = project.wave_ids[0], project.wave_ids[-1]
    *_, sample = sheet_inputs(project, tmp_path / "processed")
    frame = indicators_frame(project, suppressed={(baseline, "trust_police", "region", "ML-8", "")})
    frame["status"] = frame["is_suppressed"].map({True: "suppressed", False: "estimated"})
    missed = (frame["wave"] == wave) & (frame["region_code"] == "ML-8")
    frame.loc[missed, "status"] = "not_surveyed"
    frame.loc[missed, ["estimate", "se", "ci_low", "ci_high"]] = float("nan")
    frame.loc[missed, "n"] = 0
    changes = comparisons_frame(project, frame)
    changes["status"] = "estimated"
    kidal = (changes["wave"] == wave) & (changes["region_code"] == "ML-8")
    changes.loc[kidal, "status"] = "not_surveyed"
    changes.loc[kidal, ["estimate", "difference", "ci_low", "ci_high"]] = float("nan")
    changes.loc[kidal & (changes["indicator"] == "trust_police"), "reference_estimate"] = float("nan")
    sample.loc[sample["region_code"] == "ML-8", "n_respondents"] = 0
    kidal_region = next(r for r in project.geography.regions if r.code == "ML-8")
    sheet = write_factsheet(
        tmp_path / "kidal.pdf", project, Estimates(frame), Comparisons(changes), sample, kidal_region, "fr"
    )
    rows = [cells for _, _, cells in sheet.drawn]
    police = [cells for cells in rows if cells[0] == "Confiance dans la police"][-1]  # the changes table
    assert police[1:3] == ["—", "non enquêtée"]  # baseline masked, latest wave not surveyed
    label = next(i.label["fr"] for i in project.indicators if i.id == "trust_army")
    army = [cells for cells in rows if cells[0] == label][-1]
    assert army[2] == "non enquêtée" and army[1] not in ("—", "non enquêtée")  # the baseline's own value

"""Fact sheets: one reproducible two-page PDF per region, with no creation date."""

from __future__ import annotations

import re

import pandas as pd
from test_figures import comparisons_frame, indicators_frame

from perception.stages import factsheets as write_factsheets


def test_factsheets_are_reproducible_pdfs_in_region_order(project, tmp_path):
    processed = tmp_path / "processed"
    (processed / project.wave_ids[-1]).mkdir(parents=True)
    wave = project.wave_ids[-1]
    frame = indicators_frame(project, suppressed={(wave, "reported_to_police", "region", "ML-8", "")})
    frame.to_csv(processed / "indicators.csv", index=False)
    comparisons_frame(project, frame, significant={("gender_gap", wave, "trust_police", "region", "ML-5", "")}).to_csv(
        processed / "comparisons.csv", index=False
    )
    pd.DataFrame(
        [
            {"region_code": c, "n_respondents": 300, "n_women": 150, "n_men": 150, "sum_weights": 1.0}
            for c in project.geography.codes
        ]
    ).to_csv(processed / wave / "sample_summary.csv", index=False)

    first = write_factsheets(project, processed, tmp_path / "a")
    second = write_factsheets(project, processed, tmp_path / "b")

    assert [p.stem for p in first] == project.geography.codes
    for a, b in zip(first, second, strict=True):
        data = a.read_bytes()
        assert data.startswith(b"%PDF") and data == b.read_bytes()
        assert b"/CreationDate" not in data and b"Matplotlib" not in data
        assert len(re.findall(rb"/Type /Page\b", data)) == 2
    assert not list((tmp_path / "a").glob(".*"))  # written atomically, no temporary file left

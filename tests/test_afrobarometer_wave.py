"""A real round beside a demo wave, with the full registry: Afrobarometer Round 6, Mali (../shared).

The demo wave is the small project's 2025 follow-up (a fifth of the demo's
respondents, ``.test/``), its registry and models replaced by the
repository's defaults.

Afrobarometer never asks about the gendarmerie, the national guard, threats,
abuses, victimisation or complaint mechanisms. Adding its round as one more
wave takes one wave entry and the example mapping
(config/sources/examples/afrobarometer_mali_r6.yaml), nothing else: the
workflow runs with the whole registry, the items it did not ask are *not
asked* in every table, and the book says so in words. The run makes the
tables and the release; the trust chapter is written from them as the book
rule writes it, while drawing and building the book are checked on the small
project's run (test_workflow.py, test_report.py). Its estimates equal R
survey's on the released responses (where R and its survey package are
installed) and an independent weighted mean of the raw file.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml
from conftest import REPO, build_small_project, snakemake

from perception.book.sources import book_data, edition_figures, environment, page_contexts, render_page
from perception.catalog.status import ESTIMATED, NOT_ASKED
from perception.config.project import Project

pytestmark = pytest.mark.slow

WAVE = "afrobarometer-r6"
DEMO_WAVE = "2025-followup"
FILE = "fixtures/afrobarometer_mali/mli_r6_data_2015_eng.sav"
NEVER_ASKED = [
    "trust_gendarmerie",
    "trust_national_guard",
    "trust_security_forces_index",
    "threat_armed_groups",
    "threat_violence_any",
    "abuse_witnessed",
    "knows_complaint_mechanism",
    "reported_to_police",
]
TARGETS = (
    "data/processed/indicators.csv",
    "data/processed/comparisons.csv",
    "data/processed/models.csv",
    "data/processed/release/indicators.csv",
    f"data/processed/{WAVE}/responses.csv",
)
R_SCRIPT = """
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
d$y <- as.numeric(d$trust_police %in% 2:3)
# those who answered are a domain of the whole sample (subset the design, not the data)
design <- subset(svydesign(ids = ~1, weights = ~weight_final, data = d), trust_police %in% 0:3)
m <- svymean(~y, design)
byr <- svyby(~y, ~region_code, design, svymean)
out <- rbind(
  data.frame(region_code = "", estimate = coef(m)[[1]], se = SE(m)[[1]]),
  data.frame(region_code = byr$region_code, estimate = byr$y, se = byr$se)
)
write.csv(out, stdout(), row.names = FALSE)
"""


@pytest.fixture(scope="module")
def run(shared, tmp_path_factory):
    root = build_small_project(tmp_path_factory.mktemp("afrobarometer"))
    shutil.copyfile(REPO / "config/indicators.yaml", root / "config/indicators.yaml")
    mapping = yaml.safe_load((root / "config/sources/examples/afrobarometer_mali_r6.yaml").read_text(encoding="utf-8"))
    mapping["file"] = str(shared / FILE)  # the copy is not beside ../shared
    (root / "config/sources/afrobarometer_mali_r6.yaml").write_text(
        yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    config_path = root / "config/config.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config.pop("models", None)  # the full registry's default outcomes, as the bundled demo's
    # one demo wave is enough to compare with (changes, trends, families), and halves the run
    config["waves"] = {DEMO_WAVE: config["waves"][DEMO_WAVE]}
    config["waves"][WAVE] = {
        "label": {"fr": "Afrobaromètre, 6e vague (Mali, 2014)", "en": "Afrobarometer Round 6 (Mali, 2014)"},
        "sources": ["config/sources/afrobarometer_mali_r6.yaml"],
        "layout": "regions_2012",
        "design": {"weight": "weight_design"},
    }
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    # the tables and the release; the drawings and the book build are the small run's (test_workflow.py)
    result = snakemake(root, *TARGETS)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return root


def test_items_the_round_never_asked_are_not_asked_in_every_cell(run):
    table = pd.read_csv(run / "data/processed/indicators.csv", keep_default_na=False)
    wave = table[table["wave"] == WAVE]
    for indicator in NEVER_ASKED:
        cells = wave[wave["indicator"] == indicator]
        assert len(cells) and set(cells["status"]) <= {NOT_ASKED, "not_surveyed"}, indicator
        assert (cells["estimate"] == "").all() and (cells["is_suppressed"].astype(str) == "False").all()
    police = wave[(wave["indicator"] == "trust_police") & (wave["domain"] == "national")].iloc[0]
    assert police["status"] == ESTIMATED
    changes = pd.read_csv(run / "data/processed/comparisons.csv", keep_default_na=False)
    change = changes[(changes["wave"] == WAVE) & (changes["indicator"] == "trust_gendarmerie")]
    assert len(change) and set(change["status"]) <= {NOT_ASKED, "not_surveyed"}
    models = pd.read_csv(run / "data/processed/models.csv", keep_default_na=False)
    gendarmerie = models[(models["wave"] == WAVE) & (models["outcome"] == "trust_gendarmerie")]
    assert gendarmerie["note"].tolist() == ["outcome_not_asked"]


def test_book_says_not_asked_in_words(run):
    """The trust chapter written from this run's tables, as the book rule writes it (figures not drawn)."""
    project = Project.from_file(run / "config/config.yaml", root=run)
    data = book_data(project, run / "data/processed")
    env = environment(run / "book/templates")
    for lang, words in (
        ("fr", "question non posée lors de cette enquête"),
        ("en", "question not asked in this survey"),
    ):
        figures = {
            key: relative
            for key, (_, relative) in edition_figures(project, run / "data/processed/figures", lang).items()
        }
        template, context = page_contexts(data, lang, figures)["trust"]
        page = render_page(env, project, lang, "trust", template, context)
        # the note names the round (its label ends with its year), not only the demo wave
        assert [line for line in page.splitlines() if words in line and "2014" in line], lang
    released = pd.read_csv(run / "data/processed/release/indicators.csv", keep_default_na=False)
    assert set(released.loc[released["wave"] == WAVE, "status"]) >= {ESTIMATED, NOT_ASKED}


def test_trust_in_police_equals_the_raw_file_and_r_survey(run, shared):
    table = pd.read_csv(run / "data/processed/indicators.csv", keep_default_na=False, dtype={"region_code": str})
    ours = table[(table["wave"] == WAVE) & (table["indicator"] == "trust_police")]
    national = ours[ours["domain"] == "national"].iloc[0]
    raw = pyreadstat.read_sav(str(shared / FILE))[0]
    answered = raw["Q52H"].isin([0, 1, 2, 3]).to_numpy()
    expected = np.average(raw["Q52H"].isin([2, 3]).to_numpy(dtype=float)[answered], weights=raw["withinwt"][answered])
    # the released weights are the file's (no raking for this wave), so only rows quarantined could differ
    assert abs(float(national["estimate"]) - expected) < 1e-9
    rscript = shutil.which("Rscript")
    if rscript is None or subprocess.run([rscript, "-e", "library(survey)"], capture_output=True).returncode:
        pytest.skip("R or its survey package is not installed (apt-get install r-base-core r-cran-survey)")
    script = run / "afrobarometer.R"
    script.write_text(R_SCRIPT, encoding="utf-8")
    result = subprocess.run(
        [rscript, str(script), str(run / f"data/processed/{WAVE}/responses.csv")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    from io import StringIO

    r = pd.read_csv(StringIO(result.stdout), keep_default_na=False, dtype={"region_code": str})
    published = ours[ours["domain"].isin(["national", "region"]) & (ours["status"] == ESTIMATED)]
    compared = 0
    for row in r.itertuples(index=False):
        mine = published[published["region_code"] == row.region_code]
        if mine.empty:
            continue
        assert float(mine["estimate"].iloc[0]) == pytest.approx(row.estimate, rel=1e-8), row.region_code
        assert float(mine["se"].iloc[0]) == pytest.approx(row.se, rel=1e-7), row.region_code
        compared += 1
    assert compared >= 5

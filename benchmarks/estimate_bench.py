"""Benchmark: every indicator by every domain, perception (svy) beside R survey.

Usage (after `make report`, which writes the demo responses):

    .venv/bin/python benchmarks/estimate_bench.py [--sizes 50000,100000,200000] [--no-r]

The demo's 2024 responses are enlarged to each size by copying whole PSUs
(new PSU ids, same strata), so the design keeps its structure. Both sides do
the same work on the same file: rake to the census margins, then the
design-based mean and SE of every indicator's 0/1 (or score) values
nationally, by region, by gender and by region x gender. The R side
(benchmarks/estimate_bench.R) runs when `Rscript` with the survey package is
installed (Debian: apt-get install r-base-core r-cran-survey). Results are
printed as a table of seconds and the R/perception ratio, and the largest
difference between the two sides' estimates and SEs is reported.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from perception.config.project import Project
from perception.estimate.indicators import prepare, value_column
from perception.estimate.run import read_responses
from perception.estimate.survey import designed_sample

ROOT = Path(__file__).resolve().parents[1]
WAVE = "2024-baseline"


def enlarge(responses: pd.DataFrame, size: int, rng: np.random.Generator) -> pd.DataFrame:
    """Copy whole PSUs (with new ids) until the sample has about ``size`` rows.

    Weights are scaled down by the enlargement so they still add up to the
    population, as a real sample of that size would.
    """
    if "psu_id" not in responses or responses["psu_id"].isna().all():  # unclustered: every respondent is a unit
        chosen = rng.choice(len(responses), size=size, replace=True)
        enlarged = responses.iloc[chosen].reset_index(drop=True)
        return enlarged.assign(weight_design=enlarged["weight_design"] * len(responses) / len(enlarged))
    psus = responses["psu_id"].unique()
    chosen = rng.choice(psus, size=int(np.ceil(size / len(responses) * len(psus))), replace=True)
    parts = []
    for copy, psu in enumerate(chosen):
        part = responses[responses["psu_id"] == psu].assign(psu_id=f"{psu}-c{copy}")
        parts.append(part)
    enlarged = pd.concat(parts, ignore_index=True).iloc[:size]
    return enlarged.assign(weight_design=enlarged["weight_design"] * len(responses) / len(enlarged))


def python_side(project: Project, data: pd.DataFrame) -> tuple[float, pd.DataFrame]:
    prepared, design = prepare(project, WAVE, data)
    columns = [value_column(i) for i in project.indicators]
    start = time.perf_counter()
    sample = designed_sample(prepared, design, [*columns, "region_code", "gender_code"])
    tables = [sample.means(columns, by=list(by)) for by in project.domains]
    elapsed = time.perf_counter() - start
    return elapsed, pd.concat(tables, ignore_index=True)


def r_side(csv: Path, project: Project, out: Path) -> float | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    margins = project.waves[WAVE].weighting.rake_to
    result = subprocess.run(
        [rscript, str(Path(__file__).with_suffix(".R")), str(csv), *map(str, margins), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout.strip().splitlines()[-1])


def compare(ours: pd.DataFrame, theirs: pd.DataFrame) -> float:
    theirs = theirs.fillna({"region_code": "", "gender_code": ""})
    ours = ours.assign(
        region_code=ours.get("region_code", pd.Series("", index=ours.index)).fillna("").astype(str),
        gender_code=ours.get("gender_code", pd.Series("", index=ours.index)).fillna("").astype(str),
    )
    merged = ours.merge(theirs, on=["variable", "region_code", "gender_code"], suffixes=("", "_r"))
    return float(
        max((merged["estimate"] - merged["estimate_r"]).abs().max(), (merged["se"] - merged["se_r"]).abs().max())
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50000,100000,200000")
    parser.add_argument("--no-r", action="store_true")
    args = parser.parse_args()
    project = Project.from_file("config/config.yaml", root=ROOT)
    responses = read_responses(ROOT / f"data/processed/{WAVE}/responses.csv")
    rng = np.random.default_rng(2024)
    print("| respondents | perception (s) | R survey (s) | R / perception | max abs difference |")
    print("|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            data = enlarge(responses, size, rng)
            seconds, ours = python_side(project, data)
            r_seconds, difference = None, None
            if not args.no_r:
                prepared, _ = prepare(project, WAVE, data)
                csv = Path(tmp) / "bench.csv"
                keep = ["stratum_id", "psu_id", "weight_design", "region_code", "gender_code"]
                values = [value_column(i) for i in project.indicators]
                prepared[keep + values].to_csv(csv, index=False)
                out = Path(tmp) / "r.csv"
                r_seconds = r_side(csv, project, out)
                if r_seconds is not None:
                    difference = compare(ours, pd.read_csv(out, keep_default_na=False, na_values=["NA"]))
            ratio = f"{r_seconds / seconds:.1f}" if r_seconds else "—"
            r_text = f"{r_seconds:.2f}" if r_seconds else "not run"
            diff_text = f"{difference:.1e}" if difference is not None else "—"
            print(f"| {size:,} | {seconds:.2f} | {r_text} | {ratio} | {diff_text} |", flush=True)


if __name__ == "__main__":
    main()

"""Benchmark: ``estimate_means`` and ``estimate_shares`` by region × gender, beside R's svyby, in one run.

Usage (after ``make report``, which writes the demo responses):

    .venv/bin/python benchmarks/means_bench.py [--sizes 10000,200000,1000000] [--no-r]
        [--baseline /path/to/an/older/checkout] [--repeat 3]

The demo's 2024 responses are enlarged to each size by copying whole PSUs
(as ``estimate_bench.py`` does), and eight 0/1 indicator columns are
estimated by region × gender on the stratified, clustered design (no
raking, so that both sides do the same work):

- perception: ``estimate_means(data, design, items, by=[region, gender])``
  and ``estimate_shares`` (same call, with the logit and Korn-Graubard
  intervals), binding the design included;
- R: ``svydesign`` then ``svyby(~item, ~region_code + gender_code, design,
  svymean, na.rm = TRUE)`` for each item (one call per item, so that a
  missing answer leaves only that item, as perception does);
- ``--baseline``: the same perception calls run by another checkout's
  ``src/`` (e.g. ``git worktree add /tmp/base 3d76137``), for a before/after
  ratio measured on the same machine in the same run.

Every side runs in its own process, on the same Parquet file; the times are
CPU seconds (user + system, all threads) of the estimation alone, the best
of ``--repeat`` runs, because wall time on a shared machine varies with its
load. The largest difference between perception's and R's estimates and SEs
is printed beside the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WAVE = "2024-baseline"
BY = ["region_code", "gender_code"]
ITEMS = 8


def worker(parquet: Path, task: str, repeat: int, out: Path) -> None:
    """Time one task of the public API of whichever perception is on the path."""
    import pandas as pd

    from perception import SurveyDesign, estimate_means, estimate_shares

    data = pd.read_parquet(parquet)
    for name in BY:
        data[name] = data[name].astype("category")
    items = [c for c in data.columns if c.startswith("value__")]
    design = SurveyDesign(weight="weight_design", strata="stratum_id", psu="psu_id")
    estimator = estimate_means if task == "means" else estimate_shares
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        table = estimator(data, design, items, by=BY)
        best = min(best, time.process_time() - start)
    table.to_csv(out, index=False)
    print(json.dumps({"cpu": best}))


def _run_worker(src: Path, parquet: Path, task: str, repeat: int, out: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, __file__, "--worker", str(parquet), "--task", task, "--repeat", str(repeat)]
    result = subprocess.run([*command, "--out", str(out)], env=env, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])["cpu"]


def _run_r(csv: Path, repeat: int, out: Path) -> float | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    script = Path(__file__).with_suffix(".R")
    result = subprocess.run(
        [rscript, str(script), str(csv), str(repeat), str(out)], capture_output=True, text=True, check=True
    )
    return float(result.stdout.strip().splitlines()[-1])


def _difference(ours: Path, theirs: Path) -> float:
    import pandas as pd

    a = pd.read_csv(ours, dtype={name: str for name in BY})
    b = pd.read_csv(theirs, dtype={name: str for name in BY})
    merged = a.merge(b, on=["variable", *BY], suffixes=("", "_r"))
    if len(merged) != len(a):
        raise SystemExit(f"R has {len(b)} domain rows, perception {len(a)}: not the same domains")
    estimates = (merged["estimate"] - merged["estimate_r"]).abs().max()
    return float(max(estimates, (merged["se"] - merged["se_r"]).abs().max()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200000")
    parser.add_argument("--no-r", action="store_true")
    parser.add_argument("--baseline", type=Path, help="an older checkout whose src/ is timed beside this one")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--task", default="means", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.task, args.repeat, args.out)
        return

    import numpy as np

    from benchmarks.estimate_bench import enlarge
    from perception.config.project import Project
    from perception.estimate.indicators import prepare, value_column
    from perception.estimate.run import read_responses

    project = Project.from_file("config/config.yaml", root=ROOT)
    shares = [i for i in project.indicators if i.is_proportion][:ITEMS]
    columns = [value_column(i) for i in shares]
    responses = read_responses(ROOT / f"data/processed/{WAVE}/responses.csv")
    rng = np.random.default_rng(2024)
    current = ROOT / "src"
    print(
        "| respondents | R svyby (CPU s) | means (CPU s) | R / means | max abs difference | shares (CPU s) |"
        + (" baseline means | baseline shares | means speed-up | shares speed-up |" if args.baseline else "")
    )
    print("|---:|---:|---:|---:|---:|---:|" + ("---:|---:|---:|---:|" if args.baseline else ""))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for size in (int(s) for s in args.sizes.split(",")):
            data, _ = prepare(project, WAVE, enlarge(responses, size, rng))
            keep = ["stratum_id", "psu_id", "weight_design", *BY, *columns]
            frame = data[keep].astype({name: "string" for name in BY})
            frame.to_parquet(tmp / "bench.parquet", index=False)
            means = _run_worker(current, tmp / "bench.parquet", "means", args.repeat, tmp / "means.csv")
            share_seconds = _run_worker(current, tmp / "bench.parquet", "shares", args.repeat, tmp / "shares.csv")
            r_seconds, difference = None, None
            if not args.no_r:
                frame.to_csv(tmp / "bench.csv", index=False)
                r_seconds = _run_r(tmp / "bench.csv", args.repeat, tmp / "r.csv")
                if r_seconds is not None:
                    difference = _difference(tmp / "means.csv", tmp / "r.csv")
            cells = [
                f"{size:,}",
                f"{r_seconds:.2f}" if r_seconds else "not run",
                f"{means:.2f}",
                f"{r_seconds / means:.1f}" if r_seconds else "—",
                f"{difference:.1e}" if difference is not None else "—",
                f"{share_seconds:.2f}",
            ]
            if args.baseline:
                base_src = args.baseline / "src"
                base_means = _run_worker(base_src, tmp / "bench.parquet", "means", args.repeat, tmp / "bm.csv")
                base_shares = _run_worker(base_src, tmp / "bench.parquet", "shares", args.repeat, tmp / "bs.csv")
                cells += [f"{base_means:.2f}", f"{base_shares:.2f}"]
                cells += [f"{base_means / means:.1f}", f"{base_shares / share_seconds:.1f}"]
            print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()

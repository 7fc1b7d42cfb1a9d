"""Benchmark: the whole estimation stage at N respondents per wave, this checkout beside an older one.

Usage (after ``make report``, which writes the demo responses):

    .venv/bin/python benchmarks/stage_bench.py --sizes 50000,200000 --baseline /path/to/older/checkout

Every wave's published responses are enlarged to each size by copying whole
PSUs (``estimate_bench.enlarge``); then ``run_estimation`` (indicators by
every domain, suppression, gender gaps, regions against the rest, changes,
multiple comparisons, weighting diagnostics, index reliability) runs in a
fresh process per checkout on the same files. Times are CPU seconds (user +
system, all threads) of the stage alone, imports excluded; the tables of the
two checkouts are compared (largest absolute difference of every number).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def worker(folder: Path, out: Path, root: Path) -> None:
    from perception.config.project import Project
    from perception.estimate.run import run_estimation
    from perception.files import load_yaml

    # each checkout with its own settings, on the waves both configure (the main process wrote only those)
    config = load_yaml(root / "config/config.yaml")
    config["waves"] = {wave: spec for wave, spec in config["waves"].items() if (folder / f"{wave}.csv").exists()}
    project = Project(config, root, "config/config.yaml")
    responses = {wave: folder / f"{wave}.csv" for wave in project.wave_ids}
    import scipy.stats  # noqa: F401 - imported before the clock starts, as the modules the stage uses

    start = time.process_time()
    tables = run_estimation(project, responses)
    seconds = time.process_time() - start
    out.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        table.to_csv(out / f"{name}.csv", index=False)
    print(json.dumps({"cpu": seconds}))


def _run(src: Path, folder: Path, out: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, __file__, "--worker", str(folder), "--out", str(out), "--root", str(src.parent)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=True, cwd=src.parent)
    return json.loads(result.stdout.strip().splitlines()[-1])["cpu"]


def _difference(ours: Path, theirs: Path) -> float:
    import numpy as np
    import pandas as pd

    worst, worst_relative = (0.0, "nothing"), 0.0
    for path in sorted(ours.glob("*.csv")):
        if not (theirs / path.name).exists():  # a table the older checkout did not make yet
            continue
        a, b = pd.read_csv(path), pd.read_csv(theirs / path.name)
        if len(a) != len(b):
            return float("inf")
        for column in a.select_dtypes("number").columns.intersection(b.columns):
            x, y = a[column].to_numpy(dtype=float), b[column].to_numpy(dtype=float)
            both = ~(np.isnan(x) & np.isnan(y))
            if both.any() and np.isfinite(x[both]).any():
                gap = float(np.nanmax(np.abs(x[both] - y[both])))
                relative = gap / max(float(np.nanmax(np.abs(y[both]))), 1e-300)
                if gap > worst[0]:
                    worst = (gap, f"{path.stem}.{column} (largest value {np.nanmax(np.abs(y[both])):.3g})")
                worst_relative = max(worst_relative, relative)
    note = f"largest difference in {worst[1]}; relative to the column's largest value: {worst_relative:.1e}"
    print(note, file=sys.stderr)
    return worst[0]


def _common_waves(project, baseline: Path | None) -> list[str]:
    """This checkout's waves, less those an older checkout configures otherwise: both must do the same work.

    A wave is kept when the older configuration has it with the same design
    (weights, strata, PSUs) and the same raking margins.
    """
    if baseline is None:
        return list(project.wave_ids)
    from perception.files import load_yaml

    ours = load_yaml(ROOT / "config/config.yaml")["waves"]
    theirs = load_yaml(baseline / "config/config.yaml")["waves"]
    same = ("design", "weighting")
    return [w for w in project.wave_ids if w in theirs and all(ours[w].get(k) == theirs[w].get(k) for k in same)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50000")
    parser.add_argument("--baseline", type=Path, help="an older checkout whose src/ is timed beside this one")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.out, args.root)
        return

    import numpy as np

    from benchmarks.estimate_bench import enlarge
    from perception.config.project import Project
    from perception.estimate.run import read_responses

    project = Project.from_file("config/config.yaml", root=ROOT)
    rng = np.random.default_rng(2024)
    extra = " baseline (CPU s) | speed-up | max abs difference |" if args.baseline else ""
    waves = _common_waves(project, args.baseline)
    print(f"waves: {', '.join(waves)}")
    print("| respondents per wave | this checkout (CPU s) |" + extra)
    print("|---:|---:|" + ("---:|---:|---:|" if args.baseline else ""))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for size in (int(s) for s in args.sizes.split(",")):
            folder = tmp / f"n{size}"
            folder.mkdir()
            for wave in waves:
                responses = read_responses(ROOT / f"data/processed/{wave}/responses.csv")
                enlarge(responses, size, rng).to_csv(folder / f"{wave}.csv", index=False)
            seconds = _run(ROOT / "src", folder, tmp / f"ours{size}")
            cells = [f"{size:,}", f"{seconds:.1f}"]
            if args.baseline:
                base = _run(args.baseline / "src", folder, tmp / f"base{size}")
                difference = _difference(tmp / f"ours{size}", tmp / f"base{size}")
                cells += [f"{base:.1f}", f"{base / seconds:.1f}", f"{difference:.1e}"]
            print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()

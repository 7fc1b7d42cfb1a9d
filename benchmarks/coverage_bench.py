"""Coverage of the published 95 % intervals on the demo's known population (many replications).

Runs the pipeline's own functions — registry values, raking, every indicator
by every domain, NCHS assessment, suppression — on repeated seeded samples
(:func:`perception.demo.coverage.simulate_coverage`) and writes
``benchmarks/coverage.csv``, which the methodology page prints. The test
suite runs the same simulation with a few replications only.

    .venv/bin/python benchmarks/coverage_bench.py --replications 24
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    from perception.config.project import Project
    from perception.demo.coverage import simulate_coverage
    from perception.files import write_csv

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=24)
    parser.add_argument("--seed", type=int, default=20251)
    parser.add_argument("--size", type=int, default=3000, help="respondents per simulated sample")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/coverage.csv")
    args = parser.parse_args(argv)
    project = Project.from_file(ROOT / "config/config.yaml", root=ROOT)
    start = time.perf_counter()

    def progress(done: int) -> None:
        print(
            f"{done}/{args.replications} replications, {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True
        )

    table = simulate_coverage(project, args.replications, args.seed, args.size, progress)
    write_csv(table, args.out)
    print(table.to_string(index=False))
    print(f"{args.replications} replications in {time.perf_counter() - start:.0f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The ``perception`` command.

``perception demo`` regenerates the bundled demo exports; ``perception check``
lets a partner check a file before sending it. Exit codes: 0 valid, 1 data
problems, 2 unreadable file or usage error. Never a traceback: every known
failure is one line naming the file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from perception.errors import DataError, PerceptionError, UnreadableFileError

EXIT_OK, EXIT_DATA, EXIT_UNUSABLE = 0, 1, 2
MAX_ROWS_SHOWN = 5


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 on usage errors: keep that, shorter
        self.print_usage(sys.stderr)
        self.exit(EXIT_UNUSABLE, f"perception: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="perception", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    demo = commands.add_parser("demo", help="write the demo partner exports under data/raw/")
    demo.add_argument("--root", type=Path, default=Path("."), help="repository root (default: .)")
    demo.add_argument("--seed", type=int, default=None, help="random seed (default: the documented one)")
    check = commands.add_parser("check", help="check that a file is readable and, with --source, valid")
    check.add_argument("file", type=Path, help="partner export (.sav, .zsav, .por, .dta, .csv, .xlsx)")
    check.add_argument("--source", type=Path, help="source mapping file (config/sources/*.yaml)")
    check.add_argument("--config", type=Path, default=Path("config/config.yaml"), help="project configuration")
    return parser


def _demo(args: argparse.Namespace) -> int:
    from perception.demo import DEFAULT_SEED, write_demo

    paths = write_demo(args.root, seed=DEFAULT_SEED if args.seed is None else args.seed)
    for path in paths:
        print(path)
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from perception.ingest import read_file

    if args.source is None:
        table = read_file(args.file)
        print(
            f"{args.file}: readable; {len(table.data)} rows, {len(table.data.columns)} columns, "
            f"{len(table.labelled_columns)} labelled variables"
        )
        return EXIT_OK

    from perception.harmonise import harmonise
    from perception.ingest import select_mapped_columns
    from perception.metadata import load_source
    from perception.project import Project
    from perception.validate import validate

    root = Path(".")
    project = Project.from_file(args.config, root=root)
    mapping = load_source(args.source, project.codebook, root)
    table = read_file(args.file, mapping.read_options)
    print(
        f"{args.file}: readable; {len(table.data)} rows, {len(table.data.columns)} columns, "
        f"{len(table.labelled_columns)} labelled variables"
    )
    selected = select_mapped_columns(table, mapping)
    result = validate(
        harmonise(selected, mapping, project.codebook, project.geography), project.codebook, project.geography
    )
    if result.quarantine.empty:
        print(f"valid: all {len(result.released)} rows pass the checks of {args.source}")
        return EXIT_OK
    print(f"{len(result.quarantine)} of {len(table.data)} rows have problems:")
    problems: dict[str, list[int]] = {}
    for row, reasons in zip(result.quarantine["source_row"], result.quarantine["reasons"], strict=True):
        for reason in str(reasons).split("; "):
            problems.setdefault(reason, []).append(int(row))
    for reason, rows in problems.items():
        shown = ", ".join(str(r) for r in rows[:MAX_ROWS_SHOWN])
        more = f" and {len(rows) - MAX_ROWS_SHOWN} more" if len(rows) > MAX_ROWS_SHOWN else ""
        print(f"  - {reason}: row(s) {shown}{more}")
    return EXIT_DATA


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _demo(args) if args.command == "demo" else _check(args)
    except (UnreadableFileError, PerceptionError) as exc:
        print(f"perception: {exc}", file=sys.stderr)
        return EXIT_DATA if isinstance(exc, DataError) else EXIT_UNUSABLE
    except Exception as exc:  # last resort: a user must never see a traceback
        print(f"perception: unexpected error ({type(exc).__name__}: {exc}); please report it", file=sys.stderr)
        return EXIT_UNUSABLE


if __name__ == "__main__":
    sys.exit(main())

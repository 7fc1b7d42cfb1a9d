"""The ``perception`` command.

``perception demo`` regenerates the bundled demo exports; ``perception check``
lets a partner check a file before sending it: with ``--source`` it runs the
mapping, the source's quality checks and validation exactly as the workflow
does, and prints each problem with its column, first rows and count, in
French (default) or English (``--lang en``). Exit codes: 0 valid (points to
review may be listed), 1 data problems, 2 unreadable file, configuration or
usage error. Never a traceback: every known failure is one line naming the
file.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from perception.errors import DataError, PerceptionError
from perception.transform.problems import Problem, title

EXIT_OK, EXIT_DATA, EXIT_UNUSABLE = 0, 1, 2
MAX_ROWS_SHOWN = 5


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 on usage errors: keep that, shorter
        self.print_usage(sys.stderr)
        self.exit(EXIT_UNUSABLE, f"perception: {message}\n")


def _scale(text: str) -> float:
    """``--scale``: a number in (0, 1], refused in one line otherwise."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="perception", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    demo = commands.add_parser("demo", help="write the demo partner exports under data/raw/")
    demo.add_argument("--root", type=Path, default=Path("."), help="repository root (default: .)")
    demo.add_argument("--seed", type=int, default=None, help="random seed (default: the documented one)")
    demo.add_argument(
        "--scale",
        type=_scale,
        default=1.0,
        help="sample size relative to the bundled demo, in (0, 1] (default: 1; the tests' .test project uses 0.2)",
    )
    check = commands.add_parser("check", help="check that a file is readable and, with --source, valid")
    check.add_argument("file", type=Path, help="partner export (.sav, .zsav, .por, .dta, .csv, .xlsx)")
    check.add_argument("--source", type=Path, help="source mapping file (config/sources/*.yaml)")
    check.add_argument("--config", type=Path, default=Path("config/config.yaml"), help="project configuration")
    check.add_argument(
        "--lang", choices=["fr", "en"], default="fr", help="language of the report (default: fr, French)"
    )
    return parser


def _demo(args: argparse.Namespace) -> int:
    from perception.demo.population import DEFAULT_SEED
    from perception.demo.write import write_demo

    paths = write_demo(args.root, seed=DEFAULT_SEED if args.seed is None else args.seed, scale=args.scale)
    for path in paths:
        print(path)
    return EXIT_OK


MAX_EXAMPLES = 3


def _say(key: str, lang: str, **values) -> str:
    """A message of the string catalogue (perception/i18n/cli.yaml), filled in."""
    from perception.i18n import load_strings

    return load_strings(lang)["cli"][key].format(**values)


def _where(problem: Problem, raw_columns: dict[str, str]) -> str:
    """The partner's column, with the codebook variable it feeds: "poids (weight_design)"."""
    column, variable = problem.column, problem.variable
    if column == variable and variable in raw_columns:
        column = raw_columns[variable]
    return f"{column} ({variable})" if variable and column and column != variable else column


def _report(entries: list[tuple[int, Problem]], lang: str, raw_columns: dict[str, str]) -> list[str]:
    """Problems grouped by category and column: title, count, first rows, a few examples.

    ``raw_columns`` maps codebook variables to the partner's column names, so
    that a problem found after harmonisation still names the column the
    partner knows.
    """
    groups: dict[tuple[str, str], list[tuple[int, Problem]]] = {}
    for row, problem in entries:
        groups.setdefault((problem.category, _where(problem, raw_columns)), []).append((row, problem))
    lines = []
    for (category, column), items in groups.items():
        rows = list(dict.fromkeys(row for row, _ in items))
        shown = ", ".join(str(r) for r in rows[:MAX_ROWS_SHOWN])
        more = _say("more", lang, n=len(rows) - MAX_ROWS_SHOWN) if len(rows) > MAX_ROWS_SHOWN else ""
        where = _say("column", lang, column=column) if column else ""
        lines.append(
            _say("group", lang, title=title(category, lang), column=where, count=len(rows), rows=shown, more=more)
        )
        examples = list(dict.fromkeys(problem.text(lang) for _, problem in items))
        lines += [_say("example", lang, text=text) for text in examples[:MAX_EXAMPLES]]
    return lines


def _summary(path: Path, table, lang: str) -> str:
    return _say(
        "readable",
        lang,
        file=path,
        rows=len(table.data),
        columns=len(table.data.columns),
        labelled=len(table.labelled_columns),
    )


def _check(args: argparse.Namespace) -> int:
    from perception.ingest.readers import read_file

    lang = args.lang
    if args.source is None:
        table = read_file(args.file)
        print(_summary(args.file, table, lang))
        return EXIT_OK

    from perception.config.project import Project
    from perception.config.sources import load_source
    from perception.ingest.columns import select_mapped_columns
    from perception.ingest.readers import read_source
    from perception.transform.checks import prepare_source
    from perception.transform.validate import validate

    root = Path(".")
    project = Project.from_file(args.config, root=root)
    mapping = load_source(args.source, project.codebook, root)
    geography = project.wave_geography(mapping.wave)
    table = read_source(args.file, mapping)
    print(_summary(args.file, table, lang))
    prepared = prepare_source(select_mapped_columns(table, mapping), mapping, project.codebook, geography)
    design = project.waves[mapping.wave].design if mapping.wave in project.waves else None
    if design is not None:
        project.check_design_mapping(mapping, mapping.wave)
    weight, required = (design.weight, design.columns) if design else (None, ())
    result = validate(prepared.frame, project.codebook, geography, weight, required)
    raw_columns = {name: spec.column for name, spec in mapping.variables.items() if spec.column is not None}
    review = [(f.source_row, f.problem) for f in prepared.findings if f.action == "flag"]
    if review:
        print(_say("review", lang))
        print("\n".join(_report(review, lang, raw_columns)))
    if result.quarantine.empty:
        print(_say("valid", lang, rows=len(result.released), source=args.source))
        return EXIT_OK
    print(_say("problems", lang, bad=len(result.quarantine), rows=len(table.data)))
    entries = [
        (int(row), problem)
        for row, problem in zip(result.problems["source_row"], result.problems["problem"], strict=True)
    ]
    print("\n".join(_report(entries, lang, raw_columns)))
    return EXIT_DATA


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _demo(args) if args.command == "demo" else _check(args)
    except PerceptionError as exc:
        print(f"perception: {exc}", file=sys.stderr)
        return EXIT_DATA if isinstance(exc, DataError) else EXIT_UNUSABLE
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not print a traceback on the way out
        print("perception: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # last resort: a user must never see a traceback
        print(f"perception: unexpected error ({type(exc).__name__}: {exc}); please report it", file=sys.stderr)
        return EXIT_UNUSABLE


if __name__ == "__main__":
    sys.exit(main())

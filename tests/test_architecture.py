"""The package's shape (ARCHITECTURE.md): layers importing only downward, the demo kept apart, small modules."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src/perception"

# Lowest first: a module may import from its own layer and from those before it, never after.
# Read off the code (ARCHITECTURE.md explains each); a new top-level package must be placed here.
LAYERS = (
    "errors",  # the error family
    "files",  # atomic writes, YAML and CSV reading
    "progress",  # progress lines of long stages, in the log and on the terminal
    "i18n",  # the strings catalogue
    "catalog",  # output tables and columns, the results API
    "config",  # project, codebook, geography, registry, sources, margins
    "ingest",  # readers of partner exports
    "transform",  # harmonise, corrections, checks, validate
    "disclosure",  # k-anonymity, l-diversity, cell suppression, masked variance units
    "estimate",  # survey design, weighting, indicators, comparisons, models
    "outputs",  # figures, maps, fact sheets
    "release",  # the partner release bundle
    "book",  # the Jupyter Book editions
    "stale",  # outputs no longer configured, removed at the start of a run (knows every stage's files)
    "job",  # run_rule: a stage as a Snakemake job, with its log and one-line failures
    "stages",  # one function per workflow rule
    "workflow_run",  # make report's Snakemake: stale lock cleared, one line on Ctrl-C
    "demo",  # the demo data generator: above everything the pipeline runs
    "cli",  # the perception command (its `demo` subcommand is the one user of demo/)
)
# The package root re-exports the survey API for researchers; it is the top, not a layer.
FACADE = PACKAGE / "__init__.py"
MAX_LINES = 400
# Modules allowed over MAX_LINES, with the reason; add one only with a plan to split it.
LONG_MODULES: dict[str, str] = {}


def layer_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0].removesuffix(".py")


def imported_modules(path: Path) -> list[tuple[str, int, ast.AST | None]]:
    """(module, line, enclosing function) of every perception import, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ["perception", *path.relative_to(PACKAGE).parent.parts]
    found = []

    def visit(node: ast.AST, function: ast.AST | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            if isinstance(child, ast.Import):
                found.extend((alias.name, child.lineno, function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package[: len(package) - child.level + 1]
                    module = ".".join([*base, *([child.module] if child.module else [])])
                else:
                    module = child.module or ""
                found.append((module, child.lineno, function))
            visit(child, inner)

    visit(tree, None)
    return [(m, line, f) for m, line, f in found if m == "perception" or m.startswith("perception.")]


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_top_level_package_has_a_layer():
    tops = {layer_of(p) for p in modules() if p != FACADE}
    assert sorted(tops - set(LAYERS)) == [], "place new top-level packages in LAYERS (and ARCHITECTURE.md)"


def test_imports_point_only_downward():
    upward = []
    for path in modules():
        if path == FACADE:
            continue
        own = LAYERS.index(layer_of(path))
        for module, line, _ in imported_modules(path):
            parts = module.split(".")
            if len(parts) < 2:
                upward.append(f"{path.relative_to(REPO)}:{line} imports the package root")
                continue
            target = parts[1]
            if target in LAYERS and LAYERS.index(target) > own:
                upward.append(f"{path.relative_to(REPO)}:{line} ({layer_of(path)}) imports {module} ({target})")
    assert upward == []


def test_nothing_outside_demo_imports_the_demo():
    users = []
    for path in [*modules(), *sorted((REPO / "workflow").rglob("*.py"))]:
        if path.is_relative_to(PACKAGE / "demo"):
            continue
        source = path if path.is_relative_to(PACKAGE) else None
        imports = imported_modules(path) if source else _script_imports(path)
        for module, line, function in imports:
            if module == "perception.demo" or module.startswith("perception.demo."):
                lazy_cli = path == PACKAGE / "cli.py" and getattr(function, "name", None) == "_demo"
                if not lazy_cli:
                    users.append(f"{path.relative_to(REPO)}:{line} imports {module}")
    assert users == []


def _script_imports(path: Path) -> list[tuple[str, int, ast.AST | None]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, node.lineno, None))
    return found


def test_what_the_pipeline_runs_never_loads_the_demo():
    """Importing every stage, every workflow script's modules and the CLI loads no perception.demo module."""
    imports = {"perception.stages", "perception.cli"}
    for script in sorted((REPO / "workflow/scripts").glob("*.py")):
        imports |= {m for m, _, _ in _script_imports(script) if m.startswith("perception")}
    code = "; ".join(f"import {m}" for m in sorted(imports))
    code += "; import sys; print(sorted(m for m in sys.modules if m.startswith('perception.demo')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"


def test_no_module_is_over_400_lines():
    long = {}
    for path in modules():
        name = path.relative_to(PACKAGE).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES and name not in LONG_MODULES:
            long[name] = lines
    assert long == {}, f"split these modules (or list them in LONG_MODULES with a reason): {long}"
    for name in LONG_MODULES:
        assert (PACKAGE / name).is_file(), f"LONG_MODULES lists {name}, which no longer exists"


def test_the_checker_sees_an_upward_import(tmp_path, monkeypatch):
    """The import walker resolves relative imports and names the enclosing function (so the test can fail)."""
    package = tmp_path / "perception"
    (package / "ingest").mkdir(parents=True)
    module = package / "ingest" / "x.py"
    module.write_text("from ..book import y\n\ndef f():\n    from perception.demo import z\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", package)
    found = imported_modules(module)
    assert [(m, getattr(f, "name", None)) for m, _, f in found] == [("perception.book", None), ("perception.demo", "f")]

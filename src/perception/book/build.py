"""Building the HTML of every edition with Jupyter Book 1.x, all or nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


class BookBuildError(RuntimeError):
    """Jupyter Book failed (or warned) on at least one edition."""


def jupyter_book() -> Path:
    """The ``jupyter-book`` entry point of the interpreter running this code."""
    command = Path(sys.executable).parent / "jupyter-book"
    if not command.exists():
        raise BookBuildError(f"{command} not found: install jupyter-book<2 in this environment")
    return command


def build_book(sources_dir: Path, html_dir: Path) -> None:
    """Build every edition in ``sources_dir`` into ``html_dir/<lang>/``, plus the chooser page.

    The editions build in parallel, each into its own scratch directory (which
    also holds Sphinx's doctrees and any Jupyter cache, keeping them out of the
    sources). Only when all succeeded does the new site replace ``html_dir``.
    """
    sources_dir, html_dir = Path(sources_dir).resolve(), Path(html_dir).resolve()
    editions = sorted(config.parent for config in sources_dir.glob("*/_config.yml"))
    if not editions:
        raise BookBuildError(f"{sources_dir}: no edition (<lang>/_config.yml) to build")
    html_dir.parent.mkdir(parents=True, exist_ok=True)
    # Scratch folders of a build that was killed (kill -9 skips the clean-up
    # below); Snakemake runs one book job at a time, so none is in use.
    for stale in html_dir.parent.glob(f".{html_dir.name}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{html_dir.name}-", dir=html_dir.parent))
    try:
        command = jupyter_book()
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        running = [
            (
                edition,
                subprocess.Popen(
                    [
                        str(command),
                        "build",
                        str(edition),
                        "--path-output",
                        str(scratch / "work" / edition.name),
                        "--builder",
                        "html",
                        "--warningiserror",
                        "--keep-going",
                        "--quiet",
                    ],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    env=env,
                ),
            )
            for edition in editions
        ]
        failures = []
        for edition, process in running:
            output, _ = process.communicate()
            if process.returncode != 0:
                failures.append(f"--- {edition.name} (exit {process.returncode}) ---\n{output[-4000:]}")
        if failures:
            raise BookBuildError("jupyter-book build failed:\n" + "\n".join(failures))
        site = scratch / "site"
        site.mkdir()
        for edition in editions:
            shutil.move(scratch / "work" / edition.name / "_build" / "html", site / edition.name)
            # Sphinx's incremental-build stamp (a hash of the configuration it
            # was built with): of no use to a reader, and it would make the site
            # differ between checkouts. Every build here starts from scratch.
            (site / edition.name / ".buildinfo").unlink(missing_ok=True)
        if (sources_dir / "index.html").is_file():
            shutil.copyfile(sources_dir / "index.html", site / "index.html")
        if html_dir.exists():
            html_dir.rename(scratch / "previous")
        site.rename(html_dir)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

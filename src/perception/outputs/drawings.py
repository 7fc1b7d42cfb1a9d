"""Content-addressed drawings: a chart or map whose plot did not change is copied, not drawn again.

Drawing takes about 0.4 s a chart and is most of the figures, charts and
maps jobs, which Snakemake reruns whenever any wave's indicators change
(every output of a rerun job is deleted first). Each output's last drawing
is kept under ``<figures>/.drawn/``, named by a key: the plot's
:func:`~perception.outputs.fingerprint.fingerprint`, the language it is
typeset for, its size and resolution, the versions of the drawing
libraries and the source of the modules that draw and typeset it. An
output whose key is unchanged gets those bytes back, the very bytes drawing
would give (drawing is deterministic: see ``make identity``); any other is
drawn and replaces its kept drawing, so the folder holds one file per
output, a hard link to it where the file system allows (no second copy).
Deleting the folder only costs the time to draw again.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import shutil
from importlib import metadata
from pathlib import Path

from perception.catalog.paths import DRAWN_SUBDIR
from perception.files import write_atomic
from perception.outputs.fingerprint import Unfingerprintable, fingerprint

log = logging.getLogger("perception")

KEY_CHARS = 32  # 128 bits of SHA-256
DRAWING_LIBRARIES = ("plotnine", "matplotlib", "mizani", "numpy", "pandas", "pillow")
# The code that runs while a plot is drawn and typeset, besides the libraries.
DRAWING_PACKAGES = ("outputs", "i18n")


@functools.cache
def drawing_code() -> str:
    """Digest of the drawing libraries' versions and of this package's drawing and typesetting source."""
    digest = hashlib.sha256()
    for library in DRAWING_LIBRARIES:
        digest.update(f"{library}={metadata.version(library)}\n".encode())
    package = Path(__file__).resolve().parents[1]
    for folder in DRAWING_PACKAGES:
        for source in sorted((package / folder).rglob("*")):
            if source.is_file() and source.suffix in (".py", ".yaml"):
                digest.update(source.relative_to(package).as_posix().encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


class Drawings:
    """The kept drawings of the outputs under ``out_dir``, and how many this job drew and reused."""

    def __init__(self, out_dir: str | Path):
        self.out_dir = Path(out_dir)
        self.drawn = 0
        self.reused = 0

    def key(self, plot, lang: str, width: float, height: float, dpi: int) -> str | None:
        """The drawing's key, or None if the plot holds something a fingerprint cannot see."""
        try:
            plot_digest = fingerprint(plot)
        except Unfingerprintable as reason:
            log.info("drawn without reuse: %s", reason)
            return None
        text = f"{plot_digest}|{lang}|{width!r}|{height!r}|{dpi}|{drawing_code()}"
        return hashlib.sha256(text.encode()).hexdigest()[:KEY_CHARS]

    def kept(self, path: Path, key: str) -> Path:
        relative = Path(path).resolve().relative_to(self.out_dir.resolve())
        return self.out_dir / DRAWN_SUBDIR / relative.parent / f"{relative.stem}.{key}{relative.suffix}"

    def reuse(self, path: Path, key: str | None) -> bool:
        """Write ``path`` from its kept drawing if there is one for ``key``."""
        if key is None or not self.kept(path, key).is_file():
            return False
        _share(self.kept(path, key), path)
        os.utime(path)  # as new as the job that wrote it, or Snakemake would find it older than its inputs
        self.reused += 1
        return True

    def keep(self, path: Path, key: str | None) -> None:
        """Keep the drawing just written to ``path`` under ``key``, instead of the output's earlier one."""
        self.drawn += 1
        if key is None:
            return
        kept = self.kept(path, key)
        _share(path, kept)
        for earlier in kept.parent.iterdir():
            if earlier != kept and _is_kept_name(earlier.name, kept):
                earlier.unlink()

    def summary(self) -> str:
        return f"{self.drawn} drawn, {self.reused} unchanged (reused from {self.out_dir / DRAWN_SUBDIR})"


def _share(source: Path, target: Path) -> None:
    """``target`` with ``source``'s bytes, atomically: a hard link (no second copy on disk), else a copy.

    Outputs are only ever replaced whole (:func:`perception.files.write_atomic`)
    or deleted, never written in place, so the two names cannot drift apart.
    """

    def link_or_copy(tmp: Path) -> None:
        tmp.unlink()
        try:
            os.link(source, tmp)
        except OSError:  # a file system without hard links
            shutil.copyfile(source, tmp)

    write_atomic(target, link_or_copy)


def _is_kept_name(name: str, kept: Path) -> bool:
    """``<stem>.<key><suffix>`` for the output ``kept`` belongs to (``summary`` must not take ``summary-phone``)."""
    stem = kept.stem.rsplit(".", 1)[0]
    middle = name[len(stem) + 1 : -len(kept.suffix)]
    return name.startswith(f"{stem}.") and len(middle) == KEY_CHARS and all(c in "0123456789abcdef" for c in middle)

"""Every word the project shows a reader, in French and English.

One catalogue, in the YAML files of this folder, holds each string once with
one value per language, so that the editions cannot drift apart and a
translator works in one place: the book, its figures and maps, the fact
sheets, the partner release, the data-quality messages and the command line
all read it through :func:`load_strings`. Values are Python format strings
where they take ``{placeholders}``. Keys ending in ``_one`` / ``_many`` are the
singular and plural of one sentence. Labels of waves, indicators, regions and
codes are not here: they live with their definitions in ``config/``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from perception.files import load_yaml

LANGUAGES = ("fr", "en")
CATALOGUE_DIR = Path(__file__).parent


def catalogue_files() -> list[Path]:
    """The catalogue's files, in a fixed order (the workflow lists them as inputs)."""
    return sorted(CATALOGUE_DIR.glob("*.yaml"))


def _pick(node: object, lang: str, where: str) -> object:
    """Resolve ``{fr: ..., en: ...}`` leaves to one language, recursively."""
    if isinstance(node, dict) and set(LANGUAGES) <= set(node):
        return node[lang]
    if isinstance(node, dict):
        return {key: _pick(value, lang, f"{where}.{key}") for key, value in node.items()}
    raise ValueError(f"{where} needs a value for each of {', '.join(LANGUAGES)}")


@lru_cache(maxsize=len(LANGUAGES))
def _catalogue(lang: str) -> dict:
    merged: dict = {}
    for path in catalogue_files():
        raw = load_yaml(path) or {}
        for key, value in raw.items():
            if key in merged:
                raise ValueError(f"{path}: key {key!r} is defined twice in the string catalogue")
            merged[key] = _pick(value, lang, f"{path.name}: {key}")
    return merged


def load_strings(lang: str) -> dict:
    """Every catalogue string in ``lang`` (``fr`` or ``en``)."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    return _catalogue(lang)

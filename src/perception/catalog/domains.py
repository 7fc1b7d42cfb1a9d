"""Names of estimation domains, defined once: ``national``, ``region``, ``gender``, ``region_gender``.

A domain on an earlier layout's regions carries the layout after ``@``:
``region@regions_2012`` is Mopti as drawn in 2012, estimated in a wave on
the 2023 layout from the respondents of the regions that now make it up
(Mopti, Douentza, Bandiagara). Its ``region_code`` is a code of that
layout. Such rows exist only where a series crosses a reform; the plain
domains always hold the wave's own layout.
"""

from __future__ import annotations

LAYOUT_MARK = "@"


def on_layout(domain: str, layout: str) -> str:
    """``domain`` on the regions of ``layout`` (``region`` -> ``region@regions_2012``)."""
    return f"{domain}{LAYOUT_MARK}{layout}"


def split(domain: str) -> tuple[str, str | None]:
    """(plain domain, layout or None): ``region@regions_2012`` -> (``region``, ``regions_2012``)."""
    plain, mark, layout = str(domain).partition(LAYOUT_MARK)
    return plain, (layout if mark else None)


def is_former_territory(domain: object) -> bool:
    """Whether a domain is on an earlier layout's regions (see the module's docstring)."""
    return LAYOUT_MARK in str(domain)

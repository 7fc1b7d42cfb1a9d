"""The one look of every chart, map and fact sheet, and how values are put on an axis.

Values are drawn in their indicator's unit (``Indicator.unit``): proportions
as percentages, indices on 0–100, mean scores on the code scale. PNG files
are byte-identical across runs: fixed size, dpi and font, and no "Software"
metadata (which would embed the matplotlib version).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import plotnine as p9

from perception.config.project import Project
from perception.config.registry import Indicator
from perception.files import write_atomic
from perception.i18n import load_strings
from perception.i18n.numbers import format_decimal, format_percent
from perception.i18n.typography import typeset
from perception.outputs.drawings import Drawings

# Labels come from configuration and data files: a "$" in a region name is a
# dollar sign, never the start of mathtext (which would also fail on "$\frac{$").
# Every chart, map and fact sheet imports this module.
matplotlib.rcParams["text.parse_math"] = False

FONT = "DejaVu Sans"  # shipped with matplotlib, so every machine renders the same glyphs


WIDTH_IN, HEIGHT_IN, DPI = 7.0, 5.0, 150


def find_indicator(project: Project, indicator_id: str) -> Indicator:
    for indicator in project.indicators:
        if indicator.id == indicator_id:
            return indicator
    raise KeyError(f"unknown indicator {indicator_id!r}")


def gender_codes(project: Project) -> list[str]:
    return [str(code) for code in project.codebook["gender_code"].codes]


def _gender_label(project: Project, code: str, lang: str) -> str:
    return project.codebook.value_label("gender_code", code, lang)


@dataclass(frozen=True)
class ValueAxis:
    """How an indicator's values are drawn: multiplier, limits, breaks and axis title."""

    factor: float
    limits: tuple[float, float]
    breaks: tuple[float, ...]
    title: str
    unit: str
    lang: str

    def labels(self, values: list[float]) -> list[str]:
        # As few decimals as the breaks need (a fitted map scale may step by 2.5 or 0.25).
        digits = next((d for d in (0, 1, 2) if all(abs(v - round(v, d)) < 1e-9 for v in values)), 2)
        if self.unit == "proportion":
            return [format_percent(v / 100, self.lang, digits=digits) for v in values]
        return [format_decimal(v, self.lang, digits=digits) for v in values]


def value_axis(project: Project, indicator: Indicator, lang: str) -> ValueAxis:
    """Percent for proportions, 0–100 for indices, the code range for mean scores."""
    strings = load_strings(lang)
    if indicator.unit == "score":
        codes = sorted(project.codebook[indicator.variable].codes)
        return ValueAxis(1.0, (codes[0], codes[-1]), tuple(codes), strings["fig_axis_score"], "score", lang)
    breaks = tuple(range(0, 101, 20))
    if indicator.unit == "index":
        return ValueAxis(1.0, (0, 100), breaks, strings["fig_axis_index"], "index", lang)
    return ValueAxis(100.0, (0, 100), breaks, strings["fig_axis"], "proportion", lang)


def theme_perception(width: float = WIDTH_IN, height: float = HEIGHT_IN, **extra) -> p9.theme:
    """The one look of every chart: black and white, DejaVu Sans, bold title, caption still readable."""
    settings = {
        "figure_size": (width, height),
        "dpi": DPI,
        "panel_grid_minor": p9.element_blank(),
        "plot_title": p9.element_text(weight="bold", size=12),
        # Shown at about two thirds of their pixel size on a page: at least
        # 10 pt keeps every word at 11 px or more at 100 % zoom.
        "axis_text": p9.element_text(size=10, colour="#1a1a1a"),
        "legend_text": p9.element_text(size=10),
        "legend_title": p9.element_text(size=10),
        "plot_caption": p9.element_text(size=9, colour="#333333"),
    }
    return p9.theme_bw(base_size=10, base_family=FONT) + p9.theme(**{**settings, **extra})


def typeset_figure(figure, lang: str) -> None:
    """Every text of a drawn matplotlib figure through ``perception.i18n.typography.typeset``."""
    from matplotlib.text import Text

    for artist in figure.findobj(Text):
        text = artist.get_text()
        if text:
            artist.set_text(typeset(text, lang))


def save_png(
    plot: p9.ggplot,
    path: Path,
    lang: str,
    width: float = WIDTH_IN,
    height: float = HEIGHT_IN,
    drawings: Drawings | None = None,
) -> None:
    """Write ``plot`` so that the same data always gives the same bytes, atomically, its text typeset for ``lang``.

    The plot is drawn first so that typography reaches every label, legend
    and caption, whatever layer or scale produced it: plotnine's public
    ``save_helper`` gives the figure it would save, and the figure is saved
    under the theme's own matplotlib settings, as ``ggplot.save`` does. With
    ``drawings``, a plot drawn before at the same size is copied from its
    kept drawing instead (:mod:`perception.outputs.drawings`).
    """
    import matplotlib as mpl

    key = drawings.key(plot, lang, width, height, DPI) if drawings else None
    if drawings and drawings.reuse(path, key):
        return

    def write(tmp: Path) -> None:
        saved = plot.save_helper(
            filename=tmp,
            format="png",
            width=width,
            height=height,
            dpi=DPI,
            units="in",
            verbose=False,
            metadata={"Software": None},
        )
        typeset_figure(saved.figure, lang)
        with mpl.rc_context(plot.theme.rcParams):
            saved.figure.savefig(**saved.kwargs)
        plt.close(saved.figure)

    write_atomic(path, write)
    if drawings:
        drawings.keep(path, key)

"""Figures of the book: one dot-and-whisker chart per language, wave and indicator.

The charts only draw what ``data/processed/indicators.csv`` says: no estimate
is recomputed here. A cell flagged ``is_suppressed`` (or absent, which means
nobody was interviewed there) is drawn as a hollow marker on the axis with a
"suppressed" label, so that a reader never mistakes it for a zero or reads a
value off it. Every word comes from the project metadata or from
``book/templates/strings.yaml``, the single place that holds the book's
per-language strings; the number formatting helpers live here too because the
report (``perception.report``) must print numbers exactly as the figures do.

Values are drawn in their indicator's unit (``Indicator.unit``): proportions
as percentages, indices on 0–100, mean scores on the code scale. The same
theme (``theme_perception``) dresses every chart of the project, including the
maps of ``perception.maps``.

PNG files are byte-identical across runs: fixed size, dpi and font, and no
"Software" metadata (which would embed the matplotlib version).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import plotnine as p9

from perception.indicators import Indicator
from perception.metadata import LANGUAGES, load_yaml
from perception.project import Project
from perception.results import Cell, Estimates, read_indicators

STRINGS_PATH = Path("book/templates/strings.yaml")

# Women and men differ by marker shape *and* by fill lightness, so the chart
# stays readable when printed in greyscale.
GENDER_SHAPES = ("o", "s")
GENDER_COLOURS = ("#1f4e79", "#e69f00")
FONT = "DejaVu Sans"  # shipped with matplotlib, so every machine renders the same glyphs
WIDTH_IN, HEIGHT_IN, DPI = 7.0, 5.0, 150
DODGE = 0.6

# --------------------------------------------------------------------------
# Per-language strings and number formatting
# --------------------------------------------------------------------------


def _pick(node: object, lang: str, where: str) -> object:
    """Resolve ``{fr: ..., en: ...}`` leaves to one language, recursively."""
    if isinstance(node, dict) and set(LANGUAGES) <= set(node):
        return node[lang]
    if isinstance(node, dict):
        return {key: _pick(value, lang, f"{where}.{key}") for key, value in node.items()}
    raise ValueError(f"{STRINGS_PATH}: {where} needs a value for each of {', '.join(LANGUAGES)}")


@lru_cache(maxsize=8)
def _strings(path: Path, lang: str) -> dict:
    raw = load_yaml(path) or {}
    return {key: _pick(value, lang, key) for key, value in raw.items()}


def load_strings(project: Project, lang: str) -> dict:
    """The book's words in ``lang``, read from ``book/templates/strings.yaml``."""
    return _strings((project.root / STRINGS_PATH).resolve(), lang)


# Locale conventions, not prose: French puts a non-breaking space before "%"
# and between thousands and writes a decimal comma (45,2 %); English does not.
NUMBER_FORMATS = {
    "fr": {
        "decimal": ",",
        "thousands": "\u00a0",
        "percent": "{value}\u00a0%",
        "interval": "{low}–{high}",
        "points": "{value}\u00a0pts",
        "signed_interval": "[{low}\u00a0; {high}]",
    },
    "en": {
        "decimal": ".",
        "thousands": ",",
        "percent": "{value}%",
        "interval": "{low}–{high}",
        "points": "{value} pts",
        "signed_interval": "[{low}, {high}]",
    },
}


def format_decimal(value: float, lang: str, digits: int = 1) -> str:
    """A number with the decimal mark of ``lang`` ("45,2" in French, "45.2" in English)."""
    return f"{value:.{digits}f}".replace(".", NUMBER_FORMATS[lang]["decimal"])


def format_percent(proportion: float, lang: str, digits: int = 1) -> str:
    """A proportion in [0, 1] as a percentage: "45,2 %" (non-breaking space) or "45.2%"."""
    return NUMBER_FORMATS[lang]["percent"].format(value=format_decimal(proportion * 100, lang, digits))


def format_ci(low: float, high: float, lang: str) -> str:
    """A 95 % interval in percentage points, e.g. "41,0–49,4"."""
    return NUMBER_FORMATS[lang]["interval"].format(
        low=format_decimal(low * 100, lang), high=format_decimal(high * 100, lang)
    )


def format_count(value: float, lang: str) -> str:
    """A whole number with the thousands separator of ``lang`` ("12 345" or "12,345")."""
    return f"{round(value):,}".replace(",", NUMBER_FORMATS[lang]["thousands"])


def _digits(unit: str) -> int:
    """Mean scores live on a short code scale (1–4) and need a second decimal."""
    return 2 if unit == "score" else 1


def _scaled(value: float, unit: str) -> float:
    """Proportions are stored as 0–1 and printed in percent (points)."""
    return value * 100 if unit == "proportion" else value


def format_value(value: float, unit: str, lang: str) -> str:
    """An estimate in its unit: "45,2 %" (proportion), "21,3" (index 0–100), "2,41" (score)."""
    if unit == "proportion":
        return format_percent(value, lang)
    return format_decimal(value, lang, _digits(unit))


def format_interval(low: float, high: float, unit: str, lang: str) -> str:
    """A 95 % interval in the unit of the estimate, without the % sign ("41,0–49,4")."""
    return NUMBER_FORMATS[lang]["interval"].format(
        low=format_decimal(_scaled(low, unit), lang, _digits(unit)),
        high=format_decimal(_scaled(high, unit), lang, _digits(unit)),
    )


def format_estimate(cell: Cell, unit: str, lang: str, mark: str, flag: str) -> str:
    """ "45,2 % (41,0–49,4)", plus ``flag`` when the cell is flagged unreliable; ``mark`` when unpublished."""
    if not cell.published:
        return mark
    text = f"{format_value(cell.estimate, unit, lang)} ({format_interval(cell.ci_low, cell.ci_high, unit, lang)})"
    return text + flag if cell.flagged else text


def _signed(value: float, unit: str, lang: str) -> str:
    magnitude = round(abs(_scaled(value, unit)), _digits(unit))
    text = format_decimal(magnitude, lang, _digits(unit))
    # A difference that rounds to zero gets no sign, so "+0,0" never suggests a direction.
    if magnitude == 0:
        return text
    return ("+" if value > 0 else "\u2212") + text


def format_difference(value: float, unit: str, lang: str) -> str:
    """A signed difference: "+4,7 pts" (percentage points, or index points) or "−0,12" (score)."""
    text = _signed(value, unit, lang)
    return text if unit == "score" else NUMBER_FORMATS[lang]["points"].format(value=text)


def format_difference_ci(low: float, high: float, unit: str, lang: str) -> str:
    """The 95 % interval of a difference, both bounds signed: "[−2,9 ; +18,0]"."""
    return NUMBER_FORMATS[lang]["signed_interval"].format(low=_signed(low, unit, lang), high=_signed(high, unit, lang))


# --------------------------------------------------------------------------
# The chart
# --------------------------------------------------------------------------


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
        if self.unit == "proportion":
            return [format_percent(v / 100, self.lang, digits=0) for v in values]
        return [format_decimal(v, self.lang, digits=0) for v in values]


def value_axis(project: Project, indicator: Indicator, lang: str) -> ValueAxis:
    """Percent for proportions, 0–100 for indices, the code range for mean scores."""
    strings = load_strings(project, lang)
    if indicator.unit == "score":
        codes = sorted(project.codebook[indicator.variable].codes)
        return ValueAxis(1.0, (codes[0], codes[-1]), tuple(codes), strings["fig_axis_score"], "score", lang)
    breaks = tuple(range(0, 101, 20))
    if indicator.unit == "index":
        return ValueAxis(1.0, (0, 100), breaks, strings["fig_axis_index"], "index", lang)
    return ValueAxis(100.0, (0, 100), breaks, strings["fig_axis"], "proportion", lang)


def theme_perception(width: float = WIDTH_IN, height: float = HEIGHT_IN, **extra) -> p9.theme:
    """The one look of every chart: black and white, DejaVu Sans, bold title, small caption."""
    settings = {
        "figure_size": (width, height),
        "dpi": DPI,
        "panel_grid_minor": p9.element_blank(),
        "plot_title": p9.element_text(weight="bold", size=11),
        "plot_caption": p9.element_text(size=7, colour="#444444"),
    }
    return p9.theme_bw(base_size=10, base_family=FONT) + p9.theme(**{**settings, **extra})


def plot_data(estimates: Estimates, project: Project, wave: str, indicator_id: str, lang: str) -> pd.DataFrame:
    """What the chart draws: one row per region and gender, in configured order.

    Values are in axis units (see ``value_axis``). Unpublished cells get
    ``published=False``, the axis minimum and the "suppressed" label instead
    of their value.
    """
    strings = load_strings(project, lang)
    axis = value_axis(project, find_indicator(project, indicator_id), lang)
    floor = axis.limits[0]
    rows = []
    for region in project.geography.regions:
        for position, code in enumerate(gender_codes(project)):
            cell = estimates.get(wave, indicator_id, "region_gender", region.code, code)
            rows.append(
                {
                    "region": region.name[lang],
                    "gender": _gender_label(project, code, lang),
                    "slot": -position,
                    "published": cell.published,
                    "estimate": cell.estimate * axis.factor if cell.published else floor,
                    "ci_low": cell.ci_low * axis.factor if cell.published else floor,
                    "ci_high": cell.ci_high * axis.factor if cell.published else floor,
                    "label": "" if cell.published else f"  {strings['fig_suppressed']}",
                }
            )
    frame = pd.DataFrame(rows)
    # coord_flip draws the first category at the bottom: reverse so the
    # first configured region is on top, as in the tables.
    regions = [r.name[lang] for r in project.geography.regions]
    frame["region"] = pd.Categorical(frame["region"], categories=regions[::-1], ordered=True)
    genders = [_gender_label(project, c, lang) for c in gender_codes(project)]
    frame["gender"] = pd.Categorical(frame["gender"], categories=genders, ordered=True)
    return frame


def indicator_by_region(
    indicators: pd.DataFrame, project: Project, wave: str, indicator_id: str, lang: str
) -> p9.ggplot:
    """Estimates by region and gender with 95 % CIs and the national reference line."""
    estimates = Estimates(indicators)
    strings = load_strings(project, lang)
    indicator = find_indicator(project, indicator_id)
    axis = value_axis(project, indicator, lang)
    frame = plot_data(estimates, project, wave, indicator_id, lang)
    shown = frame[frame["published"]]
    hidden = frame[~frame["published"]]
    dodge = p9.position_dodge(width=DODGE)
    genders = list(frame["gender"].cat.categories)

    # Dodging by ``slot`` (minus the configured position) stacks the first
    # gender on top within each region after coord_flip, as in the legend.
    plot = p9.ggplot(frame, p9.aes(x="region", group="slot"))
    national = estimates.get(wave, indicator_id, "national")
    if national.published:
        plot += p9.annotate(
            "rect",
            xmin=-math.inf,
            xmax=math.inf,
            ymin=national.ci_low * axis.factor,
            ymax=national.ci_high * axis.factor,
            fill="#000000",
            alpha=0.08,
        )
        plot += p9.geom_hline(
            p9.aes(yintercept="y", linetype="what"),
            data=pd.DataFrame(
                {
                    "y": [national.estimate * axis.factor],
                    "what": [
                        strings["fig_national"].format(value=format_value(national.estimate, indicator.unit, lang))
                    ],
                }
            ),
            colour="#333333",
        )
    plot += p9.geom_linerange(
        p9.aes(ymin="ci_low", ymax="ci_high", colour="gender"), data=shown, position=dodge, size=0.9
    )
    plot += p9.geom_point(
        p9.aes(y="estimate", fill="gender", shape="gender"),
        data=shown,
        position=dodge,
        size=3,
        stroke=0.6,
        colour="#000000",
    )
    if not hidden.empty:
        plot += p9.geom_point(
            p9.aes(y="estimate", shape="gender"),
            data=hidden,
            position=dodge,
            size=3,
            stroke=0.8,
            fill="#ffffff",
            colour="#555555",
            show_legend=False,
        )
        plot += p9.geom_text(
            p9.aes(y="estimate", label="label"),
            data=hidden,
            position=dodge,
            ha="left",
            va="center",
            size=7,
            colour="#555555",
            family=FONT,
            show_legend=False,
        )
    plot += p9.scale_shape_manual(values=dict(zip(genders, GENDER_SHAPES, strict=True)), drop=False)
    plot += p9.scale_fill_manual(values=dict(zip(genders, GENDER_COLOURS, strict=True)), drop=False)
    plot += p9.scale_colour_manual(values=dict(zip(genders, GENDER_COLOURS, strict=True)), drop=False)
    plot += p9.scale_linetype_manual(values=["dashed"])
    plot += p9.scale_y_continuous(limits=axis.limits, breaks=list(axis.breaks), labels=axis.labels)
    plot += p9.scale_x_discrete(drop=False)
    plot += p9.coord_flip()
    plot += p9.labs(
        title=indicator.label[lang],
        subtitle=project.waves[wave].label[lang],
        caption=strings["fig_caption"].format(min_n=project.min_cell_n),
        x="",
        y=axis.title,
        fill=project.codebook["gender_code"].label[lang],
        shape=project.codebook["gender_code"].label[lang],
        colour=project.codebook["gender_code"].label[lang],
        linetype="",
    )
    plot += p9.guides(linetype=p9.guide_legend(order=2), fill=p9.guide_legend(order=1))
    plot += theme_perception(legend_position="bottom", legend_box="horizontal", panel_grid_major_y=p9.element_blank())
    return plot


def save_png(plot: p9.ggplot, path: Path, width: float = WIDTH_IN, height: float = HEIGHT_IN) -> None:
    """Write ``plot`` so that the same data always gives the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    plot.save(path, width=width, height=height, dpi=DPI, units="in", verbose=False, metadata={"Software": None})


def figure_path(out_dir: Path, lang: str, wave: str, indicator_id: str) -> Path:
    return Path(out_dir) / lang / wave / f"{indicator_id}.png"


def write_figures(
    indicators_csv: Path,
    project: Project,
    out_dir: Path,
    languages: list[str] | None = None,
    waves: list[str] | None = None,
) -> list[Path]:
    """Write every language × wave × indicator chart; paths in configured order.

    ``languages`` and ``waves`` restrict the set, so the workflow can draw
    each edition and wave as a separate job, in parallel.
    """
    frame = read_indicators(indicators_csv)
    paths = []
    for lang in languages or project.languages:
        for wave in waves or project.wave_ids:
            for indicator in project.indicators:
                path = figure_path(out_dir, lang, wave, indicator.id)
                save_png(indicator_by_region(frame, project, wave, indicator.id, lang), path)
                paths.append(path)
    return paths


# --------------------------------------------------------------------------
# Alternative text
# --------------------------------------------------------------------------


def alt_text(indicators: pd.DataFrame | Estimates, project: Project, wave: str, indicator_id: str, lang: str) -> str:
    """What the chart shows, in words, for readers who cannot see it.

    Built from the published regional estimates (all genders together): the
    highest and lowest region, the national figure, women and men, and how
    many cells of the chart are suppressed. Ties go to the region configured
    first, so the text is stable.
    """
    estimates = indicators if isinstance(indicators, Estimates) else Estimates(indicators)
    strings = load_strings(project, lang)
    indicator = find_indicator(project, indicator_id)
    mark = strings["suppressed_mark"]

    def shown(cell: Cell) -> str:
        return format_value(cell.estimate, indicator.unit, lang) if cell.published else mark

    fields = {
        "indicator": indicator.label[lang],
        "wave": project.waves[wave].label[lang],
        "national": shown(estimates.get(wave, indicator_id, "national")),
    }
    regional = [
        (region, estimates.get(wave, indicator_id, "region", region.code)) for region in project.geography.regions
    ]
    regional = [(region, cell) for region, cell in regional if cell.published]
    if regional:
        high = max(regional, key=lambda item: item[1].estimate)
        low = min(regional, key=lambda item: item[1].estimate)
        text = strings["alt_text"].format(
            **fields,
            high_region=high[0].name[lang],
            high=shown(high[1]),
            low_region=low[0].name[lang],
            low=shown(low[1]),
        )
    else:
        text = strings["alt_text_no_region"].format(**fields)
    women, men = "f", "m"  # the gender codes of the estimation domains (config/codebook.yaml)
    text += strings["alt_text_gender"].format(
        women_label=_gender_label(project, women, lang),
        women=shown(estimates.get(wave, indicator_id, "gender", gender=women)),
        men_label=_gender_label(project, men, lang),
        men=shown(estimates.get(wave, indicator_id, "gender", gender=men)),
    )
    hidden = sum(
        not estimates.get(wave, indicator_id, "region_gender", region.code, code).published
        for region in project.geography.regions
        for code in gender_codes(project)
    )
    if hidden:
        text += strings["alt_text_suppressed"].format(count=hidden, min_n=project.min_cell_n)
    return text

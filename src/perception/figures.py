"""Figures of the book: one dot-and-whisker chart per language, wave and indicator.

The charts only draw what ``data/processed/indicators.csv`` says: no estimate
is recomputed here. A cell flagged ``is_suppressed`` (or absent, which means
nobody was interviewed there) is drawn as a hollow marker on the axis with a
"suppressed" label, so that a reader never mistakes it for a zero or reads a
value off it. Every word comes from the project metadata or from
``book/templates/strings.yaml``, the single place that holds the book's
per-language strings; the number formatting helpers live here too because the
report (``perception.report``) must print numbers exactly as the figures do.

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

from perception.metadata import LANGUAGES, load_yaml
from perception.project import Project

STRINGS_PATH = Path("book/templates/strings.yaml")

# Women and men differ by marker shape *and* by fill lightness, so the chart
# stays readable when printed in greyscale.
GENDER_SHAPES = ("o", "s")
GENDER_COLOURS = ("#1f4e79", "#e69f00")
FONT = "DejaVu Sans"  # shipped with matplotlib, so every machine renders the same glyphs
WIDTH_IN, HEIGHT_IN, DPI = 7.0, 5.0, 150
DODGE = 0.6

INDICATOR_COLUMNS = [
    "wave",
    "indicator",
    "domain",
    "region_code",
    "gender_code",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "n",
    "is_suppressed",
]
KEY_COLUMNS = ["wave", "indicator", "domain", "region_code", "gender_code"]
VALUE_COLUMNS = ["estimate", "se", "ci_low", "ci_high"]


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
    "fr": {"decimal": ",", "thousands": "\u00a0", "percent": "{value}\u00a0%", "interval": "{low}–{high}"},
    "en": {"decimal": ".", "thousands": ",", "percent": "{value}%", "interval": "{low}–{high}"},
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


# --------------------------------------------------------------------------
# Reading the estimates
# --------------------------------------------------------------------------


def read_indicators(path: Path) -> pd.DataFrame:
    """Read ``indicators.csv`` with empty domain codes kept as "" (not NaN)."""
    frame = pd.read_csv(
        path, dtype={c: str for c in KEY_COLUMNS}, keep_default_na=False, na_values={c: [""] for c in VALUE_COLUMNS}
    )
    return normalise_indicators(frame)


def _as_bool(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def normalise_indicators(frame: pd.DataFrame) -> pd.DataFrame:
    """Canonical types, and no value left on a suppressed row.

    Blanking the values of suppressed rows here (they should already be
    empty) guarantees that no figure or table can ever print one.
    """
    missing = [c for c in INDICATOR_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"indicators table lacks column(s) {', '.join(missing)}")
    out = frame[INDICATOR_COLUMNS].copy()
    for column in KEY_COLUMNS:
        out[column] = out[column].fillna("").astype(str).str.strip()
    for column in VALUE_COLUMNS:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    out["n"] = pd.to_numeric(out["n"], errors="coerce").fillna(0).astype(int)
    out["is_suppressed"] = out["is_suppressed"].map(_as_bool).astype(bool)
    out.loc[out["is_suppressed"], VALUE_COLUMNS] = math.nan
    return out


@dataclass(frozen=True)
class Cell:
    """One published estimate; ``estimate`` is None when suppressed or absent."""

    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    suppressed: bool

    @property
    def published(self) -> bool:
        return not self.suppressed and self.estimate is not None


ABSENT = Cell(None, None, None, 0, True)


def _value(x: float) -> float | None:
    return None if pd.isna(x) else float(x)


class Estimates:
    """Look-up of the indicators table by (wave, indicator, domain, region, gender).

    A missing row reads as suppressed: it means no respondent in that cell,
    which is below any publication threshold.
    """

    def __init__(self, frame: pd.DataFrame):
        frame = normalise_indicators(frame)
        self._cells: dict[tuple[str, ...], Cell] = {}
        for row in frame.itertuples(index=False):
            estimate = _value(row.estimate)
            self._cells[(row.wave, row.indicator, row.domain, row.region_code, row.gender_code)] = Cell(
                estimate=estimate,
                ci_low=_value(row.ci_low),
                ci_high=_value(row.ci_high),
                n=int(row.n),
                suppressed=bool(row.is_suppressed) or estimate is None,
            )

    def get(self, wave: str, indicator: str, domain: str, region: str = "", gender: str = "") -> Cell:
        return self._cells.get((wave, indicator, domain, region, gender), ABSENT)


# --------------------------------------------------------------------------
# The chart
# --------------------------------------------------------------------------


def _indicator(project: Project, indicator_id: str):
    for indicator in project.indicators:
        if indicator.id == indicator_id:
            return indicator
    raise KeyError(f"unknown indicator {indicator_id!r}")


def _gender_codes(project: Project) -> list[str]:
    return [str(code) for code in project.codebook["gender_code"].codes]


def _gender_label(project: Project, code: str, lang: str) -> str:
    return project.codebook.value_label("gender_code", code, lang)


def _percent_labels(lang: str):
    def labels(values: list[float]) -> list[str]:
        return [format_percent(v / 100, lang, digits=0) for v in values]

    return labels


def plot_data(estimates: Estimates, project: Project, wave: str, indicator_id: str, lang: str) -> pd.DataFrame:
    """What the chart draws: one row per region and gender, in configured order.

    Unpublished cells get ``published=False``, position 0 (on the axis) and
    the "suppressed" label instead of their value.
    """
    strings = load_strings(project, lang)
    rows = []
    for region in project.geography.regions:
        for position, code in enumerate(_gender_codes(project)):
            cell = estimates.get(wave, indicator_id, "region_gender", region.code, code)
            rows.append(
                {
                    "region": region.name[lang],
                    "gender": _gender_label(project, code, lang),
                    "slot": -position,
                    "published": cell.published,
                    "estimate": cell.estimate * 100 if cell.published else 0.0,
                    "ci_low": cell.ci_low * 100 if cell.published else 0.0,
                    "ci_high": cell.ci_high * 100 if cell.published else 0.0,
                    "label": "" if cell.published else f"  {strings['fig_suppressed']}",
                }
            )
    frame = pd.DataFrame(rows)
    # coord_flip draws the first category at the bottom: reverse so the
    # first configured region is on top, as in the tables.
    regions = [r.name[lang] for r in project.geography.regions]
    frame["region"] = pd.Categorical(frame["region"], categories=regions[::-1], ordered=True)
    genders = [_gender_label(project, c, lang) for c in _gender_codes(project)]
    frame["gender"] = pd.Categorical(frame["gender"], categories=genders, ordered=True)
    return frame


def indicator_by_region(
    indicators: pd.DataFrame, project: Project, wave: str, indicator_id: str, lang: str
) -> p9.ggplot:
    """Estimates by region and gender with 95 % CIs and the national reference line."""
    estimates = Estimates(indicators)
    strings = load_strings(project, lang)
    indicator = _indicator(project, indicator_id)
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
            ymin=national.ci_low * 100,
            ymax=national.ci_high * 100,
            fill="#000000",
            alpha=0.08,
        )
        plot += p9.geom_hline(
            p9.aes(yintercept="y", linetype="what"),
            data=pd.DataFrame(
                {
                    "y": [national.estimate * 100],
                    "what": [strings["fig_national"].format(value=format_percent(national.estimate, lang))],
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
    plot += p9.scale_y_continuous(limits=(0, 100), breaks=range(0, 101, 20), labels=_percent_labels(lang))
    plot += p9.scale_x_discrete(drop=False)
    plot += p9.coord_flip()
    plot += p9.labs(
        title=indicator.label[lang],
        subtitle=project.waves[wave].label[lang],
        caption=strings["fig_caption"].format(min_n=project.min_cell_n),
        x="",
        y=strings["fig_axis"],
        fill=project.codebook["gender_code"].label[lang],
        shape=project.codebook["gender_code"].label[lang],
        colour=project.codebook["gender_code"].label[lang],
        linetype="",
    )
    plot += p9.guides(linetype=p9.guide_legend(order=2), fill=p9.guide_legend(order=1))
    plot += p9.theme_bw(base_size=10, base_family=FONT)
    plot += p9.theme(
        figure_size=(WIDTH_IN, HEIGHT_IN),
        dpi=DPI,
        legend_position="bottom",
        legend_box="horizontal",
        panel_grid_minor=p9.element_blank(),
        panel_grid_major_y=p9.element_blank(),
        plot_title=p9.element_text(weight="bold", size=11),
        plot_caption=p9.element_text(size=7, colour="#444444"),
    )
    return plot


def save_png(plot: p9.ggplot, path: Path) -> None:
    """Write ``plot`` so that the same data always gives the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    plot.save(path, width=WIDTH_IN, height=HEIGHT_IN, dpi=DPI, units="in", verbose=False, metadata={"Software": None})


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
    indicator = _indicator(project, indicator_id)
    mark = strings["suppressed_mark"]

    def shown(cell: Cell) -> str:
        return format_percent(cell.estimate, lang) if cell.published else mark

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
        for code in _gender_codes(project)
    )
    if hidden:
        text += strings["alt_text_suppressed"].format(count=hidden, min_n=project.min_cell_n)
    return text

"""Drawing the charts where readers decide: the summary, gender, trends and regional pages.

Each is a dot chart of the registry's shares (one row per indicator, in
registry order) with one marker and its 95 % interval per series: the
country; women and men; each wave; a region against the country beside its
women against its men. Only shares are drawn, on one 0–100 % axis, so no
index or score is read on a percent scale; the chapters chart those.

Values are cells of ``indicators.csv`` only. A fragile estimate (published
but flagged unreliable) is a hollow marker, explained in the caption. A cell
that is not published gets no marker at all — a marker on the axis would
read as zero — but a grey label "not published" in its row.

Text is sized for reading at 100 % zoom: the PNG is drawn at the width the
page shows it (see ``PAGE``), with 11 pt labels. A phone shows a page 350
pixels wide, where that PNG's text would shrink to 7 pixels: each chart is
also drawn narrow (``PHONE``), its panels one above the other, for the book
to show on small screens. What each chart shows is defined in
``perception.outputs.chart_specs``.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import pandas as pd
import plotnine as p9

from perception.catalog.status import BY_DESIGN
from perception.config.project import Project
from perception.i18n import load_strings
from perception.i18n.typography import typeset
from perception.outputs.chart_specs import Chart, missing_word, shares
from perception.outputs.style import FONT, theme_perception, value_axis

ROW_IN, FRAME_IN = 0.42, 2.0  # height per indicator row and for title, axis and legend
BASE_PT = 11
STRIP_IN = 0.5  # a stacked panel's title strip and axis


@dataclass(frozen=True)
class Layout:
    """How a dot chart is laid out for one kind of screen."""

    width_in: float
    label_chars: int  # indicator labels wrap at this width
    caption_chars: int
    panel_title_chars: int
    legend_row_chars: int  # legend labels longer than this in all are listed in legend_columns
    stacked: bool  # panels one above the other, not side by side
    title_chars: int = 200
    legend_columns: int = 1
    panel_spacing: float = 0.05  # share of the width: one panel's "100 %" and the next one's "0 %" must not touch
    caption_in: float = 0.0  # extra height for a caption, title and legend wrapped on more lines
    axis_breaks: tuple[float, ...] = ()  # labelled values of panels side by side (others: grid lines only)
    note_chars: int = 200  # "not asked" and other notes in a row wrap at this width


PAGE = Layout(7.0, 28, 95, 22, 60, stacked=False)
# 4.2 in at 150 dpi, shown 350 px wide: 10 pt text is 11.6 px on the phone.
PHONE = Layout(
    4.2,
    20,
    56,
    13,
    20,
    stacked=False,
    title_chars=24,
    legend_columns=2,
    panel_spacing=0.06,
    caption_in=1.2,
    axis_breaks=(0, 100),
    note_chars=26,
)
CHART_WIDTH_IN = PAGE.width_in


def chart_height(project: Project, layout: Layout = PAGE, panels: int = 1) -> float:
    """Inches for one chart: its rows (wrapped labels) once, or once per panel when stacked."""
    rows = sum(len(textwrap.wrap(i.label["fr"], layout.label_chars)) * 0.75 + 0.25 for i in shares(project))
    repeats = panels if layout.stacked else 1
    return FRAME_IN + layout.caption_in + repeats * ROW_IN * rows + (repeats - 1) * STRIP_IN


def _one_note_per_row(frame: pd.DataFrame) -> pd.DataFrame:
    """The notes of unpublished markers; a row of a panel where every series misses for one reason gets one note.

    Four "non posée" stacked in one row overprint on a small chart (a fact
    sheet) and say nothing more than one, written at the row's centre.
    """
    hidden = frame[~frame["published"]]
    parts = []
    for _, cells in hidden.groupby(["panel", "indicator_id"], observed=True, sort=False):
        series = frame[
            (frame["panel"] == cells["panel"].iloc[0]) & (frame["indicator_id"] == cells["indicator_id"].iloc[0])
        ]
        if len(cells) == len(series) > 1 and cells["word"].nunique() == 1:
            cells = cells.iloc[[0]].assign(at_row=cells["row"].iloc[0], note=cells["word"].iloc[0])
        parts.append(cells)
    return pd.concat(parts) if parts else hidden


def dot_chart(project: Project, chart: Chart, lang: str, layout: Layout = PAGE) -> p9.ggplot:
    """Indicators down, shares across; one facet per panel, markers side by side within a row.

    Drawn at ``chart_height(project, layout, len(chart.panels))`` inches high.
    """
    panels, title, subtitle = chart.panels, chart.title, chart.subtitle
    strings = load_strings(lang)
    indicators = shares(project)
    axis = value_axis(project, indicators[0], lang)
    # Tick labels are redrawn from the scale at save time, out of typeset_figure's reach: typeset them here.
    labels = {i.id: "\n".join(textwrap.wrap(typeset(i.label[lang], lang), layout.label_chars)) for i in indicators}
    rows, legend = [], {}
    width = 0.8 if max(len(p.series) for p in panels) > 1 else 0.0
    for panel in panels:
        count = len(panel.series)
        for slot, series in enumerate(panel.series):
            legend[series.label] = series
            # Rows are numbered from the bottom (coord_flip); the first series sits on top of its row.
            offset = width * ((count - 1) / 2 - slot) / count
            for position, indicator in enumerate(reversed(indicators)):
                cell = series.cell(indicator)
                shown = cell.published
                rows.append(
                    {
                        "panel": panel.title,
                        "at_row": position + offset,
                        "row": position,
                        "indicator_id": indicator.id,
                        "series": series.label,
                        "published": shown,
                        "fragile": cell.flagged,
                        "estimate": cell.estimate * axis.factor if shown else None,
                        "ci_low": cell.ci_low * axis.factor if shown else None,
                        "ci_high": cell.ci_high * axis.factor if shown else None,
                        "note": "" if shown else f"{series.label}{strings['colon']}{missing_word(cell, strings)}",
                        "why": cell.status,
                        "word": "" if shown else missing_word(cell, strings),
                    }
                )
    frame = pd.DataFrame(rows)
    titles = {p.title: "\n".join(textwrap.wrap(p.title, layout.panel_title_chars)) for p in panels}
    frame["panel"] = pd.Categorical(frame["panel"].map(titles), categories=list(titles.values()), ordered=True)
    order = [labels[i.id] for i in reversed(indicators)]  # coord_flip puts the first row at the bottom
    frame["series"] = pd.Categorical(frame["series"], categories=list(legend), ordered=True)
    shown = frame[frame["published"]].astype({"estimate": float, "ci_low": float, "ci_high": float})
    solid, hollow = shown[~shown["fragile"]], shown[shown["fragile"]]
    hidden = _one_note_per_row(frame).assign(at=axis.limits[0] + 1)
    hidden["note"] = [textwrap.fill(note, layout.note_chars) for note in hidden["note"]]
    plot = p9.ggplot(frame, p9.aes(x="at_row"))
    plot += p9.geom_linerange(p9.aes(ymin="ci_low", ymax="ci_high", colour="series"), data=shown, size=0.8)
    plot += p9.geom_point(
        p9.aes(y="estimate", fill="series", shape="series"),
        data=solid,
        size=3,
        stroke=0.5,
        colour="#000000",
    )
    if not hollow.empty:
        plot += p9.geom_point(
            p9.aes(y="estimate", colour="series", shape="series"),
            data=hollow,
            size=3,
            stroke=1.0,
            fill="#ffffff",
            show_legend=False,
        )
    if not hidden.empty:
        plot += p9.geom_text(
            p9.aes(y="at", label="note"),
            data=hidden,
            ha="left",
            va="center",
            size=8,
            colour="#555555",
            family=FONT,
            fontstyle="italic",
        )
    plot += p9.scale_colour_manual(values={k: s.colour for k, s in legend.items()}, drop=False)
    plot += p9.scale_fill_manual(values={k: s.colour for k, s in legend.items()}, drop=False)
    plot += p9.scale_shape_manual(values={k: s.shape for k, s in legend.items()}, drop=False)
    # Two panels side by side halve the axis, as a phone's width does: fewer breaks, so that labels never touch.
    breaks = [0, 50, 100] if len(panels) > 1 or layout.stacked or layout.axis_breaks else list(axis.breaks)
    if layout.axis_breaks and len(panels) > 1:
        breaks, minor = list(layout.axis_breaks), [b for b in breaks if b not in layout.axis_breaks]
    else:
        minor = None
    plot += p9.scale_y_continuous(limits=axis.limits, breaks=breaks, minor_breaks=minor, labels=axis.labels)
    plot += p9.scale_x_continuous(
        breaks=list(range(len(order))), labels=order, limits=(-0.6, len(order) - 0.4), expand=(0, 0)
    )
    plot += p9.coord_flip()
    if len(panels) > 1:
        plot += p9.facet_wrap("panel", ncol=1) if layout.stacked else p9.facet_wrap("panel", nrow=1)
    caption = [strings["chart_caption"].format(min_n=project.min_cell_n)]
    if not hollow.empty:
        caption.append(strings["chart_fragile"])
    for status in BY_DESIGN:  # the availability words, beside "suppressed"
        if (frame["why"] == status).any():
            caption.append(strings[f"status_note_{status}"])
    plot += p9.labs(
        title=textwrap.fill(title, layout.title_chars),
        subtitle=subtitle,
        caption="\n".join(textwrap.fill(line, layout.caption_chars) for line in caption),
        x="",
        y=axis.title,
        colour="",
        fill="",
        shape="",
    )
    if sum(len(label) for label in legend) > layout.legend_row_chars:  # long labels (waves): one per line, never cut
        # several per line only when every label is short enough to share one
        columns = layout.legend_columns if max(map(len, legend)) <= layout.legend_row_chars // 2 else 1
        plot += p9.guides(
            colour=p9.guide_legend(ncol=columns),
            fill=p9.guide_legend(ncol=columns),
            shape=p9.guide_legend(ncol=columns),
        )
    plot += theme_perception(
        layout.width_in,
        chart_height(project, layout, len(panels)),
        legend_position="bottom",
        legend_box="horizontal",
        panel_grid_major_y=p9.element_blank(),
        axis_text=p9.element_text(size=BASE_PT - 1, colour="#1a1a1a"),
        axis_title=p9.element_text(size=BASE_PT - 1),
        legend_text=p9.element_text(size=BASE_PT - 1),
        strip_text=p9.element_text(size=BASE_PT - 1, weight="bold"),
        plot_title=p9.element_text(size=BASE_PT + 2, weight="bold"),
        plot_subtitle=p9.element_text(size=BASE_PT - 1),
        plot_caption=p9.element_text(size=BASE_PT - 2, colour="#333333", ha="left"),
        plot_caption_position="plot",
        panel_spacing_x=layout.panel_spacing,
    )
    return plot

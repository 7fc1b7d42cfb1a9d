"""The page layout of a printed fact sheet: text, drawings and tables flowing down A4 pages.

Kept apart from what a fact sheet says (:mod:`perception.outputs.factsheets`)
so that the layout rules — never draw below the bottom margin, repeat a
table's header on a new page, wrap each cell to its column — are one class,
measured before anything is drawn: the fact sheet chooses the largest text
size at which everything fits on two pages.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import matplotlib.pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from perception.outputs.style import FONT, typeset_figure

A4_IN = (8.27, 11.69)
MARGIN = 0.07  # left/right margin, fraction of the page width
ROW = 11 / (A4_IN[1] * 72)  # one line of table text, fraction of the page height
TABLE_PT = 7
CHAR_PT = 4.3  # average width of a 7 pt DejaVu Sans character, to wrap cells to their column
BOLD_WIDTH = 0.88  # characters of bold text per character of regular text on one line
TOP, BOTTOM = 1 - 0.06, 0.05  # first and last baseline of a page, fraction of the page height
SCALES = (1.0, 0.93, 0.86, 0.79, 0.72)  # table text from 7 pt down to 5 pt, largest that fits two pages
PAGES = 2


class Sheet:
    """The pages of one sheet, laid out from the top down; text and tables flow onto a new page.

    Nothing is ever drawn below ``BOTTOM``: a row that does not fit starts a
    new page, where the table's header is repeated. With ``pdf`` None the
    sheet is only measured (no figure is drawn), to choose the text size at
    which everything fits on two pages. ``drawn`` records every table row as
    (page, first line, cells), so a test can check that no row was lost.
    """

    def __init__(self, pdf: PdfPages | None, scale: float, lang: str) -> None:
        self.pdf, self.scale, self.lang = pdf, scale, lang
        self.pages, self.figure, self.y = 0, None, TOP
        self.drawn: list[tuple[int, float, list[str]]] = []
        self.new_page()

    @property
    def row(self) -> float:
        return ROW * self.scale

    def new_page(self) -> None:
        self.finish()
        self.pages += 1
        self.figure = plt.figure(figsize=A4_IN) if self.pdf is not None else None
        self.y = TOP

    def finish(self) -> None:
        if self.figure is not None:
            typeset_figure(self.figure, self.lang)
            self.pdf.savefig(self.figure)
            plt.close(self.figure)
            self.figure = None

    def room(self, height: float) -> None:
        """Start a new page unless ``height`` still fits above the bottom margin."""
        if self.y - height < BOTTOM and self.y < TOP:
            self.new_page()

    def _text(self, x: float, y: float, line: str, **style) -> None:
        if self.figure is not None:
            self.figure.text(x, y, line, family=FONT, va="top", **style)

    def text(self, text: str, size: float = 8, weight: str = "normal", gap: float = 0.6, width: int = 120) -> None:
        for line in textwrap.wrap(text, width=width) or [""]:
            self.room(self.row * size / TABLE_PT)
            self._text(MARGIN, self.y, line, size=size, weight=weight)
            self.y -= self.row * size / TABLE_PT
        self.y -= self.row * gap

    def block(self, height: float, draw: Callable[[plt.Figure, tuple[float, float, float, float]], None]) -> None:
        """A drawing ``height`` tall (fraction of the page) across the text width, on one page."""
        self.room(height)
        if self.figure is not None:
            draw(self.figure, (MARGIN, self.y - height, 1 - 2 * MARGIN, height))
        self.y -= height + self.row * 0.6

    def heading(self, text: str, keep: float) -> None:
        """A heading kept on the same page as the first ``keep`` of what follows."""
        self.room(self.row * (11 / TABLE_PT + 0.6) + keep)
        # text() wraps 8 pt text at 120 characters; 11 pt bold letters are about half as wide again
        self.text(text, size=11, weight="bold", width=int(120 * 8 / 11 * BOLD_WIDTH))

    def table(self, header: list[str], rows: list[list[str]], widths: list[float], shade: list[bool]) -> None:
        """Columns at ``widths`` (fractions of the text width); first column left, others right-aligned.

        Every cell wraps to its column's width, so long labels and wave
        names never run into the next column. ``shade`` marks rows drawn on a
        light grey band (clear differences), visible in a greyscale print too.
        """
        usable = 1 - 2 * MARGIN
        size = TABLE_PT * self.scale
        edges = [MARGIN]
        for width in widths:
            edges.append(edges[-1] + width * usable)
        chars = [max(4, int(width * usable * A4_IN[0] * 72 / (CHAR_PT * self.scale))) for width in widths]

        def wrapped(cells: list[str], weight: str = "normal") -> list[list[str]]:
            # bold letters are wider: a bold header wraps sooner, so it never runs into the next column
            widths = [max(4, int(n * BOLD_WIDTH)) if weight == "bold" else n for n in chars]
            return [textwrap.wrap(cell, width=n) or [""] for cell, n in zip(cells, widths, strict=True)]

        def height(cells: list[str], weight: str = "normal") -> float:
            return self.row * (max(len(lines) for lines in wrapped(cells, weight)) + 0.3)

        def draw(cells: list[str], weight: str) -> None:
            lines = wrapped(cells, weight)
            for column, cell_lines in enumerate(lines):
                x, align = (edges[0], "left") if column == 0 else (edges[column + 1] - 0.005, "right")
                for i, line in enumerate(cell_lines):
                    self._text(x, self.y - i * self.row, line, size=size, weight=weight, ha=align)
            self.y -= height(cells, weight)

        def rule(width: float) -> None:
            if self.figure is not None:
                line = Line2D([MARGIN, 1 - MARGIN], [self.y + self.row * 0.15] * 2, lw=width, color="#1a1a1a")
                self.figure.add_artist(line)

        def start() -> None:
            draw(header, "bold")
            rule(0.8)

        self.room(height(header, "bold") + (height(rows[0]) if rows else 0))
        start()
        for cells, shaded in zip(rows, shade, strict=True):
            if self.y - height(cells) < BOTTOM:
                rule(0.5)
                self.new_page()
                start()
            top = self.y + self.row * 0.3
            self.drawn.append((self.pages, self.y, cells))
            draw(cells, "normal")
            if shaded and self.figure is not None:
                band = Rectangle(
                    (MARGIN, self.y + self.row * 0.3), usable, top - self.y - self.row * 0.3, color="#e6e6e6", zorder=-1
                )
                self.figure.add_artist(band)
        rule(0.5)
        self.y -= self.row

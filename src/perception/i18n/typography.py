"""Typography as French and English readers expect it, applied where text leaves the project.

French sets a non-breaking space before ":" and "%" (U+00A0) and a narrow one
(U+202F) before ";", "?" and "!" and inside « », so that "»" or ":" never
starts a line; both languages write the apostrophe as ’ (U+2019). The
catalogue and the configuration are written with ordinary keyboard
characters; :func:`typeset` fixes them at the three places text reaches a
reader — each page of the book (:func:`typeset_markdown`), each PNG and each
PDF (``perception.outputs.style.typeset_figure``) — so no string is missed
and none is done twice.

Only ordinary spaces are changed, never removed or added (a non-breaking
one, as ``perception.i18n.numbers`` writes them, stays), and only apostrophes that
follow a letter, so numbers ("45,2 %", "[+1,0 ; +3,2]"), escaping
backslashes (``\\:``), URLs and Markdown syntax keep their characters. In
Markdown, inline code spans are left exactly as written.
"""

from __future__ import annotations

import re

NBSP, NNBSP = "\u00a0", "\u202f"

# An apostrophe after a letter: l'armée, Mali's, aujourd'hui.
_APOSTROPHE = re.compile(r"(?<=[^\W\d_])'")

# Ordinary spaces before French high punctuation (a space that is already
# non-breaking, as numbers are formatted, is left as it is); the mark may be
# backslash-escaped in MyST text ("\:" or "\!").
_BEFORE_COLON = re.compile(r" +(?=\\*:)")
_BEFORE_HIGH = re.compile(r" +(?=\\*[;?!])")
_AFTER_OPEN = re.compile(r"« +")
# An ordinary space between a figure and its unit sign ("seuil de 5 %"): the sign never starts a line.
_BEFORE_PERCENT = re.compile(r"(?<=\d) +(?=%)")
_BEFORE_CLOSE = re.compile(r" +»")

# An en dash between two figures ("41,0–49,4"); a line may break after it.
_DASH_IN_FIGURES = re.compile(r"(?<=\d)–(?=[\d+\u2212-])")
WORD_JOINER = "\u2060"

_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")


def typeset(text: str, lang: str) -> str:
    """``text`` with curly apostrophes and, in French, non-breaking spaces before : ; ? ! and inside « »."""
    text = _APOSTROPHE.sub("\u2019", text)
    if lang != "fr":
        return text
    text = _BEFORE_PERCENT.sub(NBSP, text)
    text = _BEFORE_COLON.sub(NBSP, text)
    text = _BEFORE_HIGH.sub(NNBSP, text)
    text = _AFTER_OPEN.sub("«" + NNBSP, text)
    return _BEFORE_CLOSE.sub(NNBSP + "»", text)


def keep_figures_together(text: str) -> str:
    """``text`` where an interval ("41,0–49,4") cannot break across lines, for a table cell of the book.

    Browsers may break a line after an en dash; in a narrow column that
    leaves "45,2 % (41,0–" on one line and "49,4)" on the next. A word joiner
    (U+2060, invisible) after each dash between figures leaves the space
    between an estimate and its interval as the cell's only break. Not for
    PDFs or PNGs: matplotlib's fonts have no glyph for it.
    """
    return _DASH_IN_FIGURES.sub("–" + WORD_JOINER, text)


def typeset_markdown(text: str, lang: str) -> str:
    """:func:`typeset` for a MyST page, leaving inline code spans (file names, roles' targets) untouched."""
    out, last = [], 0
    for match in _CODE_SPAN.finditer(text):
        out.append(typeset(text[last : match.start()], lang))
        out.append(match.group(0))
        last = match.end()
    out.append(typeset(text[last:], lang))
    return "".join(out)

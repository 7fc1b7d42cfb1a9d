"""French and English typography: non-breaking spaces, curly apostrophes, and nothing else changed."""

from __future__ import annotations

import pytest

from perception.book.escape import text as md
from perception.i18n.typography import NBSP, NNBSP, WORD_JOINER, keep_figures_together, typeset, typeset_markdown


def test_french_spacing_and_apostrophes():
    assert typeset("Confiance dans l'armée : « forte » ; vraiment ? oui !", "fr") == (
        f"Confiance dans l’armée{NBSP}: «{NNBSP}forte{NNBSP}»{NNBSP}; vraiment{NNBSP}? oui{NNBSP}!"
    )


def test_a_percent_sign_stays_with_its_figure_in_french():
    assert typeset("au seuil de 5 % après correction", "fr") == f"au seuil de 5{NBSP}% après correction"
    assert typeset("the 5 % level", "en") == "the 5 % level"


def test_english_gets_apostrophes_only():
    assert typeset("Mali's regions: north ; south", "en") == "Mali’s regions: north ; south"


@pytest.mark.parametrize(
    "text",
    ["45,2\u00a0%", "[+1,0\u00a0; +3,2]", "http://example.org/a?b=c", "n = 3\u00a0007", "12'", ":::{div} x"],
)
def test_numbers_urls_and_markup_keep_their_characters(text):
    """Nothing without a space before it moves; quotes that follow no letter stay straight."""
    assert typeset(text, "fr") == text


def test_escaped_markup_stays_escaped():
    escaped = md("Gao : l'est")
    out = typeset(escaped, "fr")
    assert out == f"Gao{NBSP}\\: l’est"
    assert out.count("\\") == escaped.count("\\")


def test_code_spans_are_left_as_written():
    page = "Fichier : `partner_a's file : x.sav` et {download}`lien <a b.pdf>` ; fin"
    out = typeset_markdown(page, "fr")
    assert "`partner_a's file : x.sav`" in out and "`lien <a b.pdf>`" in out
    assert out.startswith(f"Fichier{NBSP}:") and out.endswith(f"`{NNBSP}; fin")


def test_an_interval_cannot_break_at_its_dash_but_words_with_dashes_can():
    cell = f"45,2{NBSP}% (41,0–49,4)"
    kept = keep_figures_together(cell)
    assert kept == f"45,2{NBSP}% (41,0–{WORD_JOINER}49,4)"
    assert kept.replace(WORD_JOINER, "") == cell  # invisible: the text reads the same
    assert keep_figures_together("2024–−3,0") == f"2024–{WORD_JOINER}−3,0"
    assert keep_figures_together("Nord–Sud, 2024 – 2025") == "Nord–Sud, 2024 – 2025"
    assert keep_figures_together(kept) == kept

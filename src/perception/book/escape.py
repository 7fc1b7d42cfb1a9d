"""Text from configuration and data files, made inert wherever the book prints it.

Partner names, wave labels, codebook, indicator and value labels, region
names, definitions and file names come from files a partner or a project
officer edits. The book must show them as written, never interpret them: a
``<script>``, a MyST role such as ``{download}`x```, a backtick, a ``|`` (which
would split a table cell) or a newline (which would end a heading or a table
row) is text. One function per place text can land in the MyST sources:

- ``text``: inline Markdown (paragraphs, headings, list items, table cells,
  table captions, link text). Every ASCII punctuation character that
  CommonMark or MyST could read as markup is backslash-escaped (CommonMark
  allows a backslash before any ASCII punctuation) and line breaks become
  spaces, so the value stays on its line and in its cell.
- ``code``: a code span that holds any text, backticks included.
- ``option``: the value of a directive option (``:alt:``), quoted.
- ``html``: text inside raw HTML.

The Jinja templates never evaluate a value: ``{{ 7*7 }}`` in a label is
rendered once, as text, and its braces are escaped like any other.
"""

from __future__ import annotations

import html as _html
import json
import re

# ASCII punctuation with a meaning somewhere in CommonMark, MyST or its
# extensions: emphasis, code, roles and substitutions, links, raw HTML,
# headings, lists, tables, fences ":::", math, footnotes, entities and the
# backslash itself. Quotes, comma, semicolon, question mark, slash, percent
# sign and parentheses are inert once "[", "]" and "=" are escaped (no link,
# no "(target)=") and stay readable.
_MARKUP = re.compile(r"([\\`*_{}\[\]<>#+\-.!|$~&:^=@])")

# Line breaks markdown-it or a browser would honour, and other control characters.
_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")


def one_line(value: object) -> str:
    """``value`` as text on one line: every line break or control character becomes one space."""
    return _BREAKS.sub(" ", str(value)).strip()


def text(value: object) -> str:
    """``value`` as literal inline MyST text.

    A backslash is doubled before escaping (four in the source): Markdown
    leaves two in the text, and Sphinx's smart quotes (on in every edition)
    read two as one, while a single one would vanish before a full stop, a
    hyphen, a quote or a backtick.
    """
    return _MARKUP.sub(r"\\\1", one_line(value).replace("\\", "\\\\"))


def code(value: object) -> str:
    """``value`` as a MyST code span, whatever backticks it holds."""
    value = one_line(value)
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or not value.strip() else ""
    return f"{fence}{pad}{value}{pad}{fence}" if value else ""


def option(value: object) -> str:
    """``value`` as the value of a directive option: one line, double-quoted."""
    return json.dumps(one_line(value), ensure_ascii=False)


def html(value: object) -> str:
    """``value`` as text inside raw HTML (element content or a quoted attribute)."""
    return _html.escape(one_line(value), quote=True)

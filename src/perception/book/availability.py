"""What each wave asked, in words: the notes under an indicator's table, from ``availability.csv``.

Where a wave did not ask an indicator, its cells read "non posée" and the
note says so; where only some of a wave's sources asked it, the note names
them and says that the estimate rests on their respondents, so that a reader
never takes a partner's estimate for the whole wave's without being told.
"""

from __future__ import annotations

from perception.book.data import BookData
from perception.book.escape import text as md
from perception.config.registry import Indicator
from perception.i18n import load_strings
from perception.i18n.numbers import listed


def _asked(value: object) -> bool:
    return str(value).strip().lower() in ("true", "1")


def availability_notes(data: BookData, indicator: Indicator, lang: str) -> list[str]:
    """One note per wave whose sources did not all ask ``indicator``, in configured order."""
    strings = load_strings(lang)
    table = data.availability()
    table = table[table["indicator"] == indicator.id]
    notes = []
    for wave in data.project.wave_ids:
        rows = table[table["wave"] == wave]
        asked = [row.source_id for row in rows.itertuples(index=False) if _asked(row.is_asked)]
        if len(asked) == len(rows):
            continue
        label = data.wave_label(wave, lang)
        if not asked:
            notes.append(strings["not_asked_note"].format(wave=label))
            continue
        partners = {m.source_id: m.partner_in(lang) for m in data.project.sources(wave)}
        names = listed([md(partners.get(source, source)) for source in asked], strings)
        these = strings["partial_sources_this_one" if len(asked) == 1 else "partial_sources_these"]
        notes.append(strings["partial_sources_note"].format(wave=label, sources=names, these=these))
    return notes

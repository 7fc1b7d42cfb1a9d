"""Numbers as French and English readers write them.

Locale conventions, not prose: French puts a non-breaking space before "%"
and between thousands and writes a decimal comma (45,2 %); English does not.
Every page, chart, map and fact sheet formats its numbers here, so a figure
and the table beside it always print the same value the same way.
"""

from __future__ import annotations

from typing import Protocol


class _Cell(Protocol):
    estimate: float | None
    ci_low: float | None
    ci_high: float | None

    @property
    def published(self) -> bool: ...

    @property
    def flagged(self) -> bool: ...


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


def format_estimate(cell: _Cell, unit: str, lang: str, mark: str, flag: str) -> str:
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


MONTHS = {
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def format_date(iso: str, lang: str) -> str:
    """A YYYY-MM-DD date as written in running text: "4 mars 2024" (non-breaking spaces), "4 March 2024"."""
    year, month, day = (int(part) for part in iso.split("-"))
    space = "\u00a0" if lang == "fr" else " "
    first = "1er" if lang == "fr" and day == 1 else str(day)
    return f"{first}{space}{MONTHS[lang][month - 1]}{space}{year}"


def listed(names: list[str], strings: dict) -> str:
    """ "A, B et C" / "A, B and C" (``list_and`` of the strings catalogue)."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + strings["list_and"] + names[-1]

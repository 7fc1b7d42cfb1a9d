"""Each wave's sampling design and weighting in words, from the configuration.

What the report says about how a wave was sampled must be what its
estimates used: the words are chosen from ``waves.<wave>.design`` (weights
only, stratified, clustered, or both; two stages; finite population
correction) and ``waves.<wave>.weighting`` (post-stratification or raking to
margins, bounds, trimming), never a fixed sentence. A design without PSUs
carries the caveat that its standard errors understate a clustered
sample's. The methodology page, the regional pages and the fact sheets all
read :func:`describe_wave` (``short=True`` for the fact sheets).
"""

from __future__ import annotations

from collections.abc import Callable

from perception.config.margins import CELL_SEPARATOR, load_margins
from perception.config.project import Project
from perception.i18n import load_strings
from perception.i18n.numbers import format_decimal


def _same(text: str) -> str:
    return text


def margin_labels(project: Project, wave: str, lang: str) -> list[str]:
    """The weighting variables of a wave, as readers name them (``région``, ``sexe``), in file order."""
    files = list(project.waves[wave].weighting.rake_to)
    if not files:
        return []
    strings = load_strings(lang)["design"]
    labels = []
    for variable in load_margins(files):
        parts = []
        for part in variable.split(CELL_SEPARATOR):
            if part in project.codebook.variables:
                label = project.codebook[part].label[lang]
                parts.append(label[:1].lower() + label[1:])
            else:
                parts.append(strings.get(part, part))
        labels.append(" × ".join(parts))
    return labels


def _join(items: list[str], lang: str) -> str:
    strings = load_strings(lang)
    if len(items) <= 1:
        return "".join(items)
    return strings["list_separator"].join(items[:-1]) + strings["and_word"] + items[-1]


def describe_wave(
    project: Project, wave: str, lang: str, escape: Callable[[str], str] = _same, short: bool = False
) -> str:
    """One paragraph (or, ``short``, one line) naming the wave and saying how it was sampled and weighted.

    ``escape`` is applied to every configuration string (wave label,
    variable labels) for the medium it is written to (Markdown in the book).
    """
    strings = load_strings(lang)["design"]
    design, weighting = project.waves[wave].design, project.waves[wave].weighting
    label = escape(project.waves[wave].label[lang])
    margins = _join([escape(m) for m in margin_labels(project, wave, lang)], lang)
    if short:
        parts = [strings["short"][design.kind]]
        parts.append(
            strings["short"]["weighting_adjusted"].format(margins=margins)
            if margins
            else strings["short"]["weighting_none"]
        )
        parts.append(strings["short"]["no_clusters"] if design.psu is None else strings["short"]["se"])
        return strings["wave_short"].format(wave=label, text=strings["short_separator"].join(parts))
    sentences = [strings["kind"][design.kind]]
    if design.ssu:
        sentences.append(strings["two_stage"])
    if design.fpc:
        sentences.append(strings["fpc"])
    if not margins:
        sentences.append(strings["weighting"]["none"])
    else:
        several = len(weighting.rake_to) > 1
        sentences.append(strings["weighting"]["rake" if several else "post"].format(margins=margins))
        if weighting.bounds:
            low, high = (format_decimal(b, lang, 1) for b in weighting.bounds)
            sentences.append(strings["weighting"]["bounds"].format(low=low, high=high))
        if weighting.trim_ratio:
            sentences.append(strings["weighting"]["trim"].format(ratio=format_decimal(weighting.trim_ratio, lang, 1)))
    if design.psu is None:
        sentences.append(strings["no_clusters"])
    return strings["wave"].format(wave=label, text=" ".join(sentences))

"""Derived variables in a mapping: one codebook variable built from several raw columns.

A partner may ask in two questions what the codebook holds in one (a victim
of theft *or* of assault), ask one question in two versions (age from the
respondent, or from a proxy), or spread one answer over two columns (type of
place and zone). The mapping then names the columns with one rule:

- ``any_of`` / ``all_of``: each column is mapped with ``codes`` onto the
  variable's codes; the result is 1 when any (all) items are a ``success``
  code (default ``[1]``) and 0 when every (any) item is a substantive answer
  that is not;
- ``first_of``: the first column, in the listed order, with a substantive
  answer (else the first special code, else blank);
- ``combine``: the raw values joined with ``|`` and recoded by ``codes``
  (keys such as ``"1|2"``, ``*`` matching any value of one part).

When ``any_of`` or ``all_of`` cannot decide (no success, and an item is not
a substantive answer: "no" to theft, "don't know" to assault), the result is
``undecided`` when given (a special code name, or ``missing``); otherwise
blank when an undecided item is blank (not asked), else the first special
code, in codebook order (don't know, refused, not applicable), among the
undecided items. So "no" and "don't know" give "don't know", never "no".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from perception.config.codebook import Codebook, code_key
from perception.errors import ConfigError

RULES = ("any_of", "all_of", "first_of", "combine")
KEYS = {*RULES, "success", "undecided"}
ITEM_KEYS = {"column", "codes", "use_value_labels", "when_blank"}
SEPARATOR = "|"
ANY = "*"


@dataclass(frozen=True)
class Derivation:
    """How a variable is built from several columns: the rule, its items and its decisions.

    ``items`` are the per-column mappings (``any_of``, ``all_of``,
    ``first_of``: each maps its column onto the variable's codes);
    ``combine`` keeps the raw columns in ``columns`` and its ``patterns``
    (parts of a combined key, target code) in listed order.
    """

    rule: str
    columns: tuple[str, ...]
    items: tuple[Any, ...] = ()
    success: tuple[str, ...] = ()
    undecided: str | None = None
    patterns: tuple[tuple[tuple[str, ...], Any], ...] = ()

    def target(self, key: str) -> tuple[bool, Any]:
        """``combine``: (listed, target) of a combined raw key; an exact key before a pattern with ``*``."""
        parts = tuple(key.split(SEPARATOR))
        for pattern, target in self.patterns:
            if pattern == parts:
                return True, target
        for pattern, target in self.patterns:
            if len(pattern) == len(parts) and all(p in (ANY, v) for p, v in zip(pattern, parts, strict=True)):
                return True, target
        return False, None


def parse_derivation(
    name: str,
    spec: dict,
    codebook: Codebook,
    vwhere: str,
    item_mapping: Callable[[str, dict, Codebook, str], Any],
    check_target: Callable[..., None],
) -> Derivation:
    """The derivation of ``spec`` (exactly one rule present), checked against the codebook.

    ``item_mapping`` parses one column's mapping (as for a plain
    ``column:``), ``check_target`` one code's target: both come from
    :mod:`perception.config.sources`, so an item is checked exactly as a
    mapped column is.
    """
    (rule,) = [key for key in RULES if key in spec]
    var = codebook[name]
    where = f"{vwhere}.{rule}"
    listed = spec[rule]
    if not isinstance(listed, list) or len(listed) < 2:
        raise ConfigError(f"{where}: needs a list of at least two raw columns")
    unknown = set(spec) - {*KEYS, *ITEM_KEYS} - {"codes"}
    if unknown:
        raise ConfigError(f"{vwhere}: unknown key(s) {', '.join(sorted(unknown))} next to {rule}")
    if rule != "any_of" and rule != "all_of" and ("success" in spec or "undecided" in spec):
        raise ConfigError(f"{vwhere}: 'success' and 'undecided' apply to any_of and all_of only")
    undecided = spec.get("undecided")
    if undecided is not None and undecided != "missing" and undecided not in var.special:
        raise ConfigError(
            f"{vwhere}: undecided {undecided!r} must be 'missing' or a special code {name} allows "
            f"({', '.join(var.special) or 'none'})"
        )
    if rule == "combine":
        return _combine(name, spec, codebook, where, vwhere, check_target)
    shared = {key: spec[key] for key in ITEM_KEYS - {"column"} if key in spec}
    items = []
    for i, item in enumerate(listed):
        iwhere = f"{where}[{i + 1}]"
        if isinstance(item, dict):
            extra = set(item) - ITEM_KEYS
            if extra or "column" not in item:
                raise ConfigError(
                    f"{iwhere}: an item is a column name or {{column, codes, use_value_labels, when_blank}}"
                )
            item_spec = {**shared, **item}
        else:
            item_spec = {**shared, "column": item}
        items.append(item_mapping(name, item_spec, codebook, iwhere))
    success: tuple[str, ...] = ()
    if rule in ("any_of", "all_of"):
        codes = {code_key(c) for c in var.codes}
        if not {"0", "1"} <= codes:
            raise ConfigError(f"{where}: {name} needs codes 0 and 1 (the result is 1 or 0)")
        raw_success = spec.get("success", [1])
        success = tuple(code_key(c) for c in (raw_success if isinstance(raw_success, list) else [raw_success]))
        outside = [c for c in success if c not in codes]
        if outside:
            raise ConfigError(
                f"{vwhere}.success: {', '.join(outside)} not code(s) of {name} ({', '.join(sorted(codes))})"
            )
    return Derivation(rule, tuple(i.column for i in items), tuple(items), success, undecided)


def _combine(name: str, spec: dict, codebook: Codebook, where: str, vwhere: str, check_target) -> Derivation:
    columns = spec["combine"]
    if not all(isinstance(c, str | int) and not isinstance(c, bool) for c in columns):
        raise ConfigError(f"{where}: combine lists raw column names")
    codes = spec.get("codes")
    if not isinstance(codes, dict) or not codes:
        raise ConfigError(f"{vwhere}: combine needs 'codes' from combined values ('1|2') to codes of {name}")
    if set(spec) - {"combine", "codes"}:
        raise ConfigError(f"{vwhere}: combine takes 'codes' only")
    patterns = []
    for raw_key, target in codes.items():
        parts = tuple(part.strip() for part in code_key(raw_key).split(SEPARATOR))
        if len(parts) != len(columns):
            raise ConfigError(
                f"{vwhere}.codes: {raw_key!r} has {len(parts)} part(s) but combine lists {len(columns)} columns "
                f"(join the values with '{SEPARATOR}', '{ANY}' for any value)"
            )
        check_target(codebook, codebook[name], code_key(raw_key), target, vwhere)
        patterns.append((parts, target))
    return Derivation("combine", tuple(str(c) for c in columns), patterns=tuple(patterns))

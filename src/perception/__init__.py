"""perception: perception surveys on security and trust in Mali.

Public interface for researchers:

- :class:`SurveyDesign` — an immutable spec of design columns (weight,
  strata, PSU, optional raking margins and fpc).
- :func:`estimate_means` — design-based means by domain, tidy pandas out.
- :func:`final_weights` — the weights the estimates actually use.

The names are imported on first use (PEP 562): every Snakemake job and every
DAG build imports this package, and most of them never estimate anything, so
``import perception`` must not pay for svy, polars and pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from perception.estimate.survey import SurveyDesign, estimate_means, estimate_shares, final_weights

__all__ = ["SurveyDesign", "estimate_means", "estimate_shares", "final_weights"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in __all__:
        from perception.estimate import survey

        value = getattr(survey, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'perception' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])

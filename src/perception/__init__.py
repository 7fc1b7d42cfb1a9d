"""perception: perception surveys on security and trust in Mali.

Public interface for researchers:

- :class:`SurveyDesign` — an immutable spec of design columns (weight,
  strata, PSU, optional raking margins and fpc).
- :func:`estimate_means` — design-based means by domain, tidy pandas out.
- :func:`final_weights` — the weights the estimates actually use.
"""

from perception.estimate.survey import SurveyDesign, estimate_means, estimate_shares, final_weights

__all__ = ["SurveyDesign", "estimate_means", "estimate_shares", "final_weights"]
__version__ = "0.1.0"

"""Estimate: design-based indicators, comparisons and models, with svy.

- :mod:`.survey`: the design as an immutable spec, bound once per wave to a
  (raked) svy sample; means and shares by domain as tidy rows;
- :mod:`.weighting`: cells, level checks and diagnostics of the weights;
- :mod:`.values`: one value per respondent and indicator;
- :mod:`.indicators`: every indicator by every domain of a wave;
- :mod:`.groups` and :mod:`.breakdowns`: levels of a grouping variable, and
  every indicator by urban/rural and age group (national breakdowns);
- :mod:`.reliability`: the NCHS presentation standard and the CV rule;
- :mod:`.comparisons`: gender gaps, changes between waves, multiplicity;
- :mod:`.models`: survey-weighted logistic regressions;
- :mod:`.run`: the whole estimation stage in memory.
"""

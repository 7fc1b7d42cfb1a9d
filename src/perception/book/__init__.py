"""The bilingual book: MyST sources from the workflow's tables, then HTML.

``write_book_sources`` turns the workflow outputs into one Jupyter Book source
tree per language:

- ``indicators.csv`` (estimates with CIs, reliability flags, suppression) and
  ``comparisons.csv`` (gender gaps and changes since the baseline, with their
  adjusted significance) feed every table and every sentence of findings;
- each wave's ``quality_summary.csv`` and ``sample_summary.csv`` and, when
  present, ``weighting_diagnostics.csv`` feed the methodology;
- the PNGs of ``perception.figures`` and ``perception.maps`` and the PDFs of
  ``perception.factsheets`` are copied in, as are the released CSVs, so that
  the downloads work offline.

It computes no statistic: every number printed is a cell of those files,
formatted for the language, and a difference is called clear only where
``comparisons.csv`` says ``is_significant``. Words come from the project
metadata (labels of waves, indicators, regions, codes) or from
``book/templates/strings.yaml``; page layout lives in the Jinja templates
next to it. Everything follows the configured order and nothing depends on
the clock, so the same inputs give the same Markdown byte for byte.

``build_book`` runs Jupyter Book 1.x on each edition (warnings are errors,
nothing is executed or fetched) and swaps the finished site into place only
when every edition built, so a failed build never leaves a half-written site.
"""

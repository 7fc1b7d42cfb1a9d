"""The partner release: de-identified microdata, tables and their documentation.

Partners and researchers get, in ``data/processed/release/``, what they need
to re-analyse the surveys without ever seeing a respondent:

- per wave, the published responses (``responses.csv``, itself limited to the
  codebook's ``publish: true`` allowlist) after disclosure control, as CSV,
  SPSS and Stata files with French labels, and SPSS and Stata files with
  English labels (``*_en``);
- the released tables (``release.tables``) with small and complementary
  cells suppressed;
- a bilingual data dictionary generated from the codebook, a Frictionless
  ``datapackage.json``, a French and English README (citation, licence, how
  to use the design), a disclosure report, provenance and SHA-256 checksums.

Nothing depends on the clock: ReadStat's header timestamps are overwritten
with a fixed date, so the same inputs give byte-identical files.
"""

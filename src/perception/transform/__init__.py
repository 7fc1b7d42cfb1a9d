"""Transform: from a partner's columns to validated, codebook-shaped rows.

Per source, in this order: "other (specify)" back-coding and harmonisation
through the mapping (:mod:`.harmonise`), the researcher's corrections
(:mod:`.corrections`), the mapping's quality checks (:mod:`.checks`); then,
per wave, validation against the codebook with a quarantine for every
rejected row (:mod:`.validate`) and the counts of the data-quality annex
(:mod:`.annex`). Every row problem is a :class:`.problems.Problem`, worded
in French and English.
"""

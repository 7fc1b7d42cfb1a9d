"""Statistical disclosure control of what leaves the project.

Respondents describe abuses by armed actors, so a respondent recognised in
released data can be endangered. Two kinds of release are protected here:

- **microdata**: k-anonymity on the quasi-identifiers (variables an outsider
  may know about a person: region, gender, age, area) reached by local
  suppression, and l-diversity of the sensitive items, so that even a group
  of look-alikes does not reveal an answer. Keys are counted as sdcMicro's
  ``freqCalc`` counts them: a missing value stands for any category, so a
  suppressed value makes its record match every record that agrees on the
  other keys (and vice versa);
- **tables**: cells resting on fewer than ``min_cell_n`` respondents are
  hidden, and so is a complementary cell wherever the hidden one could be
  recovered from a shown total and its other shown parts.

Every choice is deterministic (row order, configured order, seeded
permutation) so that two releases of the same data are byte-identical.
"""

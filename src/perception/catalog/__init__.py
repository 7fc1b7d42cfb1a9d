"""The catalogue of what the pipeline writes: tables, their columns, and where files live.

- :mod:`.fields` and :mod:`.tables` define every output table's columns,
  types, keys and French/English descriptions once; writers, the results
  API, the release dictionary, the Data Package and the book's dictionary
  are generated from them;
- :mod:`.paths` says where each figure, map and fact sheet is written;
- :mod:`.results` reads the published tables back, read-only.
"""

"""Configuration: the project, its waves and designs, and the metadata every stage reads.

``config/`` of a project holds the single source of truth: the codebook
(:mod:`.codebook`), the administrative geography (:mod:`.geography`), the
indicator registry (:mod:`.registry`), one mapping per partner file
(:mod:`.sources`), weighting targets (:mod:`.margins`) and ``config.yaml``
tying them together (:mod:`.project`). Each file is checked when loaded, and
every problem is one line naming the file and the place.
"""

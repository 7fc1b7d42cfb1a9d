"""Ingest: read a partner export as it is, keeping value labels and missing codes.

Readers are chosen by file extension. SPSS and Stata files are read with
``user_missing=True`` so that "don't know" and "refused" codes arrive as
their codes (not as blanks) and harmonisation can keep them distinct; Stata's
tagged missing values ``.a`` … ``.z`` arrive as the codes ``"a"`` … ``"z"``,
distinct from each other and from a plain ``.``. ReadStat runs in a child
process with a timeout, because a malformed file can crash or hang it.

Text formats are read as text: codes such as ``01`` or ``nsp`` reach the
mapping unchanged. For CSV the encoding, separator and decimal mark are
sniffed when the mapping does not give them (``read:``), and a file that is
not text at all is refused rather than read as garbage.

An XLSForm referenced by the mapping (``form:``) supplies the choice labels
of select questions in every language it has.
"""

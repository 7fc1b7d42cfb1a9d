"""Outputs drawn from the published tables: charts, maps and printable fact sheets.

They only draw what ``indicators.csv`` and ``comparisons.csv`` say: no
statistic is recomputed here. :mod:`.style` is the one look of every chart.
"""

"""The analysis after alignment: trees from distances (``build``), publication dates
(``dates``), branch support (``support``), who copied whom (``lineage``), the shared
words and passages behind it (``shingles``, ``passages``), leaf labels (``labels``),
and many stories at once (``grouping``, ``forest``).
"""

"""The generic engine under every pipeline: the stage runner and its results store,
the executors (serial, local processes, Dask), configuration files, external programs,
and atomic file writes. Nothing here knows about news articles or studies.
"""

"""Alignment: DNA writer sequences (``encoding``), the native Needleman-Wunsch core
(``nw``, over the private kernels ``_dp``, ``_band``, ``_anchors``), MAFFT (``mafft``),
distances from alignments (``distances``), and every pair of a set at once (``pairwise``:
the one path from sequences to a distance matrix).

Submodules are imported on use, so ``import phylo.align`` stays light (numba loads with ``nw``).
"""

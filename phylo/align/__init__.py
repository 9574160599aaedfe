"""Alignment: DNA writer sequences (``encoding``), the native Needleman-Wunsch core
(``nw``, over the private numba kernels ``_kernels``), MAFFT (``mafft``),
distances from alignments (``distances``), and every pair of a set at once (``pairwise``:
the one path from sequences to a distance matrix), and scikit-bio imported the project's
way (``scikit_bio``: without the array backends it probes for).

Submodules are imported on use, so ``import phylo.align`` stays light (numba loads with ``nw``).
"""

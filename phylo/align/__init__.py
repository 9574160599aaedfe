"""Alignment: the native Needleman-Wunsch core (``nw``), MAFFT (``mafft``), distances.

Public entry points: :func:`phylo.align.nw.align_pair`, :func:`phylo.align.nw.align_pairs`,
:func:`phylo.align.nw.align_pair_full`, :func:`phylo.align.mafft.run_mafft`,
:func:`phylo.align.distances.from_identities` / ``from_msa``. Submodules are imported
on use, so ``import phylo.align`` stays light (numba loads with ``nw``).
"""

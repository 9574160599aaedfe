"""scikit-bio, the one way the project imports it: without the array backends it probes.

``skbio`` 0.7 tries to import torch, jax and cupy whenever it loads (a helper for its own
tests builds a table of backends at import time). With the ``ml`` extra installed that
made every ``import skbio`` load all of PyTorch, 3-4 s, although nothing here hands skbio
anything but numpy arrays. Importing it through :func:`phylo.engine.imports.import_without`
keeps those probes out; skbio then behaves as when the backends are not installed, which
is a supported setup of its own.

Import what you need from here, inside the function that needs it (skbio itself costs
about a second to import, for scipy and pandas)::

    from phylo.align.scikit_bio import DistanceMatrix
"""

from phylo.engine.imports import import_without

skbio = import_without("skbio", ("torch", "jax", "cupy"))

from skbio import DistanceMatrix, TreeNode  # noqa: E402  (after the guarded import)
from skbio.tree import nj, upgma  # noqa: E402

__all__ = ["DistanceMatrix", "TreeNode", "nj", "upgma", "skbio"]

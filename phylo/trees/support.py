"""Branch support by resampling: how often each group of the tree comes back.

Two ways to resample, one per kind of alignment:
- a multiple alignment (MAFFT): its columns, with replacement (Felsenstein's bootstrap);
- pairwise alignments (the native core): blocks of text. Every sequence is cut into the
  same number of blocks by relative position (whole codons), and one draw of block counts
  is applied to all sequences, so copies that line up stay lined up, as columns of an MSA
  do; the sequences are then aligned again.
Each replicate gives a tree; a branch's support is the share of replicate trees that
split the articles the same way (unrooted bipartitions, so the rooting does not matter).
"""

from __future__ import annotations

import numpy as np


def block_weights(blocks: int, seed: int) -> np.ndarray:
    """How many times each of ``blocks`` blocks is drawn (a multinomial, summing to ``blocks``)."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(blocks, np.full(blocks, 1.0 / blocks))


def resample_blocks(seq: str, weights: np.ndarray, step: int = 3) -> str:
    """``seq`` cut into ``len(weights)`` blocks on multiples of ``step``; block i repeated weights[i] times."""
    units = len(seq) // step
    bounds = np.linspace(0, units, len(weights) + 1).round().astype(int) * step
    return "".join(seq[bounds[i]:bounds[i + 1]] * int(w) for i, w in enumerate(weights))


def resample_columns(msa: dict[str, str], seed: int) -> dict[str, str]:
    """An MSA with its columns drawn with replacement."""
    rng = np.random.default_rng(seed)
    length = len(next(iter(msa.values())))
    cols = rng.integers(0, length, size=length)
    return {label: "".join(np.array(list(seq))[cols]) for label, seq in msa.items()}


def splits(tree, rename: dict[str, str] | None = None, trivial: bool = False) -> set[frozenset]:
    """The bipartitions of a tree (skbio TreeNode), unrooted, each named by ``canonical``.

    Leaves are renamed by ``rename`` first (several leaves may take one name). Trivial
    splits (one side of one leaf) are left out unless ``trivial``: every tree has them.
    """
    name = (lambda t: rename.get(t.name, t.name)) if rename else (lambda t: t.name)
    everyone = frozenset(name(t) for t in tree.tips())
    out = set()
    for node in tree.non_tips(include_self=False):
        side = frozenset(name(t) for t in node.tips())
        if 1 < len(side) < len(everyone) - 1 or (trivial and 0 < len(side) < len(everyone)):
            out.add(canonical(side, everyone))
    return out


def canonical(side: frozenset, everyone: frozenset) -> frozenset:
    """One name for a split whichever side is given: the side without the smallest label."""
    return side if min(everyone) not in side else everyone - side


def add_support(tree, replicate_newicks: list[str]):
    """Label each internal branch of ``tree`` with the % of replicates that contain its split."""
    from phylo.trees.build import from_newick

    everyone = frozenset(t.name for t in tree.tips())
    counts: dict[frozenset, int] = {}
    for newick in replicate_newicks:
        for split in splits(from_newick(newick)):
            counts[split] = counts.get(split, 0) + 1
    for node in tree.non_tips(include_self=False):
        side = frozenset(t.name for t in node.tips())
        if 1 < len(side) < len(everyone) - 1:
            node.name = str(round(100 * counts.get(canonical(side, everyone), 0) / len(replicate_newicks)))
    return tree

"""Distances -> trees: neighbor joining (default) or UPGMA, rooted, as Newick.

scikit-bio (``phylo.align.scikit_bio``) is imported by the functions that use it, so
``ancestor_newick`` costs nothing to import.

Rooting: a tree from distances has no root. When publication dates are known, the
earliest article is the best guess for the origin of the story, so the tree is rooted on
that article's branch; otherwise at the midpoint of the longest path.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from phylo.errors import InputError
from phylo.trees.dates import earliest

if TYPE_CHECKING:  # names for the annotations only: importing skbio costs seconds
    from skbio import DistanceMatrix, TreeNode

METHODS = ("nj", "upgma")


def build_tree(dm: DistanceMatrix, method: str = "nj") -> TreeNode:
    """An unrooted NJ tree or a UPGMA tree from a distance matrix (needs 3+ taxa for NJ)."""
    from phylo.align.scikit_bio import nj, upgma

    if method == "nj":
        if dm.shape[0] < 3:
            raise InputError("neighbor joining needs at least three articles")
        return nj(dm)
    if method == "upgma":
        return upgma(dm)
    raise InputError(f"unknown tree method {method!r}: use one of {', '.join(METHODS)}")


def root_tree(tree: TreeNode, dates: dict[str, str | None] | None = None) -> tuple[TreeNode, str]:
    """Root on the earliest-dated leaf's branch, or at the midpoint; returns (tree, how)."""
    first = earliest(dates or {})
    if first is not None:
        leaf = tree.find(first)
        if leaf.parent is not None or len(list(tree.tips())) > 1:
            return tree.root_at(leaf, above=True, reset=True), f"earliest article ({first})"
    return tree.root_at_midpoint(reset=True), "midpoint"


def rooted_tree(labels: list[str], matrix, dates: dict[str, str | None] | None = None,
                method: str = "nj") -> tuple[TreeNode, str]:
    """The rooted tree of a few articles from their distances; returns (tree, how it was rooted).

    Three or more: ``method`` (NJ by default), rooted at the earliest-dated article
    (``root_tree``). Two: one edge split in the middle. One: the leaf alone.
    """
    from phylo.align.scikit_bio import DistanceMatrix, TreeNode

    if len(labels) == 1:
        return TreeNode(name=labels[0]), "single article"
    if len(labels) == 2:
        half = float(matrix[0][1]) / 2
        return TreeNode(children=[TreeNode(name=label, length=half) for label in labels]), "midpoint"
    return root_tree(build_tree(DistanceMatrix(matrix, labels), method), dates)


def ancestor_newick(parents: dict[str, str | None], lengths: dict[str, float],
                    unlabelled: set[str] = frozenset()) -> str:
    """A lineage as Newick, with each ancestor in its place ("sampled ancestors").

    ``parents`` maps each label to the label it descends from (None: no parent in the
    set); ``lengths`` gives each label's branch length. An article with descendants
    becomes an internal node; the article itself hangs from it as a leaf on a
    zero-length branch, so "this article and everything that descends from it" is one
    clade. Articles without a parent hang from the root. Nodes in ``unlabelled`` (an
    ancestor that is not in the set, such as a missing source) are internal nodes
    without a name or a leaf of their own.
    """
    children: dict[str | None, list[str]] = {}
    for label, parent in parents.items():
        children.setdefault(parent, []).append(label)

    def node(label: str) -> str:
        kids = children.get(label, [])
        if not kids:
            return f"{label}:{lengths[label]:.6f}"
        own = [] if label in unlabelled else [f"{label}:0.0"]
        inner = ",".join(own + [node(k) for k in kids])
        return f"({inner}):{lengths[label]:.6f}"

    roots = children.get(None, [])
    if len(roots) == 1 and children.get(roots[0]):
        return node(roots[0]).rsplit(":", 1)[0] + ";"
    return "(" + ",".join(node(r) for r in roots) + ");"


def to_newick(tree: TreeNode) -> str:
    """Newick text on one line, ending with ``;``."""
    buf = io.StringIO()
    tree.write(buf, format="newick")
    return buf.getvalue().strip()


def from_newick(text: str) -> TreeNode:
    from phylo.align.scikit_bio import TreeNode

    return TreeNode.read(io.StringIO(text), format="newick")


def ascii_tree(newick: str) -> str:
    """A text drawing of the tree for the terminal (ete3's renderer)."""
    from ete3 import Tree

    return Tree(newick, format=1).get_ascii(show_internal=False)

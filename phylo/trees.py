"""Distances -> trees: neighbor joining (default) or UPGMA, rooted, as Newick.

Rooting: a tree from distances has no root. When publication dates are known, the
earliest article is the best guess for the origin of the story, so the tree is rooted on
that article's branch; otherwise at the midpoint of the longest path.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

from skbio import DistanceMatrix, TreeNode
from skbio.tree import nj, upgma

from phylo.errors import UsageError

METHODS = ("nj", "upgma")


def build_tree(dm: DistanceMatrix, method: str = "nj") -> TreeNode:
    """An unrooted NJ tree or a UPGMA tree from a distance matrix (needs 3+ taxa for NJ)."""
    if method == "nj":
        if dm.shape[0] < 3:
            raise UsageError("neighbor joining needs at least three articles")
        return nj(dm)
    if method == "upgma":
        return upgma(dm)
    raise UsageError(f"unknown tree method {method!r}: use one of {', '.join(METHODS)}")


def parse_date(value: str | None) -> datetime | None:
    """An ISO date or datetime string as a naive UTC datetime (naive input is taken as UTC)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is None else parsed.astimezone(timezone.utc).replace(tzinfo=None)


def date_interval(value: str | None) -> tuple[datetime, datetime] | None:
    """When an article may have been published: a datetime is exact, a bare date is its whole day."""
    start = parse_date(value)
    if start is None:
        return None
    if len(value.strip()) <= 10:  # YYYY-MM-DD: the time of day is unknown
        return start, start + timedelta(days=1) - timedelta(seconds=1)
    return start, start


def sort_time(value: str | None) -> datetime | None:
    """One time to sort by: the middle of the interval (a bare date counts as its noon)."""
    span = date_interval(value)
    return span[0] + (span[1] - span[0]) / 2 if span else None


def earliest(dates: dict[str, str | None]) -> str | None:
    """The label with the earliest sort time (ties: first in order), or None."""
    dated = [(t, i, label) for i, (label, value) in enumerate(dates.items()) if (t := sort_time(value))]
    return min(dated)[2] if dated else None


def root_tree(tree: TreeNode, dates: dict[str, str | None] | None = None) -> tuple[TreeNode, str]:
    """Root on the earliest-dated leaf's branch, or at the midpoint; returns (tree, how)."""
    first = earliest(dates or {})
    if first is not None:
        leaf = tree.find(first)
        if leaf.parent is not None or len(list(tree.tips())) > 1:
            return tree.root_at(leaf, above=True, reset=True), f"earliest article ({first})"
    return tree.root_at_midpoint(reset=True), "midpoint"


def to_newick(tree: TreeNode) -> str:
    """Newick text on one line, ending with ``;``."""
    buf = io.StringIO()
    tree.write(buf, format="newick")
    return buf.getvalue().strip()


def from_newick(text: str) -> TreeNode:
    return TreeNode.read(io.StringIO(text), format="newick")


def ascii_tree(newick: str) -> str:
    """A text drawing of the tree for the terminal (ete3's renderer)."""
    from ete3 import Tree

    return Tree(newick, format=1).get_ascii(show_internal=False)

"""The tree as a picture (SVG and PNG) with each leaf's title, site and date.

Drawn with Bio.Phylo on matplotlib's Agg backend, so no display or Qt is needed.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from Bio import Phylo  # noqa: E402


def leaf_caption(info: dict, max_title: int = 60) -> str:
    """``Title… — site, 2024-05-01`` from an articles.tsv row."""
    title = (info.get("title") or "").strip()
    if len(title) > max_title:
        title = title[: max_title - 1].rstrip() + "…"
    where = ", ".join(x for x in (info.get("site"), (info.get("published") or "")[:10]) if x)
    return " — ".join(x for x in (title, where) if x) or info.get("label", "")


def draw_tree(newick: str, info: dict[str, dict], paths: list[str | Path], title: str = "") -> None:
    """Draw ``newick`` to each of ``paths`` (format from the suffix: .svg, .png, .pdf).

    ``info`` maps leaf labels to rows (title, site, published); internal labels that are
    numbers are shown as branch support.
    """
    tree = Phylo.read(io.StringIO(newick), "newick")
    tree.ladderize()
    n_leaves = max(tree.count_terminals(), 2)
    fig, ax = plt.subplots(figsize=(12, 1.2 + 0.42 * n_leaves))

    def label(clade):
        if clade.is_terminal():
            row = info.get(clade.name, {})
            return f"{clade.name}  {leaf_caption(row)}" if row else (clade.name or "")
        return ""

    Phylo.draw(tree, axes=ax, do_show=False, label_func=label, show_confidence=True)
    ax.set_title(title or "Copying tree", loc="left", fontsize=12)
    ax.set_ylabel("")
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel("distance (substitutions per site)")
    fig.tight_layout()
    for path in paths:
        fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)

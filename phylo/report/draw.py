"""The tree as a picture (SVG and PNG) with each leaf's title, site and date.

Drawn with Bio.Phylo on matplotlib's Agg backend, so no display or Qt is needed.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.hashsalt"] = "phylo"  # stable element ids: the same tree gives the same file
import matplotlib.pyplot as plt  # noqa: E402
from Bio import Phylo  # noqa: E402

from phylo.engine.files import atomic_path  # noqa: E402


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
    _save(fig, paths)


def draw_lineage(lineage: list[dict], info: dict[str, dict], paths: list[str | Path], title: str = "") -> None:
    """Who copied whom as a graph: articles placed by publication time, arrows from source to copy.

    ``lineage`` rows have ``label`` and ``source`` (None for articles with no source in the
    set); undated articles are drawn in a column at the right, marked "undated".
    """
    from phylo.trees.dates import sort_time

    when = {row["label"]: sort_time((info.get(row["label"]) or {}).get("published")) for row in lineage}
    dated = sorted((t, label) for label, t in when.items() if t)
    undated = [label for label, t in when.items() if not t]
    order = [label for _, label in dated] + undated
    if dated:
        t0 = dated[0][0]
        span = max((dated[-1][0] - t0).total_seconds(), 1.0)
        x = {label: (t - t0).total_seconds() / span for t, label in dated}
    else:
        x = {}
    for label in undated:
        x[label] = 1.15
    y = {label: -i for i, label in enumerate(order)}

    fig, ax = plt.subplots(figsize=(12, 1.0 + 0.45 * max(len(order), 2)))
    for row in lineage:
        if row.get("source") and row["source"] in x:
            src, dst = row["source"], row["label"]
            ax.annotate("", xy=(x[dst], y[dst]), xytext=(x[src], y[src]),
                        arrowprops={"arrowstyle": "-|>", "color": "#3b6ea5", "lw": 1.2,
                                    "connectionstyle": "arc3,rad=-0.15"})
    for label in order:
        row = info.get(label, {})
        root = not next((r for r in lineage if r["label"] == label), {}).get("source")
        ax.plot(x[label], y[label], "o", color="#b8452e" if root else "#3b6ea5", ms=7, zorder=3)
        caption = f"{label}" + ("" if when[label] else " (undated)")
        if row.get("title"):
            caption += f"  {leaf_caption({'title': row['title']}, 48)}"
        ax.text(x[label] + 0.015, y[label], caption, va="center", fontsize=8.5)
    if dated:
        ax.set_xticks([0, 1], [dated[0][0].strftime("%Y-%m-%d %H:%M UTC"), dated[-1][0].strftime("%Y-%m-%d %H:%M UTC")])
    ax.set_yticks([])
    ax.set_xlim(-0.05, 1.9)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel("publication time (red: no source in the set)")
    ax.set_title(title or "Who copied whom", loc="left", fontsize=12)
    fig.tight_layout()
    _save(fig, paths)


def _save(fig, paths) -> None:
    """Save to each path, atomically; no timestamps inside, so reruns write identical files."""
    for path in paths:
        meta = {"Date": None} if str(path).endswith((".svg", ".pdf")) else {}
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=110, bbox_inches="tight", metadata=meta)
    plt.close(fig)

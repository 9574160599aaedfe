"""The tree as a picture (SVG and PNG) with each leaf's title, site and date.

Drawn with Bio.Phylo on matplotlib's Agg backend, so no display or Qt is needed.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.hashsalt"] = "phylo"  # stable element ids: the same tree gives the same file
matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: smaller files, editable and searchable labels
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
    """Who copied whom on a time line: one lane per outlet, arrows from source to copy.

    ``lineage`` rows are read with ``phylo.report.verdicts.read_row`` (old rows without
    verdicts draw too). Node colour is the verdict; an arrow's width and colour grow with
    the share of the copy its source explains; dashed arrows are secondary sources and
    links from a source that is not in the set (its node is a hollow diamond); dotted
    lines join an independent report to the article it shares quotes with. Layout:
    ``phylo.report.layout.lineage_layout``.
    """
    import matplotlib.dates as mdates
    from matplotlib.lines import Line2D

    from phylo.report.layout import (QUOTE_COLOUR, UNDATED_U, UNSEEN_COLOUR, VERDICT_COLOURS, lineage_layout,
                                     share_colour, share_width)
    from phylo.report.verdicts import copy_edges, read_row

    rows = [read_row(r) for r in lineage]
    layout = lineage_layout(rows, info, copy_edges(rows))
    verdict = {r["label"]: r["verdict"] for r in rows}
    t0 = mdates.date2num(layout["t0"]) if layout["t0"] else 0.0
    days = layout["span"] / 86400

    def x(u: float) -> float:
        return t0 + u * days

    lanes = layout["lanes"]
    fig, ax = plt.subplots(figsize=(12, 1.4 + 0.9 * max(len(lanes), 2)))
    for k in range(len(lanes)):
        if k % 2 == 0:
            ax.axhspan(k - 0.5, k + 0.5, color="#f1f4f7", zorder=0)
    styles = {"copy": "-", "merge": "--", "unseen": "--", "quote": ":"}
    for e in layout["edges"]:
        xs, ys = [x(p[0]) for p in e["points"]], [p[1] for p in e["points"]]
        colour = {"unseen": UNSEEN_COLOUR, "quote": QUOTE_COLOUR}.get(e["kind"], share_colour(e["share"]))
        width = 1.0 if e["kind"] == "quote" else 0.7 * share_width(e["share"])  # points, thinner than on screen
        ax.plot(xs, ys, styles[e["kind"]], color=colour, lw=width, zorder=1, solid_capstyle="round")
        if e["kind"] != "quote":  # the head three quarters along, as in the explorer
            k = 3 * (len(xs) - 1) // 4
            ax.annotate("", xy=(xs[k], ys[k]), xytext=(xs[k - 1], ys[k - 1]), zorder=2,
                        arrowprops={"arrowstyle": "-|>", "facecolor": colour, "edgecolor": "white", "lw": 0.6,
                                    "shrinkA": 0, "shrinkB": 0, "mutation_scale": 11 + 3 * width})
    for label, node in layout["nodes"].items():
        if node["kind"] == "unseen-source":
            ax.plot(x(node["u"]), node["y"], "D", ms=8, mfc="white", mec=UNSEEN_COLOUR, mew=1.6, zorder=3)
            continue
        colour = VERDICT_COLOURS[verdict[label]]
        ax.plot(x(node["u"]), node["y"], "o", ms=7, color=colour, mfc="white" if node["undated"] else colour,
                mew=1.6, zorder=3)
        if len(rows) <= 30:  # beyond that the labels overlap; the explorer has them on hover
            ax.text(x(node["u"]), node["y"] - 0.17, label, fontsize=6.5, ha="center", va="bottom", zorder=4)
    if any(n["undated"] for n in layout["nodes"].values()):
        ax.axvline(x((1 + UNDATED_U) / 2), color="#b0b8c0", lw=0.8, ls=":")
        ax.text(x(UNDATED_U), -0.75, "undated", ha="center", fontsize=8, color="#5d6b78")
    ax.set_yticks(range(len(lanes)), lanes, fontsize=8.5)
    ax.set_ylim(len(lanes) - 0.5, -0.9)
    ax.set_xlim(x(-0.07), x(1.14))
    if layout["t0"]:
        ax.xaxis_date()
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    else:
        ax.set_xticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel("publication time (UTC)")
    handles = [Line2D([], [], marker="o", ls="", color=c, label=v) for v, c in VERDICT_COLOURS.items()]
    handles.append(Line2D([], [], marker="D", ls="", mfc="white", mec=UNSEEN_COLOUR, label="source not in the set"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    ax.set_title(title or "Who copied whom (arrow width: share of the copy taken from its source)", loc="left",
                 fontsize=12)
    fig.tight_layout()
    _save(fig, paths)


def _save(fig, paths) -> None:
    """Save to each path, atomically; no timestamps inside, so reruns write identical files."""
    for path in paths:
        meta = {"Date": None} if str(path).endswith((".svg", ".pdf")) else {}
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=110, bbox_inches="tight", metadata=meta)
    plt.close(fig)

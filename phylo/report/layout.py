"""Where things go in the pictures: the tree's nodes, and the lineage laid out in time.

Plain data for both drawings (the static ``lineage.svg`` of ``draw`` and the explorer's
interactive figures), so the two show the same layout.

The lineage is laid out as a time line: publication time runs left to right, and every
outlet has a lane of its own (outlets in the order they first published), so arrows
between outlets run between lanes instead of over each other. Articles of one outlet
close in time are moved to sub-rows of the lane; a source missing from the set (an
unseen-source group) gets a node in a lane of its own at the top, just before its
earliest member; undated articles sit in a column after the last dated one. Arrows are
curves bent to one side, so two arrows between the same lanes are told apart, and an
arrow within a lane arcs above it rather than running through the articles between.
"""

from __future__ import annotations

import math

from phylo.trees.dates import sort_time

#: One colour per verdict, the same in every picture.
VERDICT_COLOURS = {"earliest": "#c0392b", "copied": "#2e6fb5", "independent": "#2e9e5b",
                   "unseen-source": "#8e44ad"}
UNSEEN_COLOUR = "#8e44ad"
QUOTE_COLOUR = "#8a949e"

UNSEEN_LANE = "unseen sources"
UNDATED_U = 1.08      # where undated articles sit, on the 0..1 scale of dated time
SUBROWS = (0.0, 0.28, -0.28)
CLOSE_U = 0.025       # articles of one outlet closer than this (share of the time span) take sub-rows


def tree_nodes(newick: str) -> list[dict]:
    """The tree's nodes in drawing order (preorder, smaller clades first).

    Each: ``id``, ``parent`` (id or None), ``name``, ``x`` (distance from the root),
    ``length``, ``leaf``, ``tips`` (leaves below), ``support`` (a numeric internal label,
    else None), ``order`` (the leaf's rank top to bottom; None for internal nodes).
    """
    from phylo.trees.build import from_newick

    tree = from_newick(newick)
    tips = {}
    for node in tree.postorder():
        tips[id(node)] = 1 if node.is_tip() else sum(tips[id(c)] for c in node.children)
    out, ids, rank = [], {}, 0
    stack = [(tree, None, 0.0)]
    while stack:
        node, parent, x = stack.pop()
        ids[id(node)] = len(out)
        length = node.length or 0.0
        here = x + length if parent is not None else 0.0
        row = {"id": len(out), "parent": parent, "name": node.name if node.is_tip() else None, "x": here,
               "length": length, "leaf": node.is_tip(), "tips": tips[id(node)],
               "support": _support(node.name) if not node.is_tip() else None, "order": None}
        if node.is_tip():
            row["order"], rank = rank, rank + 1
        out.append(row)
        # ladderized: the smaller clade on top; the stack pops the last pushed first
        for child in sorted(node.children, key=lambda c: tips[id(c)], reverse=True):
            stack.append((child, row["id"], here))
    return out


def _support(name: str | None) -> float | None:
    try:
        return float(name) if name else None
    except ValueError:
        return None


def lineage_layout(rows: list[dict], info: dict[str, dict], edges: list[dict]) -> dict:
    """Positions for ``rows`` (``verdicts.read_row``) and ``edges`` (``verdicts.copy_edges``).

    Returns ``{"lanes": [name, ...], "t0", "span" (seconds), "nodes": {id: {"u", "y", "lane",
    "time", "undated", "kind"}}, "edges": [edge + {"points": [(u, y), ...]}]}``: ``u`` is time
    on a 0..1 scale (``t0 + u * span``), ``y`` the lane (0 at the top) plus the sub-row.
    """
    when = {r["label"]: sort_time((info.get(r["label"]) or {}).get("published")) for r in rows}
    dated = sorted(t for t in when.values() if t)
    t0 = dated[0] if dated else None
    span = max((dated[-1] - t0).total_seconds(), 1.0) if dated else 1.0
    u = {label: (t - t0).total_seconds() / span if t else UNDATED_U for label, t in when.items()}

    groups: dict[str, list[str]] = {}
    for e in edges:
        if e["kind"] == "unseen":
            groups.setdefault(e["source"], []).append(e["target"])
    lanes = [UNSEEN_LANE] if groups else []
    order = sorted(rows, key=lambda r: (u[r["label"]], r["label"]))
    for r in order:
        site = (info.get(r["label"]) or {}).get("site") or "(no outlet)"
        if site not in lanes:
            lanes.append(site)

    nodes, last = {}, {}
    for r in order:
        label = r["label"]
        lane = lanes.index((info.get(label) or {}).get("site") or "(no outlet)")
        nodes[label] = {"u": u[label], "lane": lane, "y": lane + _subrow(last, lane, u[label]), "time": when[label],
                        "undated": when[label] is None, "kind": "article"}
    for group, members in groups.items():
        first = min(u[m] for m in members)
        nodes[group] = {"u": first - 0.04, "lane": 0, "y": _subrow(last, 0, first - 0.04), "time": None,
                        "undated": False, "kind": "unseen-source"}

    aspect = max(len(lanes) - 1, 1)  # one lane is this share of the height, for bending in proportion
    placed = []
    for e in edges:
        a, b = nodes.get(e["source"]), nodes.get(e["target"])
        if a is None or b is None:
            continue
        placed.append(e | {"points": _curve((a["u"], a["y"] / aspect), (b["u"], b["y"] / aspect), aspect)})
    return {"lanes": lanes, "t0": t0, "span": span, "nodes": nodes, "edges": placed}


def _subrow(last: dict, lane: int, u: float) -> float:
    """The first sub-row of ``lane`` free at time ``u`` (remembering what was placed)."""
    rows = last.setdefault(lane, [-math.inf] * len(SUBROWS))
    for k, taken in enumerate(rows):
        if u - taken >= CLOSE_U:
            rows[k] = u
            return SUBROWS[k]
    rows[0] = u
    return SUBROWS[0]


def _curve(p0: tuple[float, float], p2: tuple[float, float], aspect: float,
           steps: int = 16) -> list[tuple[float, float]]:
    """A quadratic Bezier from ``p0`` to ``p2`` (in units where the lanes span 0..1), as
    points with y back in lanes. Same-lane arrows arc upwards; others all bend the same
    way, in proportion to their length, so the arrows leaving one article fan out."""
    (x0, y0), (x2, y2) = p0, p2
    dx, dy = x2 - x0, y2 - y0
    length = math.hypot(dx, dy) or 1e-9
    if abs(dy) < 1e-9:
        bend = 0.35 * length
        cx, cy = (x0 + x2) / 2, y0 - bend  # y grows downwards: minus is up
    else:
        bend = -0.18 * length  # one way for all: the arrows leaving one article fan out without crossing
        cx, cy = (x0 + x2) / 2 - dy / length * bend, (y0 + y2) / 2 + dx / length * bend
    points = []
    for k in range(steps + 1):
        t = k / steps
        x = (1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t ** 2 * x2
        y = (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t ** 2 * y2
        points.append((x, y * aspect))
    return points


def share_colour(share: float | None) -> str:
    """Light blue (little taken) to dark blue (everything taken)."""
    t = min(max(share or 0.0, 0.0), 1.0)
    low, high = (158, 202, 225), (8, 48, 107)
    return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(low, high))


def share_width(share: float | None) -> float:
    """Line width in points: 1 for a trace, 6 for a whole copy."""
    return 1.0 + 5.0 * min(max(share or 0.0, 0.0), 1.0)

"""The interactive parts of report.html: two Bokeh figures and the data the page's script reads.

Bokeh draws, zooms, pans, shows hover tooltips, hit-tests clicks and exports SVG; its
JavaScript (about 1.3 MB, core only) is written into the page itself, so the report
opens offline. The page's own script (``templates/explorer.js``) does what is specific to
a lineage: laying the tree out again when a clade is collapsed, the filters, the side
panel with the pair of articles and their shared passages, the sortable table and the
downloads. Everything it needs is in one JSON block built here (``page_data``).

Bokeh models have names the script finds them by: ``tree-leaves``, ``tree-inner``,
``tree-branches``, ``tree-collapsed`` (data sources of the tree figure, filled by the
script) and ``lineage-nodes``, ``lineage-edges``, ``lineage-heads`` (the lineage figure's).
"""

from __future__ import annotations

import json
from datetime import timezone
from importlib.resources import files

from phylo.report.layout import (QUOTE_COLOUR, UNDATED_U, UNSEEN_COLOUR, VERDICT_COLOURS, lineage_layout,
                                 share_colour, share_width, tree_nodes)
from phylo.report.verdicts import VERDICT_TEXT, copy_edges, read_row, share_taken
from phylo.trees.passages import shared_passages, shared_share

LABELS_UP_TO = 30   # lineage node labels shown by default up to this many articles (a switch shows them)
EDGE_DASH = {"copy": "solid", "merge": "dashed", "unseen": "dashed", "quote": "dotted"}
EDGE_KIND_TEXT = {"copy": "copied from", "merge": "also took from (secondary source)",
                  "unseen": "shares a source not in the set", "quote": "independent; shares quotes with"}


def explorer_parts(table: list[dict], tree: dict, lineage: list[dict]) -> dict:
    """What the template needs: the Bokeh script and styles, the two figures, the page data."""
    from bokeh.embed import json_item
    from bokeh.embed.bundle import bundle_for_objs_and_resources
    from bokeh.resources import INLINE

    info = {r["label"]: r for r in table if r.get("label")}
    rows = [read_row(r) for r in lineage if r.get("label") in info]
    edges = copy_edges(rows)
    layout = lineage_layout(rows, info, edges)
    nodes = tree_nodes(tree["newick"])
    figures = {"tree": tree_figure(nodes), "lineage": lineage_figure(layout, rows, info)}
    bundle = bundle_for_objs_and_resources(list(figures.values()), INLINE)
    return {
        "bokeh_js": "\n".join(bundle.js_raw), "bokeh_css": "\n".join(bundle.css_raw),
        "plots": {name: json_item(fig) for name, fig in figures.items()},
        "data": page_data(table, rows, edges, nodes, info),
        "script": files("phylo.report").joinpath("templates", "explorer.js").read_text(encoding="utf-8"),
    }


def no_tex(text: str) -> str:
    """``text`` with TeX delimiters broken by a zero-width space: Bokeh renders "$$...$$",
    "\\(...\\)" and "\\[...\\]" in axis labels with MathJax, which it would fetch from a CDN."""
    for delimiter in ("$$", "\\(", "\\)", "\\[", "\\]"):
        text = text.replace(delimiter, delimiter[0] + "\u200b" + delimiter[1:])
    return text


def script_json(value) -> str:
    """JSON safe inside a <script> element (no "</script>" can end it early)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


# --- the data the page script reads -------------------------------------------------

def page_data(table: list[dict], rows: list[dict], edges: list[dict], nodes: list[dict], info: dict) -> dict:
    copies: dict[str, list[str]] = {}
    for e in edges:
        if e["kind"] in ("copy", "merge"):
            copies.setdefault(e["source"], []).append(e["target"])
    articles = []
    for r in rows:
        a = info[r["label"]]
        articles.append({
            "label": r["label"], "title": a.get("title") or "", "site": a.get("site") or "",
            "published": a.get("published") or "", "time": _ms(a.get("published")), "chars": a.get("chars"),
            "url": a.get("final_url") or a.get("url") or "", "verdict": r["verdict"], "source": r["source"],
            "confidence": r["confidence"], "identity": r["identity"], "containment": r["containment"],
            "share": share_taken(r), "secondary": r["secondary_sources"], "evidence": r["evidence"],
            "unseen_group": r["unseen_group"] if r["verdict"] == "unseen-source" else None, "note": r["note"],
            "copies": copies.get(r["label"], []), "text": a.get("text") or "",
        })
    return {
        "articles": articles, "edges": [{k: e[k] for k in ("source", "target", "kind", "share")} for e in edges],
        "pairs": pair_passages(rows, edges, info), "tree": nodes,
        "failures": [{"line": r.get("line"), "url": r.get("url"), "status": r.get("status"),
                      "message": r.get("message") or ""} for r in table if r.get("status") != "ok"],
        "verdicts": {v: {"colour": c, "text": VERDICT_TEXT[v]} for v, c in VERDICT_COLOURS.items()},
    }


def pair_passages(rows: list[dict], edges: list[dict], info: dict, limit: int = 60) -> dict:
    """The shared passages of every pair the page can show side by side, keyed "copy\\tother".

    The pairs: each arrow between two articles, and each article with the article its
    evidence was measured against (an unseen-source member and another member).
    """
    wanted = [(e["target"], e["source"]) for e in edges if e["source"] in info]
    wanted += [(r["label"], r["evidence"]["against"]) for r in rows if r["evidence"].get("against") in info]
    out = {}
    for a, b in wanted:
        key = f"{a}\t{b}"
        if key in out or a == b:
            continue
        text_a, text_b = info[a].get("text") or "", info[b].get("text") or ""
        passages = shared_passages(text_a, text_b, min_words=6, limit=limit)
        out[key] = {"a": a, "b": b, "spans_a": [p["span_a"] for p in passages],
                    "spans_b": [p["span_b"] for p in passages], "passages": len(passages),
                    "longest": passages[0]["words"] if passages else 0, "share": shared_share(text_a, passages)}
    return out


def _ms(published: str | None) -> float | None:
    from phylo.trees.dates import sort_time

    t = sort_time(published)
    return t.replace(tzinfo=t.tzinfo or timezone.utc).timestamp() * 1000 if t else None


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.0f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


# --- the figures ------------------------------------------------------------------------

def _tools(figure, renderers_hover: list, tooltips: list) -> None:
    from bokeh.models import (BoxZoomTool, HoverTool, PanTool, ResetTool, SaveTool, TapTool, WheelZoomTool)

    wheel = WheelZoomTool(modifiers={"ctrl": True})  # plain scrolling still scrolls the page
    figure.add_tools(PanTool(), wheel, BoxZoomTool(), ResetTool(), SaveTool(),
                     TapTool(renderers=[r for r in renderers_hover]))
    for renderer, tips in zip(renderers_hover, tooltips):
        figure.add_tools(HoverTool(renderers=[renderer], tooltips=tips))
    figure.toolbar.active_drag = figure.select_one(PanTool)
    figure.toolbar.active_scroll = wheel
    figure.toolbar.logo = None


def tree_figure(nodes: list[dict]):
    """The tree: branches, leaves coloured by verdict, support at branch points (filled by the script)."""
    from bokeh.models import ColumnDataSource, CustomJS, Range1d
    from bokeh.plotting import figure

    depth = max((n["x"] for n in nodes), default=1.0) or 1.0
    leaves = sum(1 for n in nodes if n["leaf"])
    fig = figure(name="tree-figure", height=max(260, 40 + 22 * leaves), sizing_mode="stretch_width",
                 x_range=Range1d(-0.03 * depth, 1.9 * depth), y_range=Range1d(leaves - 0.5, -0.8), tools="",
                 output_backend="canvas", x_axis_label="distance (substitutions per site)")
    fig.yaxis.visible = False
    fig.ygrid.visible = False
    empty = {"x": [], "y": []}
    branches = ColumnDataSource({"xs": [], "ys": []}, name="tree-branches")
    leaf_src = ColumnDataSource(empty | {k: [] for k in (
        "id", "label", "caption", "title", "site", "published", "verdict", "confidence", "colour", "alpha")},
        name="tree-leaves")
    inner_src = ColumnDataSource(empty | {k: [] for k in ("id", "support", "tips", "state")}, name="tree-inner")
    collapsed = ColumnDataSource({"xs": [], "ys": [], "x": [], "y": [], "caption": []}, name="tree-collapsed")
    fig.multi_line("xs", "ys", source=branches, line_color="#5d6b78", line_width=1.3)
    fig.patches("xs", "ys", source=collapsed, fill_color="#d5dde6", line_color="#5d6b78")
    fig.text("x", "y", text="caption", source=collapsed, x_offset=6, text_baseline="middle", text_font_size="9pt",
             text_color="#1d232b")
    inner = fig.scatter("x", "y", source=inner_src, size=7, marker="square", fill_color="#ffffff",
                        line_color="#5d6b78", nonselection_alpha=1.0)
    fig.text("x", "y", text="support", source=inner_src, x_offset=-4, y_offset=-3, text_align="right",
             text_baseline="bottom", text_font_size="8pt", text_color="#a1281b")
    leaf = fig.scatter("x", "y", source=leaf_src, size=9, fill_color="colour", line_color="colour",
                       fill_alpha="alpha", line_alpha="alpha",
                       nonselection_fill_alpha="alpha", nonselection_line_alpha="alpha")
    fig.text("x", "y", text="caption", source=leaf_src, x_offset=8, text_baseline="middle", text_font_size="9pt",
             text_alpha="alpha", text_color="#1d232b")
    _tools(fig, [leaf, inner], [
        '<div style="max-width:340px;font-size:12px"><b>@title</b><br>@site · @published<br>verdict: <b>@verdict</b>'
        ' · confidence @confidence<br><span>@label</span></div>',
        '<div style="max-width:340px;font-size:12px">@tips articles below · support: @support{safe}<br>@state</div>',
    ])
    for source in (leaf_src, inner_src):
        source.selected.js_on_change("indices", CustomJS(
            args={"source": source}, code="window.phyloExplorer && window.phyloExplorer.tapped(source)"))
    return fig


def lineage_figure(layout: dict, rows: list[dict], info: dict):
    """Who copied whom in time: outlet lanes, curved arrows from source to copy."""
    from bokeh.models import (Arrow, BoxAnnotation, ColumnDataSource, CustomJS, DatetimeTickFormatter, FixedTicker,
                              Label, Range1d, Span, VeeHead)
    from bokeh.plotting import figure

    lanes = layout["lanes"]
    dated = layout["t0"] is not None
    t0 = layout["t0"].replace(tzinfo=layout["t0"].tzinfo or timezone.utc).timestamp() * 1000 if dated else 0.0
    span = layout["span"] * 1000 if dated else 1.0

    def x(u: float) -> float:
        return t0 + u * span

    crowded = max([sum(n["lane"] == k for n in layout["nodes"].values()) for k in range(len(lanes))] or [1])
    lane_px = min(64 + 8 * crowded, 170)  # busier lanes get taller, so the arrows between them spread out
    fig = figure(name="lineage-figure", height=min(1100, max(300, 90 + lane_px * len(lanes))),
                 sizing_mode="stretch_width",
                 x_axis_type="datetime" if dated else "linear", tools="", output_backend="canvas",
                 x_range=Range1d(x(-0.1), x(1.16)), y_range=Range1d(len(lanes) - 0.5, -0.8),
                 x_axis_label="publication time (UTC)" if dated else "no publication dates")
    if dated:
        fig.xaxis.formatter = DatetimeTickFormatter(hours="%H:%M", days="%b %d", months="%b %Y")
    else:
        fig.xaxis.visible = False
    fig.yaxis.ticker = FixedTicker(ticks=list(range(len(lanes))))
    fig.yaxis.major_label_overrides = {k: no_tex(name) for k, name in enumerate(lanes)}
    fig.ygrid.visible = False
    for k in range(0, len(lanes), 2):
        fig.add_layout(BoxAnnotation(bottom=k - 0.5, top=k + 0.5, fill_color="#eef2f6", fill_alpha=0.7,
                                     line_alpha=0, level="underlay"))
    if any(n["undated"] for n in layout["nodes"].values()):
        fig.add_layout(Span(location=x((1 + UNDATED_U) / 2), dimension="height", line_dash="dotted",
                            line_color="#b0b8c0"))
        fig.add_layout(Label(x=x(UNDATED_U), y=-0.65, text="undated", text_align="center", text_font_size="9pt",
                             text_color="#5d6b78"))

    verdict = {r["label"]: r for r in rows}
    edges = {k: [] for k in ("id", "source", "target", "xs", "ys", "colour", "width", "dash", "kind", "share",
                             "identity", "confidence", "alpha")}
    heads = {k: [] for k in ("id", "x_start", "y_start", "x_end", "y_end", "colour", "size")}
    for i, e in enumerate(layout["edges"]):
        colour = {"unseen": UNSEEN_COLOUR, "quote": QUOTE_COLOUR}.get(e["kind"], share_colour(e["share"]))
        xs, ys = [x(p[0]) for p in e["points"]], [p[1] for p in e["points"]]
        for key, value in (("id", i), ("source", e["source"]), ("target", e["target"]), ("xs", xs), ("ys", ys),
                           ("colour", colour), ("width", 1.0 if e["kind"] == "quote" else share_width(e["share"])),
                           ("dash", EDGE_DASH[e["kind"]]), ("kind", EDGE_KIND_TEXT[e["kind"]]),
                           ("share", _pct(e["share"])), ("identity", _num(e["identity"], 3)),
                           ("confidence", _num(e["confidence"])), ("alpha", 0.85)):
            edges[key].append(value)
        if e["kind"] != "quote":  # the head three quarters along, where no node covers it
            k = 3 * (len(xs) - 1) // 4
            for key, value in (("id", i), ("x_start", xs[k - 1]), ("y_start", ys[k - 1]), ("x_end", xs[k]),
                               ("y_end", ys[k]), ("colour", colour), ("size", 9 + 1.6 * edges["width"][-1])):
                heads[key].append(value)
    nodes = {k: [] for k in ("id", "x", "y", "marker", "colour", "fill", "label", "title", "site", "published",
                             "verdict", "confidence", "share", "text")}
    show_labels = len(rows) <= LABELS_UP_TO
    for label, n in layout["nodes"].items():
        unseen = n["kind"] == "unseen-source"
        r = verdict.get(label)
        a = info.get(label, {})
        colour = UNSEEN_COLOUR if unseen else VERDICT_COLOURS[r["verdict"]]
        for key, value in (("id", label), ("x", x(n["u"])), ("y", n["y"]), ("marker", "diamond" if unseen else "circle"),
                           ("colour", colour), ("fill", "#ffffff" if unseen or n["undated"] else colour),
                           ("label", label if show_labels else ""),
                           ("title", "a source that is not in the set" if unseen else a.get("title") or ""),
                           ("site", "" if unseen else a.get("site") or ""),
                           ("published", "" if unseen else a.get("published") or "undated"),
                           ("verdict", "unseen source" if unseen else r["verdict"]),
                           ("confidence", "" if unseen else _num(r["confidence"])),
                           ("share", "" if unseen else _pct(share_taken(r))), ("text", label)):
            nodes[key].append(value)

    edge_src = ColumnDataSource(edges, name="lineage-edges")
    head_src = ColumnDataSource(heads, name="lineage-heads")
    node_src = ColumnDataSource(nodes, name="lineage-nodes")
    edge_renderer = fig.multi_line("xs", "ys", source=edge_src, line_color="colour", line_width="width",
                                   line_dash="dash", line_alpha="alpha", hover_line_alpha=1.0,
                                   hover_line_color="#f39c12", nonselection_line_alpha="alpha")
    fig.add_layout(Arrow(source=head_src, x_start="x_start", y_start="y_start", x_end="x_end", y_end="y_end",
                         line_alpha=0, end=VeeHead(size="size", fill_color="colour", line_color="colour")))
    focus = ColumnDataSource({"x": [], "y": []}, name="lineage-focus")  # the article open in the panel
    fig.scatter("x", "y", source=focus, size=24, fill_alpha=0, line_color="#f39c12", line_width=3)
    node_renderer = fig.scatter("x", "y", source=node_src, marker="marker", size=12, fill_color="fill",
                                line_color="colour", line_width=2, nonselection_alpha=1.0,
                                hover_line_color="#f39c12")
    fig.text("x", "y", text="label", source=node_src, y_offset=-9, text_align="center", text_baseline="bottom",
             text_font_size="7.5pt", text_color="#33404d", name="lineage-labels")
    _tools(fig, [node_renderer, edge_renderer], [
        '<div style="max-width:340px;font-size:12px"><b>@title</b><br>@site · @published<br>verdict: <b>@verdict</b>'
        ' · confidence @confidence · share taken @share<br><span>@text</span></div>',
        '<div style="max-width:340px;font-size:12px"><b>@target</b> @kind <b>@source</b><br>share taken @share · identity @identity'
        ' · confidence @confidence</div>',
    ])
    for source in (node_src, edge_src):
        source.selected.js_on_change("indices", CustomJS(
            args={"source": source}, code="window.phyloExplorer && window.phyloExplorer.tapped(source)"))
    return fig

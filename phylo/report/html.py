"""report.html: one self-contained page (no network at view time) a person can read.

The tree drawing, who copied whom, the article table with every failure, a distance
heat map, and each article beside its inferred source with the shared passages marked.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from phylo import __version__
from phylo.engine.files import atomic_write
from phylo.trees.passages import shared_passages, shared_share


def template(name: str):
    """A page template of ``phylo/report/templates`` (HTML-escaped by default)."""
    env = Environment(loader=PackageLoader("phylo.report", "templates"), autoescape=select_autoescape(["html"]))
    return env.get_template(name)


def inline_svg(svg: str) -> Markup:
    """The <svg> element alone (no XML prolog or DOCTYPE), safe to embed in HTML."""
    start = svg.find("<svg")
    return Markup(svg[start:] if start >= 0 else "")


def highlight(text: str, spans: list[tuple[int, int]]) -> Markup:
    """``text`` escaped, with each (start, end) span wrapped in <mark>."""
    parts, pos = [], 0
    for start, end in sorted(spans):
        if start < pos:
            continue  # overlapping passages: keep the first
        parts.append(html.escape(text[pos:start]))
        parts.append(f"<mark>{html.escape(text[start:end])}</mark>")
        pos = end
    parts.append(html.escape(text[pos:]))
    return Markup("".join(parts))


def heat_colour(value: float, top: float) -> str:
    """White (identical) to dark blue (most distant in this matrix)."""
    share = 0.0 if top <= 0 else min(max(value / top, 0.0), 1.0)
    light = round(97 - 62 * share)
    return f"hsl(215, 70%, {light}%)"


def copy_pairs(table: list[dict], lineage: list[dict], max_passages: int = 8) -> list[dict]:
    """Each article next to its inferred source, with the shared passages highlighted."""
    rows = {r["label"]: r for r in table if r.get("label")}
    out = []
    for link in lineage:
        if not link["source"]:
            continue
        child, source = rows[link["label"]], rows[link["source"]]
        text_c, text_s = child.get("text") or "", source.get("text") or ""
        passages = shared_passages(text_c, text_s, min_words=6, limit=max_passages)
        out.append({
            "child": child, "source": source, "identity": link.get("identity"),
            "share": shared_share(text_c, passages),
            "longest": passages[0]["words"] if passages else 0,
            "child_html": highlight(text_c, [p["span_a"] for p in passages]),
            "source_html": highlight(text_s, [p["span_b"] for p in passages]),
        })
    return out


def write_report(path: str | Path, *, table: list[dict], tree: dict, dm, lineage: list[dict], svg: str,
                 lineage_svg: str = "", title: str = "") -> None:
    labels = list(dm.ids)
    top = float(dm.data.max()) if dm.data.size else 0.0
    heat = [[{"value": float(v), "colour": heat_colour(float(v), top), "dark": top > 0 and v > 0.6 * top}
             for v in row] for row in dm.data]
    ok = [r for r in table if r.get("status") == "ok"]
    failed = [r for r in table if r.get("status") != "ok"]
    story = title or (ok[0].get("title") if ok else "") or "phylo report"
    page = template("report.html").render(
        title=story, version=__version__, table=table, ok=ok, failed=failed, tree=tree,
        svg=inline_svg(svg), lineage_svg=inline_svg(lineage_svg), labels=labels, heat=heat, lineage=lineage,
        pairs=copy_pairs(table, lineage), newick=tree["newick"],
        published={r["label"]: r.get("published") for r in ok},
    )
    atomic_write(path, re.sub(r"\n\s*\n+", "\n", page))

"""report.html: one self-contained page (no network at view time) a person can explore.

Who copied whom on a time line and the tree, both interactive (``explorer``); filters;
a side panel with each article beside its source and the shared passages marked; the
article table with every failure; a distance heat map; downloads. The monitor's
dashboard page is rendered from ``templates/`` here too.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from phylo import __version__
from phylo.engine.files import atomic_write


def template(name: str):
    """A page template of ``phylo/report/templates`` (HTML-escaped by default)."""
    env = Environment(loader=PackageLoader("phylo.report", "templates"), autoescape=select_autoescape(["html"]))
    return env.get_template(name)


def inline_svg(svg: str) -> Markup:
    """The <svg> element alone (no XML prolog or DOCTYPE), safe to embed in HTML."""
    start = svg.find("<svg")
    return Markup(svg[start:] if start >= 0 else "")


def write_report(path: str | Path, *, table: list[dict], tree: dict, dm, lineage: list[dict], svg: str = "",
                 lineage_svg: str = "", title: str = "") -> None:
    """report.html: the explorer (``phylo.report.explorer``) over one run's results.

    ``table``: articles.tsv rows with their ``text``; ``tree``: ``{"newick", "method",
    "rooting", "replicates"}``; ``dm``: the skbio DistanceMatrix; ``lineage``: lineage rows
    (old rows without verdicts too). ``svg`` / ``lineage_svg``, when given, are the static
    drawings (tree.svg, lineage.svg), offered as downloads beside the figures as shown.
    """
    from phylo.report.explorer import LABELS_UP_TO, explorer_parts, script_json
    from phylo.report.graph import graphml_text, lineage_csv_text
    from phylo.report.layout import VERDICT_COLOURS

    ok = [r for r in table if r.get("status") == "ok"]
    failed = [r for r in table if r.get("status") != "ok"]
    story = title or (ok[0].get("title") if ok else "") or "phylo report"
    parts = explorer_parts(table, tree, lineage)
    data = parts["data"]
    figures = {name: text for name, text in (("tree.svg", svg), ("lineage.svg", lineage_svg)) if text}
    data |= {"distances": {"labels": list(dm.ids), "matrix": [[round(float(v), 4) for v in row] for row in dm.data]},
             "newick": tree["newick"], "lineage_csv": lineage_csv_text(lineage, table),
             "graphml": graphml_text(lineage, table), "figures": figures}
    articles = data["articles"]
    counts = [(v, n) for v in VERDICT_COLOURS if (n := sum(a["verdict"] == v for a in articles))]
    sites: dict[str, int] = {}
    for a in articles:
        sites[a["site"]] = sites.get(a["site"], 0) + 1
    times = sorted(a["time"] for a in articles if a["time"] is not None)
    page = template("report.html").render(
        title=story, version=__version__, ok=ok, failed=failed, tree=tree, n_labels=len(dm.ids),
        articles=articles, counts=counts, sites=sorted(sites.items()), colours=VERDICT_COLOURS,
        time_min=_local_minute(times[0]) if times else "", time_max=_local_minute(times[-1], up=True) if times else "",
        show_labels=len(articles) <= LABELS_UP_TO, figures=list(figures), newick=tree["newick"],
        data_json=Markup(script_json(data)), plots_json=Markup(script_json(parts["plots"])),
        bokeh_js=Markup(parts["bokeh_js"]), script=Markup(parts["script"]),
    )
    atomic_write(path, page)


def _local_minute(ms: float, up: bool = False) -> str:
    """A time (ms since the epoch) as a datetime-local input value in UTC, to the minute."""
    from datetime import datetime, timedelta, timezone

    t = datetime.fromtimestamp(ms / 1000, tz=timezone.utc).replace(second=0, microsecond=0)
    return (t + timedelta(minutes=1) if up else t).strftime("%Y-%m-%dT%H:%M")

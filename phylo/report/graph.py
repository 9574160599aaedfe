"""The lineage for network tools: a directed graph written as GraphML (Gephi, networkx,
Cytoscape, igraph all open it) and as a CSV for spreadsheets.

Nodes are the articles (``kind="article"``: title, site, published, verdict, confidence,
url) and, where articles share a source missing from the set, one node per such group
(``kind="unseen-source"``). Edges run from source to copy (``kind``: ``copy``, ``merge``
for a secondary source, ``unseen`` from a group to its member) with ``share`` (how much
of the copy the source explains), ``identity`` and ``confidence`` where known. GraphML
has no null, so an unknown value is left off the node or edge rather than written as 0.
"""

from __future__ import annotations

from pathlib import Path

from phylo.engine.files import atomic_write, csv_text
from phylo.report.verdicts import FLAT_COLUMNS, copy_edges, flat_row, read_row, unseen_groups

#: lineage.csv: the lineage.tsv columns plus the article's title, site and publication time.
CSV_COLUMNS = [FLAT_COLUMNS[0], "title", "site", "published", *FLAT_COLUMNS[1:]]


def lineage_graph(lineage: list[dict], table: list[dict]):
    """A ``networkx.DiGraph`` of the lineage (see the module docstring for its attributes)."""
    import networkx as nx

    info = {r["label"]: r for r in table if r.get("label")}
    rows = [read_row(r) for r in lineage]
    graph = nx.DiGraph(name="phylo lineage")
    for r in rows:
        article = info.get(r["label"], {})
        graph.add_node(r["label"], **_present(
            kind="article", label=r["label"], title=article.get("title"), site=article.get("site"),
            published=article.get("published"), url=article.get("final_url") or article.get("url"),
            verdict=r["verdict"], confidence=r["confidence"], unseen_group=r["unseen_group"]
            if r["verdict"] == "unseen-source" else None))
    for group, members in unseen_groups(rows).items():
        graph.add_node(group, kind="unseen-source", label=group,
                       title=f"a source not in the set, shared by {len(members)} article(s)")
    for edge in copy_edges(rows):
        if edge["kind"] == "quote":
            continue  # an independent report is not a copy: no edge
        graph.add_edge(edge["source"], edge["target"], **_present(
            kind=edge["kind"], share=edge["share"], identity=edge["identity"], confidence=edge["confidence"]))
    return graph


def graphml_text(lineage: list[dict], table: list[dict]) -> str:
    import networkx as nx

    return "\n".join(nx.generate_graphml(lineage_graph(lineage, table), prettyprint=True)) + "\n"


def lineage_records(lineage: list[dict], table: list[dict]) -> list[dict]:
    """lineage.csv's rows (``CSV_COLUMNS``) as dicts, full precision."""
    info = {r["label"]: r for r in table if r.get("label")}
    rows = []
    for row in lineage:
        article = info.get(row["label"], {})
        rows.append(flat_row(read_row(row)) | {k: article.get(k) for k in ("title", "site", "published")})
    return rows


def lineage_csv_text(lineage: list[dict], table: list[dict]) -> str:
    return csv_text(lineage_records(lineage, table), CSV_COLUMNS)


def write_network_files(out_dir: str | Path, lineage: list[dict], table: list[dict]) -> None:
    """lineage.graphml and lineage.csv in ``out_dir``."""
    out = Path(out_dir)
    atomic_write(out / "lineage.graphml", graphml_text(lineage, table))
    atomic_write(out / "lineage.csv", lineage_csv_text(lineage, table))


def _present(**values) -> dict:
    return {k: v for k, v in values.items() if v is not None and v != ""}

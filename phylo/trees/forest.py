"""Many articles -> stories -> one tree per story (a forest), without aligning all pairs.

Aligning every pair of n articles costs n(n-1)/2 alignments: 500,000 for 1,000
articles. Most pairs share no text at all, and a copy's source is always among the
articles it shares the most text with. So, in order (each step a plain function the
runner can store, see ``pipelines/news.py: story_analysis_stages``):

1. ``table_fingerprints``: per article a MinHash signature and its set of word
   3-shingles (``phylo.trees.grouping``), in date order.
2. ``find_candidates``: the pairs LSH proposes, each article against the ones before it.
3. ``group_stories``: the pairs checked with the exact measure, and stories as the
   clusters one stray pair cannot merge (``phylo.trees.grouping.regroup``: the same
   code groups the monitor's articles).
4. ``pairs_to_align``: inside each story, each article's ``per_article`` strongest
   links, so the number of alignments grows with n, not n squared.
5. ``chunk_pairs`` / ``align_chunk``: those pairs in chunks that carry their own
   sequences, aligned chunk by chunk (a fan-out stage: chunks go to the executor).
6. ``build_forest``: per story a distance matrix, a neighbor-joining tree, a lineage;
   ``forest_summary`` lists the stories by size and ``write_forest`` writes them.

Distances of pairs never aligned (the upper bound)
--------------------------------------------------
Inside a story some pairs were not aligned (not linked, or not among either article's
strongest links). Their p-distance is bounded by the triangle inequality: if a and c
differ in at most x of their columns and c and b in at most y, a and b differ in at
most about x + y. So an unaligned pair gets the length of the shortest path between
them through aligned pairs (in p-distance), capped at ``P_MAX`` = 0.75 (the p-distance
of unrelated random sequences, where Jukes-Cantor saturates), and only then the
correction. A pair joined only through links that were never aligned also gets ``P_MAX``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np

from phylo.engine.executors import Failure
from phylo.trees import grouping

#: The p-distance given to a pair when nothing bounds it better (see the module docstring).
P_MAX = 0.75


# --- 1-4: stories, and which pairs to align ------------------------------------------------------

def usable_articles(table: list[dict]) -> list[dict]:
    """The rows of an ``articles.tsv``-style table that made it (``status == "ok"``, a label)."""
    return [row for row in table if row.get("status", "ok") == "ok" and row.get("label")]


def date_order(table: list[dict]) -> list[str]:
    """Usable labels by publication time (undated last), then label: the order stories are
    grouped in, so the forest is the same whatever the table's order."""
    from phylo.trees.dates import sort_time

    rows = {row["label"]: row for row in usable_articles(table)}
    never = datetime.max
    return sorted(rows, key=lambda label: (sort_time(rows[label].get("published")) or never, label))


def table_fingerprints(table: list[dict], num_perm: int = 128, shingle_k: int = grouping.STORY_K) -> dict:
    """``{"keys": labels in date order, "signatures": {label: MinHash}, "shingles": {label: shingle
    array}, "outlets": {label: host or site}}`` for the usable articles."""
    rows = {row["label"]: row for row in usable_articles(table)}
    keys = date_order(table)
    prints = {label: grouping.fingerprint(rows[label].get("text") or "", num_perm, shingle_k) for label in keys}
    return {"keys": keys, "signatures": {k: v[0] for k, v in prints.items()},
            "shingles": {k: v[1] for k, v in prints.items()},
            "outlets": {k: grouping.outlet(rows[k].get("final_url") or rows[k].get("url"), rows[k].get("site"))
                        for k in keys}}


def find_candidates(fingerprints: dict) -> list[tuple[str, str]]:
    """The pairs worth checking: ``phylo.trees.grouping.candidate_pairs`` (LSH and the estimate)."""
    sizes = {k: len(a) for k, a in fingerprints["shingles"].items()}
    return grouping.candidate_pairs(fingerprints["keys"], fingerprints["signatures"], sizes)


def group_stories(fingerprints: dict, candidates: list[tuple[str, str]],
                  story_threshold: float = grouping.STORY_THRESHOLD) -> dict:
    """``{"stories": [[labels], ...] largest first (singletons included), "links": [(a, b, overlap)]}``.

    The candidates checked with the exact measure and clustered (``phylo.trees.grouping.regroup``).
    """
    stories, weights = grouping.regroup(fingerprints["keys"], candidates, fingerprints["shingles"],
                                        fingerprints["outlets"], story_threshold)
    return {"stories": stories, "links": sorted((a, b, w) for (a, b), w in weights.items())}


def pairs_to_align(stories: dict, per_article: int = 8) -> list[tuple[str, str]]:
    """The links worth aligning: inside each story, each article's ``per_article`` strongest.

    A pair is kept when it is among the strongest of either of its articles (ties broken
    by label), so every article keeps its likely source and the count is at most
    ``per_article * n``. ``per_article=0`` keeps every link inside a story. Pairs are
    ``(a, b)`` with ``a < b``, sorted.
    """
    story_of = {m: n for n, members in enumerate(stories["stories"]) for m in members}
    inside = [(min(a, b), max(a, b), w) for a, b, w in stories["links"] if story_of[a] == story_of[b]]
    if per_article <= 0:
        return sorted({(a, b) for a, b, _ in inside})
    near: dict[str, list[tuple[float, str]]] = {}
    for a, b, w in inside:
        near.setdefault(a, []).append((-w, b))
        near.setdefault(b, []).append((-w, a))
    keep = set()
    for label, others in near.items():
        for _, other in sorted(others)[:per_article]:
            keep.add((min(label, other), max(label, other)))
    return sorted(keep)


# --- 4: aligning in chunks -----------------------------------------------------------------------

def chunk_pairs(pairs: list[tuple[str, str]], sequences: dict[str, str], chunk_size: int = 64) -> list[dict]:
    """Split ``pairs`` into chunks of ``chunk_size`` pairs that carry the sequences they need.

    Each chunk is ``{"labels": [...], "sequences": [...], "pairs": [(i, j), ...]}`` with
    ``i, j`` indices into the chunk's own lists, so a worker needs nothing else.
    """
    chunks = []
    for start in range(0, len(pairs), chunk_size):
        part = pairs[start:start + chunk_size]
        labels = sorted({label for pair in part for label in pair})
        index = {label: i for i, label in enumerate(labels)}
        chunks.append({"labels": labels, "sequences": [sequences[label] for label in labels],
                       "pairs": [(index[a], index[b]) for a, b in part]})
    return chunks


def align_chunk(chunk: dict, unit: str = "codon", nw_mode: str = "anchor") -> list[dict]:
    """Align the chunk's pairs: ``{"a", "b", "identity", "matches", "columns", "pairs", "gap_runs", "score"}``.

    One thread: the executor runs chunks side by side, one per core.
    """
    from phylo.align.nw import align_pairs

    results = align_pairs(chunk["sequences"], chunk["pairs"], unit=unit, threads=1, mode=nw_mode)
    labels = chunk["labels"]
    return [{"a": labels[i], "b": labels[j],
             **{k: r[k] for k in ("identity", "matches", "columns", "pairs", "gap_runs", "score")}}
            for (i, j), r in zip(chunk["pairs"], results)]


# --- 5: stories, distances, trees -----------------------------------------------------------------

def bounded_distances(members: list[str], aligned: dict[tuple[str, str], float],
                    correction: str | None = "jc") -> np.ndarray:
    """The distance matrix of one story (rows in ``members`` order).

    ``aligned`` maps ``(a, b)`` with ``a < b`` to the pair's p-distance. Unaligned
    pairs get the upper bound of the module docstring. ``correction`` as in
    ``phylo.align.distances`` (``"jc"``, or None/``"none"`` for the p-distance).
    """
    from scipy.sparse.csgraph import shortest_path

    from phylo.align.distances import identity_to_distance

    n = len(members)
    index = {label: i for i, label in enumerate(members)}
    p = np.zeros((n, n))
    for (a, b), dist in aligned.items():
        if a in index and b in index:
            p[index[a], index[b]] = p[index[b], index[a]] = dist
    known = np.zeros((n, n), dtype=bool)
    for a, b in aligned:
        if a in index and b in index:
            known[index[a], index[b]] = known[index[b], index[a]] = True
    # shortest paths through aligned pairs; a zero distance is a real edge, so nudge it
    graph = np.where(known, np.maximum(p, 1e-12), 0.0)
    bound = shortest_path(graph, method="D", directed=False)
    p = np.where(known, p, np.minimum(bound, P_MAX))
    np.fill_diagonal(p, 0.0)
    return np.asarray(identity_to_distance(1.0 - p, None if correction == "none" else correction), dtype=float)


def story_sources(members: list[str], texts: list[str], dates: dict[str, str | None]) -> list[dict]:
    """Each article's likely source inside its story: ``phylo.trees.lineage.infer_sources``.

    The same rule as the news report's lineage (text containment among earlier
    articles), applied story by story, so its cost grows with story size, not corpus size.
    """
    from phylo.trees.lineage import infer_sources

    return infer_sources(members, texts, dates)


def flatten_aligned(aligned: list, gaps: str = "affine") -> dict[tuple[str, str], float]:
    """Chunk results (a list of lists, Failures skipped) -> ``{(a, b): p-distance}``.

    ``gaps`` as in ``phylo.align.distances.site_identity``.
    """
    from phylo.align.distances import site_identity

    out = {}
    for chunk in aligned:
        if isinstance(chunk, Failure):
            continue
        for r in chunk:
            a, b = sorted((r["a"], r["b"]))
            out[(a, b)] = 1.0 - site_identity(r, gaps)
    return out


def build_forest(table: list[dict], stories: dict, aligned: list, correction: str | None = "jc",
                 method: str = "nj", gaps: str = "affine") -> list[dict]:
    """One entry per story, largest first (singletons last).

    Each: ``story`` (``story-001`` ...), ``members`` (labels, earliest first), ``size``,
    ``sites`` (distinct sites, sorted), ``first_date``, ``first_article``,
    ``aligned_pairs``, ``matrix`` (distances, rows in ``members`` order), ``newick``,
    ``rooting``, ``sources`` (see ``story_sources``; stories of 2+).
    ``stories`` is ``group_stories``' result; ``aligned`` the fan-out result of
    ``align_chunk`` (failed chunks are skipped: their pairs fall back to the upper bound).
    """
    from phylo.trees.build import rooted_tree, to_newick
    from phylo.trees.dates import earliest

    rows = {row["label"]: row for row in usable_articles(table)}
    distances = flatten_aligned(aligned, gaps)
    groups = stories["stories"]
    story_of = {m: n for n, members in enumerate(groups) for m in members}
    by_story: dict[int, dict] = {}
    for (a, b), dist in distances.items():
        if a in story_of and story_of[a] == story_of.get(b):
            by_story.setdefault(story_of[a], {})[(a, b)] = dist
    width = max(3, len(str(len(groups))))
    forest = []
    for number, members in enumerate(groups, 1):
        dates = {m: rows[m].get("published") for m in members}
        inside = by_story.get(number - 1, {})
        matrix = bounded_distances(members, inside, correction)
        tree, rooting = rooted_tree(members, matrix, dates, method)
        first = earliest(dates)
        forest.append({
            "story": f"story-{number:0{width}d}",
            "members": members,
            "size": len(members),
            "sites": sorted({rows[m].get("site") for m in members if rows[m].get("site")}),
            "first_date": dates.get(first) if first else None,
            "first_article": first,
            "aligned_pairs": len(inside),
            "matrix": matrix.tolist(),
            "newick": to_newick(tree),
            "rooting": rooting,
            "sources": (story_sources(members, [rows[m].get("text") or "" for m in members], dates)
                        if len(members) > 1 else []),
        })
    return forest


def forest_summary(forest: list[dict], singletons: bool = False) -> list[dict]:
    """One row per story, largest first: story, size, sites (count), first date and article, Newick.

    Single-article "stories" are left out unless ``singletons``.
    """
    return [{"story": s["story"], "size": s["size"], "sites": len(s["sites"]), "first_date": s["first_date"],
             "first_article": s["first_article"], "newick": s["newick"]}
            for s in forest if singletons or s["size"] > 1]


def write_forest(out_dir: str, forest: list[dict]) -> dict:
    """``forest.tsv`` (the summary, stories of 2+), ``forest.json`` (everything), ``stories/*.nwk``."""
    import csv
    import io
    import json

    from phylo.engine.files import atomic_write

    out = Path(out_dir)
    buf = io.StringIO()
    rows = forest_summary(forest)
    fields = ["story", "size", "sites", "first_date", "first_article", "newick"]
    writer = csv.DictWriter(buf, fieldnames=fields, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(out / "forest.tsv", buf.getvalue())
    atomic_write(out / "forest.json", json.dumps(forest, indent=1, ensure_ascii=False) + "\n")
    (out / "stories").mkdir(parents=True, exist_ok=True)
    for story in forest:
        if story["size"] > 1:
            atomic_write(out / "stories" / f"{story['story']}.nwk", story["newick"] + "\n")
    return {"stories": len(rows), "singletons": len(forest) - len(rows)}

"""Who copied whom: give the tree's neighbourhoods a direction with publication dates.

A distance tree has no arrows, and an article that others copied is itself a leaf, with
no place as an ancestor. Copying runs forward in time, so each article's source is chosen
among the articles published before it (as passim and TextPAIR do), by how much of the
article the candidate explains:

    containment(X | S) = |shingles(X) ∩ shingles(S)| / |shingles(X)|     (word 3-grams)
    score(S)           = containment(X | S) + 0.5 * jaccard(X, S) + 0.25 * identity(X, S)

Containment finds the article X was taken from even when X trimmed it or added to it;
the Jaccard term breaks the near-ties between a parent and the grandparent it trimmed
(X is then contained in both, but closer in size and content to the parent); the
alignment identity, which sees word order, breaks ties between a parent that reordered
paragraphs and its source. Exact ties (verbatim copies) go to the earliest candidate,
the original of that text. The weights were chosen on simulated stories
(bench/accuracy.py). An article whose best containment is below
``min_containment`` has no source in the set. ``confidence`` is the share of bootstrap
replicates (resampling X's shingles) in which the same source wins.
"""

from __future__ import annotations

import numpy as np

from phylo.trees.dates import date_interval, sort_time
from phylo.trees.shingles import hashed_shingles


def overlap_matrices(texts: list[str], k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """``containment[i, j]`` = share of i's shingles found in j; and symmetric Jaccard."""
    sets = [hashed_shingles(t, k) for t in texts]
    n = len(sets)
    contain, jaccard = np.eye(n), np.eye(n)
    for i in range(n):
        for j in range(i + 1, n):
            common = len(sets[i] & sets[j])
            contain[i, j] = common / len(sets[i]) if sets[i] else 0.0
            contain[j, i] = common / len(sets[j]) if sets[j] else 0.0
            union = len(sets[i]) + len(sets[j]) - common
            jaccard[i, j] = jaccard[j, i] = common / union if union else 0.0
    return contain, jaccard


def earlier_candidates(labels: list[str], dates: dict[str, str | None]) -> dict[str, list[int]]:
    """Indexes of the articles published before each article.

    Articles are put in one order by publication time (a bare date counts as its noon;
    equal times keep the list order), so the lineage can never run in a circle. An
    undated article may have any dated article as its source.
    """
    when = {label: sort_time(dates.get(label)) for label in labels}
    rank = {label: r for r, label in enumerate(sorted((l for l in labels if when[l]), key=lambda l: when[l]))}
    out = {}
    for i, label in enumerate(labels):
        out[label] = [j for j, other in enumerate(labels)
                      if j != i and other in rank and (label not in rank or rank[other] < rank[label])]
    return out


def infer_sources(labels: list[str], texts: list[str], dates: dict[str, str | None], *,
                  identity: np.ndarray | None = None, min_containment: float = 0.1,
                  replicates: int = 200, seed: int = 0, k: int = 3) -> list[dict]:
    """For each article: ``{"label", "source", "identity", "confidence", "containment", "note"}``.

    ``identity`` (optional) is the alignment identity matrix, reported for the chosen pair.
    """
    contain, jaccard = overlap_matrices(texts, k)
    tiebreak = 0.5 * jaccard + (0.25 * identity if identity is not None else 0.0)
    sets = [hashed_shingles(t, k) for t in texts]
    candidates = earlier_candidates(labels, dates)
    rng = np.random.default_rng(seed)
    out = []
    for i, label in enumerate(labels):
        cands = candidates[label]
        undated = date_interval(dates.get(label)) is None
        row = {"label": label, "source": None, "identity": None, "confidence": None,
               "containment": None, "note": "undated" if undated else ""}
        if cands:
            score = contain[i, cands] + tiebreak[i, cands]
            # candidates come in list order; among equal scores the earliest published wins
            when = [sort_time(dates.get(labels[c])) for c in cands]
            best = cands[min(range(len(cands)), key=lambda c: (-round(score[c], 9), when[c]))]
            if contain[i, best] >= min_containment:
                row |= {"source": labels[best], "containment": float(contain[i, best]),
                        "confidence": _bootstrap_confidence(sets, i, cands, best, tiebreak, replicates, rng),
                        "identity": None if identity is None else float(identity[i, best])}
                if undated:
                    row["note"] = "undated: source chosen among all dated articles"
            elif not undated:
                row["note"] = "nothing earlier shares enough text"
        elif not undated:
            row["note"] = "earliest article"
        out.append(row)
    return out


def _bootstrap_confidence(sets, i, cands, best, tiebreak, replicates, rng) -> float:
    """Share of replicates (X's shingles resampled with Poisson weights) that pick ``best`` again."""
    mine = sorted(sets[i])  # a fixed order, so the same seed gives the same replicates
    if not mine or replicates <= 0:
        return 1.0
    member = np.array([[s in sets[j] for j in cands] for s in mine], dtype=float)  # shingle x candidate
    weights = rng.poisson(1.0, size=(replicates, len(mine))).astype(float)
    contain = (weights @ member) / np.maximum(weights.sum(axis=1, keepdims=True), 1.0)
    score = contain + tiebreak[i, cands][None, :]
    winners = score.argmax(axis=1)
    # exact ties resolve as in infer_sources: count a replicate as agreeing when best is among the top
    top = score.max(axis=1, keepdims=True)
    agree = np.isclose(score[:, cands.index(best)], top[:, 0])
    return float(np.mean(agree | (winners == cands.index(best))))


def lineage_newick(lineage: list[dict]) -> str:
    """The inferred lineage as a rooted Newick tree in which ancestors have a place.

    An article that others copied becomes an internal node (``ancestor_newick``), so
    "this article and everything copied from it" is one clade. Branch lengths are
    1 - containment of the copy in its source. Articles with no source in the set hang
    from the root.
    """
    from phylo.trees.build import ancestor_newick

    parents = {row["label"]: row["source"] for row in lineage}
    lengths = {row["label"]: 1.0 - (row["containment"] or 0.0) if row["source"] else 0.0 for row in lineage}
    return ancestor_newick(parents, lengths)


def table_lineage(table: list[dict], distances: dict) -> list[dict]:
    """``infer_sources`` for the articles of a table (rows with ``label``, ``text``,
    ``published``) in the order of ``distances["labels"]``, with their alignment identities."""
    rows = {r["label"]: r for r in table if r.get("label")}
    labels = distances["labels"]
    return infer_sources(labels, [rows[label]["text"] for label in labels],
                         {label: rows[label].get("published") for label in labels},
                         identity=distances["identity"])

"""How close a result is to a known lineage (fixtures and simulations carry the truth).

The truth is a parent map ``{label: parent label or None}``. Three scores:
- ``source_accuracy``: share of articles whose inferred source (lineage.tsv) is the true parent
  (an article with no parent counts as right when no source was inferred);
- ``tree_neighbour_accuracy``: share of copied articles whose nearest earlier article in the
  tree (shortest path through the tree) is the true parent;
- ``grouping_recall``: share of the true groupings (an article with all its descendants, two or
  more articles) that the tree holds as one side of a branch;
- ``lineage_scores``: Robinson-Foulds distance to the true lineage tree, and the share of
  articles whose nearest tip is their parent or a copy (``bench/align.py``);
- ``lineage_right``: whether a lineage row's verdict and source are both right for the kind
  of article it is (``phylo.sim.story.KINDS``), and ``reliability`` /
  ``expected_calibration_error`` for its confidence (``bench/accuracy.py``,
  ``bench/calibrate_lineage.py``).
"""

from __future__ import annotations

import numpy as np

from phylo.trees.build import ancestor_newick, from_newick
from phylo.trees.dates import sort_time
from phylo.trees.support import canonical, splits


def source_accuracy(lineage: list[dict], truth: dict[str, str | None]) -> float:
    rows = [r for r in lineage if r["label"] in truth]
    return sum(r["source"] == truth[r["label"]] for r in rows) / len(rows) if rows else 0.0


def source_accuracy_up_to_copies(lineage: list[dict], truth: dict[str, str | None], texts: dict[str, str]) -> float:
    """Like ``source_accuracy``, but a source with exactly the true parent's text also counts.

    A verbatim copy and its original are the same text: no method can tell which of the two
    a later article was taken from, so this is the fair score for text-based inference.
    """
    rows = [r for r in lineage if r["label"] in truth]

    def right(r):
        want, got = truth[r["label"]], r["source"]
        return got == want or (got is not None and want is not None and texts.get(got) == texts.get(want))

    return sum(right(r) for r in rows) / len(rows) if rows else 0.0


def tree_neighbour_accuracy(newick: str, dates: dict[str, str | None], truth: dict[str, str | None]) -> float:
    tree = from_newick(newick)
    dist = tree.tip_tip_distances()
    ids = list(dist.ids)
    when = {label: sort_time(dates.get(label)) for label in ids}
    hits = total = 0
    for label in ids:
        parent = truth.get(label)
        if parent is None or when[label] is None:
            continue
        earlier = [o for o in ids if o != label and when[o] is not None and when[o] < when[label]]
        if not earlier:
            continue
        total += 1
        nearest = min(earlier, key=lambda o: dist[label, o])
        hits += nearest == parent
    return hits / total if total else 0.0


def true_groupings(truth: dict[str, str | None]) -> list[frozenset]:
    """Each article together with all its descendants, where that is two or more articles."""
    children: dict[str, list[str]] = {}
    for child, parent in truth.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)

    def below(node):
        out = {node}
        for child in children.get(node, []):
            out |= below(child)
        return out

    groups = {frozenset(below(node)) for node in children}
    everyone = frozenset(truth)
    return [g for g in groups if 1 < len(g) < len(everyone)]


def _has_group(splits_: set[frozenset], group: frozenset, everyone: frozenset) -> bool:
    return canonical(group, everyone) in splits_


def grouping_recall(newick: str, truth: dict[str, str | None]) -> float:
    groups = true_groupings(truth)
    tree = from_newick(newick)
    everyone = frozenset(t.name for t in tree.tips())
    found = splits(tree, trivial=True)
    return sum(_has_group(found, g, everyone) for g in groups) / len(groups) if groups else 1.0


def twin_classes(texts: dict[str, str], dates: dict[str, str | None]) -> dict[str, str]:
    """Each label -> the earliest label with exactly the same text (itself if unique)."""
    first: dict[str, str] = {}
    order = sorted(texts, key=lambda label: (sort_time(dates.get(label)) is None, sort_time(dates.get(label)) or 0))
    for label in order:
        first.setdefault(texts[label], label)
    return {label: first[texts[label]] for label in texts}


def grouping_recall_up_to_copies(newick: str, truth: dict[str, str | None], texts: dict[str, str],
                                 dates: dict[str, str | None]) -> float:
    """``grouping_recall`` with verbatim copies merged into one article (their earliest)."""
    cls = twin_classes(texts, dates)
    parents: dict[str, str | None] = {c: None for c in set(cls.values())}
    for label in sorted(truth, key=lambda l: cls[l] != l):  # each class's earliest member first
        parent = truth[label]
        if parent is not None and cls[parent] != cls[label] and parents[cls[label]] is None:
            parents[cls[label]] = cls[parent]
    groups = true_groupings(parents)
    tree = from_newick(newick)
    everyone = frozenset(cls.get(t.name, t.name) for t in tree.tips())
    found = splits(tree, rename=cls, trivial=True)
    return sum(_has_group(found, g, everyone) for g in groups) / len(groups) if groups else 1.0


def true_newick(parents: dict[str, str | None]) -> str:
    """The true lineage as Newick: an article with copies becomes a node joining its own
    leaf (length 0) and its copies' subtrees (length 1) (``ancestor_newick``)."""
    lengths = {label: 0.0 if parent is None else 1.0 for label, parent in parents.items()}
    return ancestor_newick(parents, lengths)


def lineage_scores(tree, parents: dict[str, str | None]) -> dict[str, float]:
    """How close a tree (skbio TreeNode) is to the true lineage.

    ``rf``: Robinson-Foulds distance to the true lineage, unrooted, as a proportion
    (0 = same splits); ``nn_share``: the share of articles whose nearest tip in the
    tree (patristic distance) is their true parent or one of their true copies.
    """
    truth = from_newick(true_newick(parents))
    rf = truth.compare_rfd(tree, proportion=True, rooted=False)
    related = {label: set() for label in parents}
    for label, parent in parents.items():
        if parent is not None:
            related[label].add(parent)
            related[parent].add(label)
    dm = tree.tip_tip_distances()
    ids = list(dm.ids)
    hits = 0
    for row, label in enumerate(ids):
        d = dm.data[row].copy()
        d[row] = float("inf")
        hits += ids[int(d.argmin())] in related[label]
    return {"rf": float(rf), "nn_share": hits / len(ids)}


# --- verdicts and their confidence (lineage.tsv's verdict, source and confidence) -------------

#: The verdict each simulated kind of article should get (``phylo.sim.story.KINDS``).
EXPECTED_VERDICT = {"original": "earliest", "copy": "copied", "merge": "copied", "independent": "independent",
                    "related": "independent", "hidden-copy": "unseen-source"}


def lineage_right(row: dict, truth: dict, texts: dict[str, str]) -> bool:
    """Are a lineage row's verdict and source both right?

    ``truth``: ``{"kind", "parent"}`` for the row's article (``parent`` may be an article
    missing from the list). ``texts``: article -> text (without outlet boilerplate),
    including a hidden original's. A source whose text is exactly the true parent's counts
    as right (a verbatim copy and its original are the same text), and so does "copied
    from" or "earliest" for a copy of a hidden original whose text is in the list, word for
    word, under another name. Rows without a verdict (the lineage before verdicts) read as
    "copied" when they name a source, else as having no source.
    """
    kind, parent = truth["kind"], truth.get("parent")
    source = row.get("source") or None
    verdict = row.get("verdict") or ("copied" if source else "earliest")

    def same(a, b):
        return a is not None and b is not None and (a == b or (a in texts and texts.get(a) == texts.get(b)))

    if kind in ("copy", "merge"):
        return verdict == "copied" and same(source, parent)
    if kind == "hidden-copy":
        return (verdict == "unseen-source" or (verdict == "copied" and same(source, parent))
                or (verdict == "earliest" and same(row["label"], parent)))
    return source is None and verdict in ("earliest", "independent")


def reliability(confidence: list[float], right: list[bool], bins: int = 10) -> list[dict]:
    """Confidence bins against observed accuracy: ``{"low", "high", "answers", "confidence", "right"}``
    (mean confidence and share right in each non-empty bin)."""
    conf, ok = np.asarray(confidence, dtype=float), np.asarray(right, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1]), 0, bins - 1)
    out = []
    for b in range(bins):
        sel = which == b
        if sel.any():
            out.append({"low": float(edges[b]), "high": float(edges[b + 1]), "answers": int(sel.sum()),
                        "confidence": float(conf[sel].mean()), "right": float(ok[sel].mean())})
    return out


def expected_calibration_error(confidence: list[float], right: list[bool], bins: int = 10) -> float:
    """ECE: the answer-weighted mean gap between confidence and accuracy over the bins."""
    table = reliability(confidence, right, bins)
    total = sum(b["answers"] for b in table)
    return sum(b["answers"] * abs(b["right"] - b["confidence"]) for b in table) / total if total else 0.0

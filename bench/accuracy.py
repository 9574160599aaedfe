"""How well does phylo recover who copied whom? Scores on simulated stories with known lineage.

    python bench/accuracy.py [--seeds 10] [--articles 15] [--mafft-seeds 3]

Each seed simulates a story (phylo.sim.story: copies with trimming, rewording, additions,
reordering, rendered into five outlets' page templates), then runs the real stages:
fetch -> extract -> encode -> distances -> tree -> lineage. Reported per method:
  source   share of articles whose inferred source (lineage.tsv) is the true parent
  source~  the same, counting as right a source whose text is identical to the true
           parent's (a verbatim copy and its original cannot be told apart by text)
  tree-nb  share of copies whose nearest earlier article in the tree is the true parent
  groups   share of true groupings (an article with everything copied from it) in the tree
  groups~  the same with verbatim copies merged into one article
"+ nj" rows take the source as the nearest earlier article by that distance; "+ lineage"
rows use phylo.trees.lineage (shared word sequences) and its tree. Methods differ in the distance (native NW per unit, MAFFT, compression distance, word
3-gram Jaccard) and the tree (NJ on that distance, or the lineage tree, in which ancestors
are internal nodes). "ceiling" rows use the simulator's own texts (no extraction).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
from skbio import DistanceMatrix

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from phylo.align.encoding import encode  # noqa: E402
from phylo.sim.scores import (grouping_recall, grouping_recall_up_to_copies, source_accuracy,  # noqa: E402
                            source_accuracy_up_to_copies, tree_neighbour_accuracy)
from phylo.trees.lineage import infer_sources, lineage_newick, overlap_matrices  # noqa: E402
from phylo.sim.story import simulate_story, write_story  # noqa: E402
from phylo.trees.build import build_tree, root_tree, to_newick  # noqa: E402
from pipelines import news  # noqa: E402


def extracted(story: dict, folder: Path) -> tuple[list[str], dict]:
    """Run the real collecting stages on the story's pages; return texts and the table."""
    urls = write_story(story, folder)
    entries = news.read_list(str(urls))
    targets = news.distinct_targets(entries)
    pages = [news.fetch_page(t, {"robots": False}) for t in targets]
    articles = [news.extract_article(p, {}) for p in pages]
    table = news.make_table(entries, targets, articles)
    return table


def ncd_matrix(texts: list[str]) -> np.ndarray:
    """Normalised compression distance (zlib): (C(xy) - min(C(x), C(y))) / max(C(x), C(y))."""
    comp = [len(zlib.compress(t.encode(), 9)) for t in texts]
    n = len(texts)
    d = np.zeros((n, n))
    for i, j in itertools.combinations(range(n), 2):
        cxy = min(len(zlib.compress((texts[i] + texts[j]).encode(), 9)),
                  len(zlib.compress((texts[j] + texts[i]).encode(), 9)))
        d[i, j] = d[j, i] = (cxy - min(comp[i], comp[j])) / max(comp[i], comp[j])
    return d


def jaccard_matrix(texts: list[str]) -> np.ndarray:
    _, jac = overlap_matrices(texts)
    return 1.0 - jac


def aligned_matrix(labels, texts, aligner: str, unit: str = "codon") -> tuple[np.ndarray, np.ndarray]:
    seqs = {label: encode(t) for label, t in zip(labels, texts)}
    result = news.align_all(seqs, aligner, unit, "jc", "auto")
    return result["matrix"], result["identity"]


def score(labels, texts, dates, truth, matrix, identity=None) -> dict[str, dict]:
    twins = {label: text for label, text in zip(labels, texts)}
    """Scores of the NJ tree on ``matrix`` and of the lineage (and its tree)."""
    dm = DistanceMatrix(matrix, labels)
    nj_tree, _ = root_tree(build_tree(dm, "nj"), dates)
    nj = to_newick(nj_tree)
    lineage = infer_sources(labels, texts, dates, identity=identity, replicates=0)
    lin_tree = lineage_newick(lineage)
    by_distance = _nearest_earlier_by_distance(labels, matrix, dates)
    return {
        "nj": {"source": source_accuracy(by_distance, truth),
               "source~": source_accuracy_up_to_copies(by_distance, truth, twins),
               "tree-nb": tree_neighbour_accuracy(nj, dates, truth), "groups": grouping_recall(nj, truth),
               "groups~": grouping_recall_up_to_copies(nj, truth, twins, dates)},
        "lineage": {"source": source_accuracy(lineage, truth),
                    "source~": source_accuracy_up_to_copies(lineage, truth, twins),
                    "tree-nb": tree_neighbour_accuracy(lin_tree, dates, truth),
                    "groups": grouping_recall(lin_tree, truth),
                    "groups~": grouping_recall_up_to_copies(lin_tree, truth, twins, dates)},
    }


def _nearest_earlier_by_distance(labels, matrix, dates):
    from phylo.trees.lineage import earlier_candidates

    cands = earlier_candidates(labels, dates)
    out = []
    for i, label in enumerate(labels):
        c = cands[label]
        best = min(c, key=lambda j: matrix[i, j]) if c else None
        out.append({"label": label, "source": labels[best] if best is not None else None})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--articles", type=int, default=15)
    ap.add_argument("--mafft-seeds", type=int, default=3)
    ap.add_argument("--nt-seeds", type=int, default=3)
    args = ap.parse_args()

    results: dict[str, list[dict]] = {}
    timing: dict[str, float] = {}

    def add(name, scores, seconds):
        for tree_kind, vals in scores.items():
            results.setdefault(f"{name} + {tree_kind}", []).append(vals)
        timing[name] = timing.get(name, 0.0) + seconds

    for seed in range(1, args.seeds + 1):
        story = simulate_story(args.articles, seed=seed)
        with tempfile.TemporaryDirectory() as tmp:
            table = extracted(story, Path(tmp))
        ok = [r for r in table if r["status"] == "ok"]
        labels = [r["label"] for r in ok]
        texts = [r["text"] for r in ok]
        dates = {r["label"]: r.get("published") for r in ok}
        id_of = {f"pages/{a['id']}.html": a for a in story["articles"]}
        label_of = {id_of[r["url"]]["id"]: r["label"] for r in ok}
        truth = {label_of[a["id"]]: label_of.get(a["parent"]) for a in story["articles"] if a["id"] in label_of}

        for name, fn in [("jaccard-3gram", lambda: (jaccard_matrix(texts), None)),
                         ("ncd-zlib", lambda: (ncd_matrix(texts), None)),
                         ("nw-codon", lambda: aligned_matrix(labels, texts, "nw", "codon"))] + \
                ([("nw-nt", lambda: aligned_matrix(labels, texts, "nw", "nt"))] if seed <= args.nt_seeds else []) + \
                ([("mafft", lambda: aligned_matrix(labels, texts, "mafft"))] if seed <= args.mafft_seeds else []):
            t0 = time.perf_counter()
            matrix, identity = fn()
            add(name, score(labels, texts, dates, truth, matrix, identity), time.perf_counter() - t0)

        # ceiling: the simulator's own texts and dates, no extraction in between
        true_texts = [a["text"] for a in story["articles"]]
        true_labels = [a["id"] for a in story["articles"]]
        true_dates = {a["id"]: a["published"] for a in story["articles"]}
        true_truth = {a["id"]: a["parent"] for a in story["articles"]}
        add("ceiling: jaccard-3gram on true texts",
            score(true_labels, true_texts, true_dates, true_truth, jaccard_matrix(true_texts)), 0.0)
        print(f"seed {seed} done", file=sys.stderr)

    print(f"\n{args.seeds} simulated stories of {args.articles} articles "
          f"(MAFFT on {min(args.mafft_seeds, args.seeds)}, nt on {min(args.nt_seeds, args.seeds)})\n")
    print("| distance + tree | source | source~ | tree-nb | groups | groups~ | seconds/story |")
    print("|---|---|---|---|---|---|---|")
    for name, rows in results.items():
        base = name.split(" + ")[0]
        n = len(rows)
        cells = " | ".join(f"{statistics.mean(r[k] for r in rows):.3f}"
                           for k in ("source", "source~", "tree-nb", "groups", "groups~"))
        print(f"| {name} | {cells} | {timing[base] / n:.2f} |")


if __name__ == "__main__":
    main()

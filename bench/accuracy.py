"""How well does phylo recover who copied whom? Scores on simulated stories with known lineage.

    python bench/accuracy.py [--seeds 10] [--articles 15] [--mafft-seeds 3] [--nt-seeds 3]
                             [--shape-seeds 20] [--skip-distances]

Every story goes through the real stages (bench/simulated.py: pages written in five outlets'
templates, fetched, extracted, encoded, aligned), seeds 1 and up (the lineage confidence
was fitted on seeds from 1001: bench/calibrate_lineage.py).

Part 1, distances and trees, on the default simulator (plain copies: trimmed, reworded,
added to, reordered), per method:
  source   share of articles whose inferred source (lineage.tsv) is the true parent
  source~  the same, counting as right a source whose text is identical to the true
           parent's (a verbatim copy and its original cannot be told apart by text)
  tree-nb  share of copies whose nearest earlier article in the tree is the true parent
  groups   share of true groupings (an article with everything copied from it) in the tree
  groups~  the same with verbatim copies merged into one article
"+ nj" rows take the source as the nearest earlier article by that distance; "+ lineage"
rows use phylo.trees.lineage and its tree. "ceiling" rows use the simulator's own texts.

Part 2, verdicts, per shape of real coverage (phylo.sim.story switches, each alone, then
the mix the confidence is calibrated on), the lineage of this version ("new") beside the
one before verdicts existed ("old": containment >= 0.1 names a source, confidence the
bootstrap share of replicates that pick it), on the same stories:
  right    share of answers whose verdict and source are both right (phylo.sim.scores.lineage_right;
           the old lineage reads as "copied" where it names a source, else as "no source")
  ECE      expected calibration error of the confidence (10 bins; the old lineage gives a
           confidence only where it names a source, so its ECE covers those answers)
  wrong@   mean confidence of the wrong answers
and per kind of article the number the issue sets a target for, then the reliability table
of the mixed stories.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
import zlib
from pathlib import Path

import numpy as np
from skbio import DistanceMatrix

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulated import run_story  # noqa: E402

from phylo.align.encoding import encode  # noqa: E402
from phylo.sim.scores import (expected_calibration_error, grouping_recall, grouping_recall_up_to_copies,  # noqa: E402
                              lineage_right, reliability, source_accuracy, source_accuracy_up_to_copies,
                              tree_neighbour_accuracy)
from phylo.sim.story import coverage_story, simulate_story  # noqa: E402
from phylo.trees.build import build_tree, root_tree, to_newick  # noqa: E402
from phylo.trees.dates import sort_time  # noqa: E402
from phylo.trees.lineage import earlier_candidates, infer_sources, lineage_newick, overlap_matrices  # noqa: E402
from phylo.trees.shingles import hashed_shingles  # noqa: E402
from pipelines import news  # noqa: E402

#: Part 2's shapes: simulate_story switches, one shape at a time ("mixed": coverage_story).
SHAPES = {
    "copies": {},
    "independent": {"independent": 0.25, "related": 0.05},
    "merges": {"merges": 0.3},
    "hidden original": {"hidden_original": True},
    "boilerplate": {"boilerplate": True},
    "mixed": None,
}


# --- part 1: distances and trees ---------------------------------------------------------

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


def score(labels, texts, dates, truth, matrix, identity=None, sites=None) -> dict[str, dict]:
    """Scores of the NJ tree on ``matrix`` and of the lineage (and its tree)."""
    twins = {label: text for label, text in zip(labels, texts)}
    dm = DistanceMatrix(matrix, labels)
    nj_tree, _ = root_tree(build_tree(dm, "nj"), dates)
    nj = to_newick(nj_tree)
    lineage = infer_sources(labels, texts, dates, identity=identity, sites=sites)
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
    cands = earlier_candidates(labels, dates)
    out = []
    for i, label in enumerate(labels):
        c = cands[label]
        best = min(c, key=lambda j: matrix[i, j]) if c else None
        out.append({"label": label, "source": labels[best] if best is not None else None})
    return out


def distances_part(args) -> None:
    results: dict[str, list[dict]] = {}
    timing: dict[str, float] = {}

    def add(name, scores, seconds):
        for tree_kind, vals in scores.items():
            results.setdefault(f"{name} + {tree_kind}", []).append(vals)
        timing[name] = timing.get(name, 0.0) + seconds

    for seed in range(1, args.seeds + 1):
        story = simulate_story(args.articles, seed=seed)
        run = run_story(story)
        labels, texts, dates, sites = run["labels"], run["texts"], run["dates"], run["sites"]
        truth = {label: t["parent"] for label, t in run["truth"].items()}
        for name, fn in [("jaccard-3gram", lambda: (jaccard_matrix(texts), None)),
                         ("ncd-zlib", lambda: (ncd_matrix(texts), None)),
                         ("nw-codon", lambda: aligned_matrix(labels, texts, "nw", "codon"))] + \
                ([("nw-nt", lambda: aligned_matrix(labels, texts, "nw", "nt"))] if seed <= args.nt_seeds else []) + \
                ([("mafft", lambda: aligned_matrix(labels, texts, "mafft"))] if seed <= args.mafft_seeds else []):
            t0 = time.perf_counter()
            matrix, identity = fn()
            add(name, score(labels, texts, dates, truth, matrix, identity, sites), time.perf_counter() - t0)
        # ceiling: the simulator's own texts and dates, no extraction in between
        arts = story["articles"]
        true_texts = [a["text"] for a in arts]
        add("ceiling: jaccard-3gram on true texts",
            score([a["id"] for a in arts], true_texts, {a["id"]: a["published"] for a in arts},
                  {a["id"]: a["parent"] for a in arts}, jaccard_matrix(true_texts), sites=[a["site"] for a in arts]),
            0.0)
        print(f"distances: seed {seed} done", file=sys.stderr)

    print(f"\n## Distances and trees: {args.seeds} simulated stories of {args.articles} articles "
          f"(MAFFT on {min(args.mafft_seeds, args.seeds)}, nt on {min(args.nt_seeds, args.seeds)})\n")
    print("| distance + tree | source | source~ | tree-nb | groups | groups~ | seconds/story |")
    print("|---|---|---|---|---|---|---|")
    for name, rows in results.items():
        base = name.split(" + ")[0]
        cells = " | ".join(f"{statistics.mean(r[k] for r in rows):.3f}"
                           for k in ("source", "source~", "tree-nb", "groups", "groups~"))
        print(f"| {name} | {cells} | {timing[base] / len(rows):.2f} |")


# --- part 2: verdicts and confidence ------------------------------------------------------

def old_lineage(labels, texts, dates, identity, min_containment: float = 0.1, replicates: int = 200) -> list[dict]:
    """The lineage before verdicts (phylo 2026-11): the earlier article with the best
    containment + 0.5 Jaccard + 0.25 identity is the source if its containment is at least
    ``min_containment``; confidence is the share of bootstrap replicates that pick it."""
    contain, jaccard = overlap_matrices(texts)
    tiebreak = 0.5 * jaccard + (0.25 * identity if identity is not None else 0.0)
    sets = [hashed_shingles(t) for t in texts]
    candidates = earlier_candidates(labels, dates)
    rng = np.random.default_rng(0)
    out = []
    for i, label in enumerate(labels):
        cands = candidates[label]
        row = {"label": label, "source": None, "confidence": None}
        if cands:
            score_ = contain[i, cands] + tiebreak[i, cands]
            when = [sort_time(dates.get(labels[c])) for c in cands]
            best = cands[min(range(len(cands)), key=lambda c: (-round(score_[c], 9), when[c]))]
            if contain[i, best] >= min_containment:
                row |= {"source": labels[best], "confidence": _bootstrap(sets, i, cands, best, tiebreak, replicates, rng)}
        row["verdict"] = "copied" if row["source"] else ("independent" if cands else "earliest")
        out.append(row)
    return out


def _bootstrap(sets, i, cands, best, tiebreak, replicates, rng) -> float:
    mine = sorted(sets[i])
    member = np.array([[s in sets[j] for j in cands] for s in mine], dtype=float)
    weights = rng.poisson(1.0, size=(replicates, len(mine))).astype(float)
    contain = (weights @ member) / np.maximum(weights.sum(axis=1, keepdims=True), 1.0)
    score_ = contain + tiebreak[i, cands][None, :]
    top = score_.max(axis=1)
    return float(np.mean(np.isclose(score_[:, cands.index(best)], top)))


def judged(seed: int, shape: str, articles: int) -> list[dict]:
    """Every answer of both lineages on one story: kind, right, confidence, and what the targets need."""
    switches = SHAPES[shape]
    story = coverage_story(seed) if switches is None else simulate_story(articles, seed=seed, **switches)
    run = run_story(story)
    new = infer_sources(run["labels"], run["texts"], run["dates"], identity=run["identity"], sites=run["sites"])
    old = old_lineage(run["labels"], run["texts"], run["dates"], run["identity"])
    out = []
    for method, rows in (("new", new), ("old", old)):
        for row in rows:
            truth = run["truth"][row["label"]]
            out.append({"shape": shape, "method": method, "kind": truth["kind"], "verdict": row["verdict"],
                        "right": lineage_right(row, truth, run["plain"]), "confidence": row.get("confidence"),
                        "no_source": not row.get("source"), "unseen": row["verdict"] == "unseen-source"})
    return out


def verdicts_part(args) -> None:
    answers = []
    for shape in SHAPES:
        for seed in range(1, args.shape_seeds + 1):
            answers += judged(seed, shape, args.articles)
        print(f"verdicts: {shape} done", file=sys.stderr)

    def pick(**where):
        return [a for a in answers if all(a[k] == v for k, v in where.items())]

    def calibration(rows):
        scored = [a for a in rows if a["confidence"] is not None]
        if not scored:
            return "-", "-", 0
        ece = expected_calibration_error([a["confidence"] for a in scored], [a["right"] for a in scored])
        wrong = [a["confidence"] for a in scored if not a["right"]]
        return f"{ece:.3f}", f"{statistics.mean(wrong):.2f}" if wrong else "-", len(scored)

    print(f"\n## Verdicts: {args.shape_seeds} stories per shape ({args.articles} articles; mixed: "
          "coverage_story sizes), new lineage / old lineage on the same stories\n")
    print("| shape | answers | right new | right old | ECE new | ECE old (answers with a confidence) "
          "| wrong@ new | wrong@ old |")
    print("|---|---|---|---|---|---|---|---|")
    for shape in SHAPES:
        new, old = pick(shape=shape, method="new"), pick(shape=shape, method="old")
        (ece_n, wr_n, _), (ece_o, wr_o, n_o) = calibration(new), calibration(old)
        print(f"| {shape} | {len(new)} | {_share(new, 'right')} | {_share(old, 'right')} | {ece_n} | "
              f"{ece_o} ({n_o}) | {wr_n} | {wr_o} |")

    print("\nPer kind of article, all shapes (targets: copies and merges: source right >= 0.95; independent "
          "reports: no source >= 0.90; copies of a missing original: flagged unseen-source >= 0.70)\n")
    print("| kind | answers | right new | right old | no source new | no source old | unseen-source new |")
    print("|---|---|---|---|---|---|---|")
    for kind in ("original", "copy", "merge", "independent", "related", "hidden-copy"):
        new, old = pick(kind=kind, method="new"), pick(kind=kind, method="old")
        if new:
            print(f"| {kind} | {len(new)} | {_share(new, 'right')} | {_share(old, 'right')} | "
                  f"{_share(new, 'no_source')} | {_share(old, 'no_source')} | {_share(new, 'unseen')} |")

    print("\nVerdicts given, new lineage, by kind (all shapes)\n")
    verdicts = ("copied", "independent", "unseen-source", "earliest")
    print("| kind | " + " | ".join(verdicts) + " |")
    print("|---|" + "---|" * len(verdicts))
    for kind in ("original", "copy", "merge", "independent", "related", "hidden-copy"):
        new = pick(kind=kind, method="new")
        if new:
            print(f"| {kind} | " + " | ".join(str(sum(a["verdict"] == v for a in new)) for v in verdicts) + " |")

    for method in ("new", "old"):
        rows = [a for a in pick(shape="mixed", method=method) if a["confidence"] is not None]
        print(f"\nReliability, mixed stories, {method} lineage ({len(rows)} answers with a confidence)\n")
        print("| confidence | answers | mean confidence | right |")
        print("|---|---|---|---|")
        for b in reliability([a["confidence"] for a in rows], [a["right"] for a in rows]):
            print(f"| {b['low']:.1f}-{b['high']:.1f} | {b['answers']} | {b['confidence']:.3f} | {b['right']:.3f} |")
    rows = pick(method="new")
    (ece, wrong, n) = calibration(rows)
    print(f"\nAll shapes, new lineage: {n} answers, ECE {ece}, mean confidence of wrong answers {wrong}")


def _share(rows, key) -> str:
    return f"{sum(bool(a[key]) for a in rows) / len(rows):.3f}" if rows else "-"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=10, help="part 1: stories")
    ap.add_argument("--articles", type=int, default=15)
    ap.add_argument("--mafft-seeds", type=int, default=3)
    ap.add_argument("--nt-seeds", type=int, default=3)
    ap.add_argument("--shape-seeds", type=int, default=20, help="part 2: stories per shape")
    ap.add_argument("--skip-distances", action="store_true", help="part 2 only")
    args = ap.parse_args()
    if not args.skip_distances:
        distances_part(args)
    if args.shape_seeds:
        verdicts_part(args)


if __name__ == "__main__":
    main()

"""Scale benchmark: generated corpora of 250, 1,000 and 4,000 articles -> story trees.

For each corpus size and executor (local processes, Dask with 1 and with 2 workers) it
runs the story stages (encode -> signatures -> candidates -> pairs to align -> chunks ->
align -> forest) through the real stage runner, in a fresh subprocess with a fresh
store, and reports: wall time of the whole run and of the alignment stage, peak memory
(main process and workers), pairs aligned versus all pairs, pairwise grouping precision
and recall, and lineage accuracy against the generator's truth. Then it fits the
exponent of cost against corpus size (time ~ N**k) and compares Dask 2 workers to 1.

    python bench/scale.py                                   # everything, ~10 min on 2 cores
    python bench/scale.py --sizes 250 1000 --executors local dask2
    python bench/scale.py --one 1000 local                  # one run, JSON on stdout

The corpus generator is here (``make_corpus``): stories of 5 to 40 articles, each a copy
of an earlier article of its story with sentences dropped, reworded and added and words
replaced, plus 20% unrelated articles. Words are made-up (syllables drawn with Zipf
frequencies), so the corpus needs no data files.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.news import story_analysis_stages, story_params  # noqa: E402

#: The parameters of ``phylo run --stories`` (its defaults), so the bench measures what users run.
PARAMS = story_params() | {"unit": "codon", "nw_mode": "anchor", "gaps": "affine", "correction": "jc", "method": "nj",
                         "normalize": False}
EXECUTORS = {"local": ("local", 2), "dask1": ("dask", 1), "dask2": ("dask", 2)}


# --- the corpus -------------------------------------------------------------------------------

def _vocabulary(rng: random.Random, size: int = 6000) -> tuple[list[str], list[float]]:
    syllables = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"] + ["th", "st", "ng", "er", "an"]
    words = sorted({"".join(rng.choice(syllables) for _ in range(rng.choice((1, 2, 2, 3, 3, 4))))
                    for _ in range(size * 2)})
    rng.shuffle(words)
    words = words[:size]
    weights = [1.0 / (rank + 1) for rank in range(len(words))]  # Zipf: a few words are everywhere
    return words, weights


def _sentence(rng, words, weights) -> list[str]:
    return rng.choices(words, weights, k=rng.randint(8, 22))


def _copy(rng, parent: list[list[str]], words, weights) -> list[list[str]]:
    """An edited copy: sentences dropped (8%), reworded (10%), added (1-3), words replaced (3%)."""
    out = []
    for sentence in parent:
        roll = rng.random()
        if roll < 0.08:
            continue
        if roll < 0.18:
            sentence = [rng.choices(words, weights)[0] if rng.random() < 0.3 else w for w in sentence]
        else:
            sentence = [rng.choices(words, weights)[0] if rng.random() < 0.03 else w for w in sentence]
        out.append(sentence)
    for _ in range(rng.randint(1, 3)):
        out.insert(rng.randint(0, len(out)), _sentence(rng, words, weights))
    return out


def _text(sentences: list[list[str]]) -> str:
    return " ".join(" ".join(s).capitalize() + "." for s in sentences)


def make_corpus(n: int, seed: int = 7, unrelated_share: float = 0.2) -> list[dict]:
    """``n`` article rows: ``label``, ``text``, ``site``, ``published``, ``status``, and the truth
    (``true_story``: story number or None, ``true_parent``: label or None)."""
    rng = random.Random(seed)
    words, weights = _vocabulary(rng)
    sites = [f"site{i:02d}.example" for i in range(40)]
    start = datetime(2024, 1, 1)
    n_unrelated = round(n * unrelated_share)
    drafts = []  # (sentences, story, parent index, date)
    story = 0
    while len(drafts) < n - n_unrelated:
        size = min(rng.randint(5, 40), n - n_unrelated - len(drafts))
        first = len(drafts)
        day = start + timedelta(days=rng.randint(0, 60))
        drafts.append(([_sentence(rng, words, weights) for _ in range(rng.randint(15, 30))], story, None, day))
        for _ in range(size - 1):
            parent = rng.randrange(first, len(drafts))
            date = drafts[parent][3] + timedelta(hours=rng.randint(1, 48))
            drafts.append((_copy(rng, drafts[parent][0], words, weights), story, parent, date))
        story += 1
    for _ in range(n_unrelated):
        drafts.append(([_sentence(rng, words, weights) for _ in range(rng.randint(15, 30))], None, None,
                       start + timedelta(days=rng.randint(0, 60))))
    # labels in a shuffled order, so a story's articles are not neighbours in any listing
    order = list(range(len(drafts)))
    rng.shuffle(order)
    label = {i: f"a{pos:05d}" for pos, i in enumerate(order)}
    rows = []
    for i, (sentences, story_id, parent, date) in enumerate(drafts):
        rows.append({"label": label[i], "text": _text(sentences), "site": rng.choice(sites),
                     "published": date.isoformat(), "status": "ok", "true_story": story_id,
                     "true_parent": label[parent] if parent is not None else None})
    return sorted(rows, key=lambda r: r["label"])


# --- the stages --------------------------------------------------------------------------------------

def story_stages():
    """The news pipeline's own --stories analysis stages (the bench supplies the table)."""
    return story_analysis_stages()


# --- scoring against the truth ----------------------------------------------------------------------

def _pairs_within(groups) -> int:
    return sum(len(g) * (len(g) - 1) // 2 for g in groups)


def grouping_scores(table: list[dict], forest: list[dict]) -> dict:
    """Pairwise precision and recall: is "same story" right for each pair of articles?"""
    truth = {r["label"]: r["true_story"] for r in table}
    predicted_pairs = _pairs_within(s["members"] for s in forest)
    true_groups: dict = {}
    for label, story in truth.items():
        if story is not None:
            true_groups.setdefault(story, []).append(label)
    true_pairs = _pairs_within(true_groups.values())
    correct = 0
    for s in forest:
        overlap: dict = {}
        for m in s["members"]:
            if truth[m] is not None:
                overlap[truth[m]] = overlap.get(truth[m], 0) + 1
        correct += sum(k * (k - 1) // 2 for k in overlap.values())
    return {"precision": correct / predicted_pairs if predicted_pairs else 1.0,
            "recall": correct / true_pairs if true_pairs else 1.0,
            "stories_found": sum(1 for s in forest if s["size"] > 1), "stories_true": len(true_groups)}


def nearest_earlier(labels: list[str], matrix, dates: dict[str, str]) -> dict[str, str | None]:
    """Each article's closest (by ``matrix``) article published before it, or None."""
    out = {}
    for i, label in enumerate(labels):
        earlier = [j for j, other in enumerate(labels) if dates[other] < dates[label]]
        out[label] = labels[min(earlier, key=lambda j: matrix[i, j])] if earlier else None
    return out


def lineage_accuracy(table: list[dict], forest: list[dict], by: str = "sources") -> float:
    """Share of copied articles whose source found in their story is the true parent.

    ``by``: ``"sources"`` the forest's lineage (``phylo.trees.lineage``, as the report shows);
    ``"tree"`` the nearest earlier article along the story's NJ tree;
    ``"matrix"`` the nearest earlier article by the story's distance matrix.
    """
    import numpy as np

    from phylo.trees.build import from_newick

    dates = {r["label"]: r["published"] for r in table}
    if by == "sources":
        found = {src["label"]: src["source"] for s in forest for src in s["sources"]}
    else:
        found = {}
        for s in forest:
            if s["size"] < 2:
                continue
            if by == "tree":
                tips = from_newick(s["newick"]).tip_tip_distances()
                found |= nearest_earlier(list(tips.ids), tips.data, dates)
            else:
                found |= nearest_earlier(s["members"], np.asarray(s["matrix"]), dates)
    copies = [r for r in table if r["true_parent"]]
    return sum(found.get(r["label"]) == r["true_parent"] for r in copies) / len(copies)


# --- one run -----------------------------------------------------------------------------------------

def make_executor(name: str):
    kind, workers = EXECUTORS[name]
    if kind == "dask":
        from phylo.engine.dask_executor import DaskExecutor

        return DaskExecutor(workers=workers)
    from phylo.engine.executors import LocalExecutor

    return LocalExecutor(workers)


def run_one(n: int, executor_name: str, seed: int = 7) -> dict:
    """Generate the corpus, run the story stages on a fresh store, and measure."""
    from phylo.engine.runner import run_stages
    from phylo.engine.store import Store

    table = make_corpus(n, seed)
    executor = make_executor(executor_name)  # started before the clock: a cluster is long-lived
    try:
        with tempfile.TemporaryDirectory() as store_dir:
            started = time.perf_counter()
            result = run_stages(story_stages(), {"table": table}, PARAMS, Store(store_dir), executor,
                                progress=False)
            wall = time.perf_counter() - started
    finally:
        executor.close()
    forest = result.values["forest"]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    workers_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "n": n, "executor": executor_name, "wall_s": round(wall, 2),
        "align_s": result.timings["aligned"]["seconds"],
        "stage_s": {name: t["seconds"] for name, t in result.timings.items()},
        "peak_mib": round(rss), "worker_peak_mib": round(workers_rss),
        "all_pairs": n * (n - 1) // 2, "candidates": len(result.values["candidates"]),
        "aligned_pairs": len(result.values["pairs"]), "failed_chunks": len(result.failures.get("aligned", [])),
        **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in grouping_scores(table, forest).items()},
        **{key: round(lineage_accuracy(table, forest, by), 4)
           for key, by in (("lineage_accuracy", "sources"), ("lineage_tree", "tree"), ("lineage_matrix", "matrix"))},
    }


# --- the whole benchmark -----------------------------------------------------------------------------

def fit_exponent(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of log(time) against log(N): time grows like N**slope."""
    if len(points) < 2:
        return None
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(max(t, 1e-3)) for _, t in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def table_markdown(rows: list[dict]) -> str:
    head = ("| N | executor | wall s | align s | peak MiB (main / workers) | pairs aligned / all | "
            "precision | recall | stories found / true | lineage acc. (sources / matrix / tree) |")
    lines = [head, "|" + "---|" * 10]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['executor']} | {r['wall_s']:.1f} | {r['align_s']:.1f} | "
            f"{r['peak_mib']} / {r['worker_peak_mib']} | {r['aligned_pairs']:,} / {r['all_pairs']:,} "
            f"({100 * r['aligned_pairs'] / r['all_pairs']:.2f}%) | {r['precision']:.3f} | {r['recall']:.3f} | "
            f"{r['stories_found']} / {r['stories_true']} | {r['lineage_accuracy']:.3f} / "
            f"{r['lineage_matrix']:.3f} / {r['lineage_tree']:.3f} |")
    return "\n".join(lines)


def summarise(rows: list[dict]) -> str:
    out = [table_markdown(rows), ""]
    for name in EXECUTORS:
        mine = sorted((r["n"], r["wall_s"]) for r in rows if r["executor"] == name)
        align = sorted((r["n"], r["align_s"]) for r in rows if r["executor"] == name)
        k, ka = fit_exponent(mine), fit_exponent(align)
        if k is not None:
            out.append(f"- {name}: wall time ~ N^{k:.2f}, alignment stage ~ N^{ka:.2f}")
    for n in sorted({r["n"] for r in rows}):
        one = [r for r in rows if r["n"] == n and r["executor"] == "dask1"]
        two = [r for r in rows if r["n"] == n and r["executor"] == "dask2"]
        if one and two:
            out.append(f"- N={n:,}: Dask 2 workers vs 1 on the alignment stage: "
                       f"{one[0]['align_s'] / two[0]['align_s']:.2f}x")
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 1000, 4000])
    parser.add_argument("--executors", nargs="+", choices=list(EXECUTORS), default=list(EXECUTORS))
    parser.add_argument("--out", help="also append each run's JSON line to this file")
    parser.add_argument("--one", nargs=2, metavar=("N", "EXECUTOR"), help="a single run, JSON on stdout")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    if args.one:
        print(json.dumps(run_one(int(args.one[0]), args.one[1], args.seed)))
        return 0
    rows = []
    for n in args.sizes:
        for name in args.executors:
            # a fresh process per run: clean peak memory, no JIT or cache carried over
            done = subprocess.run([sys.executable, __file__, "--one", str(n), name, "--seed", str(args.seed)],
                                  capture_output=True, text=True, cwd=ROOT)
            if done.returncode:
                print(f"N={n} {name} failed:\n{done.stderr[-3000:]}", file=sys.stderr)
                continue
            row = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append(row)
            if args.out:
                with open(args.out, "a") as fh:
                    fh.write(json.dumps(row) + "\n")
            print(f"N={n:>5} {name:6} wall {row['wall_s']:7.1f}s align {row['align_s']:7.1f}s "
                  f"pairs {row['aligned_pairs']:>7,}/{row['all_pairs']:,} P {row['precision']:.3f} "
                  f"R {row['recall']:.3f} lineage {row['lineage_accuracy']:.3f}", flush=True)
    print()
    print(summarise(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())

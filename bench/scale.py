"""Scale benchmark: simulated corpora of 1,000, 4,000 and 20,000 articles -> story trees.

For each corpus size and executor (local processes, Dask with 1 and with 2 workers) it
runs the story stages (encode -> fingerprints -> candidates -> stories -> pairs to align ->
chunks -> align -> forest) through the real stage runner, in a fresh subprocess with a
fresh store, and reports: wall time of the whole run and of the alignment stage, peak
memory (main process and workers), pairs aligned versus all pairs, pairwise grouping
precision and recall, where the grouping is wrong (the stories it mixes), and lineage
accuracy against the generator's truth. Then it fits the exponent of cost against
corpus size (time ~ N**k) and compares Dask 2 workers to 1.

    python bench/scale.py                                   # 1,000, 4,000, 20,000 x local
    python bench/scale.py --sizes 20x16+30 1000 4000 --executors local dask1 dask2
    python bench/scale.py --one 1000 local                  # one run, JSON on stdout

The corpora come from ``phylo.sim.corpus`` (built on ``phylo.sim.story``): stories of 4
to 30 articles that overlap the way real ones do (stories of one subject share names,
stock phrases and quoted statements, some quote each other's text, some outlets print
one boilerplate paragraph under every article, some stories start from long reads cut
down by their copies), plus 15% unrelated articles on the same subjects. ``20x16+30`` is
20 stories of 16 articles and 30 unrelated ones.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.news import story_analysis_stages, story_params  # noqa: E402

#: The parameters of ``phylo run --stories`` (its defaults), so the bench measures what users run.
PARAMS = story_params() | {"unit": "codon", "nw_mode": "anchor", "gaps": "affine", "correction": "jc", "method": "nj",
                         "normalize": False}
EXECUTORS = {"local": ("local", 2), "dask1": ("dask", 1), "dask2": ("dask", 2)}


# --- the corpus -------------------------------------------------------------------------------

def make_corpus(size: str | int, seed: int = 7) -> list[dict]:
    """Article rows (``label``, ``text``, ``site``, ``published``, ``status``) with the truth
    (``true_story``: story number or None, ``true_parent``: label or None, ``operations``).

    ``size``: a number of articles, or ``SxA+U`` (S stories of A articles and U unrelated).
    """
    from phylo.sim.corpus import corpus_of_size, simulate_corpus

    text = str(size)
    if "x" in text:
        stories, rest = text.split("x")
        per, unrelated = rest.split("+")
        corpus = simulate_corpus(int(stories), int(per), int(unrelated), seed=seed)
    else:
        corpus = corpus_of_size(int(text), seed=seed)
    return [{"label": a["id"], "text": a["text"], "site": a["site"], "published": a["published"], "status": "ok",
             "true_story": a["story"], "true_parent": a["parent"], "operations": a["operations"]}
            for a in corpus["articles"]]


# --- the stages --------------------------------------------------------------------------------------

def story_stages():
    """The news pipeline's own --stories analysis stages (the bench supplies the table)."""
    return story_analysis_stages()


# --- scoring against the truth ----------------------------------------------------------------------

def _pairs_within(groups) -> int:
    return sum(len(g) * (len(g) - 1) // 2 for g in groups)


def grouping_scores(table: list[dict], forest: list[dict]) -> dict:
    """Pairwise precision and recall: is "same story" right for each pair of articles?

    An unrelated article (no true story) is a story of its own. Also the stories the
    grouping mixes most (``mixes``: each forest story's true stories and counts).
    """
    truth = {r["label"]: r["true_story"] for r in table}
    predicted_pairs = _pairs_within(s["members"] for s in forest)
    true_groups: dict = {}
    for label, story in truth.items():
        if story is not None:
            true_groups.setdefault(story, []).append(label)
    true_pairs = _pairs_within(true_groups.values())
    correct, mixes = 0, []
    for s in forest:
        overlap: dict = {}
        for m in s["members"]:
            key = truth[m] if truth[m] is not None else f"alone-{m}"
            overlap[key] = overlap.get(key, 0) + 1
        correct += sum(k * (k - 1) // 2 for k in overlap.values())
        if len(overlap) > 1:
            mixes.append({"story": s["story"], "true": {str(k): v for k, v in overlap.items()}})
    split = sum(1 for members in true_groups.values()
                if len({s["story"] for s in forest if set(s["members"]) & set(members)}) > 1)
    return {"precision": correct / predicted_pairs if predicted_pairs else 1.0,
            "recall": correct / true_pairs if true_pairs else 1.0,
            "stories_found": sum(1 for s in forest if s["size"] > 1), "stories_true": len(true_groups),
            "stories_split": split, "stories_mixed": len(mixes),
            "mixes": sorted(mixes, key=lambda m: -sum(m["true"].values()))[:5]}


def nearest_earlier(labels: list[str], matrix, dates: dict[str, str]) -> dict[str, str | None]:
    """Each article's closest (by ``matrix``) article published before it, or None."""
    out = {}
    for i, label in enumerate(labels):
        earlier = [j for j, other in enumerate(labels) if dates[other] < dates[label]]
        out[label] = labels[min(earlier, key=lambda j: matrix[i, j])] if earlier else None
    return out


def lineage_accuracy(table: list[dict], forest: list[dict], by: str = "sources", twins: bool = False) -> float:
    """Share of copied articles whose source found in their story is the true parent.

    ``by``: ``"sources"`` the forest's lineage (``phylo.trees.lineage``, as the report shows);
    ``"tree"`` the nearest earlier article along the story's NJ tree;
    ``"matrix"`` the nearest earlier article by the story's distance matrix.
    ``twins``: a verbatim copy of the true parent counts as right too (the same text).
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
    rows = {r["label"]: r for r in table}

    def original(label):
        row = rows[label]
        return original(row["true_parent"]) if row["true_parent"] and row["operations"] == ["copy"] else label

    copies = [r for r in table if r["true_parent"]]
    if twins:
        return sum(found.get(r["label"]) is not None and original(found[r["label"]]) == original(r["true_parent"])
                   for r in copies) / len(copies)
    return sum(found.get(r["label"]) == r["true_parent"] for r in copies) / len(copies)


# --- one run -----------------------------------------------------------------------------------------

def make_executor(name: str):
    kind, workers = EXECUTORS[name]
    if kind == "dask":
        from phylo.engine.dask_executor import DaskExecutor

        return DaskExecutor(workers=workers)
    from phylo.engine.executors import LocalExecutor

    return LocalExecutor(workers)


def run_one(size: str, executor_name: str, seed: int = 7) -> dict:
    """Generate the corpus, run the story stages on a fresh store, and measure."""
    from phylo.engine.runner import run_stages
    from phylo.engine.store import Store

    table = make_corpus(size, seed)
    n = len(table)
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
        "corpus": str(size), "n": n, "executor": executor_name, "wall_s": round(wall, 2),
        "align_s": result.timings["aligned"]["seconds"],
        "stage_s": {name: t["seconds"] for name, t in result.timings.items()},
        "peak_mib": round(rss), "worker_peak_mib": round(workers_rss),
        "all_pairs": n * (n - 1) // 2, "candidates": len(result.values["candidates"]),
        "aligned_pairs": len(result.values["pairs"]), "failed_chunks": len(result.failures.get("aligned", [])),
        "links": len(result.values["stories"]["links"]),
        **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in grouping_scores(table, forest).items()},
        **{key: round(lineage_accuracy(table, forest, by), 4)
           for key, by in (("lineage_accuracy", "sources"), ("lineage_tree", "tree"), ("lineage_matrix", "matrix"))},
        "lineage_up_to_copies": round(lineage_accuracy(table, forest, "sources", twins=True), 4),
        "load_average": [round(x, 2) for x in __import__("os").getloadavg()],
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
    head = ("| corpus | N | executor | wall s | align s | peak MiB (main / workers) | pairs aligned / all | "
            "precision | recall | stories found / true (split, mixed) | lineage (sources / up to copies / matrix / tree) "
            "| load avg |")
    lines = [head, "|" + "---|" * 12]
    for r in rows:
        lines.append(
            f"| {r['corpus']} | {r['n']:,} | {r['executor']} | {r['wall_s']:.1f} | {r['align_s']:.1f} | "
            f"{r['peak_mib']} / {r['worker_peak_mib']} | {r['aligned_pairs']:,} / {r['all_pairs']:,} "
            f"({100 * r['aligned_pairs'] / r['all_pairs']:.2f}%) | {r['precision']:.3f} | {r['recall']:.3f} | "
            f"{r['stories_found']} / {r['stories_true']} ({r['stories_split']}, {r['stories_mixed']}) | "
            f"{r['lineage_accuracy']:.3f} / {r['lineage_up_to_copies']:.3f} / {r['lineage_matrix']:.3f} / "
            f"{r['lineage_tree']:.3f} | {r['load_average'][0]:.1f} |")
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
    parser.add_argument("--sizes", nargs="+", default=["1000", "4000", "20000"],
                        help="article counts, or SxA+U (S stories of A articles, U unrelated)")
    parser.add_argument("--executors", nargs="+", choices=list(EXECUTORS), default=["local"])
    parser.add_argument("--out", help="also append each run's JSON line to this file")
    parser.add_argument("--one", nargs=2, metavar=("N", "EXECUTOR"), help="a single run, JSON on stdout")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    if args.one:
        print(json.dumps(run_one(args.one[0], args.one[1], args.seed)))
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
            print(f"{n:>8} {name:6} wall {row['wall_s']:7.1f}s align {row['align_s']:7.1f}s "
                  f"pairs {row['aligned_pairs']:>7,}/{row['all_pairs']:,} P {row['precision']:.3f} "
                  f"R {row['recall']:.3f} lineage {row['lineage_accuracy']:.3f} "
                  f"({row['lineage_up_to_copies']:.3f} up to copies); mixes {row['mixes'][:2]}", flush=True)
    print()
    print(summarise(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())

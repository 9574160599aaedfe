"""Benchmark: all-pairs distances for simulated copied articles, native aligner vs others.

Usage::

    python bench/align.py                      # sets 15, 30 and long, all methods, a table
    python bench/align.py --sets 15 --skip mafft-auto parasail-nw
    python bench/align.py --sets long --skip parasail-nw --mafft-timeout 600
    python bench/align.py --seeds 1 2 3 4 5    # tree scores averaged over five stories
    python bench/align.py --json results.json
    python bench/align.py --memory             # peak memory and time of one long pair, by length

Sets: ``15`` and ``30``, stories of that many long near-copies (``phylo.sim.story``,
profile ``light``: a 40-paragraph root, ~31k nt per encoded article, small edits); ``long``,
15 articles in the long-form shape (``longform=True``: a root of 40-60k characters, each
copy an excerpt of 2-20k characters of its parent or the parent nearly whole, then the same
small edits), the shape of a magazine feature picked up by other outlets. MAFFT runs on
sets 15 and long, each under ``--mafft-timeout`` (on 45k-character articles ``mafft
--auto`` took 14 minutes here): a row that ran out of time says so.

Each method runs in its own process (``--one METHOD SIZE SEED``) so peak memory
(``ru_maxrss``, and the children's for MAFFT) is its own. For each method: wall time,
cells filled and GCUPS per thread where that means something, peak memory, and the NJ
tree (skbio ``nj`` on Jukes-Cantor distances) against the true lineage: Robinson-Foulds
distance (proportion, unrooted) and the share of articles whose nearest tip is their
true parent or copy. Trees are scored for each way of counting gaps
(``phylo.align.distances``): ``affine`` (the default), ``runs`` and ``columns``. With several seeds
every figure is the mean over the seeds' stories. Nothing here is asserted; it reports.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

from phylo.sim.scores import lineage_scores  # noqa: E402
from phylo.sim.story import simulate_story, story_texts  # noqa: E402

METHODS = ["codon-full", "codon-auto", "codon-anchor", "nt-full", "nt-auto", "nt-anchor", "mafft-auto",
           "parasail-nw", "edlib"]
PARAGRAPHS = 40  # about 31k nt per encoded article
THREADS = 2
SETS = ("15", "30", "long")
MAFFT_SETS = ("15", "long")  # MAFFT --auto takes minutes on 15 articles; 30 would take far longer


def dataset(name: str, seed: int):
    """Encoded articles and the true parents of set ``name`` (see the module docstring)."""
    from phylo.align.encoding import encode

    if name == "long":
        story = simulate_story(15, seed=seed, profile="light", longform=True)
    else:
        story = simulate_story(int(name), seed=seed, paragraphs=PARAGRAPHS, profile="light")
    articles, parents = story_texts(story)
    return {label: encode(text) for label, text in articles.items()}, parents


def _rss_mib(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def run_native(seqs: dict, unit: str, mode: str) -> tuple[list, dict]:
    from phylo.align.nw import align_pairs

    labels = list(seqs)
    pairs = [(i, j) for i in range(len(labels)) for j in range(i + 1, len(labels))]
    # compile (or load the cache) before timing
    align_pairs(list(seqs.values())[:2], [(0, 1)], unit=unit, mode=mode, threads=THREADS)
    start = time.perf_counter()
    results = align_pairs(list(seqs.values()), pairs, unit=unit, mode=mode, threads=THREADS)
    wall = time.perf_counter() - start
    cells = sum(r["cells"] for r in results)
    extra = {"wall_s": wall, "cells": cells, "gcups_per_thread": cells / wall / THREADS / 1e9,
             "methods": {m: sum(r["method"] == m for r in results) for m in {r["method"] for r in results}},
             "scores": [r["score"] for r in results]}
    return list(zip(pairs, results)), extra


def run_mafft(seqs: dict) -> tuple[list, dict]:
    from phylo.align.distances import msa_counts
    from phylo.align.mafft import run_mafft as mafft

    start = time.perf_counter()
    msa = mafft(seqs, strategy="auto", threads=THREADS)
    wall = time.perf_counter() - start
    labels, pairs, counts = msa_counts(msa)
    return list(zip(pairs, counts)), {"wall_s": wall, "child_rss_mib": _rss_mib(resource.RUSAGE_CHILDREN)}


def run_parasail(seqs: dict) -> tuple[list, dict]:
    from concurrent.futures import ThreadPoolExecutor

    import parasail

    from phylo.align.nw import DEFAULT_SCORING as SCORING

    matrix = parasail.matrix_create("ACGT", SCORING["match"], SCORING["mismatch"])
    values = list(seqs.values())
    pairs = [(i, j) for i in range(len(values)) for j in range(i + 1, len(values))]

    def one(pair):
        i, j = pair
        # parasail: a gap of length L costs open + (L - 1) * extend, as in phylo
        r = parasail.nw_stats_scan_32(values[i], values[j], -SCORING["gap_open"], -SCORING["gap_extend"], matrix)
        return r.score, {"identity": r.matches / r.length}  # no gap runs from parasail's stats

    start = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:  # parasail releases the GIL in its C calls
        out = list(pool.map(one, pairs))
    wall = time.perf_counter() - start
    cells = sum(len(values[i]) * len(values[j]) for i, j in pairs)
    return [(p, counts) for p, (_, counts) in zip(pairs, out)], {
        "wall_s": wall, "cells": cells, "gcups_per_thread": cells / wall / THREADS / 1e9,
        "scores": [s for s, _ in out]}


def run_edlib(seqs: dict) -> tuple[list, dict]:
    import edlib

    values = list(seqs.values())
    pairs = [(i, j) for i in range(len(values)) for j in range(i + 1, len(values))]
    start = time.perf_counter()
    out = []
    for i, j in pairs:
        d = edlib.align(values[i], values[j], mode="NW", task="distance")["editDistance"]
        out.append({"identity": 1 - d / max(len(values[i]), len(values[j]))})  # ~ 1 - edits / length
    wall = time.perf_counter() - start
    return list(zip(pairs, out)), {"wall_s": wall}


def gcups_single(seqs: dict) -> dict:
    """Full-DP throughput of one pair on one thread, both units (compiled beforehand)."""
    from phylo.align import _kernels
    from phylo.align.nw import kernel_args, kernel_codes, packing

    a_seq, b_seq = list(seqs.values())[:2]
    out = {}
    for unit, per in (("nt", 1), ("codon", 3)):
        a, b = kernel_codes(a_seq, unit), kernel_codes(b_seq, unit)
        p = packing(unit, None, min(len(a), len(b)) * per)
        _kernels.score_linear(a[:50], b[:50], *kernel_args(p))
        start = time.perf_counter()
        _kernels.score_linear(a, b, *kernel_args(p))
        wall = time.perf_counter() - start
        out[unit] = {"cells": len(a) * len(b), "wall_s": wall, "gcups": len(a) * len(b) / wall / 1e9}
    return out


def tree_scores(labels: list[str], aligned: list, parents: dict, gaps: str) -> dict:
    """RF and NN share of the NJ tree on Jukes-Cantor distances, gaps counted as ``gaps``."""
    from phylo.align.distances import from_identities, site_identity
    from phylo.align.scikit_bio import nj

    if gaps != "columns" and "gap_runs" not in aligned[0][1]:
        return {}
    identities = [site_identity(c, gaps) if "matches" in c else c["identity"] for _, c in aligned]
    dm = from_identities(labels, [p for p, _ in aligned], identities, correction="jc")
    return lineage_scores(nj(dm), parents)


def one(method: str, size: str, seed: int) -> dict:
    """Run one method on one set in this process; returns its measurements."""
    seqs, parents = dataset(size, seed)
    base_rss = _rss_mib()
    if method.endswith(("-full", "-auto", "-anchor")) and not method.startswith("mafft"):
        unit, mode = method.split("-")
        aligned, info = run_native(seqs, unit, mode)
    elif method == "mafft-auto":
        aligned, info = run_mafft(seqs)
    elif method == "parasail-nw":
        aligned, info = run_parasail(seqs)
    elif method == "edlib":
        aligned, info = run_edlib(seqs)
    elif method == "gcups":
        return {"method": method, "size": size, "seed": seed, **gcups_single(seqs)}
    else:
        raise SystemExit(f"unknown method {method}")
    rss = _rss_mib()  # the peak while aligning, before the tree scores import scikit-bio
    labels = list(seqs)
    trees = {gaps: tree_scores(labels, aligned, parents, gaps) for gaps in ("affine", "runs", "columns")}
    lengths = [len(s) for s in seqs.values()]
    return {"method": method, "size": size, "seed": seed, "mean_nt": sum(lengths) / len(lengths),
            "rss_mib": rss, "rss_before_mib": base_rss, "trees": trees, **info}


def long_pair(chars: int, kind: str) -> dict:
    """One pair of ``chars``-character articles in anchor mode, in this process: peak memory
    over what the imports took, and time. ``kind``: ``copy`` (the second is the first with
    a paragraph in 100 rewritten), ``excerpt`` (2,000 characters of it), ``unrelated``."""
    import random

    from phylo.align.encoding import encode
    from phylo.align.nw import align_pairs
    from phylo.sim.story import Language, paragraphs_of

    rng = random.Random(chars)
    lang = Language(rng)

    def prose(n):
        return [" ".join(p) for p in paragraphs_of(lang, rng, n)]

    a = prose(chars)
    if kind == "copy":
        b = [" ".join(lang.paragraph(rng)) if k % 100 == 50 else p for k, p in enumerate(a)]
    elif kind == "excerpt":
        b = a[len(a) // 2:len(a) // 2 + 8]
    else:
        b = prose(chars)
    seqs = [encode("\n\n".join(a)), encode("\n\n".join(b))]
    align_pairs([seqs[0][:300], seqs[1][:300]], [(0, 1)])  # compile or load the kernels first
    before = _rss_mib()
    start = time.perf_counter()
    r = align_pairs(seqs, [(0, 1)], threads=1)[0]
    return {"chars": chars, "kind": kind, "nt": [len(x) for x in seqs], "wall_s": time.perf_counter() - start,
            "rss_mib": _rss_mib(), "added_mib": _rss_mib() - before, "method": r["method"], "cells": r["cells"],
            "identity": r["identity"]}


def memory_table() -> str:
    """``long_pair`` for growing lengths, each in a fresh process (peak RSS is per process)."""
    lines = [f"{'chars':>9} {'kind':<10} {'wall s':>7} {'peak MiB':>9} {'added MiB':>9} {'cells':>12}  method"]
    for chars in (75_000, 150_000, 300_000, 600_000, 1_200_000):
        for kind in ("copy", "excerpt", "unrelated"):
            cmd = [sys.executable, str(Path(__file__).resolve()), "--pair", str(chars), kind]
            r = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()[-1])
            lines.append(f"{chars:>9} {kind:<10} {r['wall_s']:>7.2f} {r['rss_mib']:>9.0f} {r['added_mib']:>9.0f} "
                         f"{r['cells']:>12}  {r['method']}")
            print(lines[-1], file=sys.stderr, flush=True)
    return "\n".join(lines)


def run_one_process(method: str, size: str, seed: int, timeout: float) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--one", method, str(size), str(seed)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"method": method, "size": size, "seed": seed, "error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        return {"method": method, "size": size, "seed": seed, "error": proc.stderr.strip().splitlines()[-1:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def mean_over_seeds(runs: list[dict]) -> dict:
    """One row from a method's runs on several seeds: numbers averaged, the rest from the first."""
    import statistics

    ok = [r for r in runs if "error" not in r]
    if not ok:
        return runs[0]
    row = dict(ok[0], seeds=len(ok))
    for key in ("wall_s", "gcups_per_thread", "rss_mib", "child_rss_mib"):
        if key in row:
            row[key] = statistics.mean(r[key] for r in ok)
    row["trees"] = {gaps: {k: statistics.mean(r["trees"][gaps][k] for r in ok) for k in ok[0]["trees"][gaps]}
                    for gaps in ok[0]["trees"]}
    row["methods"] = {m: sum(r.get("methods", {}).get(m, 0) for r in ok) for m in ok[0].get("methods", {})}
    if len(ok) < len(runs):
        row["failed_seeds"] = len(runs) - len(ok)
    return row


def table(rows: list[dict]) -> str:
    head = (f"{'set':>4} {'method':<12} {'kNT':>5} {'wall s':>8} {'x mafft':>8} {'GCUPS/thr':>9} {'RSS MiB':>8} "
            f"{'RF':>6} {'NN ok':>6} {'RF run':>6} {'NN run':>6} {'RF col':>6} {'NN col':>6}  notes")
    lines = [head, "-" * len(head)]
    mafft = {r["size"]: r["wall_s"] for r in rows if r["method"] == "mafft-auto" and "wall_s" in r}

    def scores(r, gaps):
        t = r["trees"].get(gaps)
        return f"{t['rf']:>6.3f} {t['nn_share']:>6.2f}" if t else f"{'-':>6} {'-':>6}"

    for r in rows:
        if r["method"] == "gcups":
            continue
        if "error" in r:
            lines.append(f"{r['size']:>4} {r['method']:<12} {r['error']}")
            continue
        speedup = f"{mafft[r['size']] / r['wall_s']:.1f}x" if r["size"] in mafft else "-"
        g = f"{r['gcups_per_thread']:.2f}" if "gcups_per_thread" in r else "-"
        rss = r.get("child_rss_mib", r["rss_mib"])
        notes = ", ".join(f"{k} {v}" for k, v in sorted(r.get("methods", {}).items()))
        if "agree" in r:
            notes += (", " if notes else "") + r["agree"]
        lines.append(f"{r['size']:>4} {r['method']:<12} {r['mean_nt'] / 1000:>5.1f} {r['wall_s']:>8.2f} "
                     f"{speedup:>8} {g:>9} {rss:>8.0f} "
                     f"{scores(r, 'affine')} {scores(r, 'runs')} {scores(r, 'columns')}  {notes}")
    for r in rows:
        if r["method"] == "gcups" and "error" not in r:
            lines.append(f"one pair of set {r['size']}, full DP, one thread: "
                         + "; ".join(f"{u}: {r[u]['cells'] / 1e6:.0f}M cells in {r[u]['wall_s']:.2f} s = "
                                     f"{r[u]['gcups']:.2f} GCUPS" for u in ("nt", "codon")))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--one", nargs=3, metavar=("METHOD", "SIZE", "SEED"), help=argparse.SUPPRESS)
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[1], help="one simulated story per seed")
    parser.add_argument("--skip", nargs="*", default=[], help="methods to leave out")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per method, set and seed")
    parser.add_argument("--mafft-timeout", type=float, default=900, help="seconds for MAFFT per set and seed")
    parser.add_argument("--json", help="also write the rows here")
    parser.add_argument("--memory", action="store_true", help="only the long-pair memory table")
    parser.add_argument("--pair", nargs=2, metavar=("CHARS", "KIND"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pair:
        print(json.dumps(long_pair(int(args.pair[0]), args.pair[1])))
        return
    if args.memory:
        print(f"one pair, anchor mode, one thread; load average {os.getloadavg()[0]:.1f}")
        print(memory_table())
        return
    if args.one:
        print(json.dumps(one(args.one[0], args.one[1], int(args.one[2]))))
        return
    rows = []
    first = args.sets[0]
    for size in args.sets:
        for method in ["gcups"] + METHODS:
            if method in args.skip or (method == "mafft-auto" and size not in MAFFT_SETS):
                continue
            if method in ("parasail-nw", "gcups") and size != first:
                continue  # the slowest baseline and the throughput figure: one set is enough
            seeds = args.seeds[:1] if method == "gcups" else args.seeds
            timeout = args.mafft_timeout if method == "mafft-auto" else args.timeout
            runs = [run_one_process(method, size, seed, timeout) for seed in seeds]
            for r in runs:
                print(json.dumps({k: v for k, v in r.items() if k != "scores"}), file=sys.stderr, flush=True)
            rows.append(mean_over_seeds(runs) if method != "gcups" else runs[0])
        # band, anchors and full DP: same optimum for how many pairs? (the first seed's story)
        by = {r["method"]: r for r in rows if r["size"] == size and "scores" in r}
        for unit in ("codon", "nt"):
            full = by.get(f"{unit}-full")
            for mode in ("auto", "anchor"):
                other = by.get(f"{unit}-{mode}")
                if other and full:
                    same = sum(x == y for x, y in zip(other["scores"], full["scores"]))
                    other["agree"] = f"same score as full DP: {same}/{len(full['scores'])} pairs"
        ps, nt = by.get("parasail-nw"), by.get("nt-full")
        if ps and nt:
            same = sum(x == y for x, y in zip(ps["scores"], nt["scores"]))
            ps["agree"] = f"same score as nt-full: {same}/{len(nt['scores'])} pairs"
    print(f"machine: {os.cpu_count()} cores, load average at end {os.getloadavg()[0]:.1f}; "
          f"threads {THREADS}; seeds {' '.join(map(str, args.seeds))}; kNT = mean thousands of nt per article")
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()

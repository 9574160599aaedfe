"""Benchmark: the command line as whole processes, from start-up to long-form stories.

Usage::

    python bench/startup.py                      # every section, 5 timed runs each (medians)
    python bench/startup.py --runs 3 --sections commands cache
    python bench/startup.py --noml .venv-noml    # the second venv (made when missing, see below)

Every figure is a whole process started the way a user starts it (``.venv/bin/phylo ...``),
timed from outside over ``--runs`` runs after one warm-up; medians are quoted, with the
load average before and after (the machine may be shared: compare ratios within a run).

Sections:

``commands``
    Each subcommand on small inputs (``--version``, ``--help``, ``encode``, ``decode``,
    ``extract``, ``align``, ``tree``, ``compare``, ``monitor --help``), in the project venv
    (``ml`` extra installed: torch is importable) and in a second venv without the ``ml``
    extra; plus which heavy packages each process loaded (torch, skbio, numba, matplotlib).
    The second venv is ``--noml`` (default ``.venv-noml``); when missing it is made with
    ``python -m venv`` and ``pip install -c constraints.txt -e .`` (no extras), which
    needs the package index once.
``cache``
    numba's own diagnostics (``NUMBA_DEBUG_CACHE=1``): each command that aligns runs twice;
    the second run must load every kernel from the cache and compile nothing (no "data
    saved" line).
``bundled``
    ``phylo run fixtures/harbor-bridge/urls.txt`` end to end, each run into a fresh folder
    (a warm-up run first, so the figures are second runs: numba's cache filled).
``mafft``
    ``phylo align`` against ``mafft --auto`` on the same 15 encoded articles of ~8k nt and of
    ~32k nt (``phylo.sim.story``, profile ``light``), run in turn (A B A B), the ratio per pair.
``longform``
    ``phylo run`` on a simulated long-form story of 15 articles (``longform=True``: a root of
    40-60k characters, copies excerpts of 2-20k or nearly whole) and on a normal story, as
    pages through extraction: seconds, and the share of articles whose inferred source
    (``lineage.tsv``) is the true parent (also counting a verbatim twin of it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

STORY = ROOT / "fixtures" / "harbor-bridge"
HEAVY = ("torch", "skbio", "numba", "matplotlib", "scipy")
SECTIONS = ("commands", "cache", "bundled", "mafft", "longform")


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def timed(cmd: list[str], runs: int, env: dict | None = None, fresh: Path | None = None) -> dict:
    """Median and range of ``runs`` whole-process runs after one warm-up. With ``fresh``,
    every run gets its own new folder: ``{out}`` in ``cmd`` is replaced by it."""
    walls, codes = [], set()
    for k in range(runs + 1):
        args = cmd
        if fresh is not None:
            args = [a.replace("{out}", str(fresh / f"run{k}")) for a in cmd]
        start = time.perf_counter()
        proc = subprocess.run(args, capture_output=True, env=env, cwd=ROOT)
        wall = time.perf_counter() - start
        codes.add(proc.returncode)
        if proc.returncode != 0:
            return {"error": proc.stderr.decode(errors="replace").strip().splitlines()[-1:]}
        if k:  # the first run is the warm-up
            walls.append(wall)
    return {"median_s": statistics.median(walls), "min_s": min(walls), "max_s": max(walls), "runs": runs}


def loaded_modules(python: str, args: list[str], env: dict | None = None) -> list[str]:
    """Which of HEAVY a ``phylo ARGS`` process has imported by the time it exits."""
    code = ("import sys, atexit\n"
            f"atexit.register(lambda: print('LOADED', ' '.join(m for m in {HEAVY!r} if m in sys.modules), "
            "file=sys.stderr))\n"
            f"sys.argv = ['phylo', *{args!r}]\n"
            "from phylo.cli.main import main\n"
            "sys.exit(main())\n")
    proc = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("LOADED")]
    return line[-1].split()[1:] if line else ["?"]


def make_noml(venv: Path) -> Path:
    """A venv with phylo and its base dependencies only (no ml extra: no torch)."""
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"making {venv} (phylo without extras)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-c", str(ROOT / "constraints.txt"), "-e",
                        str(ROOT)], check=True)
    has_torch = subprocess.run([str(python), "-c", "import torch"], capture_output=True).returncode == 0
    if has_torch:
        raise SystemExit(f"{venv} has torch installed; give a venv without the ml extra")
    return venv


def inputs(tmp: Path) -> dict[str, Path]:
    """Small inputs for the subcommands: an article, its FASTA, the bundled story's sequences."""
    from phylo.align.encoding import encode
    from phylo.sim.story import simulate_story, story_texts

    texts, _ = story_texts(simulate_story(15, seed=2))
    (tmp / "article.txt").write_text(next(iter(texts.values())), encoding="utf-8")
    (tmp / "article.fasta").write_text(f">a\n{encode(next(iter(texts.values())))}\n")
    (tmp / "story.fasta").write_text("".join(f">{k}\n{encode(v)}\n" for k, v in texts.items()))
    (tmp / "a.nwk").write_text("((a:1,b:1):1,(c:1,d:1):1);\n")
    (tmp / "b.nwk").write_text("((a:1,c:1):1,(b:1,d:1):1);\n")
    return {name: tmp / name for name in ("article.txt", "article.fasta", "story.fasta", "a.nwk", "b.nwk")}


def commands(files: dict[str, Path], tmp: Path) -> dict[str, list[str]]:
    return {
        "--version": ["--version"],
        "--help": ["--help"],
        "run --help": ["run", "--help"],
        "encode": ["encode", str(files["article.txt"])],
        "decode": ["decode", str(files["article.fasta"])],
        "extract": ["extract", str(STORY / "pages" / "npa-wire.html")],
        "align": ["align", str(files["story.fasta"]), "--out", str(tmp / "aligned")],
        "tree": ["tree", str(tmp / "aligned" / "distances.tsv")],
        "compare": ["compare", str(files["a.nwk"]), str(files["b.nwk"])],
        "monitor --help": ["monitor", "--help"],
    }


def section_commands(args, tmp: Path) -> list[str]:
    files = inputs(tmp)
    cmds = commands(files, tmp)
    venvs = {"ml": ROOT / ".venv"}
    if args.noml:
        venvs["no ml"] = make_noml(Path(args.noml).resolve())
    lines = [f"commands, whole processes, median of {args.runs} (load {load()})",
             f"{'command':<16}" + "".join(f"{name + ' s':>10}{'loaded':>30}" for name in venvs)]
    for label, cmd in cmds.items():
        row = f"{label:<16}"
        for venv in venvs.values():
            r = timed([str(venv / "bin" / "phylo"), *cmd], args.runs)
            mods = ",".join(loaded_modules(str(venv / "bin" / "python"), cmd)) or "-"
            if "median_s" in r:
                row += f"{r['median_s']:>10.3f}{mods:>30}"
            else:
                row += f"{'error':>10}{str(r['error'])[:29]:>30}"
        lines.append(row)
    lines.append(f"(load after: {load()})")
    return lines


def section_cache(args, tmp: Path) -> list[str]:
    files = inputs(tmp)
    phylo = str(ROOT / ".venv" / "bin" / "phylo")
    env = dict(os.environ, NUMBA_DEBUG_CACHE="1")
    runs = {
        "align (anchor)": ["align", str(files["story.fasta"]), "--out", str(tmp / "c1")],
        "align --mode full": ["align", str(files["story.fasta"]), "--mode", "full", "--out", str(tmp / "c2")],
        "align --mode auto --unit nt": ["align", str(files["story.fasta"]), "--mode", "auto", "--unit", "nt",
                                        "--out", str(tmp / "c3")],
        "run (bundled story)": ["run", str(STORY / "urls.txt"), "--out", "{out}", "--no-progress"],
        "run --stories": ["run", str(STORY / "urls.txt"), "--stories", "--out", "{out}", "--no-progress"],
    }
    lines = ["numba cache (NUMBA_DEBUG_CACHE=1): kernels compiled on the first and on the second run"]
    for n, (label, cmd) in enumerate(runs.items()):
        saved = []
        for k in range(2):  # each run into a new folder: a rerun into the same one would resume, aligning nothing
            args = [a.replace("{out}", str(tmp / f"run{n}-{k}")) for a in cmd]
            proc = subprocess.run([phylo, *args], capture_output=True, text=True, env=env, cwd=ROOT)
            out = proc.stdout + proc.stderr
            saved.append(sum("data saved" in line for line in out.splitlines()))
            loads = sum("data loaded" in line for line in out.splitlines())
        lines.append(f"  {label:<30} first run {saved[0]} compiled; second run {saved[1]} compiled, {loads} loaded")
    return lines


def section_bundled(args, tmp: Path) -> list[str]:
    phylo = str(ROOT / ".venv" / "bin" / "phylo")
    r = timed([phylo, "run", str(STORY / "urls.txt"), "--out", "{out}", "--no-progress"], args.runs, fresh=tmp)
    return [f"phylo run fixtures/harbor-bridge/urls.txt, fresh folder each run (load {load()}): "
            f"median {r.get('median_s', float('nan')):.2f} s (min {r.get('min_s', float('nan')):.2f}, "
            f"max {r.get('max_s', float('nan')):.2f}, {args.runs} runs after a warm-up) {r.get('error', '')}"]


def section_mafft(args, tmp: Path) -> list[str]:
    from phylo.align.encoding import encode
    from phylo.sim.story import simulate_story, story_texts

    phylo = str(ROOT / ".venv" / "bin" / "phylo")
    lines = [f"phylo align vs mafft --auto, the same 15 articles, in turn, {args.mafft_runs} pairs (load {load()})"]
    for paragraphs in (9, 40):  # about 7.5k and 32k nt per article
        texts, _ = story_texts(simulate_story(15, seed=1, paragraphs=paragraphs, profile="light"))
        fasta = tmp / f"p{paragraphs}.fasta"
        fasta.write_text("".join(f">{k}\n{encode(v)}\n" for k, v in texts.items()))
        mean_nt = statistics.mean(len(encode(v)) for v in texts.values())
        ours, theirs = [], []
        subprocess.run([phylo, "align", str(fasta), "--out", str(tmp / "warm")], check=True, capture_output=True)
        for k in range(args.mafft_runs):
            start = time.perf_counter()
            subprocess.run([phylo, "align", str(fasta), "--out", str(tmp / f"o{k}")], check=True, capture_output=True)
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            with open(tmp / f"m{k}.fasta", "w") as out:
                subprocess.run(["mafft", "--auto", "--thread", str(os.cpu_count() or 1), str(fasta)], check=True,
                               stdout=out, stderr=subprocess.DEVNULL)
            theirs.append(time.perf_counter() - start)
        ratios = [m / o for m, o in zip(theirs, ours)]
        lines.append(f"  15 x {mean_nt / 1000:.1f}k nt: phylo align median {statistics.median(ours):.2f} s, "
                     f"mafft --auto median {statistics.median(theirs):.2f} s, ratio median "
                     f"{statistics.median(ratios):.1f}x (range {min(ratios):.1f}-{max(ratios):.1f}x)")
    lines.append(f"(load after: {load()})")
    return lines


def story_run(story: dict, folder: Path) -> dict:
    """phylo run on a simulated story's pages: seconds and source accuracy against its truth."""
    from fixture_story import truth_by_label
    from phylo.engine.files import read_tsv
    from phylo.sim.scores import source_accuracy, source_accuracy_up_to_copies
    from phylo.sim.story import write_story

    urls = write_story(story, folder)
    out = folder / "out"
    start = time.perf_counter()
    proc = subprocess.run([str(ROOT / ".venv" / "bin" / "phylo"), "run", str(urls), "--out", str(out),
                           "--no-progress"], capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1:]}
    truth = {label: t["parent"] for label, t in truth_by_label(out, folder).items()}  # label -> true parent
    lineage = [{"label": r["label"], "source": r["source"] or None} for r in read_tsv(out / "lineage.tsv")]
    table = {r["label"]: r for r in read_tsv(out / "articles.tsv") if r["label"]}
    by_entry = {f"pages/{a['id']}.html": a["text"] for a in story["articles"]}
    texts = {label: by_entry.get(r["url"]) for label, r in table.items()}  # the true texts, for twins
    chars = [int(r["chars"]) for r in table.values()]
    return {"wall_s": wall, "source": source_accuracy(lineage, truth),
            "source~": source_accuracy_up_to_copies(lineage, truth, texts), "articles": len(table),
            "longest": max(chars), "shortest": min(chars)}


def section_longform(args, tmp: Path) -> list[str]:
    from phylo.sim.story import simulate_story

    lines = [f"phylo run on simulated stories of 15 articles, pages through extraction (load {load()})"]
    for name, kwargs in (("long-form", {"longform": True}), ("normal", {})):
        rows = [story_run(simulate_story(15, seed=seed, **kwargs), tmp / f"{name}-{seed}") for seed in args.seeds]
        ok = [r for r in rows if "error" not in r]
        if not ok:
            lines.append(f"  {name}: {rows[0]}")
            continue
        lines.append(f"  {name:<9} seeds {' '.join(map(str, args.seeds))}: wall median "
                     f"{statistics.median(r['wall_s'] for r in ok):.2f} s (max {max(r['wall_s'] for r in ok):.2f}); "
                     f"source {statistics.mean(r['source'] for r in ok):.3f}, "
                     f"source~ {statistics.mean(r['source~'] for r in ok):.3f}; articles of "
                     f"{min(r['shortest'] for r in ok)}-{max(r['longest'] for r in ok)} characters")
    lines.append(f"(load after: {load()})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure (after one warm-up)")
    parser.add_argument("--mafft-runs", type=int, default=3, help="phylo align / mafft pairs per set")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3], help="simulated stories (longform)")
    parser.add_argument("--noml", default=".venv-noml", help="a venv without the ml extra ('' to skip it)")
    parser.add_argument("--json", help="also write the lines here")
    args = parser.parse_args()
    out = [f"machine: {os.cpu_count()} cores; {time.strftime('%Y-%m-%d %H:%M')}"]
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.sections:
            folder = Path(tmp) / name
            folder.mkdir()
            lines = globals()[f"section_{name}"](args, folder)
            print("\n".join(lines), flush=True)
            out += lines
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()

"""Time the mlp study's default grid from a cold store.

    python bench/mlp.py                       # the default study (presets + ablation)
    python bench/mlp.py --set study.ablation=false   # only the 3 x 4 x 3 x 5 preset grid
    python bench/mlp.py --keep OUT            # keep the output folder (e.g. for docs/mlp.md)

Runs ``phylo run --pipeline mlp`` in a subprocess, the way a user would, with a fresh
store, and prints the wall time, the per-stage timings from run.json and the mean time
per trained item. The budget the defaults are chosen for: under 15 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUDGET_S = 15 * 60


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config", nargs="?", help="a TOML config (default: the built-in defaults)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--keep", metavar="OUT", help="write outputs here instead of a temporary folder")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.keep or Path(tmp) / "out")
        command = [sys.executable, "-m", "phylo", "run", "--pipeline", "mlp", "--out", str(out), "--force",
                   "--store", str(Path(tmp) / "store"), "--workers", str(args.workers), "--no-progress"]
        command += [args.config] if args.config else []
        for item in args.set:
            command += ["--set", item]
        print("$", " ".join(command), file=sys.stderr)
        started = time.perf_counter()
        done = subprocess.run(command, cwd=Path(__file__).resolve().parent.parent)
        wall = time.perf_counter() - started
        record = json.loads((out / "run.json").read_text())

    timings = record["timings"]
    runs = timings.get("runs", {})
    print(f"\nwall time: {wall:.1f} s ({wall / 60:.1f} min; budget {BUDGET_S / 60:.0f} min) "
          f"on {os.cpu_count()} cores, {args.workers} workers, exit {done.returncode}")
    for name, t in timings.items():
        print(f"  {name:10s} {t['seconds']:9.1f} s  {t['items']} item(s)")
    if runs.get("computed"):
        per_item = runs["seconds"] * args.workers / runs["computed"]
        print(f"  {per_item:.2f} core-seconds per trained item ({runs['computed']} items)")
    return done.returncode or (1 if wall > BUDGET_S else 0)


if __name__ == "__main__":
    raise SystemExit(main())

"""Fit the lineage confidence (phylo/trees/lineage_calibration.json) on simulated stories.

    python bench/calibrate_lineage.py [--first 1001] [--stories 240] [--jobs 1]

Each seed is a story of mixed shapes (phylo.sim.story.coverage_story: missing originals,
independent reports, merges, related subjects, boilerplate, undated articles), run through
the real stages (bench/simulated.py). Every answer of phylo.trees.lineage.infer_lineage is
scored right or wrong against the truth (phylo.sim.scores.lineage_right) and one logistic
model per verdict is fitted on the measures behind it (phylo.trees.calibration). The seeds
start at 1001 so they never meet bench/accuracy.py's (1 and up): the calibration is judged
on stories it was not fitted on.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulated import run_story  # noqa: E402

from phylo.sim.scores import lineage_right  # noqa: E402
from phylo.sim.story import coverage_story  # noqa: E402
from phylo.trees import calibration  # noqa: E402
from phylo.trees.lineage import infer_lineage  # noqa: E402


def answers(seed: int) -> list[tuple[str, list[float], bool]]:
    """(verdict, features, right) for every article of one simulated story."""
    run = run_story(coverage_story(seed))
    rows, facts = infer_lineage(run["labels"], run["texts"], run["dates"], identity=run["identity"],
                                sites=run["sites"])
    return [(r["verdict"], calibration.feature_vector(r["verdict"], f), lineage_right(r, run["truth"][r["label"]], run["plain"]))
            for r, f in zip(rows, facts)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--first", type=int, default=1001, help="first seed (keep clear of bench/accuracy.py's)")
    ap.add_argument("--stories", type=int, default=240)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--l2", type=float, default=1.0, help="ridge penalty on the standardised coefficients")
    ap.add_argument("--out", default=str(calibration.PARAMETERS))
    args = ap.parse_args()
    seeds = list(range(args.first, args.first + args.stories))
    with ProcessPoolExecutor(args.jobs) as pool:
        results = [a for story in pool.map(answers, seeds) for a in story]
    models, counts = {}, {}
    for verdict in calibration.FEATURES:
        mine = [(x, ok) for v, x, ok in results if v == verdict]
        counts[verdict] = {"answers": len(mine), "right": sum(ok for _, ok in mine)}
        if not mine:
            continue
        if len(mine) >= 20 and 0 < counts[verdict]["right"] < len(mine):
            models[verdict] = calibration.fit([x for x, _ in mine], [ok for _, ok in mine], l2=args.l2)
        else:  # too few answers, or all alike: the share right, smoothed (Laplace), whatever the measures
            share = (counts[verdict]["right"] + 1) / (len(mine) + 2)
            width = len(calibration.FEATURES[verdict])
            models[verdict] = {"mean": [0.0] * width, "scale": [1.0] * width, "coef": [0.0] * width,
                               "intercept": math.log(share / (1 - share))}
        models[verdict]["features"] = calibration.FEATURES[verdict]
        print(f"{verdict:14s} {counts[verdict]['answers']:5d} answers, {counts[verdict]['right']:5d} right", file=sys.stderr)
    record = {"fitted": date.today().isoformat(), "script": "bench/calibrate_lineage.py",
              "seeds": [seeds[0], seeds[-1]], "stories": "phylo.sim.story.coverage_story", "l2": args.l2,
              "answers": counts, "models": models}
    Path(args.out).write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()

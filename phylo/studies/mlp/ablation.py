"""From trained items to the study's tables: per-variant summaries and ablation effects.

An effect is a paired difference: the same (data set, seed, fold) trained two ways, so
the split and the random draws cancel out and only the changed factor remains. Its
interval is a percentile bootstrap over those pairs.
"""

from __future__ import annotations

import numpy as np

from phylo.studies.mlp.factors import FACTORS
from phylo.engine.store import digest

BOOTSTRAP = 2000  # resamples; the interval's ends move by well under 0.5 points between seeds


def index_runs(runs: list) -> dict:
    """``{(factors key, dataset): {(seed, fold): run}}``, skipping failed items."""
    out: dict = {}
    for run in runs:
        if isinstance(run, dict):
            out.setdefault((digest(run["factors"]), run["dataset"]), {})[(run["seed"], run["fold"])] = run
    return out


def summarize(variants: list[dict], runs: list, study: dict) -> dict:
    """The summary rows (one per data set x variant) and, with the ablation, its rows:
    per data set (and ``all`` pooled) and factor, the mean effect on validation accuracy
    of knocking the factor out of ``study["best"]`` and of rescuing it into ``study["worst"]``.
    """
    datasets = study["datasets"]
    index = index_runs(runs)

    def runs_of(variant, dataset):
        return index.get((digest(variant["factors"]), dataset), {})

    summary = []
    for dataset in datasets:
        for v in variants:
            found = list(runs_of(v, dataset).values())
            if not found:
                continue
            val = np.array([r["val_acc"] for r in found])
            summary.append({
                "dataset": dataset, "variant": v["name"], "kind": v["kind"], "factor": v["factor"] or "",
                **{f: v["factors"][f] for f in FACTORS},
                "n": len(found), "val_mean": val.mean(), "val_sd": val.std(ddof=1) if len(val) > 1 else 0.0,
                "val_min": val.min(), "val_max": val.max(),
                "train_mean": float(np.mean([r["train_acc"] for r in found])),
                "rows_trained": float(np.mean([r["rows_trained"] / r["rows_total"] for r in found])),
            })

    by_name = {v["name"]: v for v in variants}
    ablation = []
    knockouts = [v for v in variants if v["kind"] == "knockout"]
    if knockouts:
        best, worst = by_name[study["best"]], by_name[study["worst"]]
        pooled = ["all"] if len(datasets) > 1 else []
        for dataset in [*datasets, *pooled]:
            names = datasets if dataset == "all" else [dataset]

            def pair(a, b):
                return paired_differences([runs_of(a, d) for d in names], [runs_of(b, d) for d in names])

            gap = pair(worst, best)  # every factor knocked out at once
            ablation.append(_effect_row(dataset, "(all together)", best["name"], worst["name"], gap, -gap))
            for k in knockouts:
                f = k["factor"]
                ablation.append(_effect_row(dataset, f, best["factors"][f], worst["factors"][f],
                                            pair(k, best), pair(by_name[f"rescue:{f}"], worst)))
    return {"summary": summary, "ablation": ablation}


def paired_differences(a: list[dict], b: list[dict]) -> np.ndarray:
    """Validation accuracy of ``a`` minus ``b`` for each (data set, seed, fold) both have."""
    out = []
    for runs_a, runs_b in zip(a, b):
        out += [runs_a[k]["val_acc"] - runs_b[k]["val_acc"] for k in sorted(runs_a) if k in runs_b]
    return np.asarray(out, dtype=np.float64)


def bootstrap_interval(diffs: np.ndarray, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``diffs`` (NaN when there are none)."""
    if len(diffs) == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = diffs[rng.integers(0, len(diffs), size=(BOOTSTRAP, len(diffs)))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def _effect_row(dataset, factor, best_value, worst_value, knockout: np.ndarray, rescue: np.ndarray) -> dict:
    """Knock-out effect (best -> factor at its worst value) and rescue effect (the reverse)."""
    k_low, k_high = bootstrap_interval(knockout)
    r_low, r_high = bootstrap_interval(rescue)
    mean = lambda d: float(d.mean()) if len(d) else float("nan")  # noqa: E731
    return {"dataset": dataset, "factor": factor, "best_value": best_value, "worst_value": worst_value,
            "n": len(knockout), "knockout": mean(knockout), "knockout_low": k_low, "knockout_high": k_high,
            "rescue": mean(rescue), "rescue_low": r_low, "rescue_high": r_high}

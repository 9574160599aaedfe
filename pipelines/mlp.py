"""The mlp pipeline: the "Study in Red Herrings" knockout/rescue study (see docs/mlp.md).

config -> variants (the four original scripts + ablation) -> one item per (data set,
variant, seed, fold) -> train each item (fanned out, each stored as it finishes) ->
summary and ablation statistics -> figures and tables in the output folder.
The library is ``phylo.studies.mlp``; each stage below is a thin adapter over it.
"""

from __future__ import annotations

from pathlib import Path

from phylo.engine.runner import Stage


def make_variants(study: dict, train: dict, presets: dict) -> list[dict]:
    from phylo.studies.mlp.factors import make_variants as make

    return make(study, train, presets)


def make_items(variants: list[dict], study: dict) -> list[dict]:
    """One training item per (data set, distinct factor set, seed, fold).

    Items carry no variant name: two variants with the same factors train once, and
    renaming a variant retrains nothing.
    """
    from phylo.engine.store import digest

    items, seen = [], set()
    for dataset in study["datasets"]:
        for v in variants:
            for seed in study["seeds"]:
                for fold in range(study["folds"]):
                    item = {"dataset": dataset, "seed": seed, "folds": study["folds"], "fold": fold,
                            "factors": v["factors"]}
                    key = digest(item)
                    if key not in seen:
                        seen.add(key)
                        items.append(item)
    return items


def train_item(item: dict, device: str) -> dict:
    from phylo.studies.mlp.train import train_item as train

    return train(item, device)


def summarize(variants: list[dict], runs: list, study: dict) -> dict:
    from phylo.studies.mlp.ablation import summarize as summarize_runs

    return summarize_runs(variants, runs, study)


def write_outputs(out_dir: str, tensorboard: str | None, variants: list[dict], runs: list, summary: dict,
                  study: dict) -> dict:
    from phylo.studies.mlp import report

    out = Path(out_dir)
    files = report.write_tables(out, summary) + report.write_figures(out, variants, runs, study["datasets"])
    events = report.write_tensorboard(tensorboard, variants, runs, study["datasets"]) if tensorboard else 0
    return {"files": files, "tensorboard_runs": events}


STAGES = [
    Stage("variants", make_variants, params=("study", "train", "presets"), persist=False),
    Stage("items", make_items, inputs=("variants",), params=("study",), persist=False),
    Stage("runs", train_item, params=("device",), inputs=("items",), map="items"),
    Stage("summary", summarize, inputs=("variants", "runs"), params=("study",)),
    Stage("outputs", write_outputs, inputs=("out_dir", "tensorboard", "variants", "runs", "summary"),
          params=("study",), persist=False),
]

PACKAGES = ["numpy", "torch", "scikit-learn", "skorch", "matplotlib"]


def register(parser) -> None:
    """The mlp study reads a TOML config (INPUT) and ``--set``; it shares ``--device``/``--tensorboard``."""
    from pipelines.options import add_study_options

    add_study_options(parser)


def main(args) -> int:
    import sys

    from phylo.engine.config import load_config
    from phylo.engine.executors import make_executor
    from phylo.engine.runner import run_pipeline
    from phylo.studies.devices import resolve_device
    from phylo.studies.mlp.factors import DEFAULTS, check_config

    config = load_config(DEFAULTS, args.input, args.set)
    check_config(config)
    params = {**config, "device": resolve_device(args.device)}
    out = Path(args.out)
    inputs = {"tensorboard": str(Path(args.tensorboard).resolve()) if args.tensorboard else None}
    result = run_pipeline("mlp", STAGES, inputs, params, out, store_dir=args.store,
                          executor=make_executor(args.executor, args.workers, args.scheduler), force=args.force,
                          progress=False if args.no_progress else None, packages=PACKAGES)
    failures = result.failures.get("runs", [])
    for failure in failures:
        print(f"item {failure['item']} failed: {failure['status']}: {failure['message']}", file=sys.stderr)
    from phylo.studies.mlp.report import ablation_markdown, summary_markdown

    tables = result.values["summary"]
    ablation = [r for r in tables["ablation"] if r["dataset"] == "all"] or tables["ablation"]  # pooled if any
    print(ablation_markdown(ablation) if ablation else summary_markdown(tables["summary"]))
    runs = result.timings["runs"]
    print(f"{runs['items']} items ({runs['cached']} from the store, {runs['failed']} failed); outputs in {out}/",
          file=sys.stderr)
    return 1 if failures else 0

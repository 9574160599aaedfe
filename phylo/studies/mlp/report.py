"""The study's output files: accuracy curves, summary and ablation tables, TensorBoard events.

Every file is written whole or not at all (``atomic_write`` and a rename for images).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from phylo.studies.mlp.ablation import index_runs
from phylo.studies.mlp.factors import FACTORS
from phylo.engine.files import atomic_path, atomic_write
from phylo.engine.store import digest

SUMMARY_COLUMNS = ["dataset", "variant", "kind", "factor", *FACTORS, "n", "val_mean", "val_sd", "val_min",
                   "val_max", "train_mean", "rows_trained"]
ABLATION_COLUMNS = ["dataset", "factor", "best_value", "worst_value", "n", "knockout", "knockout_low",
                    "knockout_high", "rescue", "rescue_low", "rescue_high"]


def csv_text(rows: list[dict], columns: list[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: f"{v:.4f}" if isinstance(v, float) else v for k, v in row.items()})
    return buf.getvalue()


def markdown_table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def pct(x: float) -> str:
    return f"{100 * x:.1f}"


def summary_markdown(rows: list[dict]) -> str:
    """Final validation accuracy (%) per data set x variant: mean ± sd over seeds x folds."""
    body = [[r["dataset"], r["variant"], r["model"], r["path"],
             f"{pct(r['val_mean'])} ± {pct(r['val_sd'])}", f"{pct(r['val_min'])}–{pct(r['val_max'])}",
             pct(r["train_mean"]), f"{100 * r['rows_trained']:.0f}%", r["n"]] for r in rows]
    return markdown_table(["dataset", "variant", "model", "path", "val acc % (mean ± sd)", "val range",
                           "train acc %", "rows trained on", "n"], body)


def ablation_markdown(rows: list[dict]) -> str:
    """Effects in percentage points of validation accuracy, with 95% bootstrap intervals."""
    def effect(r, key):
        return f"{100 * r[key]:+.1f} [{100 * r[key + '_low']:+.1f}, {100 * r[key + '_high']:+.1f}]"

    body = [[r["dataset"], r["factor"], f"{r['best_value']} → {r['worst_value']}", effect(r, "knockout"),
             effect(r, "rescue"), r["n"]] for r in rows]
    return markdown_table(["dataset", "factor", "best → worst value", "knock out of best (pp) [95% CI]",
                           "rescue into worst (pp) [95% CI]", "pairs"], body)


def write_tables(out: Path, summary: dict) -> list[str]:
    atomic_write(out / "summary.csv", csv_text(summary["summary"], SUMMARY_COLUMNS))
    atomic_write(out / "summary.md", summary_markdown(summary["summary"]))
    written = ["summary.csv", "summary.md"]
    if summary["ablation"]:
        atomic_write(out / "ablation.csv", csv_text(summary["ablation"], ABLATION_COLUMNS))
        atomic_write(out / "ablation.md", ablation_markdown(summary["ablation"]))
        written += ["ablation.csv", "ablation.md"]
    return written


def save_figure(fig, path: Path) -> None:
    """``fig.savefig`` through ``atomic_path``: readers never see half a PNG."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100, bbox_inches="tight")


def plot_curves(runs: list[dict], title: str, path: Path) -> None:
    """Training and validation accuracy against updates, one line per seed and fold,
    one colour per seed (the layout of the study's figures)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    seeds = sorted({r["seed"] for r in runs})
    colours = dict(zip(seeds, plt.rcParams["axes.prop_cycle"].by_key()["color"] * 10))
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
    for run in sorted(runs, key=lambda r: (r["seed"], r["fold"])):
        curve = run["curve"]
        for ax, column in zip(axes, (1, 2)):
            label = f"seed {run['seed']}" if run["fold"] == 0 else None
            ax.plot(curve[:, 0], curve[:, column], color=colours[run["seed"]], lw=0.9, alpha=0.7, label=label)
    for ax, name in zip(axes, ("training", "validation")):
        ax.set_title(f"{name} accuracy")
        ax.set_xlabel("updates")
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("accuracy")
    axes[1].legend(loc="lower right", fontsize=8)
    fig.suptitle(title, y=1.02)
    try:
        save_figure(fig, path)
    finally:
        plt.close(fig)


def write_figures(out: Path, variants: list[dict], runs: list, datasets: list[str]) -> list[str]:
    """``curves_<dataset>_<model>_<path>.png`` for each preset (the original four scripts)."""
    index = index_runs(runs)
    written = []
    for dataset in datasets:
        for v in (v for v in variants if v["kind"] == "preset"):
            found = list(index.get((digest(v["factors"]), dataset), {}).values())
            if not found:
                continue
            f = v["factors"]
            name = f"curves_{dataset}_{f['model']}_{f['path']}.png"
            title = f"{dataset}: {f['model']} + {f['path']} (preset {v['name']}, {len(found)} runs)"
            plot_curves(found, title, out / name)
            written.append(name)
    return written


def write_tensorboard(log_dir: str | Path, variants: list[dict], runs: list, datasets: list[str]) -> int:
    """One TensorBoard run per (data set, variant, seed, fold), under ``log_dir/dataset/variant/``.

    Written from the stored curves, so a rerun that trains nothing still writes them.
    """
    from phylo.errors import InputError

    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as exc:
        raise InputError(f"TensorBoard event files need the tensorboard package: pip install tensorboard ({exc})",
                         setting="tensorboard")
    index = index_runs(runs)
    count = 0
    for dataset in datasets:
        for v in variants:
            for (seed, fold), run in sorted(index.get((digest(v["factors"]), dataset), {}).items()):
                folder = Path(log_dir) / dataset / v["name"].replace(":", "-") / f"seed{seed}_fold{fold}"
                for old in folder.glob("events.out.tfevents.*"):
                    old.unlink()  # a rerun replaces the run's events instead of adding a copy
                writer = SummaryWriter(log_dir=str(folder))
                try:
                    for updates, train_acc, val_acc in run["curve"]:
                        writer.add_scalar("accuracy/train", train_acc, int(updates))
                        writer.add_scalar("accuracy/validation", val_acc, int(updates))
                finally:
                    writer.close()
                count += 1
    return count

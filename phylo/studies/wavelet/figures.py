"""The PNG figures of a wavelet run, each written atomically (a temporary file, then a rename).

Figures are drawn on ``matplotlib.figure.Figure`` objects with the Agg canvas: no pyplot
state, no display needed, safe in worker processes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pywt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from phylo.engine.files import atomic_path
from phylo.studies.wavelet.spectra import level_names, mean_interval

COLOURS = {"fcn": "tab:blue", "atrous": "tab:orange", "unet": "tab:green", "unet_noskip": "tab:red"}


def save_figure(fig: Figure, path: str | Path) -> None:
    """Write ``fig`` as PNG so a reader never sees half a file."""
    FigureCanvasAgg(fig)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)


def _plain(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def reconstructions(path, tiles: dict, results: list[dict], count: int = 4) -> None:
    """Rows of test tiles: the original (and its mask), then each model's output beside it."""
    columns = [("original", tiles["images"])]
    if tiles.get("masks") is not None:
        columns.append(("true mask", tiles["masks"]))
    columns += [(r["name"], r["outputs"]) for r in results]
    count = min(count, len(tiles["images"]))
    fig = Figure(figsize=(2.2 * len(columns), 2.2 * count), layout="constrained")
    axes = fig.subplots(count, len(columns), squeeze=False)
    for row in range(count):
        for col, (name, stack) in enumerate(columns):
            ax = axes[row, col]
            ax.imshow(stack[row], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            _plain(ax)
            if row == 0:
                ax.set_title(name)
    save_figure(fig, path)


def first_level(path, reference: dict, results: list[dict], tile: int = 0) -> None:
    """One row per image (reference first): the level-1 approximation and its three detail quadrants.

    Each detail column shares one symmetric colour scale, taken from the reference, so
    detail a model has lost shows up as a flatter (greyer) panel.
    """
    rows = [reference] + results
    parts = [pywt.dwt2(r["outputs"][tile].astype(np.float64), "db1") for r in rows]
    ref_approx, ref_details = parts[0]
    scales = [float(np.abs(d).max()) or 1.0 for d in ref_details]
    titles = ["approximation", "horizontal detail", "vertical detail", "diagonal detail"]
    fig = Figure(figsize=(9, 2.3 * len(rows)), layout="constrained")
    axes = fig.subplots(len(rows), 4, squeeze=False)
    for i, (row, (approx, details)) in enumerate(zip(rows, parts)):
        axes[i, 0].imshow(approx, cmap="gray", vmin=0, vmax=2, interpolation="nearest")  # Haar: 2 x mean
        axes[i, 0].set_ylabel(row["name"])
        for j, (d, s) in enumerate(zip(details, scales), start=1):
            axes[i, j].imshow(d, cmap="gray", vmin=-s, vmax=s, interpolation="nearest")
        for j, ax in enumerate(axes[i]):
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(titles[j])
    save_figure(fig, path)


def power_per_level(path, reference: dict, results: list[dict], levels: int) -> None:
    """Normalised power per level with 95% intervals (top) and each model relative to the reference (bottom)."""
    names = level_names(levels)
    x = np.arange(len(names))
    ref = mean_interval(reference["powers"])
    fig = Figure(figsize=(8, 7), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    top.fill_between(x, ref["low"], ref["high"], color="black", alpha=0.15)
    top.plot(x, ref["mean"], "k--o", label=reference["name"])
    for k, r in enumerate(results):
        stats = mean_interval(r["powers"])
        colour = COLOURS.get(r["name"])
        shift = (k - (len(results) - 1) / 2) * 0.08  # side by side so error bars do not hide each other
        top.errorbar(x + shift, stats["mean"], yerr=[stats["mean"] - stats["low"], stats["high"] - stats["mean"]],
                     fmt="-o", ms=3, capsize=2, color=colour, label=r["name"])
        bottom.plot(x, 100 * stats["mean"] / ref["mean"], "-o", ms=3, color=colour, label=r["name"])
    bottom.axhline(100, color="black", ls="--", lw=1)
    top.set_yscale("log")
    top.set_ylabel("share of total power")
    top.set_title(f"Haar (db1) power per level, mean of {ref['n']} test tiles, 95% intervals")
    top.legend()
    bottom.set_ylabel(f"% of {reference['name']}")
    bottom.set_xticks(x, names)
    bottom.set_xlabel(f"level: d1 finest detail ... d{levels} coarsest detail, a{levels} approximation (mean grey)")
    save_figure(fig, path)


def training_loss(path, trained: list[dict]) -> None:
    """Training loss per step (moving average over 1/50 of the steps), log scale."""
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.subplots()
    for t in trained:
        losses = np.asarray(t["losses"])
        if not len(losses):
            continue
        window = max(1, len(losses) // 50)
        smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
        ax.plot(np.arange(len(smooth)) + window, smooth, color=COLOURS.get(t["name"]), label=t["name"])
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    ax.legend()
    save_figure(fig, path)

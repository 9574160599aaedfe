"""The numbers of a wavelet run as ``wavelet_table.csv`` (full precision) and ``wavelet_table.md``."""

from __future__ import annotations

import csv
import io

import numpy as np

from phylo.engine.files import atomic_write
from phylo.studies.wavelet.spectra import level_names, mean_interval


def table_rows(reference: dict, results: list[dict], trained: dict[str, dict], levels: int) -> list[dict]:
    """One row for the reference, then one per model: scores and mean power per level with intervals.

    ``trained`` maps a model name to its training result (weights, losses, time).
    """
    names = level_names(levels)
    ref = mean_interval(reference["powers"])
    rows = []
    for r in [reference] + results:
        row = {"model": r["name"]}
        t = trained.get(r["name"])
        if t is not None:
            tail = t["losses"][-max(1, len(t["losses"]) // 20):]  # last 5% of the steps
            row |= {"weights": t["spec"]["params"], "steps": len(t["losses"]), "train_seconds": t["seconds"],
                    "final_loss": float(np.mean(tail))}
        for score in ("psnr", "ssim"):
            if score in r:
                s = mean_interval(r[score])
                row |= {score: s["mean"][0], f"{score}_low": s["low"][0], f"{score}_high": s["high"][0]}
        for score in ("dice", "iou"):
            if score in r:
                row[score] = r[score]
        p = mean_interval(r["powers"])
        row["tiles"] = p["n"]
        for i, name in enumerate(names):
            row |= {name: p["mean"][i], f"{name}_low": p["low"][i], f"{name}_high": p["high"][i]}
        row["d1_vs_reference"] = p["mean"][0] / ref["mean"][0] - 1
        rows.append(row)
    return rows


def write_csv(path, rows: list[dict]) -> None:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
    atomic_write(path, buf.getvalue())


def _pct(row: dict, name: str) -> str:
    """A share of power in percent with the half-width of its interval, 3 significant digits.

    "n/a" where a model's outputs were all black (no power to share out).
    """
    mean, half = 100 * row[name], 100 * (row[f"{name}_high"] - row[f"{name}_low"]) / 2
    return "n/a" if np.isnan(mean) else f"{mean:.3g} ± {half:.2g}"


def markdown(rows: list[dict], levels: int) -> str:
    """The table for people: scores, then power per level in % of the total (mean ± 95% half-width)."""
    names = level_names(levels)
    scores = [s for s in ("psnr", "ssim", "dice", "iou") if any(s in r for r in rows)]
    head = ["model", "weights", "train s", *[s.upper() for s in scores], *[f"{n} %" for n in names],
            "d1 vs ref"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r["model"], str(r.get("weights", "")), f"{r['train_seconds']:.0f}" if "train_seconds" in r else ""]
        for s in scores:
            if s not in r:
                cells.append("")
            elif f"{s}_low" in r:
                cells.append(f"{r[s]:.3f} ± {(r[f'{s}_high'] - r[f'{s}_low']) / 2:.2g}")
            else:
                cells.append(f"{r[s]:.3f}")
        cells += [_pct(r, n) for n in names]
        ratio = r["d1_vs_reference"]
        cells.append("n/a" if np.isnan(ratio) else f"{100 * ratio:+.0f}%")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_markdown(path, rows: list[dict], levels: int) -> None:
    atomic_write(path, markdown(rows, levels))

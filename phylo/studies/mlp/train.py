"""One item of the study: train one variant on one fold of one data set, for one seed.

``train_item`` is the function the pipeline's ``runs`` stage maps over; it runs in a
worker process and returns plain data (the accuracy curve and final numbers), never the
model, so results are small to store and quick to reload.
"""

from __future__ import annotations

import os

import numpy as np

def item_seed(seed: int, fold: int) -> int:
    """The seed of the model's initial weights and of the batch order for (seed, fold):
    the same for every variant, so variants are compared on equal draws."""
    return int(np.random.SeedSequence([seed, fold]).generate_state(1)[0])


def prepare(item: dict, device: str, rng: np.random.Generator) -> dict:
    """The fold's rows as tensors on ``device``, scaled as the variant asks.

    The training rows are put in one random order, as the original scripts shuffled the
    data once before splitting it: without this, ``shuffle = false`` would train on rows
    sorted by class (scikit-learn's order), which the originals never did.
    """
    import torch

    from phylo.studies.mlp.data import fold_indices, load_dataset, scale

    X, y = load_dataset(item["dataset"])
    train, val = fold_indices(y, item["seed"], item["folds"], item["fold"])
    train = rng.permutation(train)
    X_train, X_val = scale(X[train], X[val], item["factors"]["scaling"])
    data = {"X_train": X_train, "y_train": y[train], "X_val": X_val, "y_val": y[val],
            # both sets in one, so evaluation is one forward pass (phylo.studies.mlp.scoring)
            "X_all": np.concatenate([X_train, X_val]), "y_all": np.concatenate([y[train], y[val]])}
    data = {k: torch.as_tensor(v, device=device) for k, v in data.items()}
    data["classes"] = int(y.max()) + 1
    return data


def train_item(item: dict, device: str = "cpu") -> dict:
    """Train ``item`` = ``{dataset, seed, folds, fold, factors}``; return its curve and metrics.

    Deterministic given the item: torch and numpy generators are seeded from (seed, fold).
    """
    import torch

    from phylo.studies.mlp.fit import train_fit
    from phylo.studies.mlp.loop import train_loop
    from phylo.studies.mlp.models import build_model
    from phylo.studies.mlp.schedule import batch_schedule

    # One thread: the runner already runs one item per core, and these models are small.
    torch.set_num_threads(1)
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # needed for deterministic cuBLAS
    torch.use_deterministic_algorithms(True, warn_only=True)

    factors = item["factors"]
    seed = item_seed(item["seed"], item["fold"])
    rng = np.random.default_rng(seed)
    data = prepare(item, device, rng)
    torch.manual_seed(seed)
    model = build_model(factors, data["X_train"].shape[1], data["classes"]).to(device)
    schedule = batch_schedule(len(data["y_train"]), factors["batch_size"], factors["steps"],
                              factors["batch_coverage"], factors["shuffle"], rng)
    run_path = {"loop": train_loop, "fit": train_fit}[factors["path"]]
    curve = run_path(model, data, factors, schedule)

    seen = np.unique(np.concatenate([b for epoch in schedule for b in epoch]))
    return {
        "dataset": item["dataset"], "seed": item["seed"], "fold": item["fold"], "factors": factors,
        "curve": np.asarray(curve, dtype=np.float64),  # columns: updates, train acc, val acc
        "train_acc": curve[-1][1], "val_acc": curve[-1][2],
        "rows_trained": len(seen), "rows_total": len(data["y_train"]), "device": device,
    }

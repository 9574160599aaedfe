"""The ``loop`` training path: a hand-written PyTorch loop, like the study's ``train_op.run`` loop.

With ``batch_coverage = "first"`` in the schedule it reproduces the original bug (one batch
per epoch, always the first); with ``"all"`` it is an ordinary mini-batch loop.
"""

from __future__ import annotations

import torch
from torch import nn

from phylo.studies.mlp.scoring import accuracies, make_criterion


def train_loop(model: nn.Module, data: dict, factors: dict, schedule: list) -> list[list[float]]:
    """Train ``model`` in place, one update per batch of ``schedule``.

    ``data`` holds the fold's tensors (see ``phylo.studies.mlp.train.prepare``), already on the
    model's device. Returns the accuracy curve: ``[updates so far, train accuracy, validation
    accuracy]`` after each epoch.
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=factors["learning_rate"],
                                 betas=tuple(factors["betas"]), eps=factors["eps"])
    criterion = make_criterion(factors["loss_on"])
    X, y = data["X_train"], data["y_train"]
    device = X.device
    curve, updates = [], 0
    for batches in schedule:
        model.train()
        for rows in batches:
            rows = torch.as_tensor(rows, device=device)
            optimizer.zero_grad()
            loss = criterion(model(X[rows]), y[rows])
            loss.backward()
            optimizer.step()
            updates += 1
        curve.append([updates, *accuracies(model, data)])
    return curve

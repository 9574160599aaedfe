"""The ``fit`` training path: skorch's ``NeuralNetClassifier.fit``, set up as ``Estimator.fit``.

Why skorch: the study's point was a well-kept library's high-level fit versus a
hand-written loop, and skorch is the maintained scikit-learn-style ``fit`` for PyTorch
(what ``tf.contrib.learn.Estimator.fit`` was for TF 1). It is configured to do what
``Estimator.fit(batch_size=64, steps=N)`` did:

- mini-batches drawn from the shared schedule (``phylo.studies.mlp.schedule``): shuffled, over
  all training rows, for the presets that reproduce Estimator.fit;
- exactly ``steps`` updates: the schedule's last epoch is cut short, and skorch runs as
  many epochs as the schedule has;
- no internal validation split (``train_split=None``); validation accuracy is measured
  on the fold's held-out rows by a callback, after each epoch;
- Adam with the study's learning rate, betas and eps.
"""

from __future__ import annotations

import numpy as np
import torch
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback

from phylo.studies.mlp.scoring import accuracies, make_criterion


class ScheduleSampler(torch.utils.data.Sampler):
    """Hands skorch's DataLoader the rows of one schedule epoch per pass, in order.

    The DataLoader cuts them back into the same batches: every batch but an epoch's
    last is full, so consecutive ``batch_size`` chunks are exactly the schedule's batches.
    """

    def __init__(self, schedule: list):
        self.schedule = schedule
        self.epoch = 0

    def _rows(self, epoch: int) -> list[int]:
        return np.concatenate(self.schedule[epoch]).tolist()

    def __iter__(self):
        rows = self._rows(self.epoch)
        self.epoch += 1
        return iter(rows)

    def __len__(self) -> int:
        return len(self._rows(min(self.epoch, len(self.schedule) - 1)))


class AccuracyCurve(Callback):
    """Records training and validation accuracy in skorch's history after each epoch."""

    def __init__(self, data: dict):
        self.data = data

    def on_epoch_end(self, net, **kwargs):
        train_acc, val_acc = accuracies(net.module_, self.data)
        net.history.record("train_acc", train_acc)
        net.history.record("val_acc", val_acc)


def train_fit(model: torch.nn.Module, data: dict, factors: dict, schedule: list) -> list[list[float]]:
    """Train ``model`` in place with skorch; same arguments and result as ``train_loop``."""
    device = data["X_train"].device
    net = NeuralNetClassifier(
        module=model,  # an instance: skorch keeps our seeded initial weights
        criterion=make_criterion(factors["loss_on"]),
        optimizer=torch.optim.Adam,
        lr=factors["learning_rate"],
        optimizer__betas=tuple(factors["betas"]),
        optimizer__eps=factors["eps"],
        batch_size=factors["batch_size"],
        max_epochs=len(schedule),
        train_split=None,
        iterator_train__sampler=ScheduleSampler(schedule),
        iterator_train__shuffle=False,  # the sampler decides the order
        callbacks=[("accuracy", AccuracyCurve(data))],
        callbacks__print_log=None,
        device=str(device),
        verbose=0,
    )
    net.fit(data["X_train"], data["y_train"])
    updates = np.cumsum([len(epoch["batches"]) for epoch in net.history])
    return [[int(u), float(tr), float(va)]
            for u, tr, va in zip(updates, net.history[:, "train_acc"], net.history[:, "val_acc"])]

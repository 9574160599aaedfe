"""What a model is trained on (the loss) and scored by (accuracy)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class ProbabilitiesAsLogits(nn.Module):
    """Cross-entropy on softmax *probabilities* passed where logits belong.

    Three of the four original scripts fed ``tf.nn.softmax(output)`` to
    ``softmax_cross_entropy_with_logits``, which applies softmax again. The double
    softmax squashes every input into [0, 1], so the loss can never fall far below
    log(n_classes) - 1 and its gradients are small.
    """

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(F.softmax(output, dim=1), target)


def make_criterion(loss_on: str) -> nn.Module:
    """``logits``: the correct cross-entropy; ``probabilities``: the original bug."""
    if loss_on == "logits":
        return nn.CrossEntropyLoss()
    if loss_on == "probabilities":
        return ProbabilitiesAsLogits()
    raise ValueError(f"unknown loss_on {loss_on!r}")


@torch.no_grad()
def accuracies(model: nn.Module, data: dict) -> tuple[float, float]:
    """Training and validation accuracy: the share of rows whose largest output is the
    true class, in evaluation mode (no dropout). One forward pass over both sets, since
    with one update per epoch (the first-batch loop) evaluation costs as much as training."""
    was_training = model.training
    model.eval()
    hits = (model(data["X_all"]).argmax(dim=1) == data["y_all"]).float()
    model.train(was_training)
    n = len(data["y_train"])
    return hits[:n].mean().item(), hits[n:].mean().item()

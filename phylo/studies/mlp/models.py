"""The study's two model abstraction levels, with its initialisation and bias switches.

Both are ``hidden_layers`` ReLU layers of ``units`` units and a linear output layer that
returns logits. ``matmul`` keeps explicit parameter tensors and calls ``torch.matmul``
(the study's ``tf.matmul`` model); ``layers`` stacks ``nn.Linear`` modules (the study's
``tf.layers.dense`` model). Given the same switches and seed they compute the same family
of functions, which is the point: the layer API should not matter.
"""

from __future__ import annotations

import torch
from torch import nn

SCALAR_BIAS = 1e-3  # the matmul scripts' shared bias start value
TRUNCATED_SD = 0.05  # the matmul scripts' weight sd (tf.truncated_normal cuts at 2 sd)


def init_weight(weight: torch.Tensor, init: str) -> torch.Tensor:
    """Fill ``weight`` in place: ``truncated_normal`` (sd 0.05, cut at +-2 sd, as TF did)
    or ``glorot_uniform`` (symmetric in fan-in/fan-out, so the layout does not matter)."""
    with torch.no_grad():
        if init == "truncated_normal":
            return nn.init.trunc_normal_(weight, std=TRUNCATED_SD, a=-2 * TRUNCATED_SD, b=2 * TRUNCATED_SD)
        if init == "glorot_uniform":
            return nn.init.xavier_uniform_(weight)
    raise ValueError(f"unknown init {init!r}")


def make_bias(units: int, bias: str) -> nn.Parameter:
    """``scalar``: one shared number per layer, started at 1e-3 (broadcast over units);
    ``vector``: one per unit, started at zero (tf.layers' default)."""
    if bias == "scalar":
        return nn.Parameter(torch.full((1,), SCALAR_BIAS))
    if bias == "vector":
        return nn.Parameter(torch.zeros(units))
    raise ValueError(f"unknown bias {bias!r}")


def layer_sizes(n_in: int, n_out: int, hidden_layers: int, units: int) -> list[tuple[int, int]]:
    sizes = [n_in] + [units] * hidden_layers + [n_out]
    return list(zip(sizes[:-1], sizes[1:]))


class MatmulMLP(nn.Module):
    """Explicit weight matrices (in x out, as in TF) and ``torch.matmul``."""

    def __init__(self, n_in: int, n_out: int, *, hidden_layers: int = 6, units: int = 64,
                 init: str = "truncated_normal", bias: str = "scalar", dropout: float = 0.0):
        super().__init__()
        pairs = layer_sizes(n_in, n_out, hidden_layers, units)
        self.weights = nn.ParameterList([nn.Parameter(init_weight(torch.empty(a, b), init)) for a, b in pairs])
        self.biases = nn.ParameterList([make_bias(b, bias) for _, b in pairs])
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            x = torch.matmul(x, w) + b
            if i < last:
                x = self.dropout(torch.relu(x))
        return x


class ScalarBias(nn.Module):
    """Adds one learned number to every unit: the shared-scalar bias as a layer."""

    def __init__(self):
        super().__init__()
        self.bias = make_bias(1, "scalar")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.bias


class LayersMLP(nn.Module):
    """An ``nn.Sequential`` of ``nn.Linear`` (+ ``ScalarBias`` for the scalar form), ReLU, Dropout."""

    def __init__(self, n_in: int, n_out: int, *, hidden_layers: int = 6, units: int = 64,
                 init: str = "glorot_uniform", bias: str = "vector", dropout: float = 0.0):
        super().__init__()
        pairs = layer_sizes(n_in, n_out, hidden_layers, units)
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(pairs):
            linear = nn.Linear(a, b, bias=(bias == "vector"))
            init_weight(linear.weight, init)
            if bias == "vector":
                nn.init.zeros_(linear.bias)  # torch's default is uniform; tf.layers starts at zero
            layers.append(linear)
            if bias == "scalar":
                layers.append(ScalarBias())
            if i < len(pairs) - 1:
                layers += [nn.ReLU(), nn.Dropout(dropout)]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


MODELS = {"matmul": MatmulMLP, "layers": LayersMLP}


def build_model(factors: dict, n_in: int, n_out: int) -> nn.Module:
    """The model a variant asks for; draws its weights from torch's global generator."""
    cls = MODELS[factors["model"]]
    return cls(n_in, n_out, hidden_layers=factors["hidden_layers"], units=factors["units"],
               init=factors["init"], bias=factors["bias"], dropout=factors["dropout"])

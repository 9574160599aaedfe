"""The three autoencoders of the study, and sizing them to one weight budget.

fcn          fully convolutional with pooling: the encoder halves the resolution ``depth``
             times, the decoder upsamples back; nothing skips the bottleneck.
atrous       no pooling: 3x3 convolutions at full resolution whose dilation doubles
             (1, 2, 4, 8) and halves again, so the receptive field grows without pooling.
unet         the fcn's shape plus skip connections: each decoder level also reads the
             encoder's features of the same resolution (concatenated).
unet_noskip  the unet with its skip inputs replaced by zeros: the same weights, no skips
             (the study's open question: does the U-Net rely on them?).

Every model ends with a 1x1 convolution to one output channel. ``width`` sets the body's
channels (the coarse knob: one step changes the weight count by about 2/width of it);
``middle``, the channels of the innermost layer (the pooled nets' bottleneck, the atrous
net's most dilated layer), is the fine knob that brings every count within 0.9% of the
budget, so any two models differ by less than 2%.
"""

from __future__ import annotations

import math

import torch
from torch import nn

KINDS = ("fcn", "atrous", "unet", "unet_noskip")


def _conv(cin: int, cout: int, dilation: int = 1) -> nn.Sequential:
    """3x3 convolution keeping the size, then ReLU."""
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=dilation, dilation=dilation), nn.ReLU(inplace=True))


class PooledNet(nn.Module):
    """Encoder-decoder with ``depth`` poolings; the fcn, or with skip channels the unet.

    Level ``i`` of the encoder has ``width * 2**i`` channels, the bottleneck ``middle``
    (about ``width * 2**depth``). With ``skip_channels`` each decoder level takes the encoder's
    features beside the upsampled ones; ``use_skips=False`` feeds zeros there instead.
    """

    def __init__(self, width: int, middle: int, depth: int, skip_channels: bool = False, use_skips: bool = True):
        super().__init__()
        self.skip_channels, self.use_skips = skip_channels, use_skips
        chans = [width * 2**i for i in range(depth)] + [middle]
        self.down = nn.ModuleList()
        cin = 1
        for c in chans[:-1]:
            self.down.append(nn.Sequential(_conv(cin, c), _conv(c, c)))
            cin = c
        self.bottom = nn.Sequential(_conv(chans[-2], chans[-1]), _conv(chans[-1], chans[-1]))
        self.up = nn.ModuleList()
        self.merge = nn.ModuleList()
        for i in reversed(range(depth)):
            c = chans[i]
            self.up.append(nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), _conv(chans[i + 1], c)))
            self.merge.append(nn.Sequential(_conv(2 * c if skip_channels else c, c), _conv(c, c)))
        self.out = nn.Conv2d(width, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
            x = nn.functional.max_pool2d(x, 2)
        x = self.bottom(x)
        for up, merge, skip in zip(self.up, self.merge, reversed(skips)):
            x = up(x)
            if self.skip_channels:
                x = torch.cat([x, skip if self.use_skips else torch.zeros_like(skip)], dim=1)
            x = merge(x)
        return self.out(x)


class AtrousNet(nn.Module):
    """Full-resolution stack of dilated convolutions: 1, 2, .., 2**depth, .., 2, 1.

    The most dilated layer has ``middle`` channels, every other ``width``.
    """

    def __init__(self, width: int, middle: int, depth: int):
        super().__init__()
        layers = [_conv(1, width)]
        layers += [_conv(width, width, 2**k) for k in range(depth)]
        layers += [_conv(width, middle, 2**depth), _conv(middle, width, 2 ** (depth - 1))]
        layers += [_conv(width, width, 2**k) for k in reversed(range(depth - 1))]
        self.body = nn.Sequential(*layers)
        self.out = nn.Conv2d(width, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.body(x))


def build_model(spec: dict) -> nn.Module:
    """The model a spec describes: ``{"kind", "width", "middle", "depth"}`` (see ``size_models``)."""
    kind, width, middle, depth = spec["kind"], spec["width"], spec["middle"], spec["depth"]
    if kind == "fcn":
        return PooledNet(width, middle, depth)
    if kind == "atrous":
        return AtrousNet(width, middle, depth)
    if kind in ("unet", "unet_noskip"):
        return PooledNet(width, middle, depth, skip_channels=True, use_skips=kind == "unet")
    raise ValueError(f"unknown model kind {kind!r}; known: {', '.join(KINDS)}")


def count_params(spec: dict) -> int:
    """Number of trainable weights of the built model, counted on the meta device (no memory used)."""
    with torch.device("meta"):
        model = build_model(spec)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def weights_formula(spec: dict) -> int:
    """The same count as ``count_params``, from the layer shapes: fast enough for ``size_model``'s search.

    A 3x3 conv from ``a`` to ``b`` channels has ``9ab + b`` weights (kernels + biases).
    """
    def conv(a, b, k=3):
        return k * k * a * b + b

    w, m, d = spec["width"], spec["middle"], spec["depth"]
    if spec["kind"] == "atrous":
        return conv(1, w) + (2 * d - 1) * conv(w, w) + conv(w, m) + conv(m, w) + conv(w, 1, k=1)
    skip = 2 if spec["kind"] in ("unet", "unet_noskip") else 1
    chans = [w * 2**i for i in range(d)]
    total = conv(chans[-1], m) + conv(m, m) + conv(w, 1, k=1)  # bottleneck and output
    for i, c in enumerate(chans):
        below = chans[i + 1] if i + 1 < d else m
        total += conv(chans[i - 1] if i else 1, c) + conv(c, c)  # encoder level
        total += conv(below, c) + conv(skip * c, c) + conv(c, c)  # decoder level: upsampling, merging
    return total


def size_model(kind: str, budget: int, depth: int, tolerance: float = 0.009) -> dict:
    """The spec of ``kind`` with about ``budget`` weights.

    For each width the count grows with ``middle``, so a bisection finds the middle
    closest to the budget. Of the specs within ``tolerance``, the one whose ``middle``
    is nearest its natural size (``width * 2**depth`` for the pooled nets, ``width``
    for the atrous net) wins: the shape stays that of the design. Raises ValueError
    when no spec comes within ``tolerance`` of the budget.
    """
    fits = []  # (spec, weight count, natural middle) for every width that can reach the budget
    for width in range(1, 1025):
        base = {"kind": kind, "depth": depth, "width": width}
        natural = width if kind == "atrous" else width * 2**depth
        lo, hi = max(1, natural // 4), 4 * natural
        if weights_formula({**base, "middle": lo}) > budget * (1 + tolerance):
            break  # every wider model is bigger still
        while hi - lo > 1:  # invariant: count(lo) <= budget < count(hi), or hi is the top
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if weights_formula({**base, "middle": mid}) <= budget else (lo, mid)
        middle, n = min(((m, weights_formula({**base, "middle": m})) for m in (lo, hi)),
                        key=lambda mn: abs(mn[1] - budget))
        fits.append(({**base, "middle": middle}, n, natural))
    close = [f for f in fits if abs(f[1] - budget) <= tolerance * budget]
    if not close:  # small budgets: one channel more or less is a big step
        raise ValueError(f"no {kind} model of depth {depth} has {budget} weights within {tolerance:.1%}; "
                         f"try a few percent more (or another depth)")
    spec, _, _ = min(close, key=lambda f: abs(math.log(f[0]["middle"] / f[2])))  # most like the design
    return {"name": kind, **spec, "params": count_params(spec)}


def size_models(kinds: list[str], budget: int, depth: int) -> list[dict]:
    """One spec per kind (in the order given), each within 0.9% of ``budget`` weights.

    So any two models' counts differ by less than 2% (1.009 / 0.991 < 1.02).
    """
    return [size_model(kind, budget, depth) for kind in kinds]

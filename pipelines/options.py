"""Options more than one pipeline takes, declared once on ``phylo run``."""

from __future__ import annotations


def add_study_options(parser) -> None:
    """``--device`` and ``--tensorboard``: the mlp and wavelet studies both train torch models."""
    if any("--device" in action.option_strings for action in parser._actions):
        return  # the other study declared them already
    group = parser.add_argument_group("mlp and wavelet pipelines")
    group.add_argument("--device", default="auto", help="torch device: auto (GPU when present), cpu, cuda")
    group.add_argument("--tensorboard", metavar="DIR", help="also write TensorBoard event files here")

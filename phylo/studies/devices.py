"""Which torch device a study trains on."""

from __future__ import annotations

from phylo.errors import InputError


def resolve_device(name: str) -> str:
    """``auto`` -> ``cuda`` when a GPU is present, else ``cpu``; ``cuda:N`` and ``cpu`` as given.

    Results are keyed by the device, so the name is checked here, before any training.
    """
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cpu":
        return name
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise InputError(f"device {name!r}: no CUDA GPU is visible here; use cpu or auto", setting="device")
        return name
    raise InputError(f"device {name!r}: use auto, cpu or cuda", setting="device")

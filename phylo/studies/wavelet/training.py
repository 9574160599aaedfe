"""Training one model (Adam; MSE as an autoencoder, BCE for masks) with checkpoints.

A checkpoint (weights, optimizer state, step, losses) is written atomically every
``checkpoint_every`` steps and at the end. Training that finds its checkpoint continues
from it; since batch ``s`` is drawn from a generator seeded with ``(seed, s)`` and the
learning rate is constant, a resumed training follows the same path as an uninterrupted
one, and raising ``steps`` later simply trains on from where the last run stopped.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import torch

from phylo.engine.files import atomic_path
from phylo.studies.wavelet.models import build_model
from phylo.studies.wavelet.tiles import sample_batch

log = logging.getLogger(__name__)


def loss_function(mode: str):
    """Reconstruction error for autoencoders, per-pixel cross-entropy for masks (logits)."""
    if mode == "autoencoder":
        return lambda out, x, y: torch.nn.functional.mse_loss(out, x)
    if mode == "segmentation":
        return lambda out, x, y: torch.nn.functional.binary_cross_entropy_with_logits(out, y)
    raise ValueError(f"unknown mode {mode!r}: use autoencoder or segmentation")


def save_checkpoint(path: str | Path, state: dict) -> None:
    """``torch.save`` through ``atomic_path``: a kill never leaves half a checkpoint."""
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def train_model(spec: dict, images: list[np.ndarray], masks: list[np.ndarray] | None, settings: dict,
                checkpoint: str | Path | None = None, device: str = "cpu") -> dict:
    """Train the model ``spec`` describes and return its weights and loss history.

    Parameters
    ----------
    spec : dict
        A model spec from ``models.size_models``.
    images, masks : list of 2-D arrays
        Training slices in [0, 1]; masks (0/1) for ``mode = "segmentation"``, else None.
    settings : dict
        ``mode``, ``tile``, ``steps``, ``batch``, ``lr``, ``seed``, ``checkpoint_every``,
        ``augment``.
    checkpoint : path, optional
        Where to keep the checkpoint; an existing one is continued from.
    device : str
        A torch device name.

    Returns
    -------
    dict
        ``name``, ``spec``, ``state_dict`` (CPU tensors), ``losses`` (one per step),
        ``seconds`` (training time over all sessions), ``resumed_from`` (step or 0).
    """
    torch.manual_seed(settings["seed"])  # the same initial weights on every run
    model = build_model(spec).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings["lr"])
    loss_of = loss_function(settings["mode"])
    step, losses, seconds = 0, [], 0.0

    if checkpoint and Path(checkpoint).exists():
        state = torch.load(checkpoint, map_location=device, weights_only=True)
        if state["step"] <= settings["steps"]:
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            step, losses, seconds = state["step"], list(state["losses"]), state["seconds"]
            log.info("%s: resuming from step %d (%s)", spec["name"], step, checkpoint)
        else:
            log.warning("%s: checkpoint is at step %d, beyond steps=%d; starting again",
                        spec["name"], state["step"], settings["steps"])
    resumed_from = step

    def snapshot():
        save_checkpoint(checkpoint, {"step": step, "model": model.state_dict(),
                                     "optimizer": optimizer.state_dict(), "losses": losses,
                                     "seconds": seconds})

    model.train()
    started = time.perf_counter()
    while step < settings["steps"]:
        rng = np.random.default_rng([settings["seed"], step])
        x, y = sample_batch(images, masks, settings["tile"], settings["batch"], rng, settings["augment"])
        x = torch.from_numpy(x).to(device)
        y = torch.from_numpy(y).to(device) if y is not None else None
        optimizer.zero_grad(set_to_none=True)
        loss = loss_of(model(x), x, y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        step += 1
        if checkpoint and (step % settings["checkpoint_every"] == 0 or step == settings["steps"]):
            seconds += time.perf_counter() - started
            started = time.perf_counter()
            snapshot()
    seconds += time.perf_counter() - started
    return {
        "name": spec["name"],
        "spec": spec,
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "losses": losses,
        "seconds": round(seconds, 2),
        "resumed_from": resumed_from,
    }

"""A trained model's outputs on the test tiles, and every number the report needs about them."""

from __future__ import annotations

import numpy as np
import torch

from phylo.studies.wavelet.metrics import dice_iou, psnr, ssim
from phylo.studies.wavelet.models import build_model
from phylo.studies.wavelet.spectra import powers_of


def load_model(trained: dict, device: str = "cpu") -> torch.nn.Module:
    """The model of a ``training.train_model`` result, with its weights, in eval mode."""
    model = build_model(trained["spec"])
    model.load_state_dict(trained["state_dict"])
    return model.to(device).eval()


def predict(trained: dict, images: np.ndarray, mode: str, device: str = "cpu", batch: int = 16) -> np.ndarray:
    """Outputs for a stack of tiles (n, h, w): reconstructions clipped to [0, 1], or mask probabilities."""
    model = load_model(trained, device)
    outs = []
    with torch.no_grad():
        for start in range(0, len(images), batch):
            x = torch.from_numpy(np.ascontiguousarray(images[start:start + batch, None])).to(device)
            y = model(x)
            y = torch.sigmoid(y) if mode == "segmentation" else y.clamp(0, 1)
            outs.append(y[:, 0].cpu().numpy())
    return np.concatenate(outs).astype(np.float32)


def evaluate(trained: dict, tiles: dict, mode: str, levels: int, device: str = "cpu") -> dict:
    """Outputs, wavelet powers and scores of one model on the test tiles.

    Returns ``{"name", "outputs", "powers"}`` plus per-tile ``psnr`` and ``ssim``
    (autoencoder) or pooled ``dice`` and ``iou`` (segmentation).
    """
    outputs = predict(trained, tiles["images"], mode, device)
    result = {"name": trained["name"], "outputs": outputs, "powers": powers_of(outputs, levels)}
    if mode == "segmentation":
        result |= dice_iou(tiles["masks"], outputs)
    else:
        result["psnr"] = np.array([psnr(o, r) for o, r in zip(tiles["images"], outputs)])
        result["ssim"] = np.array([ssim(o, r) for o, r in zip(tiles["images"], outputs)])
    return result


def reference(tiles: dict, mode: str, levels: int) -> dict:
    """The wavelet powers the models are compared with: the originals, or the true masks."""
    truth = tiles["masks"] if mode == "segmentation" else tiles["images"]
    name = "true masks" if mode == "segmentation" else "original"
    return {"name": name, "outputs": truth, "powers": powers_of(truth, levels)}

"""Scores for the models' outputs: PSNR / SSIM against the originals, Dice / IoU against masks."""

from __future__ import annotations

import numpy as np
from skimage.metrics import peak_signal_noise_ratio, structural_similarity


def psnr(original: np.ndarray, output: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB for images in [0, 1]."""
    return float(peak_signal_noise_ratio(original, output, data_range=1.0))


def ssim(original: np.ndarray, output: np.ndarray) -> float:
    """Structural similarity (scikit-image's default 7 x 7 window) for images in [0, 1]."""
    return float(structural_similarity(original, output, data_range=1.0))


def dice_iou(truth: np.ndarray, predicted: np.ndarray) -> dict:
    """Dice and IoU (Jaccard) of two 0/1 stacks, pooled over all pixels of all tiles.

    Pooling (rather than averaging per tile) keeps tiles without mitochondria, where
    both scores are undefined, from distorting the result; it is how the EPFL data's
    results are usually reported.
    """
    truth, predicted = truth > 0.5, predicted > 0.5
    inter = float(np.logical_and(truth, predicted).sum())
    union = float(np.logical_or(truth, predicted).sum())
    total = float(truth.sum() + predicted.sum())
    return {"dice": 2 * inter / total if total else 1.0, "iou": inter / union if union else 1.0}

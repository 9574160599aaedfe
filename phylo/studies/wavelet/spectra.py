"""Where an image's information lives: power per level of a Haar (db1) wavelet decomposition.

``pywt.wavedec2(img, "db1", level=L)`` splits a 2**L x 2**L tile into an approximation
``cA_L`` (for the full depth, one coefficient: the average grey level times the side)
and, for each level ``k = L .. 1``, three detail quadrants (horizontal, vertical,
diagonal). Detail level 1 holds the finest, pixel-to-pixel changes. The Haar transform
is orthonormal, so the squares of all coefficients add up to the image's total power
and each bin's share of it is that bin's "normalised power".

Bins here, in order: detail levels 1 .. L, then the approximation. In the study's
numbering the approximation of a 256 x 256 tile is "level 8" (the average grey level)
and detail level 1 the finest.
"""

from __future__ import annotations

import numpy as np
import pywt
from scipy import stats


def max_level(tile: int) -> int:
    """The deepest Haar level of a tile: log2 of its side (8 for 256 x 256)."""
    return pywt.dwt_max_level(tile, pywt.Wavelet("db1").dec_len)


def level_names(levels: int) -> list[str]:
    """Column names of the bins: ``d1 .. dL`` (details, finest first), ``aL`` (approximation)."""
    return [f"d{k}" for k in range(1, levels + 1)] + [f"a{levels}"]


def level_powers(image: np.ndarray, levels: int) -> np.ndarray:
    """Normalised power per bin (``level_names`` order) of one 2-D image; sums to 1.

    An image with no power at all (all zeros) has nothing to distribute: all NaN.
    """
    coeffs = pywt.wavedec2(np.asarray(image, dtype=np.float64), "db1", level=levels)
    approx, details = coeffs[0], coeffs[1:]  # details run coarsest (level L) to finest (level 1)
    power = [sum(float(np.sum(d**2)) for d in quads) for quads in reversed(details)]
    power.append(float(np.sum(approx**2)))
    power = np.array(power)
    total = power.sum()
    return power / total if total > 0 else np.full_like(power, np.nan)


def powers_of(images: np.ndarray, levels: int) -> np.ndarray:
    """``level_powers`` of each image of a stack: shape (n, levels + 1)."""
    return np.stack([level_powers(img, levels) for img in images])


def mean_interval(values: np.ndarray, confidence: float = 0.95) -> dict:
    """Mean over axis 0 with a two-sided Student-t interval of the mean (NaN rows ignored).

    Returns ``{"mean", "low", "high", "n"}``; with one value the interval is the mean itself.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    values = values[~np.isnan(values).any(axis=1)]
    n = len(values)
    mean = values.mean(axis=0) if n else np.full(values.shape[1], np.nan)
    if n < 2:
        return {"mean": mean, "low": mean, "high": mean, "n": n}
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * values.std(axis=0, ddof=1) / np.sqrt(n)
    return {"mean": mean, "low": mean - half, "high": mean + half, "n": n}

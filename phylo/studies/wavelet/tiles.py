"""Square tiles cut from EM slices: random augmented batches for training, fixed tiles for tests.

Slices are 2-D float32 arrays in [0, 1] (``images.read_images``); masks, when given,
are arrays of 0/1 of the same shapes, paired with the slices by position.
"""

from __future__ import annotations

import numpy as np


def _corner(shape: tuple[int, int], tile: int, rng: np.random.Generator) -> tuple[int, int]:
    return int(rng.integers(0, shape[0] - tile + 1)), int(rng.integers(0, shape[1] - tile + 1))


def augment(arrays: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """The same random rotation by a multiple of 90 degrees and flip applied to each array.

    EM sections have no preferred orientation, so these eight symmetries give new
    training tiles for free (an image and its mask must move together).
    """
    turns, flip = int(rng.integers(4)), bool(rng.integers(2))
    out = [np.rot90(a, turns) for a in arrays]
    return [np.fliplr(a) if flip else a for a in out]


def sample_batch(images: list[np.ndarray], masks: list[np.ndarray] | None, tile: int, batch: int,
                 rng: np.random.Generator, augmented: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """``batch`` random tiles, shape (batch, 1, tile, tile), and their masks (or None).

    Each tile comes from a random slice at a random position; the generator decides
    everything, so a given seed always gives the same batch (training resumes exactly).
    """
    xs, ys = [], []
    for _ in range(batch):
        i = int(rng.integers(len(images)))
        r, c = _corner(images[i].shape, tile, rng)
        arrays = [images[i][r:r + tile, c:c + tile]]
        if masks is not None:
            arrays.append(masks[i][r:r + tile, c:c + tile])
        if augmented:
            arrays = augment(arrays, rng)
        xs.append(arrays[0])
        if masks is not None:
            ys.append(arrays[1])
    x = np.stack(xs)[:, None].astype(np.float32)
    y = np.stack(ys)[:, None].astype(np.float32) if masks is not None else None
    return x, y


def fixed_tiles(images: list[np.ndarray], masks: list[np.ndarray] | None, tile: int, count: int,
               seed: int) -> dict:
    """``count`` fixed tiles for evaluation, taken from the slices in turn at random positions.

    Returns ``{"images": (count, tile, tile) float32, "masks": same or None,
    "where": [(slice, row, column), ...]}``. Taking slices in turn spreads the tiles
    over the whole test set even when it has fewer slices than tiles.
    """
    rng = np.random.default_rng(seed)
    tiles, tile_masks, where = [], [], []
    for k in range(count):
        i = k % len(images)
        r, c = _corner(images[i].shape, tile, rng)
        tiles.append(images[i][r:r + tile, c:c + tile])
        if masks is not None:
            tile_masks.append(masks[i][r:r + tile, c:c + tile])
        where.append((i, r, c))
    return {
        "images": np.stack(tiles).astype(np.float32),
        "masks": np.stack(tile_masks).astype(np.float32) if masks is not None else None,
        "where": where,
    }

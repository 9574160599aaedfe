"""The study's data sets (bundled with scikit-learn, no download), folds and scaling."""

from __future__ import annotations

import functools

import numpy as np


@functools.lru_cache(maxsize=None)
def load_dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Features (float32) and class labels (int64) of ``iris``, ``wine`` or ``digits``."""
    from sklearn import datasets

    loaders = {"iris": datasets.load_iris, "wine": datasets.load_wine, "digits": datasets.load_digits}
    bunch = loaders[name]()
    return bunch.data.astype(np.float32), bunch.target.astype(np.int64)


def fold_indices(y: np.ndarray, seed: int, folds: int, fold: int) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation rows of fold ``fold`` of a stratified, shuffled k-fold split.

    The split depends only on the labels, the seed and the fold count, so every variant
    of the study sees exactly the same rows for a given (seed, fold): effects are paired.
    """
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    train, val = list(splitter.split(np.zeros(len(y)), y))[fold]
    return train, val


def scale(train: np.ndarray, val: np.ndarray, how: str) -> tuple[np.ndarray, np.ndarray]:
    """``none`` (the originals fed raw features) or ``standard``: zero mean, unit variance,
    with the statistics of the training rows only (the validation rows must not leak in)."""
    if how == "none":
        return train, val
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std[std == 0] = 1.0  # constant columns (digits' blank border pixels) stay at zero
    return ((train - mean) / std).astype(np.float32), ((val - mean) / std).astype(np.float32)

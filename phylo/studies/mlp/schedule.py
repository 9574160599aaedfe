"""Which training rows each update sees: one schedule, followed by both training paths.

The original loops and ``Estimator.fit`` differed here more than anywhere else, so the
batch order is computed once, as plain data, from three switches:

- ``batch_coverage``: ``all`` cuts each epoch into consecutive batches covering every row;
  ``first`` keeps only the first batch of each epoch. That is what the original loops did:
  ``for batch_start in range(0, batch_size, len(train_X))`` has the arguments of
  ``range(start, stop, step)`` swapped, so it yields only ``0``.
- ``shuffle``: a fresh row order each epoch (Estimator.fit) or the same order every time.
- ``steps``: the number of updates; the last epoch stops mid-way so the count is exact.
"""

from __future__ import annotations

import numpy as np


def batch_schedule(n_rows: int, batch_size: int, steps: int, coverage: str, shuffle: bool,
                   rng: np.random.Generator) -> list[list[np.ndarray]]:
    """One list of row-index batches per epoch, ``steps`` batches in all.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> epochs = batch_schedule(10, 4, 5, "all", False, rng)
    >>> [[b.tolist() for b in e] for e in epochs]
    [[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]], [[0, 1, 2, 3], [4, 5, 6, 7]]]
    >>> [[b.tolist() for b in e] for e in batch_schedule(10, 4, 2, "first", False, rng)]
    [[[0, 1, 2, 3]], [[0, 1, 2, 3]]]
    """
    epochs, done = [], 0
    while done < steps:
        order = rng.permutation(n_rows) if shuffle else np.arange(n_rows)
        batches = [order[start:start + batch_size] for start in range(0, n_rows, batch_size)]
        if coverage == "first":
            batches = batches[:1]
        batches = batches[: steps - done]
        epochs.append(batches)
        done += len(batches)
    return epochs

"""Kernel: how many values two sorted arrays share, for many pairs at once (numba).

The arrays are stored end to end in ``flat`` (``starts[i]:ends[i]`` is array ``i``,
sorted, distinct values); pair ``n`` is ``(left[n], right[n])``. One merge walk per
pair, so a pair of 700-shingle articles costs about a microsecond. Many pairs are
spread over the cores; a few run on one thread (starting the thread pool costs more).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

PARALLEL_FROM = 5000  # pairs


@njit(cache=True, nogil=True)
def _shared(flat, i, i_end, j, j_end):
    common = 0
    while i < i_end and j < j_end:  # branch-free steps: a sorted merge mispredicts every branch
        a, b = flat[i], flat[j]
        common += a == b
        i += a <= b
        j += b <= a
    return common


@njit(cache=True, parallel=True)
def _counts_parallel(flat, starts, ends, left, right):
    counts = np.zeros(left.size, dtype=np.int64)
    for n in prange(left.size):
        counts[n] = _shared(flat, starts[left[n]], ends[left[n]], starts[right[n]], ends[right[n]])
    return counts


@njit(cache=True, nogil=True)
def _counts_serial(flat, starts, ends, left, right):
    counts = np.zeros(left.size, dtype=np.int64)
    for n in range(left.size):
        counts[n] = _shared(flat, starts[left[n]], ends[left[n]], starts[right[n]], ends[right[n]])
    return counts


def intersection_counts(flat: np.ndarray, starts: np.ndarray, ends: np.ndarray, left: np.ndarray,
                        right: np.ndarray) -> np.ndarray:
    kernel = _counts_parallel if left.size >= PARALLEL_FROM else _counts_serial
    return kernel(flat, starts, ends, left, right)

"""Numba kernels for global alignment with affine gaps (Gotoh), on integer codes.

Recurrences, for cell (i, j) (``a[:i]`` against ``b[:j]``)::

    M(i, j) = H(i-1, j-1) + sub(a_i, b_j)                       # ends in a pair
    X(i, j) = max(H(i-1, j) + open, X(i-1, j) + extend)          # a_i against a gap
    Y(i, j) = max(H(i, j-1) + open, Y(i, j-1) + extend)          # b_j against a gap
    H(i, j) = max(M, X, Y)

A gap of length L scores ``open + (L - 1) * extend``.

Packed values
-------------
Identity needs the matches and the columns of the optimal path, not just its score.
Every value here is one int64 that packs all three,
``V = score * B**2 + matches * B - columns`` (B a power of two larger than any count),
so adding packed values adds the three parts, and ``max`` compares them
lexicographically: the best score, then among equal scores the most matches, then the
fewest columns. That is exact dynamic programming on the triple (each part is additive
along a path), it breaks ties deterministically, and it keeps the kernels branch-free.

Substitution, branch-free for both units: codes are 6-bit codons (16*n1 + 4*n2 + n3)
or 2-bit nucleotides; ``x = a ^ b`` and ``eq`` = the number of 2-bit groups of x that
are zero, minus ``eq_offset`` (2 for nucleotides, whose upper groups always agree), so
``sub = base + eq * step`` with ``base`` the packed all-mismatch value.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, uint64

NEG = np.int64(-(1 << 61))  # "minus infinity" that survives adding a few penalties
U1 = np.uint64(1)


@njit(cache=True, inline="always")
def _equal_parts(x, eq_offset):
    # number of equal nucleotides: each 2-bit group of x = a ^ b is zero where they agree
    if eq_offset == 2:  # nucleotides: one group (loop-invariant; LLVM hoists the test)
        return np.int64(x == 0)
    return np.int64((x & 3) == 0) + np.int64((x & 12) == 0) + np.int64((x & 48) == 0)


TILE = 512  # rows per strip: seven int64 diagonals of this length stay in L1 cache


@njit(cache=True, boundscheck=False, fastmath=True, nogil=True)
def score_strips(a, b, tile, col_lo, col_hi, base, step, gap_open, gap_extend, eq_offset):
    """Best packed value of a global alignment of ``a`` and ``b``, in linear memory.

    The matrix is cut into strips of ``tile`` rows; strip s fills columns
    ``col_lo[s]..col_hi[s]`` (all columns for full DP; a band otherwise, cells outside
    count as unreachable). Inside a strip the kernel sweeps anti-diagonals: cells of one
    anti-diagonal do not depend on each other, so the inner loop has no loop-carried
    dependency and LLVM vectorises it, and the strip's diagonals stay in L1 cache.
    Between strips only the bottom row (H and X) is passed on. Memory: O(m + tile).

    Parameters
    ----------
    a, b : int64 arrays of codes
    tile : int
        Rows per strip.
    col_lo, col_hi : int64 arrays, one entry per strip
        Column range of each strip, both non-decreasing; the last strip must reach m.
    base, step : int64
        Packed substitution value: ``base + eq * step`` for ``eq`` equal nucleotides.
    gap_open, gap_extend : int64
        Packed value of the first and of each further gap symbol.
    eq_offset : int64
        2 for nucleotide codes, 0 for codon codes.

    Returns
    -------
    int64
        The packed value V of the best alignment (see the module docstring).
    """
    n, m = a.shape[0], b.shape[0]
    T = tile
    brev = b[::-1].copy()  # cell (t, j) reads b[j - 1]; reversed, a diagonal reads forwards
    # the row above the strip (row 0 of the matrix at first): b's prefix against gaps
    top_h = np.empty(m + 1, np.int64)
    top_x = np.full(m + 1, NEG, np.int64)
    top_h[0] = 0
    for j in range(1, m + 1):
        top_h[j] = gap_open + (j - 1) * gap_extend
    # diagonals indexed by local row t (0 = the row above the strip)
    h2 = np.full(T + 1, NEG, np.int64)  # H on diagonal e-2
    h1 = np.full(T + 1, NEG, np.int64)  # H on diagonal e-1
    h0 = np.full(T + 1, NEG, np.int64)  # H on diagonal e
    x1 = np.full(T + 1, NEG, np.int64)
    x0 = np.full(T + 1, NEG, np.int64)
    y1 = np.full(T + 1, NEG, np.int64)
    y0 = np.full(T + 1, NEG, np.int64)
    a_strip = np.zeros(T + 1, np.int64)
    filled = m  # top_h/top_x hold valid values up to this column
    for strip in range((n + T - 1) // T):
        r0 = strip * T
        rows = min(T, n - r0)
        left = max(col_lo[strip], 1) - 1  # the column left of the strip's cells
        right = col_hi[strip]
        width = right - left  # cells per row: columns left+1 .. right
        for j in range(filled + 1, right + 1):  # never filled by the strip above
            top_h[j] = NEG
            top_x[j] = NEG
        filled = right
        for t in range(1, rows + 1):
            a_strip[t] = a[r0 + t - 1]
        h1[0] = NEG
        for e in range(1, rows + width + 1):
            # the row above, cell (0, e-1), enters as local row 0 of diagonal e-1; its
            # H(0, e-2) is already in h2[0] from the previous step's h1[0]
            h1[0] = top_h[left + e - 1] if e - 1 <= width else NEG
            x1[0] = top_x[left + e - 1] if e - 1 <= width else NEG
            lo = max(1, e - width)
            hi = min(rows, e - 1)
            if hi >= lo:
                # unsigned indices: numba then emits no negative-index wraparound, which
                # would stop LLVM from vectorising the loop
                ulo = uint64(lo)
                ub = uint64(m - left - e + lo)  # brev index of cell (t, e - t): m-left-e+t
                for t in range(ulo, uint64(hi) + U1):
                    eq = _equal_parts(a_strip[t] ^ brev[t - ulo + ub], eq_offset)
                    diag = h2[t - U1] + base + eq * step
                    xv = max(h1[t - U1] + gap_open, x1[t - U1] + gap_extend)
                    yv = max(h1[t] + gap_open, y1[t] + gap_extend)
                    x0[t] = xv
                    y0[t] = yv
                    h0[t] = max(diag, max(xv, yv))
            if e <= rows:  # the left column: a's prefix against gaps, or outside the band
                x0[e] = gap_open + (r0 + e - 1) * gap_extend if left == 0 else NEG
                y0[e] = NEG
                h0[e] = x0[e]
            if e >= rows:  # bottom row of the strip becomes the next strip's top row
                top_h[left + e - rows] = h0[rows]
                top_x[left + e - rows] = x0[rows]
            h2, h1, h0 = h1, h0, h2
            x1, x0 = x0, x1
            y1, y0 = y0, y1
    return top_h[m]


@njit(cache=True, nogil=True)
def score_linear(a, b, base, step, gap_open, gap_extend, eq_offset):
    """Full dynamic programming: :func:`score_strips` over every column of every strip."""
    strips = max(1, (a.shape[0] + TILE - 1) // TILE)
    return score_strips(a, b, TILE, np.zeros(strips, np.int64), np.full(strips, b.shape[0], np.int64),
                        base, step, gap_open, gap_extend, eq_offset)


@njit(cache=True, boundscheck=False, nogil=True)
def fill_full(a, b, base, step, gap_open, gap_extend, eq_offset):
    """Fill the full M, X, Y matrices (packed values) for a traceback; O(n m) memory."""
    n, m = a.shape[0], b.shape[0]
    M = np.full((n + 1, m + 1), NEG, np.int64)
    X = np.full((n + 1, m + 1), NEG, np.int64)
    Y = np.full((n + 1, m + 1), NEG, np.int64)
    M[0, 0] = 0
    for i in range(1, n + 1):
        X[i, 0] = gap_open + (i - 1) * gap_extend
    for j in range(1, m + 1):
        Y[0, j] = gap_open + (j - 1) * gap_extend
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            hd = max(M[i - 1, j - 1], max(X[i - 1, j - 1], Y[i - 1, j - 1]))
            hu = max(M[i - 1, j], max(X[i - 1, j], Y[i - 1, j]))
            hl = max(M[i, j - 1], max(X[i, j - 1], Y[i, j - 1]))
            M[i, j] = hd + base + _equal_parts(a[i - 1] ^ b[j - 1], eq_offset) * step
            X[i, j] = max(hu + gap_open, X[i - 1, j] + gap_extend)
            Y[i, j] = max(hl + gap_open, Y[i, j - 1] + gap_extend)
    return M, X, Y


@njit(cache=True, nogil=True)
def traceback(M, X, Y, gap_open):
    """Walk back from (n, m); returns the steps, last first: 0 pair, 1 a-gap... see below.

    Step codes: 0 = pair (i-1, j-1), 1 = a_i against a gap (X), 2 = b_j against a gap (Y).
    At a tie the order of preference is pair, then X, then Y (the same choice the packed
    ``max`` makes when values are equal does not matter: equal values are equal triples).
    """
    n, m = M.shape[0] - 1, M.shape[1] - 1
    steps = np.empty(n + m, np.int8)
    k = 0
    i, j = n, m
    h = max(M[i, j], max(X[i, j], Y[i, j]))
    state = 0 if M[i, j] == h else (1 if X[i, j] == h else 2)
    while i > 0 or j > 0:
        if state == 0:
            steps[k] = 0
            i -= 1
            j -= 1
            h = max(M[i, j], max(X[i, j], Y[i, j]))
            state = 0 if M[i, j] == h else (1 if X[i, j] == h else 2)
        elif state == 1:
            steps[k] = 1
            hu = max(M[i - 1, j], max(X[i - 1, j], Y[i - 1, j]))
            opened = i == 1 or X[i, j] == hu + gap_open
            i -= 1
            if opened:
                state = 0 if M[i, j] == hu else (1 if X[i, j] == hu else 2)
        else:
            steps[k] = 2
            hl = max(M[i, j - 1], max(X[i, j - 1], Y[i, j - 1]))
            opened = j == 1 or Y[i, j] == hl + gap_open
            j -= 1
            if opened:
                state = 0 if M[i, j] == hl else (1 if X[i, j] == hl else 2)
        k += 1
    return steps[:k]


@njit(cache=True, parallel=True)
def score_many(codes, starts, pairs, base, step, gap_open, gap_extend, eq_offset):
    """Packed values of full-DP alignments for many pairs, pairs spread over threads.

    ``codes`` holds all sequences back to back; sequence k is
    ``codes[starts[k]:starts[k + 1]]``.
    """
    out = np.empty(pairs.shape[0], np.int64)
    for p in prange(pairs.shape[0]):
        s, t = pairs[p, 0], pairs[p, 1]
        out[p] = score_linear(codes[starts[s]:starts[s + 1]], codes[starts[t]:starts[t + 1]],
                              base, step, gap_open, gap_extend, eq_offset)
    return out

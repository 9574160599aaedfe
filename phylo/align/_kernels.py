"""Numba kernels of the native aligner: dynamic programming, anchors, band, anchored mode.

One module on purpose: numba's cache checks only the source file of each cached
function, not the files of the functions it calls (a documented numba limitation), so a
kernel calling a helper from another module would keep loading stale machine code after
that helper changed. Here every compiled function and everything it calls share a file.

Parts, in order:

- packing: one int64 carries score, matches and pairs (``pack``, ``unpack``);
- dynamic programming in anti-diagonal strips (``score_strips``; full DP ``align_counts``,
  ``score_many``; ``fill_full``/``traceback`` for the quadratic-memory traceback);
- anchors: k-mers unique in each sequence and shared, chained (``anchors``, ``chain``);
- the checked band of mode ``auto`` (``align_auto``);
- anchor mode (``align_anchored``): exact stretches fixed, the rest aligned between them,
  long unshared stretches in blocks along their diagonal (linear work, see ``rectangle``).

Recurrences (Gotoh), for cell (i, j) (``a[:i]`` against ``b[:j]``)::

    M(i, j) = H(i-1, j-1) + sub(a_i, b_j)                       # ends in a pair
    X(i, j) = max(H(i-1, j) + open, X(i-1, j) + extend)          # a_i against a gap
    Y(i, j) = max(H(i, j-1) + open, Y(i, j-1) + extend)          # b_j against a gap
    H(i, j) = max(M, X, Y)

A gap of length L scores ``open + (L - 1) * extend`` (nucleotide level; a codon gap is
three nucleotide gaps).

Packed values
-------------
Identity needs the matches and the columns of the optimal path, not just its score, so
each value is one int64 that packs three parts and one ``max`` compares them
lexicographically: best score, then most matches, then fewest columns (ties broken
deterministically, kernels branch-free). Every path into cell (i, j) has consumed the
same L = i + j nucleotides, so two changes leave every comparison as it was:

- the score is stored as ``score - extend * L``: a gap extension adds 0, and every
  stored value lies between two gap openings below zero and ``(match - 2 * extend)``
  per nucleotide of the shorter sequence (the all-gap path is always available);
- the columns are stored as pairs (columns = L - pairs), at most the shorter length.

So ``V = (score - extend*L) * B**2 + matches * B + pairs``, with B a power of two above
the shorter sequence's nucleotides. That bounds the values by the shorter side only (full
DP holds about a million nucleotides a side; see ``nw.full_dp_fits``), and anchor mode packs
each stretch on its own, so it has no length limit at all.

Substitution, branch-free for both units: codes are 6-bit codons (16*n1 + 4*n2 + n3) or
2-bit nucleotides; ``x = a ^ b`` and ``eq`` = the number of 2-bit groups of x that are
zero, minus ``eq_offset`` (2 for nucleotides, whose upper groups always agree), so
``sub = base + eq * step`` with ``base`` the packed all-mismatch value.

Scoring reaches the kernels as ``sc = [match, mismatch, gap_open, gap_extend]`` (int64,
nucleotide level) and ``per``, the nucleotides per code (3 codon, 1 nucleotide).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange, uint64

NEG = np.int64(-(1 << 61))  # "minus infinity" that survives adding a few penalties
U1 = np.uint64(1)


# --- packing ---------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def pack(per, sc, short_nt):
    """Packed parameters for alignments whose shorter side has ``short_nt`` nucleotides.

    Returns ``(bits, base, step, gap_open, gap_extend)``: B = 2**bits > short_nt; ``base``
    the packed value of a pair of codes with no equal nucleotide, ``step`` what each
    equal nucleotide adds, ``gap_open`` the first gap symbol, ``gap_extend`` each further
    one (0: see the module docstring).
    """
    match, mismatch, go, ge = sc[0], sc[1], sc[2], sc[3]
    bits = 4
    while (np.int64(1) << bits) <= short_nt:
        bits += 1
    B = np.int64(1) << bits
    B2 = B << bits
    base = per * (mismatch - 2 * ge) * B2 + per  # per nucleotide pairs, each consuming 2 nt
    step = (match - mismatch) * B2 + B  # one more match
    # a codon gap is three nucleotide gaps: open + 2 extends - 3 extends of shift = open - extend,
    # and 3 extends - 3 extends = 0 per further codon; the same holds per nucleotide
    return bits, base, step, (go - ge) * B2, np.int64(0)


@njit(cache=True, nogil=True)
def unpack(value, bits, total_nt, gap_extend):
    """(score, matches, columns) of a packed value at the cell that consumed ``total_nt``."""
    low = value & ((np.int64(1) << (2 * bits)) - 1)  # matches * B + pairs, whatever the sign of V
    shifted = value >> (2 * bits)  # arithmetic shift: floor division by B**2
    pairs = low & ((np.int64(1) << bits) - 1)
    return shifted + gap_extend * total_nt, low >> bits, total_nt - pairs


@njit(cache=True, nogil=True)
def gap_counts(length_nt, sc):
    """(score, matches, columns) of one gap run of ``length_nt`` nucleotides (none for 0)."""
    if length_nt == 0:
        return np.int64(0), np.int64(0), np.int64(0)
    return sc[2] + (length_nt - 1) * sc[3], np.int64(0), np.int64(length_nt)


# --- dynamic programming -----------------------------------------------------------------

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


@njit(cache=True, nogil=True)
def align_counts(a, b, per, sc):
    """(score, matches, columns) of the best global alignment of ``a`` and ``b`` (full DP)."""
    n, m = a.shape[0], b.shape[0]
    if n == 0 or m == 0:
        return gap_counts((n + m) * per, sc)
    bits, base, step, gap_open, gap_extend = pack(per, sc, min(n, m) * per)
    value = score_linear(a, b, base, step, gap_open, gap_extend, 2 if per == 1 else 0)
    return unpack(value, bits, (n + m) * per, sc[3])


@njit(cache=True, nogil=True)
def _outputs(count):
    """Per-pair result arrays: score, matches, columns, cells, how."""
    return (np.empty(count, np.int64), np.empty(count, np.int64), np.empty(count, np.int64),
            np.empty(count, np.int64), np.empty(count, np.int64))


@njit(cache=True, parallel=True)
def score_many(codes, starts, pairs, per, sc):
    """(score, matches, columns) of full-DP alignments of many pairs, spread over threads.

    ``codes`` holds all sequences back to back; sequence k is
    ``codes[starts[k]:starts[k + 1]]``.
    """
    count = pairs.shape[0]
    score, matches, columns, _, _ = _outputs(count)
    for p in prange(count):
        s, t = pairs[p, 0], pairs[p, 1]
        score[p], matches[p], columns[p] = align_counts(
            codes[starts[s]:starts[s + 1]], codes[starts[t]:starts[t + 1]], per, sc)
    return score, matches, columns


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
    """Walk back from (n, m); returns the steps, last first.

    Step codes: 0 = pair (i-1, j-1), 1 = a_i against a gap (X), 2 = b_j against a gap (Y).
    At a tie the order of preference is pair, then X, then Y (equal values are equal
    triples, so the choice changes nothing that is reported).
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


# --- anchors: shared unique k-mers and their chain -----------------------------------------

@njit(cache=True, nogil=True)
def kmers(codes, k, bits):
    """Value of the k-mer at each position: ``codes[p..p+k-1]`` as a k*bits-bit number."""
    count = codes.shape[0] - k + 1
    out = np.empty(max(count, 0), np.int64)
    if count <= 0:
        return out
    mask = (np.int64(1) << (k * bits)) - 1
    v = np.int64(0)
    for p in range(codes.shape[0]):
        v = ((v << bits) | codes[p]) & mask  # v = v * 2**bits + code, keep k codes
        if p >= k - 1:
            out[p - k + 1] = v
    return out


@njit(cache=True, nogil=True)
def unique_sorted(values):
    """Values occurring once, sorted, with their positions."""
    order = np.argsort(values, kind="mergesort")
    v = values[order]
    keep = np.zeros(v.shape[0], np.bool_)
    for q in range(v.shape[0]):
        keep[q] = (q == 0 or v[q] != v[q - 1]) and (q == v.shape[0] - 1 or v[q] != v[q + 1])
    return v[keep], order[keep]


@njit(cache=True, nogil=True)
def shared(va, pa, vb, pb, n):
    """Positions (i, j) of the values in both sorted unique lists, sorted by i (< n)."""
    j_at = np.full(n, -1, np.int64)  # j of the shared k-mer at i: a scan, not a sort, orders them by i
    s = t = c = 0
    while s < va.shape[0] and t < vb.shape[0]:  # merge two sorted lists
        if va[s] == vb[t]:
            j_at[pa[s]] = pb[t]
            c += 1
            s += 1
            t += 1
        elif va[s] < vb[t]:
            s += 1
        else:
            t += 1
    ia = np.empty(c, np.int64)
    jb = np.empty(c, np.int64)
    q = 0
    for i in range(n):
        if j_at[i] >= 0:
            ia[q] = i
            jb[q] = j_at[i]
            q += 1
    return ia, jb


@njit(cache=True, nogil=True)
def anchors(a, b, k, bits):
    """Positions (i, j) of k-mers unique in ``a`` and in ``b`` and shared, sorted by i."""
    va, pa = unique_sorted(kmers(a, k, bits))
    vb, pb = unique_sorted(kmers(b, k, bits))
    return shared(va, pa, vb, pb, a.shape[0])


@njit(cache=True, nogil=True)
def chain(ia, jb):
    """Longest chain with increasing j (i already increasing): patience sorting, O(A log A)."""
    count = ia.shape[0]
    tails = np.empty(count, np.int64)  # tails[L]: anchor ending the best chain of length L+1
    tail_j = np.empty(count, np.int64)
    back = np.full(count, -1, np.int64)
    length = 0
    for q in range(count):
        pos = np.searchsorted(tail_j[:length], jb[q])  # first tail with j >= jb[q]
        if pos > 0:
            back[q] = tails[pos - 1]
        tails[pos] = q
        tail_j[pos] = jb[q]
        if pos == length:
            length += 1
    keep = np.empty(length, np.int64)
    q = tails[length - 1] if length else -1
    for r in range(length - 1, -1, -1):
        keep[r] = q
        q = back[q]
    return ia[keep], jb[keep]


# --- mode auto: a band around the chain, checked by a wider one -----------------------------

BITS = {"codon": 6, "nt": 2}  # bits per code: codon codes are 6-bit values
MARGIN = {"codon": 32, "nt": 96}  # starting margin (columns either side of the chain)
MIN_CELLS = 4_000_000  # smaller pairs: full DP is cheap enough
MAX_SHARE = 0.35  # a band above this share of the matrix: full DP instead
RETRIES = 2  # wider bands tried before giving up on the band
CONFIRM = 4  # each try widens the margin this many times
BAND_TILE = 128  # rows per strip in banded DP: a strip fills the union of its rows' ranges
MIN_RUN = 8  # anchors in a row that make a shared stretch worth a box in the band


@njit(cache=True, nogil=True)
def solid(ci, cj, min_run):
    """The chain points that lie in a stretch of at least ``min_run`` consecutive anchors
    on one diagonal. A lone shared k-mer (a common phrase inside reworded text) can join
    the chain although the optimal path goes round it; the band then fails its check."""
    count = ci.shape[0]
    keep = np.zeros(count, np.bool_)
    start = 0
    for q in range(1, count + 1):
        if q < count and ci[q] == ci[q - 1] + 1 and cj[q] - ci[q] == cj[q - 1] - ci[q - 1]:
            continue
        if q - start >= min_run:
            keep[start:q] = True
        start = q
    return ci[keep], cj[keep]


@njit(cache=True, nogil=True)
def runs(ia, jb, k, min_run):
    """Shared stretches off or on the chain: anchors on one diagonal at consecutive
    positions, at least ``min_run`` of them (a shared span of k + min_run - 1 codes).

    Returns an (R, 4) array of boxes ``i0, j0, i1, j1`` (end exclusive).
    """
    d = jb - ia
    order = np.argsort(d * (ia.shape[0] + np.max(ia) + 1 if ia.shape[0] else 1) + ia)  # by (d, i)
    out = np.empty((ia.shape[0], 4), np.int64)
    count = 0
    start = 0
    for q in range(1, ia.shape[0] + 1):
        if q < ia.shape[0] and d[order[q]] == d[order[q - 1]] and ia[order[q]] == ia[order[q - 1]] + 1:
            continue
        if q - start >= min_run:
            first, last = order[start], order[q - 1]
            out[count, 0], out[count, 1] = ia[first], jb[first]
            out[count, 2], out[count, 3] = ia[last] + k, jb[last] + k
            count += 1
        start = q
    return out[:count]


@njit(cache=True, nogil=True)
def band_rows(ci, cj, n, m, margin, boxes=np.zeros((0, 4), np.int64)):
    """Per-row column range [lo, hi] of the band around chain points and extra ``boxes``
    (rows i0..i1, columns j0..j1), all widened by ``margin`` (see ``nw``'s mode auto)."""
    lo = np.full(n + 1, m + 1, np.int64)
    hi = np.full(n + 1, -1, np.int64)
    for q in range(boxes.shape[0]):  # shared stretches off the chain (moved text)
        i0, j0, i1, j1 = boxes[q, 0], boxes[q, 1], boxes[q, 2], boxes[q, 3]
        for r in range(max(0, i0 - margin), min(n, i1 + margin) + 1):
            lo[r] = min(lo[r], max(0, j0 - margin))
            hi[r] = max(hi[r], min(m, j1 + margin))
    # the chain with its ends: (0, 0), the anchors, (n, m)
    pr = np.empty(ci.shape[0] + 2, np.int64)
    pc = np.empty(ci.shape[0] + 2, np.int64)
    pr[0], pc[0] = 0, 0
    pr[1:-1], pc[1:-1] = ci, cj
    pr[-1], pc[-1] = n, m
    for s in range(pr.shape[0] - 1):
        r1, c1, r2, c2 = pr[s], pc[s], pr[s + 1], pc[s + 1]
        # the box of this step, widened by the margin on all four sides (rows too, so
        # that a gap run along the box's last row is not on the band's edge)
        for r in range(max(0, r1 - margin), min(n, r2 + margin) + 1):
            lo[r] = min(lo[r], max(0, c1 - margin))
            hi[r] = max(hi[r], min(m, c2 + margin))
    for r in range(n - 1, -1, -1):  # lower edge non-decreasing
        lo[r] = min(lo[r], lo[r + 1])
    for r in range(1, n + 1):  # upper edge non-decreasing
        hi[r] = max(hi[r], hi[r - 1])
    lo[0] = 0
    hi[n] = m
    return lo, hi


@njit(cache=True, nogil=True)
def strip_ranges(lo, hi, tile):
    """Column range of each strip of ``tile`` rows: the union of its rows' ranges."""
    n = lo.shape[0] - 1
    strips = max(1, (n + tile - 1) // tile)
    col_lo = np.empty(strips, np.int64)
    col_hi = np.empty(strips, np.int64)
    cells = 0
    for s in range(strips):
        first, last = s * tile, min(n, (s + 1) * tile)  # the row above the strip to its last row
        col_lo[s] = lo[first]  # lo and hi are non-decreasing
        col_hi[s] = hi[last]
        cells += (last - first) * (col_hi[s] - max(col_lo[s], 1) + 1)
    return col_lo, col_hi, cells


@njit(cache=True, nogil=True)
def align_auto(a, b, k, bits, margin, max_share, min_cells, per, sc):
    """One pair: banded when the band checks out, full DP otherwise.

    Returns
    -------
    (score, matches, columns, cells, how)
        ``how``: 0 full DP (small or unanchored pair), 1 banded, 2 full DP after the
        band failed its check.
    """
    n, m = a.shape[0], b.shape[0]
    full = (n + 1) * (m + 1)
    if full < min_cells or n < k or m < k:
        s, mt, c = align_counts(a, b, per, sc)
        return s, mt, c, full, 0
    ia, jb = anchors(a, b, k, bits)
    ci, cj = solid(*chain(ia, jb), MIN_RUN)
    if ci.shape[0] == 0:
        s, mt, c = align_counts(a, b, per, sc)
        return s, mt, c, full, 0
    boxes = runs(ia, jb, k, MIN_RUN)
    packed_bits, base, step, gap_open, gap_extend = pack(per, sc, min(n, m) * per)
    eq_offset = 2 if per == 1 else 0
    cells = 0
    previous = NEG
    for _ in range(RETRIES + 1):
        lo, hi = band_rows(ci, cj, n, m, margin, boxes)
        col_lo, col_hi, area = strip_ranges(lo, hi, BAND_TILE)
        if area > max_share * full:
            break
        cells += area
        value = score_strips(a, b, BAND_TILE, col_lo, col_hi, base, step, gap_open, gap_extend, eq_offset)
        # accept when a band CONFIRM times wider finds the same optimum: a wider band
        # contains the narrower one, so it can only score higher
        if value == previous:
            s, mt, c = unpack(value, packed_bits, (n + m) * per, sc[3])
            return s, mt, c, cells, 1
        previous = value
        margin *= CONFIRM
    s, mt, c = align_counts(a, b, per, sc)
    return s, mt, c, cells + full, 2


@njit(cache=True, parallel=True)
def align_many_auto(codes, starts, pairs, k, bits, margin, max_share, min_cells, per, sc):
    """:func:`align_auto` for many pairs, spread over threads; see :func:`score_many`."""
    count = pairs.shape[0]
    score, matches, columns, cells, how = _outputs(count)
    for p in prange(count):
        s, t = pairs[p, 0], pairs[p, 1]
        score[p], matches[p], columns[p], cells[p], how[p] = align_auto(
            codes[starts[s]:starts[s + 1]], codes[starts[t]:starts[t + 1]], k, bits, margin, max_share,
            min_cells, per, sc)
    return score, matches, columns, cells, how


# --- mode anchor: exact shared stretches fixed, the rest aligned between them ----------------

#: Stretches between anchors up to EXACT_SIDE**2 cells, or with a side up to EXACT_SIDE / 2,
#: are aligned exactly; a larger one (long text on both sides that shares no exact passage)
#: in blocks along its diagonal, each at most EXACT_SIDE**2 cells. In characters (codons):
#: ``nw`` passes 3 * EXACT_SIDE nucleotides for unit ``nt``.
EXACT_SIDE = 4096


@njit(cache=True, nogil=True)
def rectangle(a, b, per, sc, side):
    """(score, matches, columns, cells, tiled) of one stretch between anchors.

    Exact global alignment (full DP) when the stretch is at most ``side**2`` cells or
    one of its texts at most ``side / 2`` codes; otherwise the stretch is cut into k
    blocks along its diagonal (block q: rows ``n*q/k..n*(q+1)/k``, columns likewise) of
    at most ``side**2`` cells each, and each block is aligned exactly. The blocks
    together are one real alignment of the stretch, forced through k - 1 points of its
    diagonal, so its score is a lower bound on the stretch's optimum (a gap run that
    crosses a block border counts as two). Either way the cells stay within
    ``side * (n + m) / 2``: linear in the length.
    """
    n, m = a.shape[0], b.shape[0]
    if n == 0 or m == 0:
        s, mt, c = gap_counts((n + m) * per, sc)
        return s, mt, c, np.int64(0), False
    if n * m <= side * side or min(n, m) <= side // 2:
        s, mt, c = align_counts(a, b, per, sc)
        return s, mt, c, np.int64((n + 1) * (m + 1)), False
    k = np.int64(math.ceil(math.sqrt(n * m) / side))
    score = matches = columns = cells = np.int64(0)
    for q in range(k):
        x = a[n * q // k:n * (q + 1) // k]
        y = b[m * q // k:m * (q + 1) // k]
        s, mt, c = align_counts(x, y, per, sc)
        score += s
        matches += mt
        columns += c
        cells += (x.shape[0] + 1) * (y.shape[0] + 1)
    return score, matches, columns, cells, True


@njit(cache=True, nogil=True)
def align_anchored(a, b, va, pa, vb, pb, per, sc, side):
    """One pair through its anchors; ``va, pa`` / ``vb, pb``: each sequence's unique
    k-mers (sorted) and their positions (``nw.unique_kmers``).

    The chain of shared unique k-mers (:func:`chain`), each extended greedily while the
    codes stay equal, fixes exact stretches; the stretches between them (and before the
    first, after the last) go through :func:`rectangle`, each starting and ending in the
    match state. So the result is the optimum among alignments through every fixed
    stretch, up to the blocks of :func:`rectangle` for long unshared text.

    Returns
    -------
    (score, matches, columns, cells, how)
        ``how``: 0 full DP (no anchors), 3 anchored, 4 tiled (some stretch in blocks).
    """
    n, m = a.shape[0], b.shape[0]
    ia, jb = shared(va, pa, vb, pb, n)
    ci, cj = chain(ia, jb)
    if ci.shape[0] == 0:
        s, mt, c, cells, tiled = rectangle(a, b, per, sc, side)
        return s, mt, c, cells, 4 if tiled else 0
    match = sc[0] * per  # a pair of equal codes
    score = matches = columns = cells = np.int64(0)
    any_tiled = False
    i = j = 0
    for q in range(ci.shape[0]):
        p, r = ci[q], cj[q]
        if p < i or r < j:
            continue  # inside the stretch already taken
        s, mt, c, cl, tiled = rectangle(a[i:p], b[j:r], per, sc, side)
        score += s
        matches += mt
        columns += c
        cells += cl
        any_tiled = any_tiled or tiled
        length = 0
        while p + length < n and r + length < m and a[p + length] == b[r + length]:
            length += 1  # the anchor's k codes, then as far as the codes stay equal
        score += length * match
        matches += length * per
        columns += length * per
        i, j = p + length, r + length
    s, mt, c, cl, tiled = rectangle(a[i:], b[j:], per, sc, side)
    return score + s, matches + mt, columns + c, cells + cl, 4 if (tiled or any_tiled) else 3


@njit(cache=True, parallel=True)
def align_many_anchored(codes, starts, kvalues, kpositions, kstarts, pairs, per, sc, side):
    """:func:`align_anchored` for many pairs, spread over threads; see :func:`score_many`.

    ``kvalues[kstarts[s]:kstarts[s + 1]]`` (and ``kpositions``) are sequence s's unique
    k-mers, sorted once for every pair it is in.
    """
    count = pairs.shape[0]
    score, matches, columns, cells, how = _outputs(count)
    for p in prange(count):
        s, t = pairs[p, 0], pairs[p, 1]
        ks, kt = kstarts[s], kstarts[t]
        score[p], matches[p], columns[p], cells[p], how[p] = align_anchored(
            codes[starts[s]:starts[s + 1]], codes[starts[t]:starts[t + 1]],
            kvalues[ks:kstarts[s + 1]], kpositions[ks:kstarts[s + 1]],
            kvalues[kt:kstarts[t + 1]], kpositions[kt:kstarts[t + 1]], per, sc, side)
    return score, matches, columns, cells, how

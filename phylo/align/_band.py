"""Banded alignment of long, mostly similar pairs, anchored on shared k-mers.

Copies of one article share long runs of identical text. For such a pair the optimal
global path runs close to the chain of k-mers the two share, so filling only a band
around that chain gives the same answer for a small share of the cells:

1. Anchors: k-mers (10 codons, or 30 nucleotides: 60 bits, one int64 each) that occur
   exactly once in each sequence and in both.
2. Chain: the longest chain of anchors increasing in both sequences (longest increasing
   subsequence), which drops anchors that disagree with the rest (repeated phrases).
3. Band: between consecutive chain points (r1, c1) -> (r2, c2) a monotone path stays in
   the box rows r1..r2, columns c1..c2; each box is widened by ``margin`` on all sides,
   each row gets the union of its boxes, then lower and upper edges are made
   non-decreasing so the band is one monotone region from (0, 0) to (n, m).
4. Fill: the strip kernel of full DP (``_dp.score_strips``), each strip of ``TILE``
   rows over the union of its rows' ranges, so banded cells run at vectorised speed.
5. Check: a result is accepted when a band ``CONFIRM`` times wider (in every
   direction) finds the same optimum; otherwise the margin grows. When the band would
   cover more than ``max_share`` of the matrix, or there are no anchors, the pair gets
   full dynamic programming.

The check is a heuristic, not a proof: a better path could lie outside both bands (e.g.
around text that was moved and also reworded). ``bench/align.py`` counts the pairs
where banded and full results differ; use ``mode="full"`` for exactness.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from phylo.align._dp import NEG, score_linear, score_strips

BITS = {"codon": 6, "nt": 2}  # bits per code: codon codes are 6-bit values
MARGIN = {"codon": 32, "nt": 96}  # starting margin (columns either side of the chain)
MIN_CELLS = 4_000_000  # smaller pairs: full DP is cheap enough
MAX_SHARE = 0.35  # a band above this share of the matrix: full DP instead
RETRIES = 2  # wider bands tried before giving up on the band
CONFIRM = 4  # each try widens the margin this many times
TILE = 128  # rows per strip in banded DP: a strip fills the union of its rows' ranges
MIN_RUN = 8  # anchors in a row that make a shared stretch worth a box in the band


@njit(cache=True, nogil=True)
def _kmers(codes, k, bits):
    # value of the k-mer at p: codes[p..p+k-1] as a k*bits-bit number, built by shifting
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
def _unique_sorted(values):
    """Values occurring once, sorted, with their positions."""
    order = np.argsort(values, kind="mergesort")
    v = values[order]
    keep = np.zeros(v.shape[0], np.bool_)
    for q in range(v.shape[0]):
        keep[q] = (q == 0 or v[q] != v[q - 1]) and (q == v.shape[0] - 1 or v[q] != v[q + 1])
    return v[keep], order[keep]


@njit(cache=True, nogil=True)
def anchors(a, b, k, bits):
    """Positions (i, j) of k-mers unique in ``a`` and in ``b`` and shared, sorted by i."""
    va, pa = _unique_sorted(_kmers(a, k, bits))
    vb, pb = _unique_sorted(_kmers(b, k, bits))
    ia = np.empty(min(va.shape[0], vb.shape[0]), np.int64)
    jb = np.empty_like(ia)
    s = t = c = 0
    while s < va.shape[0] and t < vb.shape[0]:  # merge two sorted lists
        if va[s] == vb[t]:
            ia[c] = pa[s]
            jb[c] = pb[t]
            c += 1
            s += 1
            t += 1
        elif va[s] < vb[t]:
            s += 1
        else:
            t += 1
    order = np.argsort(ia[:c])
    return ia[:c][order], jb[:c][order]


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
    (rows i0..i1, columns j0..j1), all widened by ``margin`` (see module doc)."""
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
def align_auto(a, b, k, bits, margin, max_share, min_cells,
               base, step, gap_open, gap_extend, eq_offset):
    """Packed value for one pair: banded when the band checks out, full DP otherwise.

    Returns
    -------
    (int64, int64, int64)
        Packed value, cells filled, and how: 0 full DP (small or unanchored pair),
        1 banded, 2 full DP after the band failed its check.
    """
    n, m = a.shape[0], b.shape[0]
    full = (n + 1) * (m + 1)
    if full < min_cells or n < k or m < k:
        return score_linear(a, b, base, step, gap_open, gap_extend, eq_offset), full, 0
    ia, jb = anchors(a, b, k, bits)
    ci, cj = solid(*chain(ia, jb), MIN_RUN)
    if ci.shape[0] == 0:
        return score_linear(a, b, base, step, gap_open, gap_extend, eq_offset), full, 0
    boxes = runs(ia, jb, k, MIN_RUN)
    cells = 0
    previous = NEG
    for _ in range(RETRIES + 1):
        lo, hi = band_rows(ci, cj, n, m, margin, boxes)
        col_lo, col_hi, area = strip_ranges(lo, hi, TILE)
        if area > max_share * full:
            break
        cells += area
        value = score_strips(a, b, TILE, col_lo, col_hi, base, step, gap_open, gap_extend, eq_offset)
        # accept when a band CONFIRM times wider finds the same optimum: a wider band
        # contains the narrower one, so it can only score higher
        if value == previous:
            return value, cells, 1
        previous = value
        margin *= CONFIRM
    return score_linear(a, b, base, step, gap_open, gap_extend, eq_offset), cells + full, 2


@njit(cache=True, parallel=True)
def align_many_auto(codes, starts, pairs, k, bits, margin, max_share, min_cells,
                    base, step, gap_open, gap_extend, eq_offset):
    """:func:`align_auto` for many pairs, spread over threads; see ``_dp.score_many``."""
    count = pairs.shape[0]
    values = np.empty(count, np.int64)
    cells = np.empty(count, np.int64)
    how = np.empty(count, np.int64)
    for p in prange(count):
        s, t = pairs[p, 0], pairs[p, 1]
        values[p], cells[p], how[p] = align_auto(
            codes[starts[s]:starts[s + 1]], codes[starts[t]:starts[t + 1]], k, bits, margin, max_share,
            min_cells, base, step, gap_open, gap_extend, eq_offset)
    return values, cells, how

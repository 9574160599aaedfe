"""Global alignment (Needleman-Wunsch with affine gaps) of DNA writer sequences.

Two units:

``codon`` (default)
    One character of text is one codon, so the aligner compares codons: a 40-letter
    alphabet and one ninth of the cells of nucleotide-level dynamic programming.
    Scores and identities are still nucleotide-level: a codon pair scores the sum of its
    three nucleotide pairs, a gap of k codons scores like a gap of 3k nucleotides. So a
    codon alignment is exactly the best nucleotide alignment among those that keep the
    reading frame (its score is never above the ``nt`` score, and equal when the
    sequences differ only by whole characters, as copied text does).
``nt``
    Plain nucleotides, for comparison with MAFFT, which sees only nucleotides.

Scoring (nucleotide level; a gap of length L scores ``gap_open + (L - 1) * gap_extend``)
defaults to ``match=4, mismatch=-6, gap_open=-20, gap_extend=-1``, chosen for text:

- two letters of unrelated DNA writer text agree about a quarter of the time, so pairing
  them scores about ``0.26*4 - 0.74*6 = -3.4`` per column, worse than the ``-2`` of
  leaving both as gap columns: an inserted or deleted passage stays a gap instead of
  being aligned, letter by letter, against unrelated text (BLASTN-like +2/-3/-7/-2 did
  that: its two gap columns cost -4, more than a random pair's -1.7);
- opening costs 20 times extending, so a passage stays one block, and a reworded word
  (a few mismatching codons, -18 at most each) stays a substitution rather than two gaps.

On simulated stories these defaults put the NJ tree much closer to the true lineage than
+2/-3/-7/-2 did (``docs/align.md``).

Modes: ``anchor`` (the default) fixes the exact stretches two copies share and aligns
only the text between them (``phylo.align._anchors``; the fastest, and on simulated stories
the closest to the true lineage, because inserted and deleted passages stay gaps instead
of being paired with unrelated text); ``full`` fills the whole matrix (the best score;
linear memory, vectorised anti-diagonal strips, about 2 GCUPS per core at nucleotide
level on an idle machine here); ``auto`` fills a band around shared k-mers for long
similar pairs and checks it (``phylo.align._band``; a heuristic for the full optimum).

Identity = matches / columns, where columns are aligned nucleotide columns including
gap columns. Among equally scoring alignments the one with the most matches, then the
fewest columns, is reported (see ``phylo.align._dp``). Results also give the number of
gap runs of that alignment (:func:`gap_runs`), which the tree's distances use by default
(``phylo.align.distances``).
"""

from __future__ import annotations

import numpy as np

from phylo.align.encoding import CODON_BITS, TABLE, CHARS, UNITS, to_codes
from phylo.errors import InputError, PhyloError

DEFAULT_SCORING = {"match": 4, "mismatch": -6, "gap_open": -20, "gap_extend": -1}
#: The mode ``align_pairs`` and the command line use unless told otherwise.
DEFAULT_MODE = "anchor"
#: The largest matrix (cells) :func:`align_pair_full` fills (three int64 matrices).
MAX_FULL_CELLS = 20_000_000

_PER = {"codon": 3, "nt": 1}  # nucleotides per code
#: How a pair was aligned (``method`` in results): see :mod:`phylo.align._band`.
METHODS = ("full", "banded", "full-after-band", "anchored")


def _scoring(scoring: dict | None) -> dict:
    merged = dict(DEFAULT_SCORING, **(scoring or {}))
    unknown = set(merged) - set(DEFAULT_SCORING)
    if unknown:
        raise InputError(f"unknown scoring keys: {', '.join(sorted(unknown))}", setting="scoring")
    if merged["gap_open"] > 0 or merged["gap_extend"] > 0 or merged["match"] <= merged["mismatch"]:
        raise InputError("scoring needs match > mismatch and gap penalties <= 0", setting="scoring")
    return {k: int(v) for k, v in merged.items()}


def kernel_codes(seq: str, unit: str) -> np.ndarray:
    """Codes for the kernels: 6-bit codon values (unit ``codon``) or 0..3 (``nt``), int64.

    Codon values (16*n1 + 4*n2 + n3) let the kernel count equal nucleotides with bit
    operations; see :func:`phylo.align.encoding.to_codes` for what is skipped.
    """
    if unit not in UNITS:
        raise InputError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}", setting="unit")
    codes = to_codes(seq, unit)
    if unit == "codon":
        codes = CODON_BITS[codes]
    return codes.astype(np.int64)


def _fits(max_nt: int, s: dict) -> bool:
    # any path's score times B**2 must stay clear of NEG = -2**61
    B = 1 << max(4, int(max_nt + 1).bit_length())
    worst = max(abs(s["match"]), abs(s["mismatch"]), abs(s["gap_open"]), abs(s["gap_extend"]))
    return (worst * (max_nt + 2) + 2) * B * B < 1 << 60


def max_pair_nt(scoring: dict | None = None) -> int:
    """The most nucleotides two sequences may have together to be aligned (about 262k
    with the default scoring: the packed value must fit in an int64)."""
    s = _scoring(scoring)
    lo, hi = 0, 1 << 30
    while lo < hi:  # the largest length that fits: _fits is monotone in max_nt
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if _fits(mid, s) else (lo, mid - 1)
    return lo


def packing(unit: str, scoring: dict, max_nt: int) -> dict:
    """Packed kernel parameters for sequences of up to ``max_nt`` nucleotides together.

    Values pack ``score * B**2 + matches * B - columns`` with B a power of two above
    any count (the total length), so one int64 ``max`` compares all three at once.
    """
    s = _scoring(scoring)
    per = _PER[unit]
    B = 1 << max(4, int(max_nt + 1).bit_length())  # B > matches, B > columns
    B2 = B * B
    if not _fits(max_nt, s):
        raise InputError(f"sequences too long to align together ({max_nt} nt; the limit is {max_pair_nt(s)}); "
                         "align them with MAFFT instead", setting="aligner")
    # a pair of codes with eq equal nucleotides: eq*match + (per-eq)*mismatch, eq matches, per columns
    base = per * s["mismatch"] * B2 - per
    step = (s["match"] - s["mismatch"]) * B2 + B
    if unit == "codon":
        # a codon gap is three nucleotide gaps: open + 2 extends, then 3 extends per codon
        gap_open = (s["gap_open"] + 2 * s["gap_extend"]) * B2 - 3
        gap_extend = 3 * s["gap_extend"] * B2 - 3
    else:
        gap_open = s["gap_open"] * B2 - 1
        gap_extend = s["gap_extend"] * B2 - 1
    return {"B": B, "base": np.int64(base), "step": np.int64(step), "gap_open": np.int64(gap_open),
            "gap_extend": np.int64(gap_extend), "eq_offset": np.int64(2 if unit == "nt" else 0)}


def kernel_args(p: dict) -> tuple:
    """The packed parameters in kernel argument order."""
    return p["base"], p["step"], p["gap_open"], p["gap_extend"], p["eq_offset"]


def unpack(value: int, B: int) -> tuple[int, int, int]:
    """Split a packed value into (score, matches, columns).

    ``V = s*B**2 + m*B - c`` with ``0 <= m, c < B``:
    ``c = (-V) mod B``; then ``V + c = s*B**2 + m*B``, so ``m = ((V + c) // B) mod B``
    and ``s = (V + c - m*B) // B**2`` (Python's floor division handles negative s).
    """
    value = int(value)
    columns = (-value) % B
    matches = ((value + columns) // B) % B
    score = (value + columns - matches * B) // (B * B)
    return score, matches, columns


def gap_runs(score: int, matches: int, columns: int, length_a: int, length_b: int,
             scoring: dict | None = None) -> int | None:
    """How many gap runs (inserted or deleted stretches) the optimal path has.

    The packed value keeps score, matches and columns; the rest follows, at nucleotide
    level: ``pairs = length_a + length_b - columns`` (each pair uses one letter of each
    sequence, each gap column one letter), ``gaps = columns - pairs``, and the score is
    ``match*matches + mismatch*(pairs - matches) + gap_open*runs + gap_extend*(gaps - runs)``,
    solved for ``runs``. A codon gap is three nucleotide gaps, so the same holds in
    unit ``codon``. None when ``gap_open == gap_extend``: linear gaps leave runs unknown.

    Examples
    --------
    >>> gap_runs(score=1, matches=8, columns=12, length_a=12, length_b=8,
    ...          scoring={"match": 1, "mismatch": -1, "gap_open": -4, "gap_extend": -1})
    1
    """
    s = _scoring(scoring)
    if s["gap_open"] == s["gap_extend"]:
        return None
    pairs = length_a + length_b - columns
    gaps = columns - pairs
    rest = score - s["match"] * matches - s["mismatch"] * (pairs - matches) - s["gap_extend"] * gaps
    runs, left = divmod(rest, s["gap_open"] - s["gap_extend"])
    if left or not 0 <= runs <= gaps:
        raise PhyloError(f"inconsistent alignment counts (score {score}, matches {matches}, columns {columns}, "
                         f"lengths {length_a}/{length_b}); were they made with other scoring?")
    return runs


def _result(value: int, B: int, length_a: int, length_b: int, scoring: dict | None) -> dict:
    score, matches, columns = unpack(value, B)
    return {"score": score, "matches": matches, "columns": columns,
            "identity": matches / columns if columns else 1.0,
            "pairs": length_a + length_b - columns,
            "gap_runs": gap_runs(score, matches, columns, length_a, length_b, scoring),
            "length_a": length_a, "length_b": length_b}


def align_pair(a: str, b: str, *, unit: str = "codon", scoring: dict | None = None, mode: str = DEFAULT_MODE) -> dict:
    """Align two DNA sequences globally in linear memory.

    Parameters
    ----------
    a, b : str
        DNA (DNA writer output); see :func:`phylo.align.encoding.to_codes` for what is skipped.
    unit : {"codon", "nt"}
    scoring : dict, optional
        Any of ``match``, ``mismatch``, ``gap_open``, ``gap_extend`` (nucleotide level),
        over :data:`DEFAULT_SCORING`.
    mode : {"full", "auto", "anchor"}
        See :func:`align_pairs`.

    Returns
    -------
    dict
        ``score``, ``matches``, ``columns`` (aligned nucleotide columns, gaps included),
        ``identity`` (matches / columns), ``pairs`` (columns without a gap),
        ``gap_runs`` (see :func:`gap_runs`), ``length_a``, ``length_b`` (nucleotides used),
        and, for the record, ``cells`` (DP cells filled) and ``method`` (one of
        :data:`METHODS`).

    Examples
    --------
    >>> from phylo.align.encoding import encode
    >>> r = align_pair(encode("the cat sat"), encode("the cat sat"))
    >>> r["identity"], r["columns"]
    (1.0, 33)
    """
    return align_pairs([a, b], [(0, 1)], unit=unit, scoring=scoring, mode=mode)[0]


def align_pairs(seqs: list[str], pairs: list[tuple[int, int]], *, unit: str = "codon",
                scoring: dict | None = None, threads: int | None = None, mode: str = DEFAULT_MODE) -> list[dict]:
    """Align many pairs of sequences, pairs spread over ``threads`` cores.

    Parameters
    ----------
    seqs : list of str
    pairs : list of (int, int)
        Indices into ``seqs``.
    unit, scoring
        As for :func:`align_pair`.
    threads : int, optional
        Numba threads; default: all cores numba sees.
    mode : {"full", "auto", "anchor"}
        ``anchor`` (default) fixes exact shared stretches and aligns only the text
        between them (fastest; the optimum among alignments through those stretches,
        see :mod:`phylo.align._anchors`). ``full`` fills every cell (the best score).
        ``auto`` aligns long pairs that share enough k-mers in a band around their
        anchor chain, checked by a wider band, and falls back to full DP otherwise
        (see :mod:`phylo.align._band`).

    Returns
    -------
    list of dict
        One result per pair, as from :func:`align_pair`, in the order of ``pairs``.
    """
    from phylo.align import _dp

    if not pairs:
        return []
    used = sorted({k for pair in pairs for k in pair})
    codes = {k: kernel_codes(seqs[k], unit) for k in used}
    per = _PER[unit]
    longest = max(len(codes[s]) + len(codes[t]) for s, t in pairs) * per
    p = packing(unit, scoring, longest)
    # all sequences back to back, so one call carries every pair
    order = {k: n for n, k in enumerate(used)}
    starts = np.zeros(len(used) + 1, np.int64)
    starts[1:] = np.cumsum([len(codes[k]) for k in used])
    flat = np.concatenate([codes[k] for k in used]) if used else np.zeros(0, np.int64)
    index = np.array([(order[s], order[t]) for s, t in pairs], np.int64)
    if mode == "full":
        values = _with_threads(threads, _dp.score_many, flat, starts, index, *kernel_args(p))
        cells = [(len(codes[s]) + 1) * (len(codes[t]) + 1) for s, t in pairs]
        how = [0] * len(pairs)
    elif mode == "auto":
        from phylo.align import _band as band

        bits = band.BITS[unit]
        values, cells, how = _with_threads(
            threads, band.align_many_auto, flat, starts, index, 60 // bits, bits, band.MARGIN[unit],
            band.MAX_SHARE, band.MIN_CELLS, *kernel_args(p))
    elif mode == "anchor":
        from phylo.align import _anchors as anchors
        from phylo.align import _band as band

        bits = band.BITS[unit]
        values, cells, how = _with_threads(
            threads, anchors.align_many_anchored, flat, starts, index, 60 // bits, bits, *kernel_args(p))
    else:
        raise InputError(f"mode must be 'full', 'auto' or 'anchor', not {mode!r}", setting="mode")
    results = []
    for v, c, h, (s, t) in zip(values, cells, how, pairs):
        r = _result(v, p["B"], len(codes[s]) * per, len(codes[t]) * per, scoring)
        r["cells"], r["method"] = int(c), METHODS[int(h)]
        results.append(r)
    return results


def _with_threads(threads, func, *args):
    """Run ``func`` with numba's thread count set to ``threads`` (then restore it)."""
    import numba

    if threads is None:
        return func(*args)
    before = numba.get_num_threads()
    numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    try:
        return func(*args)
    finally:
        numba.set_num_threads(before)


def align_pair_full(a: str, b: str, *, unit: str = "codon", scoring: dict | None = None) -> tuple[str, str, int]:
    """Align two short sequences and return the alignment itself (quadratic memory).

    Returns
    -------
    (str, str, int)
        The two gapped sequences (``-`` for gaps, three per codon gap in unit
        ``codon``) and the nucleotide-level score; the same optimum as
        :func:`align_pair` (same score, matches and columns).

    Raises
    ------
    PhyloError
        If the matrix would exceed :data:`MAX_FULL_CELLS` cells.

    Examples
    --------
    >>> align_pair_full("AAAACCCCAAAA", "AAAAAAAA", unit="nt", scoring={"match": 1, "mismatch": -1,
    ...                 "gap_open": -4, "gap_extend": -1})
    ('AAAACCCCAAAA', 'AAAA----AAAA', 1)
    """
    from phylo.align import _dp

    ca, cb = kernel_codes(a, unit), kernel_codes(b, unit)
    if (len(ca) + 1) * (len(cb) + 1) > MAX_FULL_CELLS:
        raise PhyloError(f"too long for a full traceback ({len(ca)} x {len(cb)} cells); use align_pair")
    per = _PER[unit]
    p = packing(unit, scoring, (len(ca) + len(cb)) * per)
    M, X, Y = _dp.fill_full(ca, cb, *kernel_args(p))
    steps = _dp.traceback(M, X, Y, p["gap_open"])[::-1]
    best = max(M[-1, -1], X[-1, -1], Y[-1, -1])
    text_a, text_b = _letters(ca, unit), _letters(cb, unit)
    out_a, out_b, i, j = [], [], 0, 0
    gap = "-" * per
    for step in steps:
        out_a.append(text_a[i] if step != 2 else gap)
        out_b.append(text_b[j] if step != 1 else gap)
        i += step != 2
        j += step != 1
    return "".join(out_a), "".join(out_b), unpack(best, p["B"])[0]


_BITS_TO_CODON = {int(bits): TABLE[char] for bits, char in zip(CODON_BITS, CHARS)}


def _letters(codes: np.ndarray, unit: str) -> list[str]:
    if unit == "codon":
        return [_BITS_TO_CODON[int(c)] for c in codes]
    return ["ACGT"[int(c)] for c in codes]

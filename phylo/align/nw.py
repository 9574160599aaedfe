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
only the text between them (the fastest, and on simulated stories the closest to the true
lineage, because inserted and deleted passages stay gaps instead of being paired with
unrelated text); ``full`` fills the whole matrix (the best score; linear memory,
vectorised anti-diagonal strips, about 2 GCUPS per core at nucleotide level on an idle
machine here); ``auto`` fills a band around shared k-mers for long similar pairs and
checks it (a heuristic for the full optimum). The kernels are in ``phylo.align._kernels``.

Length: anchor mode takes sequences of any length. Its work grows with the text two
sequences do not share, and stays linear in their length: a stretch between anchors that
is long in both sequences (text the two do not share: unrelated articles, two different
long additions at one place) is aligned in blocks along its diagonal, each exact, the
whole a real alignment whose score is a lower bound on the stretch's optimum
(``method`` ``tiled``; see ``_kernels.rectangle``). Everything else is exact as
described under :func:`align_pairs`. Full DP and mode ``auto`` hold pairs whose shorter
sequence has up to about a million nucleotides (:func:`max_full_nt`; the packed values
must fit in 64 bits) and say so beyond it.

Identity = matches / columns, where columns are aligned nucleotide columns including
gap columns. Among equally scoring alignments the one with the most matches, then the
fewest columns, is reported (one packed int64 per cell, see ``phylo.align._kernels``).
Results also give the number of gap runs of that alignment (:func:`gap_runs`), which the
tree's distances use by default (``phylo.align.distances``).
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
#: The modes of :func:`align_pairs`.
MODES = ("full", "auto", "anchor")
#: How a pair was aligned (``method`` in results): full DP, a checked band (mode ``auto``),
#: full DP after the band failed its check, through anchors, or through anchors with some
#: long unshared stretch aligned in blocks (a lower bound; see :func:`align_pairs`).
METHODS = ("full", "banded", "full-after-band", "anchored", "tiled")


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


def scoring_array(scoring: dict | None) -> np.ndarray:
    """The scoring as the kernels take it: int64 ``[match, mismatch, gap_open, gap_extend]``."""
    s = _scoring(scoring)
    return np.array([s["match"], s["mismatch"], s["gap_open"], s["gap_extend"]], np.int64)


def fits(short_nt: int, scoring: dict | None = None) -> bool:
    """Whether the packed values of an alignment whose shorter sequence has ``short_nt``
    nucleotides fit in an int64 (see :mod:`phylo.align._kernels`).

    Stored values lie between two gap openings below zero and ``match - 2 * gap_extend``
    per nucleotide of the shorter sequence, times B**2 with B > short_nt: the low end must
    stay far above the kernels' minus infinity (-2**61), the high end below 2**63 with room
    to spare. With the default scoring: up to 2**20 - 1 nucleotides (B = 2**20).
    """
    s = _scoring(scoring)
    bits = max(4, int(short_nt).bit_length())  # B = 2**bits > short_nt, as _kernels.pack picks it
    per_nt = (abs(s["match"] - 2 * s["gap_extend"]) + abs(s["mismatch"] - 2 * s["gap_extend"])) * 3
    below = 2 * abs(s["gap_open"] - s["gap_extend"]) + per_nt + 2
    above = max(0, s["match"] - 2 * s["gap_extend"]) * short_nt + below
    return above << (2 * bits) < (1 << 63) - (1 << 60) and below << (2 * bits) < 1 << 59


def max_full_nt(scoring: dict | None = None) -> int:
    """The longest shorter sequence (nucleotides) full DP and mode ``auto`` can pack: about
    a million with the default scoring. Mode ``anchor`` packs each stretch between
    anchors on its own and has no such limit."""
    lo, hi = 0, 1 << 40
    while lo < hi:  # the largest length that fits: fits is monotone in short_nt
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if fits(mid, scoring) else (lo, mid - 1)
    return lo


def packing(unit: str, scoring: dict | None, short_nt: int) -> dict:
    """Packed kernel parameters for alignments whose shorter sequence has ``short_nt``
    nucleotides (``bits``, ``base``, ``step``, ``gap_open``, ``gap_extend``, ``eq_offset``)."""
    from phylo.align import _kernels

    if not fits(short_nt, scoring):
        raise InputError(f"full dynamic programming cannot hold a pair whose shorter sequence has {short_nt} nt "
                         f"(the most is {max_full_nt(scoring)}); use mode anchor", setting="mode")
    bits, base, step, gap_open, gap_extend = _kernels.pack(_PER[unit], scoring_array(scoring), short_nt)
    return {"bits": int(bits), "base": np.int64(base), "step": np.int64(step), "gap_open": np.int64(gap_open),
            "gap_extend": np.int64(gap_extend), "eq_offset": np.int64(2 if unit == "nt" else 0)}


def kernel_args(p: dict) -> tuple:
    """The packed parameters in kernel argument order."""
    return p["base"], p["step"], p["gap_open"], p["gap_extend"], p["eq_offset"]


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


def _result(score: int, matches: int, columns: int, length_a: int, length_b: int,
            scoring: dict | None) -> dict:
    score, matches, columns = int(score), int(matches), int(columns)
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
        ``anchor`` (default) fixes exact shared stretches (unique shared 10-codon k-mers,
        chained, extended while equal) and aligns only the text between them: the optimum
        among alignments through those stretches, for sequences of any length; a stretch
        longer than ``_kernels.EXACT_SIDE`` characters in both sequences (and over
        ``EXACT_SIDE**2`` cells) is aligned in diagonal blocks (method ``tiled``, a lower
        bound; see the module docstring). ``full`` fills every cell (the best score).
        ``auto`` aligns long pairs that share enough k-mers in a band around their
        anchor chain, checked by a wider band, and falls back to full DP otherwise.
        ``full`` and ``auto`` raise :class:`InputError` for a pair whose shorter
        sequence is over :func:`max_full_nt`.

    Returns
    -------
    list of dict
        One result per pair, as from :func:`align_pair`, in the order of ``pairs``.
    """
    from phylo.align import _kernels as kernels

    if not pairs:
        return []
    if mode not in MODES:
        raise InputError(f"mode must be 'full', 'auto' or 'anchor', not {mode!r}", setting="mode")
    used = sorted({k for pair in pairs for k in pair})
    codes = {k: kernel_codes(seqs[k], unit) for k in used}
    per = _PER[unit]
    sc = scoring_array(scoring)
    side = kernels.EXACT_SIDE * 3 // per  # anchor mode's exact stretches: the same characters in both units
    # the packed values must fit: per stretch in anchor mode (any length), per pair otherwise
    if mode == "anchor" and not fits(side * per, scoring):
        raise InputError("scoring values too large for the kernels' 64-bit values", setting="scoring")
    if mode != "anchor":
        short = max(min(len(codes[s]), len(codes[t])) for s, t in pairs) * per
        if not fits(short, scoring):
            raise InputError(f"full dynamic programming cannot hold a pair whose shorter sequence has {short} nt "
                             f"(the most is {max_full_nt(scoring)}); use mode anchor", setting="mode")
    # all sequences back to back, so one call carries every pair
    order = {k: n for n, k in enumerate(used)}
    starts = np.zeros(len(used) + 1, np.int64)
    starts[1:] = np.cumsum([len(codes[k]) for k in used])
    flat = np.concatenate([codes[k] for k in used])
    index = np.array([(order[s], order[t]) for s, t in pairs], np.int64)
    bits = kernels.BITS[unit]
    kmer = 60 // bits  # k-mers of 60 bits: 10 codons or 30 nucleotides
    if mode == "full":
        score, matches, columns = _with_threads(threads, kernels.score_many, flat, starts, index, per, sc)
        cells = [(len(codes[s]) + 1) * (len(codes[t]) + 1) for s, t in pairs]
        how = [0] * len(pairs)
    elif mode == "auto":
        score, matches, columns, cells, how = _with_threads(
            threads, kernels.align_many_auto, flat, starts, index, kmer, bits, kernels.MARGIN[unit],
            kernels.MAX_SHARE, kernels.MIN_CELLS, per, sc)
    else:
        unique = [unique_kmers(codes[u], kmer, bits) for u in used]  # once per sequence, not per pair
        kstarts = np.zeros(len(used) + 1, np.int64)
        kstarts[1:] = np.cumsum([len(v) for v, _ in unique])
        kvalues = np.concatenate([v for v, _ in unique])
        kpositions = np.concatenate([p for _, p in unique])
        score, matches, columns, cells, how = _with_threads(
            threads, kernels.align_many_anchored, flat, starts, kvalues, kpositions, kstarts, index, per, sc, side)
    results = []
    for v, c, h, (s, t) in zip(zip(score, matches, columns), cells, how, pairs):
        r = _result(*v, len(codes[s]) * per, len(codes[t]) * per, scoring)
        r["cells"], r["method"] = int(c), METHODS[int(h)]
        results.append(r)
    return results


def unique_kmers(codes: np.ndarray, k: int, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """The k-mers that occur once in ``codes``, as sorted ``k * bits``-bit values, and
    their positions (the anchors' candidates; numpy's sort is several times numba's).

    Examples
    --------
    >>> values, positions = unique_kmers(np.array([1, 2, 1, 2, 3]), 2, 2)
    >>> values.tolist(), positions.tolist()   # 1,2 occurs twice; 2,1 and 2,3 once
    ([9, 11], [1, 3])
    """
    count = len(codes) - k + 1
    if count <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    values = np.zeros(count, np.int64)
    for i in range(k):  # the k codes from each position, as one number
        values = (values << bits) | codes[i:i + count]
    order = np.argsort(values)
    ordered = values[order]
    once = np.ones(count, bool)
    once[1:] &= ordered[1:] != ordered[:-1]
    once[:-1] &= ordered[:-1] != ordered[1:]
    return ordered[once], order[once].astype(np.int64)


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
    from phylo.align import _kernels as kernels

    ca, cb = kernel_codes(a, unit), kernel_codes(b, unit)
    if (len(ca) + 1) * (len(cb) + 1) > MAX_FULL_CELLS:
        raise PhyloError(f"too long for a full traceback ({len(ca)} x {len(cb)} cells); use align_pair")
    per = _PER[unit]
    p = packing(unit, scoring, min(len(ca), len(cb)) * per)
    M, X, Y = kernels.fill_full(ca, cb, *kernel_args(p))
    steps = kernels.traceback(M, X, Y, p["gap_open"])[::-1]
    best = max(M[-1, -1], X[-1, -1], Y[-1, -1])
    text_a, text_b = _letters(ca, unit), _letters(cb, unit)
    out_a, out_b, i, j = [], [], 0, 0
    gap = "-" * per
    for step in steps:
        out_a.append(text_a[i] if step != 2 else gap)
        out_b.append(text_b[j] if step != 1 else gap)
        i += step != 2
        j += step != 1
    score = kernels.unpack(best, p["bits"], (len(ca) + len(cb)) * per, scoring_array(scoring)[3])[0]
    return "".join(out_a), "".join(out_b), int(score)


_BITS_TO_CODON = {int(bits): TABLE[char] for bits, char in zip(CODON_BITS, CHARS)}


def _letters(codes: np.ndarray, unit: str) -> list[str]:
    if unit == "codon":
        return [_BITS_TO_CODON[int(c)] for c in codes]
    return ["ACGT"[int(c)] for c in codes]

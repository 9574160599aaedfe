"""Needleman-Wunsch with affine gaps: hand-checked cases, an independent reference, units."""

import random

import pytest

from phylo.align.nw import DEFAULT_SCORING, align_pair, align_pair_full, align_pairs
from phylo.align.encoding import TABLE, encode
from phylo.errors import InputError, PhyloError

SIMPLE = {"match": 1, "mismatch": -1, "gap_open": -4, "gap_extend": -1}
CODONS = list(TABLE.values())


def reference(a, b, unit, s):
    """Plain-Python Gotoh, written independently of the kernels.

    Maximises (score, matches, -columns) lexicographically, cell by cell, with tuples.
    Codon unit: symbols are codons; a pair scores its three nucleotide pairs; a gap of
    k codons is a gap of 3k nucleotides: gap_open + (3k - 1) * gap_extend.
    """
    per = 3 if unit == "codon" else 1
    A = [a[i:i + per] for i in range(0, len(a), per)]
    Bs = [b[i:i + per] for i in range(0, len(b), per)]
    first = s["gap_open"] + (per - 1) * s["gap_extend"]  # first symbol of a gap
    more = per * s["gap_extend"]  # every further symbol
    neg = (float("-inf"), 0, 0)

    def add(v, score, matches, cols):
        return (v[0] + score, v[1] + matches, v[2] - cols)

    def pair(x, y):
        eq = sum(p == q for p, q in zip(x, y))
        return eq * s["match"] + (per - eq) * s["mismatch"], eq

    n, m = len(A), len(Bs)
    H = [[neg] * (m + 1) for _ in range(n + 1)]
    X = [[neg] * (m + 1) for _ in range(n + 1)]
    Y = [[neg] * (m + 1) for _ in range(n + 1)]
    H[0][0] = (0, 0, 0)
    for i in range(n + 1):
        for j in range(m + 1):
            if i == 0 and j == 0:
                continue
            if i > 0:
                X[i][j] = max(add(H[i - 1][j], first, 0, per), add(X[i - 1][j], more, 0, per))
            if j > 0:
                Y[i][j] = max(add(H[i][j - 1], first, 0, per), add(Y[i][j - 1], more, 0, per))
            best = max(X[i][j], Y[i][j])
            if i > 0 and j > 0:
                score, eq = pair(A[i - 1], Bs[j - 1])
                best = max(best, add(H[i - 1][j - 1], score, eq, per))
            H[i][j] = best
    score, matches, negcols = H[n][m]
    return score, matches, -negcols


def mutate(rng, codons, rate):
    out = []
    for c in codons:
        r = rng.random()
        if r < rate:
            continue  # deletion
        if r < 2 * rate:
            out.append(rng.choice(CODONS))  # substitution
        else:
            out.append(c)
        if rng.random() < rate:
            out.extend(rng.choice(CODONS) for _ in range(rng.randint(1, 4)))  # insertion
    return out


def random_pairs(count, seed=1):
    rng = random.Random(seed)
    pairs = []
    for k in range(count):
        a = [rng.choice(CODONS) for _ in range(rng.randint(0, 14))]
        b = mutate(rng, a, 0.15) if k % 3 else [rng.choice(CODONS) for _ in range(rng.randint(0, 14))]
        pairs.append(("".join(a), "".join(b)))
    return pairs


def triple(r):
    return r["score"], r["matches"], r["columns"]


def test_one_long_gap_beats_scattered_gaps():
    # one gap of 4: 8 matches - 4 - 3 = 1; four separate gaps would cost 16
    a, b, score = align_pair_full("AAAACCCCAAAA", "AAAAAAAA", unit="nt", scoring=SIMPLE)
    assert (a, b, score) == ("AAAACCCCAAAA", "AAAA----AAAA", 1)
    r = align_pair("AAAACCCCAAAA", "AAAAAAAA", unit="nt", scoring=SIMPLE, mode="full")
    assert triple(r) == (1, 8, 12) and r["identity"] == pytest.approx(8 / 12)


def test_affine_gap_prefers_a_block_where_linear_gaps_would_tie_with_mismatches():
    # GGTT vs GTTT... hand case: a = ACGTTTACG (9), b = ACGACG (6).
    # Affine: ACGTTTACG / ACG---ACG: 6 matches, gap 3 = -4 - 2 = -6 -> 0.
    # With gap_open = gap_extend = -1 (linear) the mismatch-heavy path ties or wins; here
    # the block is the unique optimum.
    a, b, score = align_pair_full("ACGTTTACG", "ACGACG", unit="nt", scoring=SIMPLE)
    assert (a, b, score) == ("ACGTTTACG", "ACG---ACG", 0)
    linear = dict(SIMPLE, gap_open=-1)
    assert align_pair("ACGTTTACG", "ACGACG", unit="nt", scoring=linear, mode="full")["score"] == 3  # 6 - 3


def test_mismatch_cheaper_than_two_gaps():
    a, b, score = align_pair_full("ACGTACGT", "ACGAACGT", unit="nt", scoring=SIMPLE)
    assert (a, b, score) == ("ACGTACGT", "ACGAACGT", 6)


def test_codon_gaps_are_whole_codons():
    x, y = encode("THE CAT"), encode("THE BIG CAT")
    a, b, score = align_pair_full(x, y)
    assert len(a) == len(b) == len(y)
    assert a.count("-") == 12 and "-" * 12 in a  # BIG + space: one block of 4 codons
    s = DEFAULT_SCORING
    assert score == 7 * 3 * s["match"] + s["gap_open"] + 11 * s["gap_extend"]


@pytest.mark.parametrize("unit", ["codon", "nt"])
def test_kernel_matches_reference_on_random_pairs(unit):
    pairs = random_pairs(100)
    seqs = [s for pair in pairs for s in pair]
    index = [(2 * k, 2 * k + 1) for k in range(len(pairs))]
    for scoring in (None, SIMPLE):
        s = dict(DEFAULT_SCORING, **(scoring or {}))
        got = align_pairs(seqs, index, unit=unit, scoring=scoring, threads=2, mode="full")
        for (a, b), r in zip(pairs, got):
            assert triple(r) == reference(a, b, unit, s), (a, b)


@pytest.mark.parametrize("unit", ["codon", "nt"])
def test_linear_memory_and_traceback_agree(unit):
    for a, b in random_pairs(30, seed=5):
        x, y, score = align_pair_full(a, b, unit=unit)
        r = align_pair(a, b, unit=unit, mode="full")
        assert score == r["score"]
        assert x.replace("-", "") == a and y.replace("-", "") == b
        cols = [(p, q) for p, q in zip(x, y)]
        assert len(cols) == r["columns"]
        assert sum(p == q != "-" for p, q in cols) == r["matches"]


def runs_in(x, y, per):
    """Gap runs in a traceback's two gapped strings (a gap symbol is ``per`` dashes)."""
    runs, last = 0, None
    for k in range(0, len(x), per):
        state = 1 if x[k] == "-" else (2 if y[k] == "-" else 0)
        runs += state != 0 and state != last
        last = state
    return runs


@pytest.mark.parametrize("unit", ["codon", "nt"])
def test_gap_runs_are_those_of_the_optimal_alignment(unit):
    # the runs derived from (score, matches, columns) equal those counted in the traceback
    per = 3 if unit == "codon" else 1
    seen = 0
    for a, b in random_pairs(40, seed=11):
        x, y, _ = align_pair_full(a, b, unit=unit)
        r = align_pair(a, b, unit=unit, mode="full")
        assert r["gap_runs"] == runs_in(x, y, per), (a, b)
        assert r["pairs"] == sum(p != "-" and q != "-" for p, q in zip(x, y))
        seen += r["gap_runs"] > 1
    assert seen  # some pairs had several runs


def test_gap_runs_hand_case_and_linear_gaps():
    r = align_pair("AAAACCCCAAAA", "AAAAAAAA", unit="nt", scoring=SIMPLE, mode="full")
    assert (r["gap_runs"], r["pairs"]) == (1, 8)  # AAAACCCCAAAA / AAAA----AAAA
    # an inserted sentence in a copy: one run in every mode
    a = encode("The bridge will reopen in May, the mayor said.")
    b = encode("The bridge will reopen in May, after repairs that took two years, the mayor said.")
    for mode in ("full", "auto", "anchor"):
        assert align_pair(a, b, mode=mode)["gap_runs"] == 1
    linear = dict(SIMPLE, gap_open=-1)
    assert align_pair("ACGTTTACG", "ACGACG", unit="nt", scoring=linear, mode="full")["gap_runs"] is None


def test_long_sequences_cross_strips():
    rng = random.Random(3)
    a = [rng.choice(CODONS) for _ in range(700)]  # > one 512-row strip in both units
    b = mutate(rng, a, 0.05)
    sa, sb = "".join(a), "".join(b)
    for unit in ("codon", "nt"):
        x, y, score = align_pair_full(sa, sb, unit=unit) if unit == "codon" else (None, None, None)
        r = align_pair(sa, sb, unit=unit, mode="full")
        if score is not None:
            assert score == r["score"]
    # nucleotides reach at least the frame-keeping optimum
    assert align_pair(sa, sb, unit="nt", mode="full")["score"] >= align_pair(sa, sb, unit="codon", mode="full")["score"]


def test_units_agree_on_identical_and_near_identical_text():
    text = encode("The mayor said on Tuesday that the bridge would reopen in May.")
    for unit in ("codon", "nt"):
        r = align_pair(text, text, unit=unit, mode="full")
        assert r["identity"] == 1.0 and r["columns"] == len(text) == r["length_a"]
    other = encode("The mayor said on Monday that the bridge would reopen in May.")
    c, n = align_pair(text, other, mode="full"), align_pair(text, other, unit="nt", mode="full")
    assert n["score"] >= c["score"]
    assert 0.85 < c["identity"] <= n["identity"] + 0.05
    assert abs(c["identity"] - n["identity"]) < 0.05


def test_empty_and_order():
    assert triple(align_pair("", "")) == (0, 0, 0)
    assert align_pair("", "")["identity"] == 1.0
    r = align_pair("", TABLE["A"] * 2)
    s = DEFAULT_SCORING
    assert triple(r) == (s["gap_open"] + 5 * s["gap_extend"], 0, 6)
    seqs = [encode("abc"), encode("abd"), encode("xyz")]
    both = align_pairs(seqs, [(0, 1), (1, 2), (0, 2)])
    assert [triple(r) for r in both] == [triple(align_pair(seqs[i], seqs[j])) for i, j in [(0, 1), (1, 2), (0, 2)]]
    assert align_pairs(seqs, []) == []


def test_bad_arguments():
    with pytest.raises(PhyloError):
        align_pair("ACT", "ACT", unit="aa")
    with pytest.raises(PhyloError):
        align_pair("ACT", "ACT", scoring={"gap": -1})
    with pytest.raises(PhyloError):
        align_pair_full("ACT" * 6000, "ACT" * 6000)


# --- banded mode (phylo.align._kernels, mode auto) -------------------------------------------------

WORDS = ("council budget approved monday school teachers parents said would reopen bridge river "
         "mayor weather storm water prices energy report minister company market people").split()


def article(rng, words):
    return " ".join(rng.choice(WORDS) for _ in range(words)) + "."


def test_band_pieces_on_a_shifted_copy():
    import numpy as np

    from phylo.align import _kernels as band
    from phylo.align.nw import kernel_codes

    rng = random.Random(11)
    text = article(rng, 400)
    a = kernel_codes(encode(text), "codon")
    b = kernel_codes(encode("BREAKING " + text[:900] + text[1000:]), "codon")  # prefix, deletion
    ia, jb = band.anchors(a, b, 10, 6)
    ci, cj = band.chain(ia, jb)
    assert len(ci) > 0 and np.all(np.diff(ci) > 0) and np.all(np.diff(cj) > 0)
    assert cj[0] - ci[0] == 9  # "BREAKING " shifts the start by 9 characters
    lo, hi = band.band_rows(ci, cj, len(a), len(b), 8, band.runs(ia, jb, 10, band.MIN_RUN))
    assert lo[0] == 0 and hi[-1] == len(b)
    assert np.all(np.diff(lo) >= 0) and np.all(np.diff(hi) >= 0) and np.all(lo <= hi)
    assert all(lo[i] <= j <= hi[i] for i, j in zip(ci, cj))
    assert (hi - lo + 1).sum() < 0.2 * len(a) * len(b)


def test_auto_mode_matches_full_dp_on_copied_text():
    rng = random.Random(5)
    root = [article(rng, 30) for _ in range(15)]  # 15 "sentences", about 3,000 characters
    reworded, deleted, inserted, swapped = list(root), list(root), list(root), list(root)
    reworded[3] = article(rng, 25)  # one sentence rewritten, with shared common phrases
    del deleted[7]
    inserted.insert(10, article(rng, 20))
    swapped[12], swapped[13] = swapped[13], swapped[12]
    a = encode(" ".join(root))
    for copy in (reworded, deleted, inserted, swapped):
        b = encode(" ".join(copy))
        for unit in ("codon", "nt"):
            full = align_pair(a, b, unit=unit, mode="full")
            auto = align_pair(a, b, unit=unit, mode="auto")
            assert triple(auto) == triple(full)
            if copy is not swapped:
                assert auto["method"] == "banded" and auto["cells"] < full["cells"] / 2
            # a swap puts the optimal path a sentence away from the chain at its corners:
            # on a text this short the check may need a band too wide and fall back
            assert auto["method"] in ("banded", "full-after-band")


def test_auto_mode_falls_back_without_anchors():
    rng = random.Random(2)
    a = "".join(rng.choice(CODONS) for _ in range(2500))
    b = "".join(rng.choice(CODONS) for _ in range(2500))
    r = align_pair(a, b, mode="auto")
    assert r["method"] == "full" and triple(r) == triple(align_pair(a, b, mode="full"))
    small = align_pair(encode("a short text"), encode("a short text!"), mode="auto")
    assert small["method"] == "full" and small["identity"] == 1.0
    with pytest.raises(PhyloError):
        align_pair("ACT", "ACT", mode="fast")


def test_anchor_mode_is_exact_on_identical_text_and_single_block_edits():
    rng = random.Random(8)
    text = " ".join(article(rng, 30) for _ in range(12))
    inserted = text[:1500] + " " + article(rng, 40) + text[1500:]
    deleted = text[:900] + text[1400:]
    for unit in ("codon", "nt"):
        same = align_pair(encode(text), encode(text), unit=unit, mode="anchor")
        assert same["method"] == "anchored" and same["identity"] == 1.0 and same["cells"] < 100
        for other in (inserted, deleted):
            full = align_pair(encode(text), encode(other), unit=unit, mode="full")
            anchored = align_pair(encode(text), encode(other), unit=unit, mode="anchor")
            assert anchored["cells"] < full["cells"] / 20
            assert triple(anchored) == triple(full)


def test_anchor_mode_on_edited_copies_exact_except_for_moved_blocks():
    rng = random.Random(5)
    root = [article(rng, 30) for _ in range(15)]
    reworded, deleted, inserted, swapped = list(root), list(root), list(root), list(root)
    reworded[3] = article(rng, 25)
    del deleted[7]
    inserted.insert(10, article(rng, 20))
    swapped[12], swapped[13] = swapped[13], swapped[12]
    a = encode(" ".join(root))
    for unit in ("codon", "nt"):
        for copy in (reworded, deleted, inserted):
            b = encode(" ".join(copy))
            assert triple(align_pair(a, b, unit=unit, mode="anchor")) == triple(align_pair(a, b, unit=unit, mode="full"))
        # a moved sentence: the anchors keep it as one exact stretch and gap the other;
        # full DP does much the same, but may place the gaps' ends differently
        b = encode(" ".join(swapped))
        full, anchored = align_pair(a, b, unit=unit, mode="full"), align_pair(a, b, unit=unit, mode="anchor")
        assert anchored["score"] <= full["score"]  # never above the optimum
        assert abs(anchored["identity"] - full["identity"]) < 0.01


def test_anchor_mode_falls_back_to_full_dp_without_anchors():
    rng = random.Random(2)
    a = "".join(rng.choice(CODONS) for _ in range(1500))
    b = "".join(rng.choice(CODONS) for _ in range(1500))
    r = align_pair(a, b, mode="anchor")
    assert r["method"] == "full" and triple(r) == triple(align_pair(a, b, mode="full"))
    pairs = align_pairs([a, b, a], [(0, 1), (0, 2)], mode="anchor")
    assert [p["method"] for p in pairs] == ["full", "anchored"] and pairs[1]["identity"] == 1.0


# --- long articles: past the old packing limit, anchor mode's blocks ------------------

def prose(rng, lang, chars):
    """Simulated news prose (phylo.sim's made-up language): paragraphs of ``chars`` characters in all."""
    from phylo.sim.story import paragraphs_of

    return [" ".join(p) for p in paragraphs_of(lang, rng, chars)]


def test_full_dp_past_the_old_limit_reaches_the_known_optimum():
    # a = x + y, b = x: no alignment beats x matched in full plus one gap run over y (each
    # pair scores at most a full match, and y has to go against a gap somewhere)
    rng = random.Random(4)
    x = "".join(rng.choice(CODONS) for _ in range(2_000))
    y = "".join(rng.choice(CODONS) for _ in range(90_000))
    assert len(x + y) + len(x) > 262_142  # together past what one packed value held before
    s = DEFAULT_SCORING
    best = (len(x) * s["match"] + s["gap_open"] + (len(y) - 1) * s["gap_extend"], len(x), len(x + y))
    for mode in ("full", "anchor", "auto"):
        r = align_pair(x + y, x, mode=mode)
        assert triple(r) == best and r["gap_runs"] == 1, mode


def test_anchor_mode_matches_full_dp_on_long_copies_past_the_old_limit():
    from phylo.sim.story import Language

    rng = random.Random(12)
    lang = Language(rng)
    paras = prose(rng, lang, 45_000)  # 45k characters: 135k nt, a pair of two is past 262k nt
    edited = list(paras)
    edited[30] = " ".join(lang.paragraph(rng))  # one paragraph rewritten
    del edited[60]
    edited.insert(90, " ".join(lang.paragraph(rng)))
    words = edited[120].split(" ")
    edited[120] = " ".join(lang.synonym.get(w, w) for w in words)  # reworded
    excerpt = paras[100:112]  # a short excerpt, lightly edited
    excerpt[3] = excerpt[3].replace(" the ", " a ", 2)
    texts = ["\n\n".join(p) for p in (paras, edited, excerpt)]
    seqs = [encode(t) for t in texts]
    assert len(seqs[0]) + len(seqs[1]) > 262_142
    pairs = [(0, 1), (0, 2), (1, 2)]
    full = align_pairs(seqs, pairs, mode="full", threads=2)
    anchored = align_pairs(seqs, pairs, mode="anchor", threads=2)
    for f, a in zip(full, anchored):
        assert a["method"] == "anchored" and a["cells"] < f["cells"] / 50
        assert triple(a) == triple(f)


def test_full_dp_beyond_what_it_can_hold_says_so_and_anchor_mode_takes_it():
    from phylo.align.nw import max_full_nt

    limit = max_full_nt()
    assert 1_000_000 < limit < 1_100_000  # about a million nucleotides in the shorter sequence
    rng = random.Random(6)
    text = "".join(rng.choice(CODONS) for _ in range(limit // 3 + 1))  # just past it
    with pytest.raises(InputError, match="use mode anchor") as caught:
        align_pair(text, text, mode="full")
    assert caught.value.setting == "mode"
    r = align_pair(text, text, mode="anchor")
    assert r["identity"] == 1.0 and r["columns"] == len(text) and r["cells"] == 0


def test_long_unshared_stretches_are_aligned_in_blocks_close_to_full_dp():
    from phylo.align import _kernels
    from phylo.align.distances import identity_to_distance, site_identity

    rng = random.Random(9)
    # no shared 10-mer at all (prose shares some by chance, which splits the matrix instead)
    a, b = ("".join(rng.choice(CODONS) for _ in range(size)) for size in (7_000, 5_500))
    full = align_pair(a, b, mode="full")
    blocks = align_pair(a, b, mode="anchor")
    n, m = len(a) // 3, len(b) // 3
    assert blocks["method"] == "tiled" and full["cells"] > _kernels.EXACT_SIDE ** 2
    assert blocks["cells"] <= _kernels.EXACT_SIDE * (n + m) / 2 < full["cells"]
    assert blocks["score"] <= full["score"]  # one real alignment, through points of the diagonal
    assert blocks["gap_runs"] is not None and blocks["pairs"] + blocks["columns"] == len(a) + len(b)
    # the distance the tree uses barely moves
    d_full, d_blocks = (identity_to_distance(site_identity(r), "jc") for r in (full, blocks))
    assert abs(d_full - d_blocks) < 0.03
    # a long text beside a short one is aligned exactly, however long (linear work too)
    short = align_pair(a * 4, b[:3 * 1_500], mode="anchor")
    assert short["method"] == "full" and triple(short) == triple(align_pair(a * 4, b[:3 * 1_500], mode="full"))


def test_unique_kmers_agree_with_the_kernels_own():
    import numpy as np

    from phylo.align import _kernels
    from phylo.align.nw import unique_kmers

    rng = np.random.default_rng(3)
    for size, alphabet in ((0, 40), (9, 40), (500, 4), (5_000, 40), (20_000, 3)):
        codes = rng.integers(0, alphabet, size).astype(np.int64)
        mine = unique_kmers(codes, 10, 6)
        theirs = _kernels.unique_sorted(_kernels.kmers(codes, 10, 6))
        assert [x.tolist() for x in mine] == [x.tolist() for x in theirs]

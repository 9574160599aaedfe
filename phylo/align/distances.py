"""Distances between sequences from alignments: a numpy matrix, or a skbio DistanceMatrix.

p-distance: ``p = 1 - identity``, the share of alignment sites that differ. What a site
is depends on how gaps count (``gaps``); with ``pairs`` the columns without a gap,
``gaps`` the gap columns and ``runs`` the gap runs (stretches inserted or deleted in one go):

``affine`` (default)
    ``identity = matches / (pairs + runs + gaps / 15)``: a gap run counts as one
    differing site plus one more per 15 nucleotides (5 characters, about a word). An
    added paragraph is one edit with some weight for its size, not hundreds of
    differences that swamp the rewording telling copies apart.
``runs``
    ``identity = matches / (pairs + runs)``: each gap run is one site, whatever its size.
``columns``
    ``identity = matches / columns``: every gap column counts. This is the identity
    reported to users (lineage.tsv, alerts), where "83% identical" should mean the
    share of the text.

On simulated stories (``bench/align.py``: small edits to long articles; and
``bench/accuracy.py``: heavy rewording, trims and additions, through page extraction)
``affine`` gave NJ trees closer to the true lineage than ``columns`` on both, while
``runs`` was best on the first and worst on the second (``docs/align.md``).

Jukes-Cantor (``correction="jc"``): ``d = -3/4 ln(1 - 4/3 p)``, the expected number of
substitutions per site under equal rates between four letters. It is undefined for
``p >= 3/4`` (what unrelated random DNA reaches), so ``p`` is capped at
:data:`P_SATURATION` first: saturated pairs all get the same large distance
(:data:`JC_MAX`, about 4.96) instead of infinity, and trees stay buildable.
"""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from phylo.errors import PhyloError, InputError

CORRECTIONS = ("jc", None)
GAPS = ("affine", "runs", "columns")
#: ``affine``: gap nucleotides per extra differing site, beyond the one each run counts.
GAP_NT_PER_SITE = 15
P_SATURATION = 0.749  # largest p fed to Jukes-Cantor
JC_MAX = -0.75 * math.log(1 - 4 / 3 * P_SATURATION)


def _check_correction(correction):
    if correction in ("none", ""):
        return None
    if correction not in CORRECTIONS:
        raise InputError(f"unknown correction {correction!r}; use 'jc' or none")
    return correction


def identity_to_distance(identity, correction: str | None = None):
    """Distance from identity (scalar or array): p-distance, or Jukes-Cantor.

    Examples
    --------
    >>> identity_to_distance(0.9)
    0.09999999999999998
    >>> round(identity_to_distance(0.9, "jc"), 4)
    0.1073
    """
    correction = _check_correction(correction)
    p = 1.0 - np.asarray(identity, dtype=float)  # p-distance
    if correction == "jc":
        p = np.minimum(p, P_SATURATION)  # cap before the log blows up at p = 3/4
        p = -0.75 * np.log(1.0 - 4.0 / 3.0 * p)  # d = -3/4 ln(1 - 4/3 p)
    p = np.maximum(p, 0.0)  # -0.0 and rounding below zero
    return float(p) if p.ndim == 0 else p


def site_identity(counts: dict, gaps: str = "affine") -> float:
    """Identity of one aligned pair, gaps counted as ``gaps`` says (see the module docstring).

    ``counts`` is an alignment result (``phylo.align.nw.align_pairs``) or a pair from
    :func:`msa_counts`: ``matches``, ``columns``, ``pairs``, ``gap_runs``.

    Examples
    --------
    >>> c = {"matches": 90, "columns": 250, "pairs": 100, "gap_runs": 1}   # one 150-nt gap
    >>> site_identity(c, "columns"), round(site_identity(c, "runs"), 3), round(site_identity(c), 3)
    (0.36, 0.891, 0.811)
    """
    if gaps == "columns":
        return counts["matches"] / counts["columns"] if counts["columns"] else 1.0
    if gaps not in GAPS:
        raise InputError(f"unknown gap counting {gaps!r}; use {', '.join(GAPS)}")
    if counts.get("gap_runs") is None:
        raise InputError("gap runs are unknown with linear gap costs (gap_open == gap_extend); use gaps 'columns'")
    sites = counts["pairs"] + counts["gap_runs"]
    if gaps == "affine":
        sites += (counts["columns"] - counts["pairs"]) / GAP_NT_PER_SITE
    return counts["matches"] / sites if sites else 1.0


def distance_array(labels: list[str], pairs: Iterable[tuple[int, int]], identities: Iterable[float],
                   *, correction: str | None = None) -> np.ndarray:
    """The square distance matrix (numpy) from pairwise identities; see :func:`from_identities`."""
    n = len(labels)
    d = np.full((n, n), np.nan)
    np.fill_diagonal(d, 0.0)
    for (i, j), ident in zip(pairs, identities):
        d[i, j] = d[j, i] = identity_to_distance(ident, correction)
    if np.isnan(d).any():
        i, j = np.argwhere(np.isnan(d))[0]
        raise PhyloError(f"no alignment for the pair {labels[i]} / {labels[j]}")
    return d


def from_identities(labels: list[str], pairs: Iterable[tuple[int, int]], identities: Iterable[float],
                    *, correction: str | None = None):
    """DistanceMatrix from pairwise identities (e.g. ``phylo.align.nw.align_pairs``).

    Parameters
    ----------
    labels : list of str
    pairs : iterable of (int, int)
        Index pairs into ``labels``; every pair i < j must be given once.
    identities : iterable of float
        One per pair.
    correction : {"jc", None}

    Returns
    -------
    skbio.DistanceMatrix
    """
    from phylo.align.scikit_bio import DistanceMatrix

    return DistanceMatrix(distance_array(labels, pairs, identities, correction=correction), ids=list(labels))


def msa_counts(msa: dict[str, str], gap: str = "-") -> tuple[list[str], list[tuple[int, int]], list[dict]]:
    """Pairwise counts in a multiple alignment, ignoring columns where both have gaps.

    For each pair, over the columns where at least one of the two has a letter:
    ``columns``; ``pairs`` (both have a letter); ``matches`` (the same letter);
    ``gap_runs`` (runs of columns where the same one of the two has the gap; a column
    where both have gaps does not break a run, as it is not part of this pair's
    alignment); ``identity`` = matches / columns.

    Returns
    -------
    (labels, pairs, counts)
    """
    labels = list(msa)
    lengths = {len(s) for s in msa.values()}
    if len(lengths) > 1:
        raise PhyloError("the alignment's sequences differ in length; it is not a multiple alignment")
    rows = np.array([np.frombuffer(s.upper().encode("ascii"), np.uint8) for s in msa.values()])
    letter = rows != ord(gap)
    pairs, counts = [], []
    for i in range(len(labels)):
        for j in range(i + 1, len(labels)):
            used = letter[i] | letter[j]
            # per used column: 0 both letters, 1 the gap is in j, 2 the gap is in i
            state = letter[i][used].astype(np.int8) - letter[j][used].astype(np.int8)
            state[state < 0] = 2
            columns = int(used.sum())
            both = letter[i] & letter[j]
            opens = (state != 0) & np.concatenate(([True], state[1:] != state[:-1]))
            matches = int(np.count_nonzero((rows[i] == rows[j]) & both))
            pairs.append((i, j))
            counts.append({"matches": matches, "columns": columns, "pairs": int(both.sum()),
                           "gap_runs": int(opens.sum()), "identity": matches / columns if columns else 1.0})
    return labels, pairs, counts


def write_tsv(dm, path) -> None:
    """Write a square TSV: a header row of labels, then one row per label.

    ``dm``: a skbio DistanceMatrix, or plain data ``{"labels", "matrix"}`` (as from
    ``phylo.align.pairwise``). The text is skbio's ``lsmat`` format, written here so
    that writing a matrix does not need skbio (a second of start-up); the tests check it
    against skbio's own writer.
    """
    labels, matrix = _labels_and_matrix(dm)
    rows = ["\t".join(["", *labels])]
    rows += ["\t".join([label, *np.asarray(row, dtype=str)]) for label, row in zip(labels, matrix)]
    _write(path, rows)


def write_phylip(dm, path) -> None:
    """Write PHYLIP (square, relaxed: labels of any length, no whitespace in them), as
    skbio's ``phylip_dm`` writer with ``layout="square"`` does; ``dm`` as for :func:`write_tsv`."""
    labels, matrix = _labels_and_matrix(dm)
    bad = [label for label in labels if any(c.isspace() for c in label)]
    if bad:
        raise PhyloError(f"PHYLIP labels cannot contain whitespace: {bad[0]!r}")
    if len(labels) < 2:
        raise PhyloError("a PHYLIP distance matrix needs at least two sequences")
    rows = [str(len(labels))]
    rows += ["\t".join([label, *np.asarray(row, dtype=str)]) for label, row in zip(labels, matrix)]
    _write(path, rows)


def _labels_and_matrix(dm) -> tuple[list[str], np.ndarray]:
    if isinstance(dm, dict):
        return [str(label) for label in dm["labels"]], np.asarray(dm["matrix"], dtype=float)
    return list(dm.ids), dm.data


def _write(path, rows: list[str]) -> None:
    from phylo.engine.files import atomic_write

    atomic_write(path, "\n".join(rows) + "\n")

"""Distances between sequences from alignments, as a skbio DistanceMatrix.

p-distance: ``p = 1 - identity``, identity = matches / aligned columns (gap columns
count, so an inserted passage makes two copies more distant).

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

from phylo.errors import PhyloError, UsageError

CORRECTIONS = ("jc", None)
P_SATURATION = 0.749  # largest p fed to Jukes-Cantor
JC_MAX = -0.75 * math.log(1 - 4 / 3 * P_SATURATION)


def _check_correction(correction):
    if correction in ("none", ""):
        return None
    if correction not in CORRECTIONS:
        raise UsageError(f"unknown correction {correction!r}; use 'jc' or none")
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
    from skbio import DistanceMatrix

    n = len(labels)
    d = np.full((n, n), np.nan)
    np.fill_diagonal(d, 0.0)
    for (i, j), ident in zip(pairs, identities):
        d[i, j] = d[j, i] = identity_to_distance(ident, correction)
    if np.isnan(d).any():
        i, j = np.argwhere(np.isnan(d))[0]
        raise PhyloError(f"no alignment for the pair {labels[i]} / {labels[j]}")
    return DistanceMatrix(d, ids=list(labels))


def msa_identities(msa: dict[str, str], gap: str = "-") -> tuple[list[str], list[tuple[int, int]], list[float]]:
    """Pairwise identities in a multiple alignment, ignoring columns where both have gaps.

    For each pair: columns = positions where at least one of the two has a letter,
    matches = positions with the same letter in both; identity = matches / columns.

    Returns
    -------
    (labels, pairs, identities)
    """
    labels = list(msa)
    lengths = {len(s) for s in msa.values()}
    if len(lengths) > 1:
        raise PhyloError("the alignment's sequences differ in length; it is not a multiple alignment")
    rows = np.array([np.frombuffer(s.upper().encode("ascii"), np.uint8) for s in msa.values()])
    letter = rows != ord(gap)
    pairs, identities = [], []
    for i in range(len(labels)):
        for j in range(i + 1, len(labels)):
            columns = np.count_nonzero(letter[i] | letter[j])
            matches = np.count_nonzero((rows[i] == rows[j]) & letter[i])
            pairs.append((i, j))
            identities.append(matches / columns if columns else 1.0)
    return labels, pairs, identities


def from_msa(msa: dict[str, str], *, correction: str | None = None):
    """DistanceMatrix from a multiple alignment (label -> gapped sequence)."""
    labels, pairs, identities = msa_identities(msa)
    return from_identities(labels, pairs, identities, correction=correction)


def write_tsv(dm, path) -> None:
    """Write a square TSV: a header row of labels, then one row per label (skbio lsmat)."""
    dm.write(str(path), format="lsmat")


def write_phylip(dm, path) -> None:
    """Write PHYLIP (square, relaxed: labels of any length, no whitespace in them)."""
    bad = [label for label in dm.ids if any(c.isspace() for c in label)]
    if bad:
        raise PhyloError(f"PHYLIP labels cannot contain whitespace: {bad[0]!r}")
    dm.write(str(path), format="phylip_dm", layout="square")

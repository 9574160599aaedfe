"""Every pair of a set of sequences, aligned and turned into distances: the one path
from sequences to a distance matrix for ``phylo align``, ``phylo run`` and the monitor.

``pairwise_distances(sequences, ...)`` aligns all pairs (the native aligner, or one
MAFFT multiple alignment) and returns plain data::

    {"labels": [...], "matrix": distances (n x n), "identity": matches / columns (n x n),
     "msa": the MAFFT alignment or None}

The parts are public for callers that hold some of the counts already (the monitor
caches each pair): ``align_all`` gives each pair's counts, ``distance_data`` turns
counts into the two matrices (gaps counted as ``gaps`` says, see
``phylo.align.distances``).
"""

from __future__ import annotations

import itertools

import numpy as np

from phylo.errors import InputError

ALIGNERS = ("nw", "mafft")


def align_all(sequences: dict[str, str], *, aligner: str = "nw", unit: str = "codon", mode: str = "anchor",
              strategy: str = "auto", threads: int | None = None) -> dict:
    """Counts for every pair: ``{"labels", "pairs" [(i, j)], "counts" [dict per pair], "msa"}``."""
    check_sequences(sequences, "nt" if aligner == "mafft" else unit)
    labels = list(sequences)
    if aligner == "mafft":
        from phylo.align.distances import msa_counts
        from phylo.align.mafft import run_mafft

        msa = run_mafft(sequences, strategy=strategy, threads=threads)
        msa_labels, pairs, counts = msa_counts(msa)
        assert msa_labels == labels, "MAFFT returned the sequences in another order"
        return {"labels": labels, "pairs": pairs, "counts": counts, "msa": msa}
    if aligner != "nw":
        raise InputError(f"unknown aligner {aligner!r}: use {' or '.join(ALIGNERS)}", setting="aligner")
    from phylo.align.nw import align_pairs

    pairs = list(itertools.combinations(range(len(labels)), 2))
    counts = align_pairs([sequences[label] for label in labels], pairs, unit=unit, mode=mode, threads=threads)
    return {"labels": labels, "pairs": pairs, "counts": counts, "msa": None}


def check_sequences(sequences: dict[str, str], unit: str = "codon") -> None:
    """Refuse what cannot be aligned as it stands (``encoding.sequence_problem``), naming the record."""
    from phylo.align.encoding import sequence_problem

    for label, seq in sequences.items():
        problem = sequence_problem(seq, unit)
        if problem:
            hint = ("; align nucleotides instead (unit nt), or encode text first"
                    if unit == "codon" and problem.startswith(("its", "codon")) else
                    "; give DNA writer sequences (encode text first)")
            raise InputError(f"sequence {label!r}: {problem}{hint}",
                             setting="unit" if "unit nt" in hint else None)


def distance_data(labels: list[str], pairs: list[tuple[int, int]], counts: list[dict], *,
                  gaps: str = "affine", correction: str | None = "jc") -> dict:
    """``{"labels", "matrix", "identity"}`` from each pair's counts (every pair given once)."""
    from phylo.align.distances import distance_array, site_identity

    correction = None if correction in ("none", "") else correction
    matrix = distance_array(labels, pairs, [site_identity(c, gaps) for c in counts], correction=correction)
    identity = np.eye(len(labels))
    for (i, j), c in zip(pairs, counts):
        identity[i, j] = identity[j, i] = c["identity"]
    return {"labels": list(labels), "matrix": matrix, "identity": identity}


def pairwise_distances(sequences: dict[str, str], *, aligner: str = "nw", unit: str = "codon",
                       mode: str = "anchor", strategy: str = "auto", threads: int | None = None,
                       gaps: str = "affine", correction: str | None = "jc") -> dict:
    """Align every pair and return ``{"labels", "matrix", "identity", "msa"}`` (module docstring)."""
    aligned = align_all(sequences, aligner=aligner, unit=unit, mode=mode, strategy=strategy, threads=threads)
    data = distance_data(aligned["labels"], aligned["pairs"], aligned["counts"], gaps=gaps, correction=correction)
    return {**data, "msa": aligned["msa"]}


def msa_distance_data(msa: dict[str, str], *, gaps: str = "affine", correction: str | None = "jc") -> dict:
    """``distance_data`` of a multiple alignment's pairs (e.g. a bootstrap replicate's columns)."""
    from phylo.align.distances import msa_counts

    labels, pairs, counts = msa_counts(msa)
    return distance_data(labels, pairs, counts, gaps=gaps, correction=correction)

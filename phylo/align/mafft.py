"""Multiple alignment with MAFFT (the Debian package ``mafft``), through phylo.engine.external.

MAFFT: Katoh & Standley (2013), "MAFFT multiple sequence alignment software version 7",
Mol. Biol. Evol. 30:772-780. Please cite it when you publish results aligned with it.
"""

from __future__ import annotations

import logging
import os
import shlex
import tempfile
from pathlib import Path

from phylo.errors import PhyloError, InputError

log = logging.getLogger(__name__)

CITATION = "Katoh & Standley (2013) MAFFT multiple sequence alignment software version 7, Mol Biol Evol 30:772-780"

#: Strategy name -> MAFFT options (see ``mafft --help``).
STRATEGIES: dict[str, list[str]] = {
    "auto": ["--auto"],  # MAFFT picks; FFT-NS-2 for long sequences
    "fftns1": ["--retree", "1"],  # FFT-NS-1: fastest, one guide tree
    "fftns2": ["--retree", "2"],  # FFT-NS-2: guide tree rebuilt once
    "fftnsi": ["--retree", "2", "--maxiterate", "1000"],  # FFT-NS-i: iterative refinement
    "nwnsi": ["--retree", "2", "--maxiterate", "2", "--nofft"],
    "linsi": ["--localpair", "--maxiterate", "1000"],  # L-INS-i: accurate, slow
    "ginsi": ["--globalpair", "--maxiterate", "1000"],
    "einsi": ["--genafpair", "--ep", "0", "--maxiterate", "1000"],
}


def strategy_options(strategy: str) -> list[str]:
    """MAFFT options for a strategy name (``auto``, ``fftns2``, ``linsi``...; ``--auto`` too)."""
    name = strategy.lstrip("-").lower().replace("-", "")
    if name not in STRATEGIES:
        raise InputError(f"unknown MAFFT strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")
    return list(STRATEGIES[name])


def mafft_command(fasta_in: str, *, strategy: str = "--auto", threads: int | None = None,
                  executable: str = "mafft") -> list[str]:
    """The MAFFT argument list (pure: finds nothing, runs nothing).

    Parameters
    ----------
    fasta_in : str
        Input FASTA path. MAFFT writes the alignment to standard output.
    strategy : str
        A name from :data:`STRATEGIES`, with or without leading dashes.
    threads : int, optional
        Default ``os.cpu_count()``.
    executable : str
        Program path (``run_mafft`` passes the one found by ``phylo.engine.external.find_tool``).

    Examples
    --------
    >>> mafft_command("in.fasta", strategy="fftns2", threads=2)
    ['mafft', '--retree', '2', '--nuc', '--thread', '2', 'in.fasta']
    """
    threads = threads or os.cpu_count() or 1
    # --nuc: DNA writer output is DNA, never let MAFFT guess protein
    return [executable, *strategy_options(strategy), "--nuc", "--thread", str(int(threads)), str(fasta_in)]


def run_mafft(seqs: dict[str, str], *, strategy: str = "--auto", threads: int | None = None) -> dict[str, str]:
    """Align sequences with MAFFT; returns the aligned sequences (upper case, ``-`` gaps).

    Parameters
    ----------
    seqs : dict
        Label -> DNA, at least two.
    strategy, threads
        As for :func:`mafft_command`.

    Returns
    -------
    dict
        Label -> aligned sequence, in the input order.

    Raises
    ------
    ToolMissing, PhyloError
        From :mod:`phylo.engine.external` (missing tool, failure with its stderr).
    """
    from Bio import SeqIO
    from Bio.Seq import Seq
    from Bio.SeqRecord import SeqRecord

    from phylo.engine.external import find_tool, run_tool

    if len(seqs) < 2:
        raise PhyloError("MAFFT needs at least two sequences")
    empty = [label for label, seq in seqs.items() if not seq]
    if empty:
        raise PhyloError(f"empty sequences cannot be aligned: {', '.join(empty)}")
    executable = find_tool("mafft")
    # MAFFT rewrites some names; write numbered ids and map them back
    ids = {f"s{k}": label for k, label in enumerate(seqs)}
    with tempfile.TemporaryDirectory(prefix="phylo-mafft-") as tmp:
        fasta_in = Path(tmp) / "in.fasta"
        fasta_out = Path(tmp) / "out.fasta"
        records = (SeqRecord(Seq(seq), id=sid, description="") for sid, seq in zip(ids, seqs.values()))
        SeqIO.write(records, fasta_in, "fasta")
        args = mafft_command(str(fasta_in), strategy=strategy, threads=threads, executable=executable)
        log.info("aligning %d sequences with MAFFT; please cite: %s", len(seqs), CITATION)
        log.info("%s", shlex.join(args))
        with open(fasta_out, "w") as out:
            run_tool(args, tool="mafft", cwd=tmp, stdout=out)
        aligned = {rec.id: str(rec.seq).upper() for rec in SeqIO.parse(fasta_out, "fasta")}
    if set(aligned) != set(ids):
        raise PhyloError(f"MAFFT returned {len(aligned)} sequences for {len(ids)}; its output was not an alignment")
    return {ids[sid]: aligned[sid] for sid in ids}

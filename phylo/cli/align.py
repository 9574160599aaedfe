"""``phylo align``: sequences (FASTA) -> distances (TSV + PHYLIP), and the MSA for MAFFT."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from phylo.cli.inputs import read_text_input
from phylo.errors import InputError

log = logging.getLogger(__name__)


def register(subparsers) -> None:
    p = subparsers.add_parser("align", help="sequences -> distances (and MSA for mafft)",
                              description="Align DNA writer sequences and write distances.tsv and "
                                          "distances.phy (and msa.fasta for mafft) into --out.")
    p.add_argument("fasta", help="FASTA with at least two sequences (e.g. from 'phylo encode')")
    p.add_argument("--aligner", choices=["nw", "mafft"], default="nw",
                   help="nw: the native pairwise aligner (default); mafft: a multiple alignment")
    p.add_argument("--unit", choices=["codon", "nt"], default="codon",
                   help="nw only: align codon by codon (default, 9x fewer cells) or by nucleotide")
    p.add_argument("--mode", choices=["full", "auto", "anchor"], default="anchor",
                   help="nw only: anchor fixes exact shared stretches and aligns between them (default, "
                        "fastest); full fills the whole matrix (best score); auto fills a checked band")
    p.add_argument("--gaps", choices=["affine", "runs", "columns"], default="affine",
                   help="distances: a gap run counts as one difference plus one per 15 nt (affine, default), "
                        "as one difference (runs), or every gap column counts (columns)")
    p.add_argument("--strategy", default="auto", help="mafft only: auto, fftns1, fftns2, linsi, ginsi...")
    p.add_argument("--correction", choices=["jc", "none"], default="jc",
                   help="Jukes-Cantor correction of the p-distance (default jc)")
    p.add_argument("--threads", type=int, help="cores to use (default: all)")
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.set_defaults(func=run)


def read_fasta(path: str) -> dict[str, str]:
    """Label -> sequence from a FASTA file; labels must be unique, at least two records."""
    from Bio import SeqIO

    text = read_text_input(path, "a FASTA file such as 'phylo encode' writes")
    if not text.lstrip().startswith(">"):
        raise InputError(f"{path}: not FASTA: the first line must be a header starting with '>' "
                         "(e.g. '>article-1'), then the sequence")
    seqs: dict[str, str] = {}
    for rec in SeqIO.parse(io.StringIO(text), "fasta"):
        if rec.id in seqs:
            raise InputError(f"{path}: the id {rec.id!r} appears twice; ids must be unique")
        seqs[rec.id] = str(rec.seq).upper()
    if len(seqs) < 2:
        raise InputError(f"{path}: needs at least two FASTA records, found {len(seqs)}")
    return seqs


def run(args) -> int:
    from phylo.align import distances
    from phylo.align.pairwise import pairwise_distances
    from phylo.engine.files import atomic_write
    from phylo.report.files import fasta_text

    seqs = read_fasta(args.fasta)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out {args.out}: cannot create the folder ({exc.strerror})") from None
    result = pairwise_distances(seqs, aligner=args.aligner, unit=args.unit, mode=args.mode, strategy=args.strategy,
                                threads=args.threads, gaps=args.gaps, correction=args.correction)
    distances.write_tsv(result, out / "distances.tsv")  # plain data: writing needs no skbio
    distances.write_phylip(result, out / "distances.phy")
    if result["msa"] is not None:
        atomic_write(out / "msa.fasta", fasta_text(result["msa"]))
    log.info("wrote distances for %d sequences to %s", len(seqs), out)
    return 0

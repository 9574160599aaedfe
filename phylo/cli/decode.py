"""``phylo decode``: DNA writer sequences (FASTA, or a bare sequence) -> text."""

from __future__ import annotations

import io
import sys

from phylo.cli.inputs import read_text_input
from phylo.errors import InputError


def register(subparsers) -> None:
    p = subparsers.add_parser("decode", help="DNA (FASTA) -> text, one line per record",
                              description="Read DNA writer sequences back as text, the way the original "
                                          "tool does (triplets from position 0; unknown codons dropped).")
    p.add_argument("fasta", nargs="?", default="-", help="FASTA file (or a bare sequence), - for stdin")
    p.add_argument("--ids", action="store_true", help="prefix each line with the record id and a tab")
    p.set_defaults(func=run)


def read_records(text: str) -> list[tuple[str, str]]:
    """(id, sequence) pairs from FASTA text; text without '>' is one bare sequence."""
    from Bio import SeqIO

    if not text.lstrip().startswith(">"):
        return [("sequence", "".join(text.split()))]
    return [(rec.id, str(rec.seq)) for rec in SeqIO.parse(io.StringIO(text), "fasta")]


def check_record(name: str, seq: str) -> list[str]:
    """Refuse what is not DNA; return warnings for what decoding drops (the original drops it silently)."""
    from phylo.align.encoding import CODON_TO_CHAR, sequence_problem

    problem = sequence_problem(seq, "nt")
    if problem:
        raise InputError(f"{name}: {problem}; decode reads DNA writer sequences")
    warnings = []
    upper = seq.upper()
    unknown = [k for k in range(0, len(upper) - 2, 3) if upper[k:k + 3] not in CODON_TO_CHAR]
    if unknown:
        warnings.append(f"{name}: {len(unknown)} codon(s) are not in the DNA writer table and were dropped "
                        f"(the first: {upper[unknown[0]:unknown[0] + 3]} at nt {unknown[0] + 1})")
    if len(seq) % 3:
        warnings.append(f"{name}: the last {len(seq) % 3} nt are not a whole codon and were dropped")
    return warnings


def run(args) -> int:
    from phylo.align.encoding import decode

    where = "standard input" if args.fasta == "-" else args.fasta
    records = [(name, seq) for name, seq in read_records(read_text_input(args.fasta, "DNA as FASTA or a bare sequence")) if seq or name != "sequence"]
    if not records:
        raise InputError(f"{where}: no sequence to decode")
    for name, seq in records:
        for warning in check_record(name, seq):
            print(f"warning: {warning}", file=sys.stderr)
        print(f"{name}\t{decode(seq)}" if args.ids else decode(seq))
    return 0

"""``phylo decode``: DNA writer sequences (FASTA, or a bare sequence) -> text."""

from __future__ import annotations

import io
import sys
from pathlib import Path

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


def run(args) -> int:
    from phylo.align.encoding import decode

    if args.fasta == "-":
        text = sys.stdin.read()
    else:
        if not Path(args.fasta).is_file():
            raise InputError(f"{args.fasta}: no such file")
        text = Path(args.fasta).read_text(encoding="utf-8", errors="replace")
    for name, seq in read_records(text):
        print(f"{name}\t{decode(seq)}" if args.ids else decode(seq))
    return 0

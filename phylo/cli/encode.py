"""``phylo encode``: text -> DNA writer sequence, as FASTA on standard output."""

from __future__ import annotations

import sys
from pathlib import Path

from phylo.cli.inputs import read_text_input
from phylo.errors import InputError


def register(subparsers) -> None:
    p = subparsers.add_parser("encode", help="text -> DNA (DNA writer table), FASTA on stdout",
                              description="Write text as DNA with the DNA writer table. By default the "
                                          "original's rules: upper-case, characters outside the table dropped.")
    p.add_argument("text", nargs="?", default="-", help="text file, or - for standard input (default)")
    p.add_argument("--normalize", action="store_true",
                   help="fold accents (é -> E), typographic quotes and dashes, whitespace runs first")
    p.add_argument("--frame", action="store_true", help="add random non-coding DNA and start/stop codons")
    p.add_argument("--seed", type=int, help="seed for --frame, for reproducible output")
    p.add_argument("--id", dest="name", help="FASTA record id (default: the file name without suffix)")
    p.set_defaults(func=run)


def run(args) -> int:
    from Bio import SeqIO
    from Bio.Seq import Seq
    from Bio.SeqRecord import SeqRecord

    from phylo.align.encoding import encode

    if args.seed is not None and not args.frame:
        raise InputError("--seed only makes sense with --frame")
    name = args.name or (Path(args.text).stem if args.text != "-" else "stdin")
    if any(c.isspace() for c in name) or not name:
        raise InputError(f"--id {name!r}: a FASTA id cannot be empty or contain whitespace")
    dna = encode(read_text_input(args.text, "a UTF-8 text file, or - for standard input"), normalize=args.normalize, frame=args.frame, seed=args.seed)
    SeqIO.write([SeqRecord(Seq(dna), id=name, description="")], sys.stdout, "fasta")
    return 0

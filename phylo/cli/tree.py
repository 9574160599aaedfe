"""``phylo tree``: a distance matrix -> a rooted Newick tree."""

from __future__ import annotations

import sys
from pathlib import Path

from phylo.errors import InputError


def register(subparsers) -> None:
    p = subparsers.add_parser("tree", help="distances (TSV or PHYLIP) -> Newick tree",
                              description="Build a tree from a distance matrix written by 'phylo align' or 'phylo run'.")
    p.add_argument("distances", help="distances.tsv (square, with labels) or a PHYLIP .phy file")
    p.add_argument("--method", choices=["nj", "upgma"], default="nj")
    p.add_argument("--dates", help="articles.tsv (label, published) to root at the earliest article; "
                                   "without it the tree is rooted at its midpoint")
    p.add_argument("--out", help="write Newick here instead of standard output")
    p.add_argument("--nexus", help="also write the tree as NEXUS to this file")
    p.add_argument("--ascii", action="store_true", help="print a text drawing on standard error")
    p.set_defaults(func=run)


def read_distances(path: str):
    """A skbio DistanceMatrix from TSV (lsmat) or PHYLIP, chosen by content."""
    from phylo.align.scikit_bio import DistanceMatrix

    p = Path(path)
    if not p.is_file():
        raise InputError(f"{path}: no such file; give the distances.tsv or .phy written by 'phylo align'")
    first = p.read_text(encoding="utf-8").lstrip().split("\n", 1)[0]
    fmt = "phylip_dm" if first.strip().isdigit() else "lsmat"
    try:
        return DistanceMatrix.read(str(p), format=fmt, **({"delimiter": "\t"} if fmt == "lsmat" else {}))
    except Exception as exc:  # skbio raises several types for malformed matrices
        raise InputError(f"{path}: not a readable distance matrix ({exc}); expected a square TSV or PHYLIP file")


def run(args) -> int:
    from phylo.engine.files import atomic_write, read_tsv
    from phylo.trees.build import ascii_tree, build_tree, root_tree, to_newick

    dm = read_distances(args.distances)
    dates = {}
    if args.dates:
        if not Path(args.dates).is_file():
            raise InputError(f"{args.dates}: no such file; give the articles.tsv of a run")
        dates = {r["label"]: r.get("published") for r in read_tsv(args.dates) if r.get("label")}
    tree, how = root_tree(build_tree(dm, args.method), dates)
    newick = to_newick(tree)
    if args.out:
        atomic_write(args.out, newick + "\n")
    else:
        print(newick)
    if args.nexus:
        from io import StringIO

        from Bio import Phylo

        buf = StringIO()
        Phylo.write(Phylo.read(StringIO(newick), "newick"), buf, "nexus")
        atomic_write(args.nexus, buf.getvalue())
    if args.ascii:
        print(ascii_tree(newick), file=sys.stderr)
    print(f"{args.method} tree of {dm.shape[0]} taxa, rooted at the {how}", file=sys.stderr)
    return 0

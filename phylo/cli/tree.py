"""``phylo tree``: a distance matrix -> a rooted Newick tree."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from phylo.cli.inputs import read_text_input
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
    """A skbio DistanceMatrix from TSV (lsmat) or PHYLIP, chosen by content; finite and >= 0."""
    import numpy as np

    from phylo.align.scikit_bio import DistanceMatrix

    text = read_text_input(path, "the distances.tsv or .phy written by 'phylo align'")
    first = text.lstrip().split("\n", 1)[0]
    fmt = "phylip_dm" if first.strip().isdigit() else "lsmat"
    try:
        dm = DistanceMatrix.read(io.StringIO(text), format=fmt, **({"delimiter": "\t"} if fmt == "lsmat" else {}))
    except Exception as exc:  # skbio raises several types for malformed matrices
        raise InputError(f"{path}: not a readable distance matrix ({exc}); expected a square TSV or PHYLIP file")
    bad = np.argwhere(~np.isfinite(dm.data) | (dm.data < 0))
    if len(bad):
        i, j = bad[0]
        raise InputError(f"{path}: the distance between {dm.ids[i]} and {dm.ids[j]} is {dm.data[i, j]}; "
                         "distances must be finite numbers of 0 or more")
    if dm.shape[0] < 2:
        raise InputError(f"{path}: holds {dm.shape[0]} taxon; a tree needs at least two")
    return dm


def write_file(path: str, text: str) -> None:
    from phylo.engine.files import atomic_write

    try:
        atomic_write(path, text)
    except OSError as exc:
        raise InputError(f"cannot write {path} ({exc.strerror}); choose another path") from None


def run(args) -> int:
    from phylo.engine.files import read_tsv
    from phylo.trees.build import ascii_tree, build_tree, root_tree, rooted_tree, to_newick

    dm = read_distances(args.distances)
    dates = {}
    if args.dates:
        if not Path(args.dates).is_file():
            raise InputError(f"{args.dates}: no such file; give the articles.tsv of a run")
        dates = {r["label"]: r.get("published") for r in read_tsv(args.dates) if r.get("label")}
    if dm.shape[0] == 2:  # NJ needs three; any method gives two taxa one edge, split in the middle
        tree, how = rooted_tree(list(dm.ids), dm.data, dates, args.method)
    else:
        tree, how = root_tree(build_tree(dm, args.method), dates)
    newick = to_newick(tree)
    if args.out:
        write_file(args.out, newick + "\n")
    else:
        print(newick)
    if args.nexus:
        from Bio import Phylo

        buf = io.StringIO()
        Phylo.write(Phylo.read(io.StringIO(newick), "newick"), buf, "nexus")
        write_file(args.nexus, buf.getvalue())
    if args.ascii:
        print(ascii_tree(newick), file=sys.stderr)
    print(f"{args.method} tree of {dm.shape[0]} taxa, rooted at the {how}", file=sys.stderr)
    return 0

"""``phylo compare``: how far apart two trees are (Robinson-Foulds, via ete3)."""

from __future__ import annotations

import json

from phylo.cli.inputs import read_text_input
from phylo.errors import InputError


def register(subparsers) -> None:
    p = subparsers.add_parser("compare", help="Robinson-Foulds distance between two Newick trees",
                              description="Compare two trees over their shared leaves (unrooted RF).")
    p.add_argument("a", help="first tree (Newick file)")
    p.add_argument("b", help="second tree (Newick file)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def read_tree(path: str):
    """One Newick tree with named, distinct leaves, or a one-line error naming the file."""
    from ete3 import Tree

    text = read_text_input(path, "a Newick tree such as a run's tree.nwk").strip()
    trees = [part for part in text.split(";") if part.strip()]
    if len(trees) != 1:
        raise InputError(f"{path}: holds {len(trees)} trees; give a file with exactly one Newick tree")
    try:
        tree = Tree(text, format=1)
    except Exception as exc:  # ete3 raises NewickError and others
        raise InputError(f"{path}: not a Newick tree ({exc})")
    names = [leaf.name for leaf in tree.iter_leaves()]
    if not all(names):
        raise InputError(f"{path}: some leaves have no name; every leaf needs one to be compared")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InputError(f"{path}: the leaf {repeated[0]!r} appears {names.count(repeated[0])} times; "
                         "leaf names must be unique")
    return tree


#: Unrooted trees on fewer leaves have no split that could differ.
MIN_SHARED = 4


def compare_trees(a, b, names: tuple[str, str] = ("a", "b")) -> dict:
    """Unrooted Robinson-Foulds distance over the leaves both trees share."""
    leaves_a, leaves_b = set(a.get_leaf_names()), set(b.get_leaf_names())
    shared = leaves_a & leaves_b
    if len(shared) < MIN_SHARED:
        raise InputError(f"{names[0]} and {names[1]} share {len(shared)} leaves ({len(leaves_a)} and "
                         f"{len(leaves_b)} in all); Robinson-Foulds needs at least {MIN_SHARED} shared leaves: "
                         "compare trees of the same articles")
    rf, max_rf, common, *_ = a.robinson_foulds(b, unrooted_trees=True)
    return {"rf": rf, "max_rf": max_rf, "normalized": (rf / max_rf) if max_rf else 0.0,
            "shared_leaves": len(common), "only_in_a": len(leaves_a - shared), "only_in_b": len(leaves_b - shared)}


def run(args) -> int:
    result = compare_trees(read_tree(args.a), read_tree(args.b), (args.a, args.b))
    if args.json:
        print(json.dumps(result))
    else:
        extra = [f"{result[k]} only in {name}" for k, name in (("only_in_a", args.a), ("only_in_b", args.b))
                 if result[k]]
        print(f"Robinson-Foulds {result['rf']} of {result['max_rf']} "
              f"(normalized {result['normalized']:.3f}) over {result['shared_leaves']} shared leaves"
              + (f" ({', '.join(extra)})" if extra else ""))
    return 0

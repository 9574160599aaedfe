"""``phylo compare``: how far apart two trees are (Robinson-Foulds, via ete3)."""

from __future__ import annotations

import json
from pathlib import Path

from phylo.errors import InputError


def register(subparsers) -> None:
    p = subparsers.add_parser("compare", help="Robinson-Foulds distance between two Newick trees",
                              description="Compare two trees over their shared leaves (unrooted RF).")
    p.add_argument("a", help="first tree (Newick file)")
    p.add_argument("b", help="second tree (Newick file)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def read_tree(path: str):
    from ete3 import Tree

    p = Path(path)
    if not p.is_file():
        raise InputError(f"{path}: no such file; give a Newick tree such as a run's tree.nwk")
    try:
        return Tree(p.read_text(encoding="utf-8").strip(), format=1)
    except Exception as exc:  # ete3 raises NewickError and others
        raise InputError(f"{path}: not a Newick tree ({exc})")


def compare_trees(a, b) -> dict:
    """Unrooted Robinson-Foulds distance over the leaves both trees share."""
    rf, max_rf, common, *_ = a.robinson_foulds(b, unrooted_trees=True)
    return {"rf": rf, "max_rf": max_rf, "normalized": (rf / max_rf) if max_rf else 0.0,
            "shared_leaves": len(common)}


def run(args) -> int:
    result = compare_trees(read_tree(args.a), read_tree(args.b))
    if args.json:
        print(json.dumps(result))
    else:
        print(f"Robinson-Foulds {result['rf']} of {result['max_rf']} "
              f"(normalized {result['normalized']:.3f}) over {result['shared_leaves']} shared leaves")
    return 0

"""Trees, labels and the tree commands (phylo tree, phylo compare)."""

import subprocess
import sys

import numpy as np
import pytest
from skbio import DistanceMatrix

from phylo.trees.labels import make_labels
from phylo.trees.build import build_tree, from_newick, root_tree, to_newick
from phylo.trees.dates import earliest

# Wikipedia's five-taxon neighbor-joining example: a and b join first.
WIKI = np.array([[0, 5, 9, 9, 8], [5, 0, 10, 10, 9], [9, 10, 0, 8, 7], [9, 10, 8, 0, 3], [8, 9, 7, 3, 0]], float)


def test_nj_matches_the_textbook_example():
    tree = build_tree(DistanceMatrix(WIKI, list("abcde")), "nj")
    dist = tree.tip_tip_distances()
    assert dist["a", "b"] == pytest.approx(5.0) and dist["d", "e"] == pytest.approx(3.0)
    assert tree.find("a").length == pytest.approx(2.0) and tree.find("b").length == pytest.approx(3.0)


def test_rooting_uses_the_earliest_date_else_the_midpoint():
    dm = DistanceMatrix(WIKI, list("abcde"))
    _, how = root_tree(build_tree(dm, "nj"), {"c": "2024-01-02", "d": "2024-01-01T03:00+02:00"})
    assert how == "earliest article (d)"
    assert earliest({"x": "2024-01-01", "y": "2024-01-01T08:00Z"}) == "y"  # a bare date counts as noon
    _, how = root_tree(build_tree(dm, "upgma"), {})
    assert how == "midpoint"


def test_labels_are_unique_readable_and_unquoted_in_newick():
    rows = [{"site": "Harbor Herald", "published": "2024-03-12T08:00"},
            {"site": "Harbor Herald", "published": "2024-03-12"},
            {"site": "www.portcalderledger.example", "published": None},
            {"site": "Café Nouvelles (Québec)", "published": "bad date"}]
    labels = make_labels(rows)
    assert labels == ["harbor-herald.2024-03-12", "harbor-herald.2024-03-12.2", "portcalderledger",
                      "cafe-nouvelles-quebec"]
    newick = to_newick(from_newick("(" + ",".join(f"{l}:1" for l in labels) + ");"))
    assert "'" not in newick and all(l in newick for l in labels)


def phylo(*args):
    return subprocess.run([sys.executable, "-m", "phylo", *map(str, args)], capture_output=True, text=True)


def test_tree_and_compare_commands(tmp_path):
    dm = DistanceMatrix(WIKI, list("abcde"))
    dm.write(str(tmp_path / "d.tsv"), format="lsmat")
    res = phylo("tree", tmp_path / "d.tsv", "--out", tmp_path / "t.nwk", "--nexus", tmp_path / "t.nex")
    assert res.returncode == 0, res.stderr
    assert {t.name for t in from_newick((tmp_path / "t.nwk").read_text()).tips()} == set("abcde")
    assert "BEGIN TREES" in (tmp_path / "t.nex").read_text().upper()
    (tmp_path / "u.nwk").write_text("((a,c),(b,d),e);\n")
    same = phylo("compare", tmp_path / "t.nwk", tmp_path / "t.nwk", "--json")
    assert '"rf": 0' in same.stdout
    diff = phylo("compare", tmp_path / "t.nwk", tmp_path / "u.nwk", "--json")
    assert diff.returncode == 0 and '"rf": 0' not in diff.stdout


@pytest.mark.parametrize("args", [["tree", "missing.tsv"], ["compare", "a.nwk", "b.nwk"]])
def test_tree_commands_give_one_line_errors(args):
    res = phylo(*args)
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and res.stderr.startswith("ERROR")


def test_every_subcommand_has_help():
    from phylo.cli.main import COMMANDS

    for name in COMMANDS:
        res = phylo(name, "--help")
        assert res.returncode == 0 and "usage: phylo " + name in res.stdout, name
    assert phylo("--version").stdout.startswith("phylo ")

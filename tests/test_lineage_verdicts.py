"""Verdicts through `phylo run`, on hand-made stories served by the loopback test server.

One story has a copy, a copy with local paragraphs, a merge of the original with one of
those paragraphs, and an independent report that quotes one sentence of the same
statement; the other is three copies of a wire story that is not in the list
(tests/coverage_stories.py has the texts and says what each outlet did).
"""

import subprocess
import sys
from pathlib import Path

from coverage_stories import COPY, INDEPENDENT, K1, K2, K3, LOCAL_COPY, MERGE, WIRE, page

from phylo.engine.files import read_tsv
from phylo.trees.build import from_newick

ROOT = Path(__file__).resolve().parents[1]


def run_story(web, tmp_path, articles) -> tuple[dict, Path]:
    """Serve ``articles`` ([(path, title, site, published, paragraphs)]), run phylo on them;
    returns the lineage.tsv rows by served path, and the output folder."""
    for path, title, site, published, paragraphs in articles:
        web.page(path, page(title, site, published, paragraphs))
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(web.url(a[0]) for a in articles) + "\n")
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-m", "phylo", "run", str(urls), "--out", str(out), "--no-progress",
                          "--set", "fetch.allow_private=true", "--rate", "0"],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    label = {r["url"]: r["label"] for r in read_tsv(out / "articles.tsv")}
    rows = {r["label"]: r for r in read_tsv(out / "lineage.tsv")}
    return {a[0]: rows[label[web.url(a[0])]] | {"label": label[web.url(a[0])]} for a in articles}, out


def test_copy_merge_and_independent_report_get_their_verdicts(web, tmp_path):
    got, out = run_story(web, tmp_path, [
        ("/wire", "Ferry crews strike", "Tessel Wire", "2024-05-06T07:00:00+00:00", WIRE),
        ("/copy", "Ferry strike halts crossings", "Bay Daily", "2024-05-06T08:10:00+00:00", COPY),
        ("/local", "Islanders stranded by strike", "Marrow Post", "2024-05-06T08:40:00+00:00", LOCAL_COPY),
        ("/radio", "No boats today", "Harbour Radio", "2024-05-06T09:30:00+00:00", INDEPENDENT),
        ("/merge", "Strike: what we know", "Cape Courier", "2024-05-06T10:30:00+00:00", MERGE),
    ])
    wire = got["/wire"]["label"]
    assert got["/wire"]["verdict"] == "earliest" and got["/wire"]["source"] == ""
    for path in ("/copy", "/local"):
        assert (got[path]["verdict"], got[path]["source"]) == ("copied", wire)
        assert float(got[path]["share_taken"]) > 0.7 and int(got[path]["longest_passage"]) > 100
    # the merge: most of it from the wire story, one paragraph from the local copy
    merge = got["/merge"]
    assert (merge["verdict"], merge["source"]) == ("copied", wire)
    secondary, share = merge["secondary_sources"].split(":")
    assert secondary == got["/local"]["label"] and 0.03 < float(share) < 0.15
    # the independent report shares one quoted sentence and names, no prose
    radio = got["/radio"]
    assert radio["verdict"] == "independent" and radio["source"] == ""
    assert int(radio["shared_passages"]) == 1 and float(radio["share_taken"]) < 0.1
    assert "quoted" in radio["note"]
    for row in got.values():
        assert 0.0 <= float(row["confidence"]) <= 1.0
    assert float(radio["confidence"]) > 0.5 and float(merge["confidence"]) > 0.5


def test_copies_of_a_missing_original_share_an_unseen_source(web, tmp_path):
    got, out = run_story(web, tmp_path, [
        ("/herald", "Ferry crews walk out", "Bay Herald", "2024-05-06T08:30:00+00:00", K1),
        ("/coastfm", "Ferry strike: no sailings", "Coast FM", "2024-05-06T09:15:00+00:00", K2),
        ("/northshore", "Islands cut off by ferry strike", "North Shore Daily", "2024-05-06T10:00:00+00:00", K3),
    ])
    assert {r["verdict"] for r in got.values()} == {"unseen-source"}
    assert {r["source"] for r in got.values()} == {""}
    assert len({r["unseen_group"] for r in got.values()}) == 1 and got["/herald"]["unseen_group"]
    # lineage.nwk: the missing source is an unlabelled node over the three, none chained to another
    tree = from_newick((out / "lineage.nwk").read_text())
    labels = {r["label"] for r in got.values()}
    node = tree.lca([tree.find(label) for label in labels])
    assert {t.name for t in node.tips()} == labels and node.name is None
    assert all(tree.find(label).parent is node for label in labels)

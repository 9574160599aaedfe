"""Every verdict of the lineage schema, shown and exported: a copy with a secondary source
(a merge), an independent report that shares only a quote, two articles that share a
source missing from the set, and lineage rows from before verdicts existed.

The lineage rows are written by hand in the schema's shape (the inference that produces
them is tested in test_lineage.py); the texts, distances and tree are real.
"""

import time

import networkx as nx
import pytest
from selenium.webdriver.common.by import By

from browser import chromium, console_errors, requested_urls
from phylo.report.graph import lineage_graph, lineage_csv_text
from phylo.report.html import write_report
from phylo.report.layout import UNSEEN_LANE, lineage_layout
from phylo.report.verdicts import copy_edges, flat_row, read_row
from phylo.sim.story import Language

QUOTE = '"We will not reopen the crossing until every girder is replaced," the harbour master said.'


def paragraphs(lang, rng, n):
    return ["\n".join(lang.paragraph(rng)) for _ in range(n)]


@pytest.fixture(scope="module")
def story():
    """Six articles: a0 the original, a1 copies it, a2 merges a1 and a0, a3 reports
    independently but quotes the same statement, a4 and a5 share a wire text not in the set."""
    import random

    from skbio import DistanceMatrix

    from phylo.trees.build import rooted_tree, to_newick
    from phylo.trees.lineage import overlap_matrices

    rng = random.Random(4)
    lang = Language(rng)
    base, other, wire = paragraphs(lang, rng, 8), paragraphs(lang, rng, 6), paragraphs(lang, rng, 7)
    texts = {
        "a0": "\n\n".join(base[:4] + [QUOTE] + base[4:]),
        "a1": "\n\n".join(base[:6]),
        "a2": "\n\n".join(base[:3] + base[6:] + paragraphs(lang, rng, 1)),
        "a3": "\n\n".join(other[:3] + [QUOTE] + other[3:]),
        "a4": "\n\n".join(wire + paragraphs(lang, rng, 2)),
        "a5": "\n\n".join(wire[:5] + paragraphs(lang, rng, 2)),
    }
    sites = {"a0": "Wire One", "a1": "Money $$ Matters $$", "a2": "Harbour Daily", "a3": "Harbour Daily",
             "a4": "Coast Radio", "a5": "Bay Post"}
    table = [{"label": k, "url": f"pages/{k}.html", "title": f"Story {k}: " + t.split()[0], "site": sites[k],
              "published": f"2024-03-12T{8 + i:02d}:00:00Z", "text": t, "chars": len(t), "status": "ok",
              "message": ""} for i, (k, t) in enumerate(texts.items())]
    table.append({"url": "pages/gone.html", "status": "http-404", "message": "the server said 404 Not Found",
                  "line": 7})
    lineage = [
        {"label": "a0", "source": None, "verdict": "earliest", "secondary_sources": [], "confidence": None,
         "identity": None, "containment": None, "evidence": {"against": None, "passages": 0, "longest_words": 0,
                                                             "share": 0.0, "quotes": []},
         "unseen_group": None, "note": "earliest article"},
        {"label": "a1", "source": "a0", "verdict": "copied", "secondary_sources": [], "confidence": 0.97,
         "identity": 0.81, "containment": 0.9, "evidence": {"against": "a0", "passages": 2, "longest_words": 180,
                                                             "share": 0.95, "quotes": []},
         "unseen_group": None, "note": ""},
        {"label": "a2", "source": "a1", "verdict": "copied", "secondary_sources": [{"label": "a0", "share": 0.31}],
         "confidence": 0.74, "identity": 0.5, "containment": 0.44,
         "evidence": {"against": "a1", "passages": 1, "longest_words": 90, "share": 0.41, "quotes": []},
         "unseen_group": None, "note": "a merge of two earlier articles"},
        {"label": "a3", "source": None, "verdict": "independent", "secondary_sources": [], "confidence": 0.88,
         "identity": None, "containment": 0.04,
         "evidence": {"against": "a0", "passages": 1, "longest_words": 15, "share": 0.03, "quotes": [QUOTE]},
         "unseen_group": None, "note": "shares only a quoted statement"},
        {"label": "a4", "source": None, "verdict": "unseen-source", "secondary_sources": [], "confidence": 0.8,
         "identity": None, "containment": None,
         "evidence": {"against": "a5", "passages": 1, "longest_words": 200, "share": 0.7, "quotes": []},
         "unseen_group": "unseen-1", "note": ""},
        {"label": "a5", "source": None, "verdict": "unseen-source", "secondary_sources": [], "confidence": 0.8,
         "identity": None, "containment": None,
         "evidence": {"against": "a4", "passages": 1, "longest_words": 200, "share": 0.75, "quotes": []},
         "unseen_group": "unseen-1", "note": ""},
    ]
    labels = list(texts)
    contain, jaccard = overlap_matrices([texts[k] for k in labels])
    matrix = 1.0 - jaccard
    tree, rooting = rooted_tree(labels, matrix, {r["label"]: r["published"] for r in table if r.get("label")}, "nj")
    tree = {"newick": to_newick(tree), "method": "nj", "rooting": rooting, "replicates": 0}
    return {"table": table, "lineage": lineage, "tree": tree, "dm": DistanceMatrix(matrix, labels)}


@pytest.fixture(scope="module")
def page(story, tmp_path_factory):
    path = tmp_path_factory.mktemp("verdicts") / "report.html"
    write_report(path, table=story["table"], tree=story["tree"], dm=story["dm"], lineage=story["lineage"])
    with chromium() as driver:
        requested_urls(driver)
        driver.get(path.as_uri())
        for _ in range(200):
            if driver.execute_script("return document.body.dataset.ready"):
                break
            time.sleep(0.05)
        assert driver.execute_script("return document.body.dataset.ready") == "1", console_errors(driver)
        yield driver


def open_row(driver, label):
    if driver.find_element(By.ID, "panel").is_displayed():
        driver.find_element(By.ID, "panel-close").click()
    driver.find_element(By.CSS_SELECTOR, f"#articles-table tr[data-label='{label}']").click()
    panel = driver.find_element(By.ID, "panel")
    assert panel.is_displayed()
    return panel


def test_the_page_has_no_errors_and_asks_for_nothing_even_with_tex_in_an_outlet_name(page):
    assert console_errors(page) == []
    assert all(u.startswith(("file://", "data:", "blob:")) for u in requested_urls(page))


def test_the_table_shows_each_verdict_and_the_failure_with_its_reason(page):
    verdicts = {row.get_attribute("data-label"): row.find_element(By.CSS_SELECTOR, ".badge").text
                for row in page.find_elements(By.CSS_SELECTOR, "#articles-table tbody tr")}
    assert verdicts == {"a0": "earliest", "a1": "copied", "a2": "copied", "a3": "independent",
                        "a4": "unseen-source", "a5": "unseen-source"}
    failure = page.find_element(By.CSS_SELECTOR, "#failures-table tbody tr").text
    assert "pages/gone.html" in failure and "http-404" in failure and "404 Not Found" in failure


def test_a_merge_shows_both_sources_and_its_secondary_arrow(page):
    panel = open_row(page, "a2")
    assert "secondary sources" in panel.text and "31%" in panel.text
    tabs = [t.get_attribute("data-other") for t in panel.find_elements(By.CSS_SELECTOR, ".pair-tab")]
    assert tabs[:2] == ["a1", "a0"]
    panel.find_elements(By.CSS_SELECTOR, ".pair-tab")[1].click()  # the secondary source, side by side
    panel = page.find_element(By.ID, "panel")
    assert "Compared with: Story a0" in panel.text and panel.find_elements(By.CSS_SELECTOR, ".side mark")
    edges = page.execute_script("""for (const v of Bokeh.index) { const m = v.model.document.get_model_by_name('lineage-edges');
                                   if (m) return [Array.from(m.data.source), Array.from(m.data.target), Array.from(m.data.dash)]; }""")
    assert ("a0", "a2", "dashed") in set(zip(*edges)) and ("a1", "a2", "solid") in set(zip(*edges))


def test_an_independent_report_shows_the_quote_it_shares(page):
    panel = open_row(page, "a3")
    assert "independent" in panel.text and "shared quotes" in panel.text
    assert QUOTE.strip('"').split(",")[0] in panel.text
    marks = [m.text for m in panel.find_elements(By.CSS_SELECTOR, ".side mark")]
    assert any("girder is replaced" in m for m in marks)  # the quote, marked in both texts


def test_articles_sharing_an_unseen_source_are_one_marked_group(page):
    panel = open_row(page, "a4")
    assert "unseen-1: shared with a5" in panel.text
    assert "Compared with: Story a5" in panel.text and panel.find_elements(By.CSS_SELECTOR, ".side mark")
    nodes = page.execute_script("""for (const v of Bokeh.index) { const m = v.model.document.get_model_by_name('lineage-nodes');
                                   if (m) return [Array.from(m.data.id), Array.from(m.data.marker)]; }""")
    assert dict(zip(*nodes))["unseen-1"] == "diamond"


def test_the_graph_export_has_the_merge_and_the_unseen_source(story, tmp_path):
    import io

    from phylo.report.graph import graphml_text

    graph = nx.read_graphml(io.StringIO(graphml_text(story["lineage"], story["table"])))
    assert graph.nodes["unseen-1"]["kind"] == "unseen-source"
    assert {(a, b, d["kind"]) for a, b, d in graph.edges(data=True)} == {
        ("a0", "a1", "copy"), ("a1", "a2", "copy"), ("a0", "a2", "merge"),
        ("unseen-1", "a4", "unseen"), ("unseen-1", "a5", "unseen")}
    assert graph.edges["a0", "a2"]["share"] == pytest.approx(0.31)
    assert graph.nodes["a3"]["verdict"] == "independent" and graph.in_degree("a3") == 0
    assert lineage_graph(story["lineage"], story["table"]).number_of_nodes() == 7


def test_lineage_csv_flattens_the_evidence_as_the_schema_says(story):
    import csv
    import io

    rows = {r["label"]: r for r in csv.DictReader(io.StringIO(lineage_csv_text(story["lineage"], story["table"])))}
    assert rows["a2"]["secondary_sources"] == "a0:0.31"
    assert rows["a2"]["shared_passages"] == "1" and rows["a2"]["longest_passage"] == "90"
    assert rows["a2"]["share_taken"] == "0.4100"
    assert rows["a4"]["unseen_group"] == "unseen-1" and rows["a3"]["unseen_group"] == ""


def test_rows_from_before_verdicts_read_with_a_verdict():
    old = [{"label": "x", "source": None, "identity": None, "confidence": None, "containment": None,
            "note": "earliest article"},
           {"label": "y", "source": "x", "identity": "0.9", "confidence": "1.0", "containment": "0.8", "note": ""},
           {"label": "z", "source": "", "identity": "", "confidence": "", "containment": "",
            "note": "nothing earlier shares enough text"}]
    rows = [read_row(r) for r in old]  # as read back from an old lineage.tsv, strings and all
    assert [r["verdict"] for r in rows] == ["earliest", "copied", "independent"]
    assert rows[1]["identity"] == 0.9 and rows[1]["evidence"]["against"] == "x"
    assert flat_row(rows[1])["share_taken"] == 0.8  # no passages measured: the containment
    assert copy_edges(rows) == [{"source": "x", "target": "y", "kind": "copy", "share": 0.8, "identity": 0.9,
                                 "confidence": 1.0}]


def test_the_time_line_gives_each_outlet_a_lane_and_the_unseen_source_its_own(story):
    rows = [read_row(r) for r in story["lineage"]]
    info = {r["label"]: r for r in story["table"] if r.get("label")}
    layout = lineage_layout(rows, info, copy_edges(rows))
    assert layout["lanes"][0] == UNSEEN_LANE
    assert sorted(layout["lanes"][1:]) == sorted({r["site"] for r in info.values()})
    for label, node in layout["nodes"].items():
        if label in info:
            assert layout["lanes"][node["lane"]] == info[label]["site"]
    times = [layout["nodes"][k]["u"] for k in ("a0", "a1", "a2", "a3", "a4", "a5")]
    assert times == sorted(times) and times[0] == 0 and times[-1] == 1
    unseen = layout["nodes"]["unseen-1"]
    assert unseen["lane"] == 0 and unseen["u"] < layout["nodes"]["a4"]["u"]
    # a3 and a2 share a lane an hour apart: the later one is not drawn on top of the other
    a2, a3 = layout["nodes"]["a2"], layout["nodes"]["a3"]
    assert a2["lane"] == a3["lane"]
    for e in layout["edges"]:  # every curve starts at its source and ends at its target
        assert e["points"][0] == pytest.approx((layout["nodes"][e["source"]]["u"], layout["nodes"][e["source"]]["y"]))
        assert e["points"][-1] == pytest.approx((layout["nodes"][e["target"]]["u"], layout["nodes"][e["target"]]["y"]))

"""Who copied whom: source choice, ancestors in the lineage tree, and the scores used to judge it."""

import random

from phylo.sim.scores import grouping_recall, source_accuracy, source_accuracy_up_to_copies, true_groupings
from phylo.trees.lineage import earlier_candidates, infer_sources, lineage_newick
from phylo.sim.story import simulate_story
from phylo.trees.build import from_newick


def words(seed, n=300):
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(2000)]
    return " ".join(rng.choice(vocab) for _ in range(n))


ROOT = words(1)
HALF = " ".join(ROOT.split()[:150])  # a trimmed copy
EXTRA = words(2, 80)


def run(texts, dates, **kw):
    labels = list(texts)
    rows = infer_sources(labels, [texts[k] for k in labels], dates, replicates=50, **kw)
    return {r["label"]: r for r in rows}


def test_trimmed_copy_of_a_trimmed_copy_points_at_its_parent_not_the_grandparent():
    texts = {"root": ROOT, "mid": " ".join(ROOT.split()[:200]), "leaf": HALF}
    dates = {"root": "2024-01-01T08:00", "mid": "2024-01-01T09:00", "leaf": "2024-01-01T10:00"}
    got = run(texts, dates)
    assert got["mid"]["source"] == "root" and got["leaf"]["source"] == "mid"
    assert got["root"]["source"] is None and got["root"]["note"] == "earliest article"
    assert got["leaf"]["confidence"] > 0.9


def test_copy_that_adds_text_points_at_the_version_with_the_additions():
    texts = {"root": ROOT, "added": ROOT + " " + EXTRA, "copy": ROOT + " " + EXTRA + " " + words(3, 40)}
    dates = {"root": "2024-01-01T08:00", "added": "2024-01-01T09:00", "copy": "2024-01-01T10:00"}
    assert run(texts, dates)["copy"]["source"] == "added"


def test_verbatim_twins_resolve_to_the_earliest_and_later_articles_cannot_be_sources():
    texts = {"late": ROOT, "early": ROOT, "copy": HALF}
    dates = {"late": "2024-01-02", "early": "2024-01-01", "copy": "2024-01-03"}
    got = run(texts, dates)
    assert got["copy"]["source"] == "early"
    assert got["early"]["source"] is None  # the later twin is never the source of the earlier


def test_unrelated_article_has_no_source_and_undated_is_flagged():
    texts = {"root": ROOT, "other": words(9), "undated": HALF}
    dates = {"root": "2024-01-01T08:00", "other": "2024-01-01T09:00", "undated": None}
    got = run(texts, dates)
    assert got["other"]["source"] is None and "shares enough" in got["other"]["note"]
    assert got["undated"]["source"] == "root" and got["undated"]["note"].startswith("undated")


def test_candidates_follow_publication_order_with_bare_dates_at_noon():
    cands = earlier_candidates(["a", "b", "c"], {"a": "2024-01-01", "b": "2024-01-01T09:00Z", "c": None})
    assert cands == {"a": [1], "b": [], "c": [0, 1]}


def test_lineage_tree_gives_ancestors_a_clade_of_their_own():
    lineage = [{"label": "r", "source": None, "containment": None},
               {"label": "a", "source": "r", "containment": 0.9},
               {"label": "b", "source": "a", "containment": 0.8},
               {"label": "c", "source": "a", "containment": 0.7},
               {"label": "d", "source": "r", "containment": 1.0}]
    tree = from_newick(lineage_newick(lineage))
    assert sorted(t.name for t in tree.tips()) == ["a", "b", "c", "d", "r"]
    clade = tree.lca([tree.find("a"), tree.find("b"), tree.find("c")])
    assert sorted(t.name for t in clade.tips()) == ["a", "b", "c"]
    truth = {"r": None, "a": "r", "b": "a", "c": "a", "d": "r"}
    assert grouping_recall(lineage_newick(lineage), truth) == 1.0


def test_scores_count_what_they_say():
    truth = {"r": None, "a": "r", "b": "a"}
    assert true_groupings(truth) == [frozenset({"a", "b"})]
    lineage = [{"label": "r", "source": None}, {"label": "a", "source": "r"}, {"label": "b", "source": "r"}]
    assert source_accuracy(lineage, truth) == 2 / 3
    assert source_accuracy_up_to_copies(lineage, truth, {"r": "x", "a": "x", "b": "y"}) == 1.0
    assert grouping_recall("((a,b),r);", truth) == 1.0
    assert grouping_recall("((a,r),b);", truth) == 0.0


def test_simulator_is_deterministic_and_copies_come_after_their_source():
    one, two = simulate_story(8, seed=4), simulate_story(8, seed=4)
    assert one["articles"] == two["articles"]
    when = {a["id"]: a["published"] for a in one["articles"]}
    for a in one["articles"][1:]:
        assert a["parent"] is not None and when[a["parent"]] < when[a["id"]]
    assert simulate_story(8, seed=5)["articles"][0]["text"] != one["articles"][0]["text"]


def test_lineage_recovers_most_sources_of_a_simulated_story():
    story = simulate_story(12, seed=7)
    arts = story["articles"]
    rows = infer_sources([a["id"] for a in arts], [a["text"] for a in arts],
                         {a["id"]: a["published"] for a in arts}, replicates=0)
    truth = {a["id"]: a["parent"] for a in arts}
    assert source_accuracy_up_to_copies(rows, truth, {a["id"]: a["text"] for a in arts}) >= 0.8


def test_grouping_recall_up_to_copies_merges_verbatim_twins():
    from phylo.sim.scores import grouping_recall_up_to_copies, twin_classes

    truth = {"r": None, "t": "r", "x": "t", "z": "x", "y": "r"}
    texts = {"r": "A", "t": "A", "x": "B", "z": "D", "y": "C"}
    dates = {k: f"2024-01-01T0{i}:00" for i, k in enumerate("rtxzy")}
    assert twin_classes(texts, dates) == {"r": "r", "t": "r", "x": "x", "z": "z", "y": "y"}
    tree = "((x,z),(r,t),y);"  # x's source drawn as r, its verbatim twin's original
    assert grouping_recall(tree, truth) == 0.5  # {t,x,z} is missing, {x,z} is there
    assert grouping_recall_up_to_copies(tree, truth, texts, dates) == 1.0

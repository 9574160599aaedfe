"""Who copied whom: source choice, verdicts, evidence, ancestors in the lineage tree, the
simulator's shapes and truth, and the scores and confidence used to judge it."""

import hashlib
import json
import random

import numpy as np
import pytest
from coverage_stories import K1, K2, K3, WIRE

from phylo.sim.scores import (expected_calibration_error, grouping_recall, lineage_right, reliability,
                              source_accuracy, source_accuracy_up_to_copies, true_groupings)
from phylo.sim.story import coverage_story, simulate_story, story_texts
from phylo.trees.build import from_newick
from phylo.trees.evidence import covered, mark_boilerplate, passage_summary, read_text
from phylo.trees.lineage import earlier_candidates, infer_sources, lineage_newick


def words(seed, n=300):
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(2000)]
    return " ".join(rng.choice(vocab) for _ in range(n))


ROOT = words(1)
HALF = " ".join(ROOT.split()[:150])  # a trimmed copy
EXTRA = words(2, 80)


def run(texts, dates, **kw):
    labels = list(texts)
    rows = infer_sources(labels, [texts[k] for k in labels], dates, **kw)
    return {r["label"]: r for r in rows}


def test_trimmed_copy_of_a_trimmed_copy_points_at_its_parent_not_the_grandparent():
    texts = {"root": ROOT, "mid": " ".join(ROOT.split()[:200]), "leaf": HALF}
    dates = {"root": "2024-01-01T08:00", "mid": "2024-01-01T09:00", "leaf": "2024-01-01T10:00"}
    got = run(texts, dates)
    assert got["mid"]["source"] == "root" and got["leaf"]["source"] == "mid"
    assert got["leaf"]["verdict"] == "copied" and got["leaf"]["evidence"]["share"] == 1.0
    assert got["root"]["source"] is None and got["root"]["verdict"] == "earliest"
    assert got["root"]["note"] == "earliest article"


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


def test_unrelated_article_is_independent_and_undated_is_flagged():
    texts = {"root": ROOT, "other": words(9), "undated": HALF}
    dates = {"root": "2024-01-01T08:00", "other": "2024-01-01T09:00", "undated": None}
    got = run(texts, dates)
    assert got["other"]["source"] is None and got["other"]["verdict"] == "independent"
    assert "nothing earlier shares its prose" in got["other"]["note"]
    assert got["undated"]["source"] == "root" and got["undated"]["note"].startswith("undated")


def test_a_shared_quote_and_names_are_not_copying():
    statement = '"We will keep the crossing open for as long as it is safe to do so," the mayor said.'
    texts = {"root": f"{words(1, 200)}. {statement} {words(2, 100)}.",
             "report": f"{words(3, 150)}. {statement} {words(4, 150)}."}
    got = run(texts, {"root": "2024-01-01T08:00", "report": "2024-01-01T09:00"})
    report = got["report"]
    assert report["verdict"] == "independent" and report["source"] is None
    assert report["evidence"]["quotes"] == ["We will keep the crossing open for as long as it is safe to do so"]
    assert report["evidence"]["against"] == "root" and report["evidence"]["passages"] == 1


def test_copies_of_the_wire_story_keep_it_when_it_is_in_the_list():
    texts = {"wire": WIRE, "k1": K1, "k2": K2, "k3": K3}
    got = run({k: "\n".join(v) for k, v in texts.items()},
              {k: f"2024-05-06T0{7 + i}:00Z" for i, k in enumerate(texts)})
    assert [got[k]["verdict"] for k in texts] == ["earliest", "copied", "copied", "copied"]
    assert {got[k]["source"] for k in ("k1", "k2", "k3")} == {"wire"}
    assert all(r["unseen_group"] is None for r in got.values())


def test_the_same_copies_without_the_wire_story_share_an_unseen_source():
    texts = {"k1": K1, "k2": K2, "k3": K3}
    got = run({k: "\n".join(v) for k, v in texts.items()}, {k: f"2024-05-06T0{8 + i}:00Z" for i, k in enumerate(texts)})
    assert {r["verdict"] for r in got.values()} == {"unseen-source"}
    assert {r["unseen_group"] for r in got.values()} == {"unseen-1"}
    assert all(r["source"] is None and r["evidence"]["share"] > 0.8 for r in got.values())


def test_quotes_and_boilerplate_are_marked():
    text = 'The bridge closed. "It is the right call," the mayor said. Listen to this article.'
    t = read_text(text)
    assert [w for w, q in zip(t.words, t.quoted) if q] == ["it", "is", "the", "right", "call"]
    assert len(t.sentences) == 3
    sign_off = "Follow the Daily Planet for more news from around the bay every morning."
    a, b = (read_text(f"{words(s, 60)}.\n{sign_off}") for s in (1, 2))
    c = read_text(f"{words(3, 60)}.")
    mark_boilerplate([a, b, c], ["Daily Planet", "Daily Planet", "Other Post"])
    assert a.boiler.sum() == b.boiler.sum() == 13 and not c.boiler.any()
    assert passage_summary(b, covered(b, a))["share"] == 0.0  # the shared sign-off is not shared text
    # a story's first sentence, copied by other outlets, is nobody's boilerplate
    lede = "The harbour bridge closed before dawn on Tuesday after inspectors found cracks in its girders."
    d, e, f = (read_text(f"{lede}\n{words(s, 60)}.") for s in (4, 5, 6))
    mark_boilerplate([d, e, f], ["Daily Planet", "Daily Planet", "Other Post"])
    assert not (d.boiler.any() or e.boiler.any() or f.boiler.any())


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


def test_an_unseen_source_is_an_unlabelled_node_over_its_copies_and_theirs():
    lineage = [{"label": "x", "source": None, "containment": None, "unseen_group": "unseen-1"},
               {"label": "y", "source": None, "containment": None, "unseen_group": "unseen-1"},
               {"label": "z", "source": "y", "containment": 0.9, "unseen_group": None},
               {"label": "w", "source": None, "containment": None, "unseen_group": None}]
    tree = from_newick(lineage_newick(lineage))
    assert sorted(t.name for t in tree.tips()) == ["w", "x", "y", "z"]
    node = tree.lca([tree.find("x"), tree.find("y")])
    assert node.name is None and sorted(t.name for t in node.tips()) == ["x", "y", "z"]
    assert tree.find("w").parent is tree


def test_scores_count_what_they_say():
    truth = {"r": None, "a": "r", "b": "a"}
    assert true_groupings(truth) == [frozenset({"a", "b"})]
    lineage = [{"label": "r", "source": None}, {"label": "a", "source": "r"}, {"label": "b", "source": "r"}]
    assert source_accuracy(lineage, truth) == 2 / 3
    assert source_accuracy_up_to_copies(lineage, truth, {"r": "x", "a": "x", "b": "y"}) == 1.0
    assert grouping_recall("((a,b),r);", truth) == 1.0
    assert grouping_recall("((a,r),b);", truth) == 0.0


def test_verdicts_are_scored_against_the_kind_of_article():
    texts = {"h": "wire text", "twin": "wire text", "c": "other"}
    copied = {"label": "x", "verdict": "copied", "source": "c"}
    assert lineage_right(copied, {"kind": "copy", "parent": "c"}, texts)
    assert not lineage_right(copied, {"kind": "independent", "parent": None}, texts)
    assert lineage_right({"label": "x", "verdict": "independent", "source": None},
                         {"kind": "related", "parent": None}, texts)
    hidden = {"kind": "hidden-copy", "parent": "h"}  # h is missing from the list
    assert lineage_right({"label": "x", "verdict": "unseen-source", "source": None}, hidden, texts)
    assert lineage_right({"label": "x", "verdict": "copied", "source": "twin"}, hidden, texts)
    assert not lineage_right({"label": "x", "verdict": "copied", "source": "c"}, hidden, texts)
    assert lineage_right({"label": "twin", "verdict": "earliest", "source": None}, hidden, texts)
    assert not lineage_right({"label": "x", "verdict": "unseen-source", "source": None},
                             {"kind": "copy", "parent": "c"}, texts)
    assert lineage_right({"label": "x", "source": "c"}, {"kind": "merge", "parent": "c"}, texts)  # old rows


def test_reliability_bins_and_calibration_error():
    conf = [0.05, 0.15, 0.85, 0.95, 0.95]
    right = [False, False, True, True, False]
    table = reliability(conf, right)
    assert [(b["low"], b["answers"], b["right"]) for b in table] == [(0.0, 1, 0.0), (0.1, 1, 0.0), (0.8, 1, 1.0),
                                                                   (0.9, 2, 0.5)]
    # |0 - .05| + |0 - .15| + |1 - .85| + 2 * |.5 - .95|, over five answers
    assert expected_calibration_error(conf, right) == pytest.approx((0.05 + 0.15 + 0.15 + 0.9) / 5)


def test_simulator_is_deterministic_and_copies_come_after_their_source():
    one, two = simulate_story(8, seed=4), simulate_story(8, seed=4)
    assert one["articles"] == two["articles"]
    when = {a["id"]: a["published"] for a in one["articles"]}
    for a in one["articles"][1:]:
        assert a["parent"] is not None and when[a["parent"]] < when[a["id"]]
    assert simulate_story(8, seed=5)["articles"][0]["text"] != one["articles"][0]["text"]


@pytest.mark.parametrize("kw, digest", [
    ({"count": 15, "seed": 3}, "df04b4d74820951707576e956f24d64d6ded853489043025c886e0bc828f9c5b"),
    ({"count": 10, "seed": 2, "profile": "light", "undated": 0.2},
     "caf4131fb14bc3493285070c534bf2ca5b7c6e77cd3c5779540e4b823cd7d56d"),
])
def test_the_default_simulator_still_writes_the_same_stories(kw, digest):
    """The shapes draw from their own stream: with them off, stories are what they were."""
    story = simulate_story(kw.pop("count"), **kw)
    pinned = [[a["id"], a["parent"], a["published"], a["text"]] for a in story["articles"]]
    assert hashlib.sha256(json.dumps(pinned).encode()).hexdigest() == digest


def test_each_shape_of_coverage_comes_with_its_truth():
    story = simulate_story(15, seed=5, independent=0.3, merges=0.3, boilerplate=True)
    arts = {a["id"]: a for a in story["articles"]}
    kinds = {a["kind"] for a in arts.values()}
    assert {"original", "copy", "merge", "independent"} <= kinds
    root = read_text(arts["a00"]["body"])
    for a in arts.values():
        mine = read_text(a["body"])
        if a["kind"] == "independent":  # a quote in common with the original, no prose
            shared = passage_summary(mine, covered(mine, root))
            assert a["parent"] is None and shared["share"] > 0 and shared["prose"] < 0.05
        if a["kind"] == "merge":  # what it took from each secondary source: paragraphs its primary lacks
            primary = set(arts[a["parent"]]["body"].split("\n\n"))
            for s in a["secondary"]:
                taken = set(a["body"].split("\n\n")) & set(arts[s["id"]]["body"].split("\n\n")) - primary
                assert taken and 0 < s["share"] < 0.5
        outlet = next(o for o in story["outlets"] if o["name"] == a["site"])
        assert a["text"].endswith(outlet["boilerplate"][1]) and outlet["boilerplate"][1] not in a["body"]
    hidden = simulate_story(10, seed=5, hidden_original=True)
    texts, parents = story_texts(hidden)
    assert len(texts) == 10 and hidden["hidden"][0]["id"] == "a00" and "a00" not in texts
    assert [parents[f"a0{i}"] for i in (1, 2, 3)] == ["a00"] * 3
    assert all(a["kind"] == "hidden-copy" for a in hidden["articles"] if a["parent"] == "a00")


def test_lineage_recovers_most_sources_of_a_simulated_story():
    story = simulate_story(12, seed=7)
    arts = story["articles"]
    rows = infer_sources([a["id"] for a in arts], [a["text"] for a in arts],
                         {a["id"]: a["published"] for a in arts})
    truth = {a["id"]: a["parent"] for a in arts}
    assert source_accuracy_up_to_copies(rows, truth, {a["id"]: a["text"] for a in arts}) >= 0.8


def test_confident_answers_are_mostly_right_on_stories_the_calibration_never_saw():
    """Answers given at 0.9 or more are right at least 80% of the time, and the calibration
    error stays small, on simulated stories of mixed shapes (seeds far from the fitted ones)."""
    from pipelines import news
    from phylo.align.encoding import encode

    confident, every = [], []
    for seed in range(1, 9):
        story = coverage_story(seed)
        arts = story["articles"]
        labels = [a["id"] for a in arts]
        identity = news.align_all({a["id"]: encode(a["text"]) for a in arts}, "nw", "codon", "jc", "auto")["identity"]
        rows = infer_sources(labels, [a["text"] for a in arts], {a["id"]: a["published"] for a in arts},
                             identity=identity, sites=[a["site"] for a in arts])
        plain = {a["id"]: a.get("body", a["text"]) for a in arts + story.get("hidden", [])}
        for a, row in zip(arts, rows):
            right = lineage_right(row, {"kind": a["kind"], "parent": a["parent"]}, plain)
            every.append((row["confidence"], right))
            if row["confidence"] >= 0.9:
                confident.append(right)
    assert len(confident) > 40 and np.mean(confident) >= 0.8
    assert expected_calibration_error(*zip(*every)) <= 0.12


def test_logistic_fit_agrees_with_scikit_learn():
    from sklearn.linear_model import LogisticRegression

    from phylo.trees.calibration import fit, predict

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3)) * [1.0, 5.0, 0.1] + [0.0, 2.0, 1.0]
    y = rng.random(400) < 1 / (1 + np.exp(-(0.8 * x[:, 0] - 0.3 * x[:, 1] + 4 * x[:, 2])))
    model = fit(x.tolist(), y.tolist(), l2=1.0)
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    oracle = LogisticRegression(C=1.0, tol=1e-10, max_iter=1000).fit(z, y)  # the same ridge: 1/C on coefficients
    assert np.allclose(model["coef"], oracle.coef_[0], atol=1e-4)
    assert np.allclose(predict(model, x[:5].tolist()), oracle.predict_proba(z[:5])[:, 1], atol=1e-4)

"""Stories and per-story trees from candidate pairs only (phylo.trees.forest)."""

import json
import math
import random

import numpy as np
import pytest

from phylo.trees import forest as F
from phylo.align.encoding import encode
from phylo.trees.build import from_newick, rooted_tree, to_newick

SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


def small_corpus(seed: int = 3):
    """Three stories (copies of copies, dated in order) and three unrelated articles."""
    rng = random.Random(seed)
    vocab = ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3))) for _ in range(800)]

    def fresh(n=90):
        return [rng.choice(vocab) for _ in range(n)]

    def copy(words):
        out = [rng.choice(vocab) if rng.random() < 0.04 else w for w in words]
        cut = rng.randrange(len(out))
        return out[:cut] + fresh(6) + out[cut:]

    rows, truth = [], {}
    for story, size in enumerate((6, 4, 2)):
        texts = [fresh()]
        parents = [None]
        for _ in range(size - 1):
            parents.append(rng.randrange(len(texts)))
            texts.append(copy(texts[parents[-1]]))
        for i, words in enumerate(texts):
            label = f"s{story}_{i}"
            truth[label] = story
            rows.append({"label": label, "text": " ".join(words) + ".", "site": f"site{i % 3}.example",
                         "published": f"2024-03-{10 + story}T{8 + i:02d}:00:00", "status": "ok"})
    for i in range(3):
        rows.append({"label": f"lone{i}", "text": " ".join(fresh()) + ".", "site": "other.example",
                     "published": "2024-03-01", "status": "ok"})
    rows.append({"label": None, "url": "broken", "status": "http-404"})  # left out everywhere
    rng.shuffle(rows)
    return rows, truth


def run_chain(rows, per_article=8):
    prints = F.table_fingerprints(rows)
    candidates = F.find_candidates(prints)
    stories = F.group_stories(prints, candidates)
    pairs = F.pairs_to_align(stories, per_article=per_article)
    sequences = {r["label"]: encode(r["text"]) for r in F.usable_articles(rows)}
    chunks = F.chunk_pairs(pairs, sequences, chunk_size=5)
    aligned = [F.align_chunk(chunk, unit="codon") for chunk in chunks]
    return F.build_forest(rows, stories, aligned, correction="jc", method="nj"), pairs


def test_forest_puts_each_story_together():
    rows, truth = small_corpus()
    forest, pairs = run_chain(rows)
    stories = {frozenset(s["members"]) for s in forest}
    for story in range(3):
        assert frozenset(label for label, t in truth.items() if t == story) in stories
    assert [s["size"] for s in forest] == [6, 4, 2, 1, 1, 1]
    assert [s["story"] for s in forest][:3] == ["story-001", "story-002", "story-003"]
    n = len(truth) + 3
    assert len(pairs) < n * (n - 1) // 2 / 4  # only candidate pairs were aligned
    big = forest[0]
    assert sorted(t.name for t in from_newick(big["newick"]).tips()) == sorted(big["members"])
    assert big["first_article"] == "s0_0" and big["first_date"] == "2024-03-10T08:00:00"
    assert big["rooting"].startswith("earliest article")
    # the story's first article has no source; every other article has one inside the story
    sources = {s["label"]: s["source"] for s in big["sources"]}
    assert sources["s0_0"] is None and all(sources[m] in big["members"] for m in big["members"][1:]
                                           if m != "s0_0")


def test_forest_is_deterministic():
    rows, _ = small_corpus()
    assert run_chain(rows)[0] == run_chain(list(reversed(rows)))[0]


def test_bounded_distances_bound_unaligned_pairs_by_the_shortest_path():
    aligned = {("a", "b"): 0.1, ("b", "c"): 0.2}
    p = F.bounded_distances(["a", "b", "c", "d"], aligned, correction=None)
    assert p[0, 1] == pytest.approx(0.1) and p[1, 2] == pytest.approx(0.2)
    assert p[0, 2] == pytest.approx(0.3)  # a-c never aligned: at most a-b + b-c
    assert p[0, 3] == F.P_MAX  # d is joined to nothing aligned
    assert np.allclose(p, p.T) and np.all(np.diag(p) == 0)
    jc = F.bounded_distances(["a", "b", "c"], aligned, correction="jc")
    assert jc[0, 2] == pytest.approx(-0.75 * math.log(1 - 4 * 0.3 / 3))
    assert F.bounded_distances(["a", "b"], {("a", "b"): 0.0}, None)[0, 1] == 0.0


def test_small_stories_get_simple_trees():
    one, how = rooted_tree(["x"], np.zeros((1, 1)), {})
    assert to_newick(one) == "x;" and how == "single article"
    two, _ = rooted_tree(["x", "y"], np.array([[0, 0.4], [0.4, 0]]), {})
    assert sorted(t.name for t in two.tips()) == ["x", "y"]
    assert two.find("x").length == pytest.approx(0.2)


def test_chunks_carry_their_sequences():
    seqs = {k: encode(k * 3) for k in "abcde"}
    chunks = F.chunk_pairs([("a", "b"), ("a", "c"), ("d", "e")], seqs, chunk_size=2)
    assert [len(c["pairs"]) for c in chunks] == [2, 1]
    assert chunks[0]["labels"] == ["a", "b", "c"] and chunks[0]["pairs"] == [(0, 1), (0, 2)]
    assert chunks[1]["sequences"] == [seqs["d"], seqs["e"]]
    result = F.align_chunk(chunks[1], unit="codon")
    assert result[0]["a"] == "d" and result[0]["b"] == "e" and 0 <= result[0]["identity"] <= 1


def test_flatten_aligned_counts_gaps_as_asked():
    from phylo.engine.executors import Failure

    pair = {"a": "y", "b": "x", "identity": 0.5, "matches": 90, "columns": 180, "pairs": 100, "gap_runs": 2}
    aligned = [[pair], Failure("error", "boom")]
    assert F.flatten_aligned(aligned, "columns") == {("x", "y"): pytest.approx(0.5)}
    assert F.flatten_aligned(aligned, "runs") == {("x", "y"): pytest.approx(1 - 90 / 102)}
    assert F.flatten_aligned(aligned) == {("x", "y"): pytest.approx(1 - 90 / (102 + 80 / 15))}


def test_pairs_to_align_keeps_each_articles_strongest_links_inside_its_story():
    stories = {"stories": [["a", "b", "c", "d"], ["e", "f"]],
               "links": [("a", "b", 0.6), ("a", "c", 0.9), ("a", "d", 0.9), ("b", "c", 0.5), ("b", "d", 0.4),
                         ("c", "d", 0.9), ("d", "e", 0.99), ("e", "f", 0.3)]}
    # strongest (ties by label): a -> c, b -> a, c -> a, d -> a, e -> f, f -> e; d-e crosses stories
    assert F.pairs_to_align(stories, per_article=1) == [("a", "b"), ("a", "c"), ("a", "d"), ("e", "f")]
    assert F.pairs_to_align(stories, per_article=0) == [("a", "b"), ("a", "c"), ("a", "d"), ("b", "c"),
                                                         ("b", "d"), ("c", "d"), ("e", "f")]


def test_write_forest(tmp_path):
    rows, _ = small_corpus()
    forest, _ = run_chain(rows)
    counts = F.write_forest(str(tmp_path), forest)
    assert counts == {"stories": 3, "singletons": 3}
    lines = (tmp_path / "forest.tsv").read_text().splitlines()
    assert lines[0].split("\t") == ["story", "size", "sites", "first_date", "first_article", "newick"]
    assert [line.split("\t")[1] for line in lines[1:]] == ["6", "4", "2"]
    assert json.loads((tmp_path / "forest.json").read_text())[0]["members"] == forest[0]["members"]
    assert sorted(p.name for p in (tmp_path / "stories").iterdir()) == [
        "story-001.nwk", "story-002.nwk", "story-003.nwk"]

"""Story grouping: shingles, signatures, LSH candidates, the exact measure, clusters."""

import pickle
import random

import numpy as np
import pytest

from phylo.sim.story import simulate_story
from phylo.trees import grouping as G
from phylo.trees.shingles import shingles

WORDS = ("council budget river school mayor police storm harbour election court market train "
         "hospital festival museum airport bridge farmers teachers nurses strike vote report "
         "minister company profit factory plant museum library winter summer road tunnel").split()


def made_up(seed: int, n: int = 120) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(n)) + "."


def edited(text: str, seed: int, share: float = 0.05) -> str:
    """A near-duplicate: about ``share`` of the words replaced."""
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) if rng.random() < share else w for w in text.split())


def test_shingles_normalise_case_accents_and_punctuation():
    assert shingles("Café, NAÏVE; façade!", k=2) == {"cafe naive", "naive facade"}
    assert shingles("two words", k=5) == {"two words"}
    assert shingles("  ...  ") == set()


def test_signature_is_plain_uint64_and_storable():
    sig = G.signature("a short text about the harbour and the storm")
    assert sig.dtype == np.uint64 and sig.shape == (128,)
    assert np.array_equal(np.frombuffer(sig.tobytes(), dtype=np.uint64), sig)
    assert np.array_equal(pickle.loads(pickle.dumps(sig)), sig)
    assert np.array_equal(sig, G.signature("A short text, about the harbour and the storm!"))
    assert G.signature("x y z", num_perm=64).shape == (64,)
    text = made_up(3)
    sig, array = G.fingerprint(text)
    assert np.array_equal(sig, G.signature(text)) and np.array_equal(array, G.shingle_array(text))


def test_similarity_estimates_jaccard():
    a, b = made_up(1, 400), made_up(2, 400)
    assert G.similarity(G.signature(a), G.signature(a)) == 1.0
    near = edited(a, 3, share=0.02)
    true = len(shingles(a, 3) & shingles(near, 3)) / len(shingles(a, 3) | shingles(near, 3))
    assert abs(G.similarity(G.signature(a), G.signature(near)) - true) < 0.15
    assert G.similarity(G.signature(a), G.signature(b)) < 0.1
    empty = G.signature("")
    assert G.is_empty(empty) and G.similarity(empty, empty) == 0.0
    with pytest.raises(ValueError):
        G.similarity(G.signature(a), G.signature(a, num_perm=64))


def test_overlap_is_the_ochiai_coefficient_of_the_shingle_sets():
    texts = [made_up(s, 200) for s in range(6)] + [edited(made_up(0, 200), 9, 0.1), "", "one two"]
    arrays = [G.shingle_array(t) for t in texts]
    sets = [shingles(t, 3) for t in texts]
    pairs = [(i, j) for i in range(len(texts)) for j in range(len(texts)) if i != j]
    expected = [len(sets[i] & sets[j]) / (len(sets[i]) * len(sets[j])) ** 0.5 if sets[i] and sets[j] else 0.0
                for i, j in pairs]  # Python's own sets as the oracle
    assert G.overlaps(pairs, dict(enumerate(arrays))) == pytest.approx(expected, abs=1e-3)
    assert [G.overlap(arrays[i], arrays[j]) for i, j in pairs] == pytest.approx(expected, abs=1e-3)
    assert arrays[0].dtype == np.uint32 and np.all(np.diff(arrays[0].astype(np.int64)) > 0)


def test_estimated_overlap_follows_the_exact_one():
    long, short = made_up(20, 900), None
    short = " ".join(long.split()[:200])  # a cut-down copy: contained, a fifth of the size
    sig_l, arr_l = G.fingerprint(long)
    sig_s, arr_s = G.fingerprint(short)
    est = G.estimated_overlap(G.similarity(sig_l, sig_s), len(arr_l), len(arr_s))
    assert abs(est - G.overlap(arr_l, arr_s)) < 0.15 and G.overlap(arr_l, arr_s) > 0.4
    index = G.StoryIndex()
    index.add("long", sig_l, len(arr_l))
    index.add("other", *(lambda s, a: (s, len(a)))(*G.fingerprint(made_up(21, 900))))
    assert index.candidates(sig_s, len(arr_s)) == ["long"]  # a short copy is found, the stranger is not
    assert len(index) == 2 and "long" in index


def test_cluster_is_average_linkage_as_scipy_computes_it():
    """scipy's UPGMA on distance 1 - overlap, cut at 1 - threshold, as the oracle."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    rng = np.random.default_rng(4)
    n = 40
    w = np.zeros((n, n))
    truth = rng.integers(0, 6, n)
    for i in range(n):
        for j in range(i + 1, n):
            if truth[i] == truth[j] and rng.random() < 0.7:
                w[i, j] = w[j, i] = rng.uniform(0.1, 0.9)
            elif rng.random() < 0.05:  # stray links between groups
                w[i, j] = w[j, i] = rng.uniform(0.05, 0.6)
    keys = [f"k{i:02d}" for i in range(n)]
    weights = {(keys[i], keys[j]): w[i, j] for i in range(n) for j in range(i + 1, n) if w[i, j]}
    for threshold in (0.05, 0.1, 0.2, 0.3):
        ours = {frozenset(g) for g in G.cluster(keys, weights, threshold)}
        labels = fcluster(linkage(squareform(1 - w, checks=False), method="average"), 1 - threshold,
                          criterion="distance")
        theirs = {frozenset(k for k, lab in zip(keys, labels) if lab == c) for c in set(labels)}
        assert ours == theirs


def test_one_stray_pair_does_not_merge_two_stories_but_connected_components_would():
    a = simulate_story(8, seed=11)["articles"]
    b = simulate_story(8, seed=12)["articles"]
    texts = {f"a{i}": x["text"] for i, x in enumerate(a)} | {f"b{i}": x["text"] for i, x in enumerate(b)}
    stray = a[0]["text"].split("\n\n")[1]
    texts["b5"] = texts["b5"] + "\n\n" + stray + "\n\n" + a[0]["text"].split("\n\n")[2]  # b5 quotes a0
    keys = sorted(texts)
    prints = {k: G.fingerprint(texts[k]) for k in keys}
    pairs = G.candidate_pairs(keys, {k: p[0] for k, p in prints.items()}, {k: len(p[1]) for k, p in prints.items()})
    arrays = {k: p[1] for k, p in prints.items()}
    clusters, weights = G.regroup(keys, pairs, arrays, {k: k for k in keys})
    cross = [(x, y) for x, y in weights if x[0] != y[0]]
    assert cross, "the stray paragraph should make at least one link between the stories"
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    pos = {k: i for i, k in enumerate(keys)}
    graph = coo_matrix(([1] * len(weights), ([pos[x] for x, _ in weights], [pos[y] for _, y in weights])),
                       shape=(len(keys), len(keys)))
    assert connected_components(graph, directed=False)[0] == 1  # one component: the old rule merged them
    assert sorted(sorted(c) for c in clusters) == [[f"a{i}" for i in range(8)], [f"b{i}" for i in range(8)]]


def test_an_outlets_boilerplate_links_nothing():
    """Short unrelated articles of one outlet, each ending with its newsletter pitch."""
    pitch = ("Sign up for the Morning Ledger newsletter to get the stories that matter in your inbox "
             "every day before breakfast, with our editors' pick of the best local reporting.")
    texts, outlets = {}, {}
    for n in range(8):  # eight stories of two articles each, all on the same outlet
        base = " ".join(made_up(100 + n, 70).split())
        texts[f"s{n}-0"] = base + "\n\n" + pitch
        texts[f"s{n}-1"] = edited(base, n, 0.02) + "\n\n" + pitch
        outlets[f"s{n}-0"] = outlets[f"s{n}-1"] = "ledger.example"
    keys = sorted(texts)
    arrays = {k: G.shingle_array(t) for k, t in texts.items()}
    pairs = [(a, b) for i, a in enumerate(keys) for b in keys[i + 1:]]
    plain = G.cluster(keys, {p: w for p, w in zip(pairs, G.overlaps(pairs, arrays)) if w >= G.LINK_MIN})
    assert len(plain[0]) > 2  # on overlaps alone, the pitch glues stories together
    clusters, _ = G.regroup(keys, pairs, arrays, outlets)
    assert sorted(sorted(c) for c in clusters) == [[f"s{n}-0", f"s{n}-1"] for n in range(8)]
    boiler = G.boilerplate([arrays[k] for k in keys])
    assert set(boiler) == set(G.shingle_array(pitch)) - set().union(*(
        set(G.shingle_array(texts[k].split("\n\n")[0])) for k in keys))  # the pitch, nothing of the stories


def test_text_of_one_story_is_not_boilerplate_however_often_the_outlet_runs_it():
    base = made_up(7, 300)
    window = [G.shingle_array(edited(base, i, 0.03)) for i in range(10)]
    window += [G.shingle_array(made_up(50 + i, 200)) for i in range(10)]
    assert G.boilerplate(window).size == 0
    pitch = G.shingle_array("Subscribe to the Evening Post for local news you can trust, delivered every night.")
    found = G.boilerplate([np.union1d(a, pitch) for a in window])
    assert set(found) == set(pitch)  # the same outlet's pitch on all of them is found, and only it


def test_candidates_are_deterministic_and_each_pair_comes_once():
    texts = {f"s{s}-{c}": edited(made_up(100 + s), 1000 * s + c) for s in range(3) for c in range(4)}
    keys = sorted(texts)
    prints = {k: G.fingerprint(t) for k, t in texts.items()}
    sigs, sizes = {k: p[0] for k, p in prints.items()}, {k: len(p[1]) for k, p in prints.items()}
    pairs = G.candidate_pairs(keys, sigs, sizes)
    assert len(set(pairs)) == len(pairs) and all(keys.index(a) < keys.index(b) for a, b in pairs)
    shuffled = dict(sorted(sigs.items(), key=lambda kv: random.Random(5).random()))
    assert G.candidate_pairs(keys, shuffled, sizes) == pairs
    clusters, _ = G.regroup(keys, pairs, {k: p[1] for k, p in prints.items()}, {k: "x" for k in keys})
    assert clusters == [[f"s{s}-{c}" for c in range(4)] for s in range(3)]


def test_outlet_is_the_site_or_the_host():
    assert G.outlet("https://News.Example.org/a/b", "") == "news.example.org"
    assert G.outlet("https://news.yahoo.example/a", " The Wire ") == "the wire"  # an aggregator carries many
    assert G.outlet("file:///tmp/page.html", "Daily Planet ") == "daily planet"
    assert G.outlet(None, None) == ""

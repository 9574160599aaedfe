"""Story grouping: shingles, MinHash signatures, LSH candidates, connected groups."""

import pickle
import random

import numpy as np
import pytest

from phylo.trees.grouping import LSHIndex, candidate_pairs, group, is_empty, signature, similarity
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
    sig = signature("a short text about the harbour and the storm")
    assert sig.dtype == np.uint64 and sig.shape == (128,)
    assert np.array_equal(np.frombuffer(sig.tobytes(), dtype=np.uint64), sig)
    assert np.array_equal(pickle.loads(pickle.dumps(sig)), sig)
    assert np.array_equal(sig, signature("A short text, about the harbour and the storm!"))
    assert signature("x y z", num_perm=64).shape == (64,)


def test_similarity_estimates_jaccard():
    a, b = made_up(1, 400), made_up(2, 400)
    assert similarity(signature(a), signature(a)) == 1.0
    near = edited(a, 3, share=0.02)
    true = len(shingles(a) & shingles(near)) / len(shingles(a) | shingles(near))
    assert abs(similarity(signature(a), signature(near)) - true) < 0.15
    assert similarity(signature(a), signature(b)) < 0.1
    empty = signature("")
    assert is_empty(empty) and similarity(empty, empty) == 0.0
    with pytest.raises(ValueError):
        similarity(signature(a), signature(a, num_perm=64))


def test_lsh_index_finds_near_duplicates():
    index = LSHIndex(threshold=0.3)
    base = made_up(10)
    index.add("orig", signature(base))
    index.add("other", signature(made_up(11)))
    assert len(index) == 2 and "orig" in index
    assert index.query(signature(edited(base, 1))) == ["orig"]


def corpus():
    """Three stories of near-duplicates (copies of copies) and four unrelated texts."""
    texts = {}
    for story in range(3):
        text = made_up(100 + story)
        for copy in range(4):
            texts[f"s{story}-{copy}"] = text
            text = edited(text, 1000 * story + copy)
    for i in range(4):
        texts[f"lone{i}"] = made_up(200 + i)
    return texts


def test_candidates_and_groups_follow_the_stories():
    texts = corpus()
    sigs = {key: signature(text) for key, text in texts.items()}
    pairs = candidate_pairs(sigs, threshold=0.3)
    assert all(a < b for a, b in pairs) and pairs == sorted(pairs)
    assert all(similarity(sigs[a], sigs[b]) >= 0.3 for a, b in pairs)
    groups = group(list(texts), pairs)
    stories = [g for g in groups if len(g) > 1]
    assert stories == [[f"s{s}-{c}" for c in range(4)] for s in range(3)]
    assert [g for g in groups if len(g) == 1] == [[f"lone{i}"] for i in range(4)]


def test_grouping_is_deterministic():
    texts = corpus()
    sigs = {key: signature(text) for key, text in texts.items()}
    shuffled = dict(sorted(sigs.items(), key=lambda kv: random.Random(5).random()))
    assert candidate_pairs(sigs) == candidate_pairs(shuffled)
    keys = list(texts)
    pairs = candidate_pairs(sigs)
    assert group(keys, pairs) == group(keys, list(reversed(pairs)))


def test_group_orders_largest_first_then_by_position():
    assert group(["a", "b", "c", "d", "e"], [("e", "d"), ("b", "c")]) == [["b", "c"], ["d", "e"], ["a"]]
    assert group([], []) == []
    with pytest.raises(KeyError):
        group(["a"], [("a", "zz")])

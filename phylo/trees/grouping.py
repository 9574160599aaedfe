"""Which articles tell the same story: MinHash signatures, LSH candidates, groups.

Two articles belong to one story when they share enough text. Shared text is measured
on word shingles (``phylo.trees.shingles``: runs of consecutive words, after lower-casing
and folding accents), and the Jaccard similarity of two shingle sets is estimated from
MinHash signatures, so comparing two articles costs 128 integer comparisons whatever
their length. Locality-sensitive hashing (LSH) then finds the pairs worth comparing
without looking at all n(n-1)/2 of them: signatures are cut into bands, and only
articles that share a whole band somewhere become candidates.

The story grouping of ``phylo run --stories`` and of the monitor both use this module,
so an article falls into the same story either way.

Why datasketch: MinHash and MinHashLSH are exactly what it implements, it is small
(numpy and scipy only), maintained for a decade and widely used; writing permutation
hashing and band tuning by hand would add code with no gain. Signatures are stored as
plain ``uint64`` numpy arrays (picklable, storable as bytes) so that nothing else in
``phylo`` depends on datasketch's classes.

Example
-------
>>> a = signature("The mayor said on Monday that the bridge will close for repairs in May.")
>>> b = signature("The mayor said on Monday that the bridge will close for repairs in June.")
>>> c = signature("Rain is expected across the north of the country all weekend long.")
>>> similarity(a, b) > 0.5, similarity(a, c) < 0.1
(True, True)
"""

from __future__ import annotations

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from phylo.trees.shingles import shingles

#: datasketch's permutation scheme, fixed so stored signatures stay comparable across
#: datasketch versions (hash values carry no trace of the scheme that made them).
SCHEME = "affine32"
#: The value every slot of the signature of an empty text keeps (no shingle hashed).
_EMPTY = np.uint64(np.iinfo(np.uint32).max)


# Defaults for grouping articles into stories, shared by ``phylo run --stories`` and the
# monitor. Word 3-grams and a low threshold keep a story whole through heavy rewording:
# the fixture story's reworded branches share about 0.2 of their 3-grams (Jaccard), while
# different stories share about 0.003.
STORY_K = 3
STORY_THRESHOLD = 0.1


def signature(text: str, num_perm: int = 128, k: int = STORY_K, seed: int = 1) -> np.ndarray:
    """The MinHash signature of the text's word ``k``-shingles: ``num_perm`` uint64 values.

    Signatures are only comparable when made with the same ``num_perm``, ``k`` and
    ``seed``. Store one with ``sig.tobytes()``; read it back with
    ``numpy.frombuffer(blob, dtype=numpy.uint64)``.
    """
    mh = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME)
    mh.update_batch([s.encode("utf-8") for s in sorted(shingles(text, k))])
    return mh.hashvalues.astype(np.uint64)


def is_empty(sig: np.ndarray) -> bool:
    """True for the signature of a text without a single word."""
    return bool(np.all(np.asarray(sig) == _EMPTY))


def similarity(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the two shingle sets: the share of equal slots.

    Empty texts share nothing with anything (0.0), not even with each other.
    """
    a, b = np.asarray(sig_a), np.asarray(sig_b)
    if a.shape != b.shape:
        raise ValueError(f"signatures of different lengths ({a.size} and {b.size}) are not comparable")
    if is_empty(a) or is_empty(b):
        return 0.0
    return float(np.count_nonzero(a == b)) / a.size


def _lean(sig: np.ndarray, seed: int = 1) -> LeanMinHash:
    # datasketch's LSH wants its own MinHash objects; LeanMinHash skips building permutations
    return LeanMinHash(seed=seed, hashvalues=np.asarray(sig, dtype=np.uint64), scheme=SCHEME)


class LSHIndex:
    """An index of signatures answering "which stored keys may share text with this?".

    A thin wrapper over ``datasketch.MinHashLSH`` that takes our plain arrays. Answers
    are candidates, so check ``similarity`` before trusting one. The bands are tuned to
    miss little (false negatives weigh 0.9, false positives 0.1): with 128 permutations
    (32 bands of 2 rows at threshold 0.3) a pair at similarity 0.3 is missed 5% of the
    time, at 0.35 1.5%, from 0.4 under 0.4%; false positives cost one cheap check each.
    """

    def __init__(self, threshold: float = 0.3, num_perm: int = 128):
        self.threshold = threshold
        self.num_perm = num_perm
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=(0.1, 0.9))
        self._count = 0

    def add(self, key: str, sig: np.ndarray) -> None:
        """Store ``sig`` under ``key`` (a key can be stored once)."""
        self._lsh.insert(key, _lean(sig))
        self._count += 1

    def query(self, sig: np.ndarray) -> list[str]:
        """Stored keys that share at least one LSH band with ``sig``, sorted."""
        return sorted(self._lsh.query(_lean(sig)))

    def __contains__(self, key: str) -> bool:
        return key in self._lsh

    def __len__(self) -> int:
        return self._count


def candidate_pairs(sigs: dict[str, np.ndarray], threshold: float = 0.3) -> list[tuple[str, str]]:
    """Pairs of keys whose texts probably share text, sorted, each as ``(a, b)`` with ``a < b``.

    The rule: a pair is returned exactly when (1) the LSH index (tuned for
    ``threshold``) puts the two signatures in a common band bucket, and (2) their
    estimated Jaccard similarity (``similarity``) is ``>= threshold``. Empty texts are
    never paired. Step (2) removes LSH's false positives; LSH's false negatives (a
    pair above the threshold that shares no band: see ``LSHIndex``, 5% right at the
    threshold, under 0.4% from 0.4) are missed, which is the price of never comparing
    all pairs. Within a story a missed pair is usually still joined through others.
    """
    if not sigs:
        return []
    num_perm = len(next(iter(sigs.values())))
    index = LSHIndex(threshold, num_perm)
    keys = sorted(k for k, s in sigs.items() if not is_empty(s))
    for key in keys:
        index.add(key, sigs[key])
    pairs = set()
    for key in keys:
        for other in index.query(sigs[key]):
            if other > key and similarity(sigs[key], sigs[other]) >= threshold:
                pairs.add((key, other))
    return sorted(pairs)


def group(keys: list[str], pairs: list[tuple[str, str]]) -> list[list[str]]:
    """Connected components of the graph whose edges are ``pairs``; every key appears once.

    Order is deterministic: groups largest first, equal sizes by the position of their
    first member in ``keys``; members in ``keys`` order. Keys with no pair are
    single-member groups. Pairs naming unknown keys raise ``KeyError``.

    >>> group(["a", "b", "c", "d"], [("c", "a"), ("b", "d"), ("d", "c")])
    [['a', 'b', 'c', 'd']]
    >>> group(["a", "b", "c"], [("c", "b")])
    [['b', 'c'], ['a']]
    """
    position = {key: i for i, key in enumerate(keys)}
    parent = list(range(len(keys)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]  # path halving keeps the trees flat
            i = parent[i]
        return i

    for a, b in pairs:
        ra, rb = find(position[a]), find(position[b])
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)  # the root is always the earliest member
    members: dict[int, list[str]] = {}
    for i, key in enumerate(keys):
        members.setdefault(find(i), []).append(key)
    return sorted(members.values(), key=lambda g: (-len(g), position[g[0]]))

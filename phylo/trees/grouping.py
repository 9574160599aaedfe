"""Which articles tell the same story: candidates by MinHash/LSH, checked exactly, clustered.

The story grouping of ``phylo run --stories`` (``phylo.trees.forest``) and of the monitor
(``phylo.monitor.stories``) are both made of the pieces here, in this order:

1. **Candidates.** Each article gets a MinHash signature of its word 3-shingles
   (``phylo.trees.shingles``: lower-cased, accents folded). Locality-sensitive hashing
   (``StoryIndex``, over datasketch) proposes the pairs worth a look without comparing
   all n(n-1)/2, and the signatures' estimate of the overlap (below) drops the pairs
   that plainly share nothing (``PREFILTER``). An estimate is only an estimate: two
   unrelated stories were joined by one pair estimated at Jaccard 0.109 whose exact
   value was 0.045. So nothing is decided on it.
2. **The exact measure.** A candidate pair's *overlap* is computed on the shingle sets
   themselves (``shingle_array``): ``|A ∩ B| / sqrt(|A| |B|)`` (the Ochiai, or cosine,
   coefficient). It lies between Jaccard (which calls a short copy of a long read
   unrelated) and containment of the smaller (which calls a short article that quotes
   a paragraph a copy). Pairs from ``LINK_MIN`` on are *links*.
3. **Boilerplate and common text are not evidence.** A passage an outlet prints on
   many of its articles (a newsletter pitch, "this story was first published by ...")
   links those articles to each other whatever they are about: ``boilerplate`` finds it
   (on many of the outlet's recent articles, which without it share little), and it is
   left out of the overlap of two of that outlet's articles. Text that several stories
   share (``common_text``: names in the news, stock phrases, a statement every story
   quotes) is left out of every overlap.
4. **Stories are clusters one stray pair cannot merge** (``cluster``): average-linkage
   (UPGMA) clustering on the links, unlinked pairs counting 0. Two groups join when the
   mean overlap over *all* their pairs reaches ``STORY_THRESHOLD``. One pair of articles
   that share a quote, among the 256 pairs of two stories of 16, moves that mean by
   about 1/256 of its value; a copy, which shares text with its parent and with most of
   its parent's other copies, joins at once. Connected components (what this module did
   before) merged two whole stories on a single pair.

``regroup`` runs steps 2-4 on a set of articles and their candidate pairs: overlaps
without each outlet's boilerplate, a first clustering to see which text several
stories share, then the overlaps without that text, clustered again.

Why datasketch: MinHash and MinHashLSH are exactly what it implements, it is small
(numpy and scipy only), maintained for a decade and widely used. Signatures are stored
as plain ``uint64`` numpy arrays (picklable, storable as bytes) so that nothing else in
``phylo`` depends on datasketch's classes. The average-linkage step is written here:
scipy's and fastcluster's need the dense n x n matrix (20,000 articles: 1.6 GB), while
story links are sparse.

Example
-------
>>> a = signature("The mayor said on Monday that the bridge will close for repairs in May.")
>>> b = signature("The mayor said on Monday that the bridge will close for repairs in June.")
>>> c = signature("Rain is expected across the north of the country all weekend long.")
>>> similarity(a, b) > 0.5, similarity(a, c) < 0.1
(True, True)
>>> cluster(["a", "b", "c", "d"], {("a", "b"): 0.9, ("c", "d"): 0.8, ("b", "c"): 0.3})
[['a', 'b'], ['c', 'd']]
"""

from __future__ import annotations

import heapq
import math
import zlib
from urllib.parse import urlsplit

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from phylo.trees.shingles import shingles

#: datasketch's permutation scheme, fixed so stored signatures stay comparable across
#: datasketch versions (hash values carry no trace of the scheme that made them).
SCHEME = "affine32"
#: The value every slot of the signature of an empty text keeps (no shingle hashed).
_EMPTY = np.uint64(np.iinfo(np.uint32).max)

#: Word shingle length for story grouping (and the lineage's containment).
STORY_K = 3
#: LSH bands are tuned for this estimated Jaccard similarity, weighted to miss little:
#: a pair at Jaccard 0.05 is proposed 84% of the time, from 0.08 95%; heavily reworded
#: copies (the bundled story's) sit at 0.07-0.2.
SEARCH_JACCARD = 0.1
#: Estimated overlap below which a proposed pair is not checked exactly.
PREFILTER = 0.04
#: Exact overlap from which a pair is a link (below: it counts 0 in the clustering).
LINK_MIN = 0.05
#: Mean overlap between two groups for them to be one story (see ``cluster``). The
#: bundled story's reworded branch joins its story at 0.11-0.13 (docs/scale.md).
STORY_THRESHOLD = 0.1
#: Boilerplate: a passage on at least this many of an outlet's recent articles ...
BOILERPLATE_ARTICLES = 5
#: ... and on at least this share of them (see ``boilerplate``) ...
BOILERPLATE_SHARE = 0.2
#: ... among the outlet's latest this many articles.
BOILERPLATE_WINDOW = 200
#: Text found in this many stories (of two or more articles) is common text, not evidence.
COMMON_STORIES = 3


# --- signatures and candidates ------------------------------------------------------------

def signature(text: str, num_perm: int = 128, k: int = STORY_K, seed: int = 1) -> np.ndarray:
    """The MinHash signature of the text's word ``k``-shingles: ``num_perm`` uint64 values.

    Signatures are only comparable when made with the same ``num_perm``, ``k`` and
    ``seed``. Store one with ``sig.tobytes()``; read it back with
    ``numpy.frombuffer(blob, dtype=numpy.uint64)``.
    """
    return _signature(shingles(text, k), num_perm, seed)


def fingerprint(text: str, num_perm: int = 128, k: int = STORY_K) -> tuple[np.ndarray, np.ndarray]:
    """``(signature(text), shingle_array(text))``, shingling the text once."""
    found = shingles(text, k)
    return _signature(found, num_perm), _array(found)


def _signature(found: set[str], num_perm: int = 128, seed: int = 1) -> np.ndarray:
    mh = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME)
    mh.update_batch([s.encode("utf-8") for s in sorted(found)])
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


def estimated_overlap(jaccard, size_a, size_b):
    """The overlap (``overlap``) that a Jaccard similarity implies for sets of these sizes.

    ``|A ∩ B| = J (|A| + |B|) / (1 + J)``; works elementwise on numpy arrays.
    """
    jaccard, size_a, size_b = (np.asarray(v, dtype=float) for v in (jaccard, size_a, size_b))
    common = jaccard * (size_a + size_b) / (1.0 + jaccard)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((size_a > 0) & (size_b > 0), common / np.sqrt(size_a * size_b), 0.0)


def _lean(sig: np.ndarray, seed: int = 1) -> LeanMinHash:
    # datasketch's LSH wants its own MinHash objects; LeanMinHash skips building permutations
    return LeanMinHash(seed=seed, hashvalues=np.asarray(sig, dtype=np.uint64), scheme=SCHEME)


class LSHIndex:
    """An index of signatures answering "which stored keys may share text with this?".

    A thin wrapper over ``datasketch.MinHashLSH`` that takes our plain arrays. Answers
    are candidates, never links. The bands are tuned to miss little (false negatives
    weigh 0.9, false positives 0.1): at ``threshold`` 0.1 and 128 permutations, 36 bands
    of one row each.
    """

    def __init__(self, threshold: float = SEARCH_JACCARD, num_perm: int = 128):
        self.threshold = threshold
        self.num_perm = num_perm
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=(0.1, 0.9))
        self._count = 0

    def add(self, key, sig: np.ndarray) -> None:
        """Store ``sig`` under ``key`` (a key can be stored once)."""
        self._lsh.insert(key, _lean(sig))
        self._count += 1

    def query(self, sig: np.ndarray) -> list:
        """Stored keys that share at least one LSH band with ``sig``, sorted."""
        return sorted(self._lsh.query(_lean(sig)))

    def __contains__(self, key) -> bool:
        return key in self._lsh

    def __len__(self) -> int:
        return self._count


class StoryIndex:
    """Candidates for story links: LSH, then the signatures' estimate of the overlap.

    ``add(key, sig, size)`` stores an article (``size``: its number of shingles);
    ``candidates(sig, size)`` gives the stored keys whose estimated overlap with it is
    at least ``PREFILTER``, sorted. Empty texts are neither stored nor proposed.
    """

    def __init__(self, num_perm: int = 128, prefilter: float = PREFILTER):
        self.lsh = LSHIndex(SEARCH_JACCARD, num_perm)
        self.prefilter = prefilter
        self._row: dict = {}
        self._sigs = np.zeros((64, num_perm), dtype=np.uint64)
        self._sizes = np.zeros(64)
        self._keys: list = []

    def add(self, key, sig: np.ndarray, size: int) -> None:
        if is_empty(sig) or size == 0:
            return
        n = len(self._keys)
        if n == len(self._sigs):  # grow by doubling
            self._sigs = np.concatenate([self._sigs, np.zeros_like(self._sigs)])
            self._sizes = np.concatenate([self._sizes, np.zeros_like(self._sizes)])
        self._sigs[n], self._sizes[n] = sig, size
        self._row[key] = n
        self._keys.append(key)
        self.lsh.add(key, sig)

    def candidates(self, sig: np.ndarray, size: int) -> list:
        if is_empty(sig) or size == 0 or not self._keys:
            return []
        found = self.lsh.query(sig)
        if not found:
            return []
        rows = np.fromiter((self._row[k] for k in found), dtype=np.int64, count=len(found))
        jaccard = np.count_nonzero(self._sigs[rows] == np.asarray(sig, dtype=np.uint64), axis=1) / self._sigs.shape[1]
        keep = estimated_overlap(jaccard, size, self._sizes[rows]) >= self.prefilter
        return [found[i] for i in np.flatnonzero(keep)]

    def __contains__(self, key) -> bool:
        return key in self._row

    def __len__(self) -> int:
        return len(self._keys)


def candidate_pairs(keys: list, sigs: dict, sizes: dict, num_perm: int = 128) -> list[tuple]:
    """Every candidate pair among ``keys`` (``StoryIndex``), each as ``(earlier, later)`` in
    ``keys`` order: an article is compared with the ones before it, as the monitor
    compares each new article with those it has stored."""
    index = StoryIndex(num_perm)
    pairs = []
    for key in keys:
        pairs += [(other, key) for other in index.candidates(sigs[key], sizes[key])]
        index.add(key, sigs[key], sizes[key])
    return pairs


def outlet(url: str | None, site: str | None = None) -> str:
    """Who published an article, for the boilerplate rule: its site name (lower case) when
    the page gives one (an aggregator's host carries many publishers), else the host of
    its http(s) URL, else ``""``."""
    if site and site.strip():
        return site.strip().lower()
    parts = urlsplit(url or "")
    return parts.netloc.lower() if parts.scheme in ("http", "https") else ""


# --- the exact measure ----------------------------------------------------------------------

def shingle_array(text: str, k: int = STORY_K) -> np.ndarray:
    """The text's word ``k``-shingles as a sorted array of distinct 32-bit hashes (CRC-32).

    32 bits are plenty: two sets of 1,000 shingles share a hash by chance with
    probability about 2e-4. Store with ``.tobytes()``; read with
    ``numpy.frombuffer(blob, dtype=numpy.uint32)``.
    """
    return _array(shingles(text, k))


def _array(found: set[str]) -> np.ndarray:
    return np.unique(np.fromiter((zlib.crc32(s.encode("utf-8")) for s in found), dtype=np.uint32, count=len(found)))


def _member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """``numpy.isin(values, sorted_set)`` for a sorted set, by binary search (no sorting of ``values``)."""
    if not sorted_set.size:
        return np.zeros(values.shape, dtype=bool)
    at = np.minimum(np.searchsorted(sorted_set, values), sorted_set.size - 1)
    return sorted_set[at] == values


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    """``|A ∩ B| / sqrt(|A| |B|)`` for two ``shingle_array`` results (0.0 if either is empty)."""
    if not len(a) or not len(b):
        return 0.0
    return np.intersect1d(a, b, assume_unique=True).size / math.sqrt(len(a) * len(b))


def overlaps(pairs: list[tuple], arrays: dict) -> list[float]:
    """``overlap`` of each pair of keys of ``arrays`` (a compiled merge walk per pair)."""
    common = intersections(pairs, arrays)
    sizes = {k: len(arrays[k]) for pair in pairs for k in pair}
    return [c / math.sqrt(sizes[a] * sizes[b]) if sizes[a] and sizes[b] else 0.0 for (a, b), c in zip(pairs, common)]


def intersections(pairs: list[tuple], arrays: dict) -> np.ndarray:
    """How many shingles each pair of keys of ``arrays`` shares."""
    from phylo.trees._overlap import intersection_counts

    if not pairs:
        return np.zeros(0, dtype=np.int64)
    index = {key: i for i, key in enumerate(dict.fromkeys(k for pair in pairs for k in pair))}
    parts = [arrays[key] for key in index]
    sizes = np.array([len(p) for p in parts], dtype=np.int64)
    ends = np.cumsum(sizes)
    flat = np.concatenate(parts).astype(np.uint32, copy=False)
    left = np.fromiter((index[a] for a, _ in pairs), dtype=np.int64, count=len(pairs))
    right = np.fromiter((index[b] for _, b in pairs), dtype=np.int64, count=len(pairs))
    return intersection_counts(flat, ends - sizes, ends, left, right)


def common_text(entries: list[tuple[np.ndarray, object]]) -> np.ndarray:
    """Text several stories share (names in the news, stock phrases, a statement quoted
    everywhere): shingles in at least ``COMMON_STORIES`` stories of two or more articles.
    ``entries``: ``[(shingle_array, story or None), ...]`` (None: in no story). Sorted uint32."""
    entries = [(a, story) for a, story in entries if story is not None and len(a)]
    if not entries:
        return np.zeros(0, dtype=np.uint32)
    hashes, carriers = np.unique(np.concatenate([a for a, _ in entries]), return_counts=True)
    candidates = hashes[carriers >= COMMON_STORIES]
    if not candidates.size:
        return candidates
    labels = {story: i for i, story in enumerate(dict.fromkeys(story for _, story in entries))}
    # each (shingle, story) as one integer, so that np.unique counts distinct pairs
    found = [a[_member(a, candidates)].astype(np.int64) << 32 | labels[story] for a, story in entries]
    shingle, stories = np.unique(np.unique(np.concatenate(found)) >> 32, return_counts=True)
    return (shingle[stories >= COMMON_STORIES] & 0xFFFFFFFF).astype(np.uint32)


def boilerplate(window: list[np.ndarray]) -> np.ndarray:
    """An outlet's boilerplate shingles, from the ``shingle_array`` of its recent articles.

    A passage is boilerplate when it is on at least ``BOILERPLATE_ARTICLES`` of them and
    ``BOILERPLATE_SHARE`` of them, and most pairs of the articles that carry it have
    nothing to do with each other once it is taken out (median overlap below
    ``STORY_THRESHOLD``): the outlet prints it whatever the article is about. Several
    articles of one story that the outlet ran share more than that passage, so the
    story's text stays. Shingles that travel together, on exactly the same articles, are
    judged together (a paragraph). An outlet most of whose recent articles are one story
    keeps its boilerplate: the rule then cannot tell.
    """
    window = [a for a in window if len(a)]
    if len(window) < BOILERPLATE_ARTICLES:
        return np.zeros(0, dtype=np.uint32)
    hashes, carriers = np.unique(np.concatenate(window), return_counts=True)
    common = hashes[carriers >= max(BOILERPLATE_ARTICLES, math.ceil(BOILERPLATE_SHARE * len(window)))]
    if not common.size:
        return common
    carried = np.stack([_member(common, a) for a in window])  # article x candidate
    groups = np.unique(np.packbits(carried, axis=0).T, axis=0, return_inverse=True)[1].ravel()
    # every carrier holds the whole passage, so without it a pair shares |i & j| - |passage|
    n = len(window)
    rows, cols = np.triu_indices(n, 1)
    shared = np.zeros((n, n))
    shared[rows, cols] = intersections(list(zip(rows.tolist(), cols.tolist())), dict(enumerate(window)))
    sizes = np.array([len(a) for a in window], dtype=float)
    found = []
    for g in np.unique(groups):
        passage = common[groups == g]
        who = np.flatnonzero(carried[:, np.flatnonzero(groups == g)[0]])
        i, j = np.triu_indices(len(who), 1)
        a, b = who[i], who[j]
        rest = np.sqrt(np.maximum(sizes[a] - passage.size, 1) * np.maximum(sizes[b] - passage.size, 1))
        if np.median((shared[a, b] - passage.size) / rest) < STORY_THRESHOLD:
            found.append(passage)
    return np.sort(np.concatenate(found)) if found else np.zeros(0, dtype=np.uint32)


# --- clusters --------------------------------------------------------------------------------

def cluster(keys: list, weights: dict, threshold: float = STORY_THRESHOLD) -> list[list]:
    """Average-linkage clusters of ``keys``: every key appears in exactly one.

    ``weights`` maps pairs ``(a, b)`` to their overlap; a pair not in it counts 0. Start
    from one cluster per key; repeatedly join the two clusters with the highest mean
    weight over all pairs between them (sum / (|A| |B|)) while that mean is at least
    ``threshold``. Only linked clusters can ever reach it, so the work grows with the
    number of links, not with n squared.

    Order is deterministic: clusters largest first, equal sizes by the position of their
    first member in ``keys``; members in ``keys`` order. Pairs naming unknown keys raise
    ``KeyError``.

    >>> cluster(["a", "b", "c", "d", "e"], {("e", "d"): 0.5, ("b", "c"): 0.2, ("a", "b"): 0.01})
    [['b', 'c'], ['d', 'e'], ['a']]
    """
    position = {key: i for i, key in enumerate(keys)}
    size = [1] * len(keys)
    members = [[i] for i in range(len(keys))]
    sums: list[dict[int, float]] = [{} for _ in keys]  # cluster -> {neighbour cluster: sum of weights}
    for (a, b), w in sorted(((tuple(sorted((position[a], position[b]))), w) for (a, b), w in weights.items())):
        if a != b and w > 0:
            sums[a][b] = sums[a].get(b, 0.0) + w
            sums[b][a] = sums[b].get(a, 0.0) + w
    version = [0] * len(keys)
    # Only pairs whose mean reaches the threshold go on the heap: a mean changes only when
    # one of the two clusters grows, and then every pair of the grown cluster is pushed again.
    heap = [(-s, i, j, 0, 0) for i in range(len(keys)) for j, s in sums[i].items() if i < j and s >= threshold]
    heapq.heapify(heap)
    alive = [True] * len(keys)
    while heap:
        mean, i, j, vi, vj = heapq.heappop(heap)
        if not (alive[i] and alive[j]) or version[i] != vi or version[j] != vj:
            continue  # one of the two changed since this entry was pushed
        # the cluster keeps the smaller index (its earliest member); j's links move to i
        alive[j] = False
        for other, s in sums[j].items():
            if other != i:
                sums[i][other] = sums[i].get(other, 0.0) + s
                sums[other][i] = sums[other].get(i, 0.0) + s
                del sums[other][j]
        sums[i].pop(j, None)
        sums[j] = {}
        size[i] += size[j]
        members[i] += members[j]
        version[i] += 1
        for other, s in sums[i].items():
            mean = s / (size[i] * size[other])
            if mean >= threshold:
                a, b = min(i, other), max(i, other)
                heapq.heappush(heap, (-mean, a, b, version[a], version[b]))
    groups = [sorted(members[i]) for i in range(len(keys)) if alive[i]]
    groups.sort(key=lambda g: (-len(g), g[0]))
    return [[keys[i] for i in g] for g in groups]


def regroup(keys: list, pairs: list[tuple], arrays: dict, outlets: dict, threshold: float = STORY_THRESHOLD,
            context: dict | None = None, known: dict | None = None) -> tuple[list[list], dict]:
    """Stories among ``keys`` from their candidate ``pairs``: steps 2-4 of the module docstring.

    ``arrays``: key -> ``shingle_array``; ``outlets``: key -> outlet (``outlet``).
    ``context``: articles outside ``keys`` that keep their stories (the monitor's stored
    ones), key -> story or None, oldest first; they count when finding boilerplate (each
    outlet's latest ``BOILERPLATE_WINDOW`` articles) and common text, and need
    ``arrays`` and ``outlets`` entries too. ``known``: outlet -> its ``boilerplate`` when
    the caller has it already. Returns ``(clusters, weights)``: ``cluster``'s result and
    the final weight of each linked pair.

    Each outlet's boilerplate is left out of the overlap of two of its articles; a first
    clustering then shows which text several stories share (``common_text``), which is
    left out of every overlap before the final clustering.
    """
    context = context or {}
    inside = set(keys)
    pairs = [(a, b) for a, b in pairs if a in inside and b in inside]
    everyone = [k for k in context if k not in inside] + list(keys)
    by_outlet: dict = {}
    for k in everyone:
        by_outlet.setdefault(outlets[k], []).append(k)
    boiler = dict(known or {})
    boiler.update({o: boilerplate([arrays[k] for k in ks[-BOILERPLATE_WINDOW:]])
                   for o, ks in by_outlet.items() if o not in boiler})
    none = np.zeros(0, dtype=np.uint32)

    def weigh(remove: np.ndarray) -> dict:
        """Overlaps without ``remove``, and without the outlet's boilerplate for pairs of one outlet."""
        same = [(a, b) for a, b in pairs if outlets[a] == outlets[b]]
        other = [(a, b) for a, b in pairs if outlets[a] != outlets[b]]
        plain = {k: _without(arrays[k], remove) for k in {k for p in other for k in p}}
        drop = {o: np.union1d(remove, b) for o, b in boiler.items()}
        own = {k: _without(arrays[k], drop.get(outlets[k], remove)) for k in {k for p in same for k in p}}
        found = list(zip(other, overlaps(other, plain))) + list(zip(same, overlaps(same, own)))
        return {p: w for p, w in found if w >= LINK_MIN}

    weights = weigh(none)
    clusters = cluster(keys, weights, threshold)
    story = dict(context)
    story.update({k: ("new", n) if len(members) > 1 else None for n, members in enumerate(clusters) for k in members})
    common = common_text([(arrays[k], story[k]) for k in everyone])
    if not common.size:
        return clusters, weights
    weights = weigh(common)
    return cluster(keys, weights, threshold), weights


def _without(array: np.ndarray, remove: np.ndarray) -> np.ndarray:
    return array[~_member(array, remove)] if remove.size else array

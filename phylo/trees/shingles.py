"""Words and word shingles: the one tokeniser behind story grouping and the lineage.

A word is a run of letters and digits, lower-cased, with accents folded
(``"Café, naïve!"`` -> ``["cafe", "naive"]``), so an outlet that drops accents still
shares its shingles with the original. A k-shingle is a run of ``k`` consecutive words.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """Lower-case words with accents folded: "Café, naïve!" -> ["cafe", "naive"]."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return _WORD.findall(folded)


def shingles(text: str, k: int = 5) -> set[str]:
    """Word k-shingles: every run of ``k`` consecutive words, space-joined.

    A text shorter than ``k`` words gives one shingle (all its words); an empty text
    gives none.

    >>> sorted(shingles("One two three four", k=3))
    ['one two three', 'two three four']
    """
    w = words(text)
    if not w:
        return set()
    if len(w) < k:
        return {" ".join(w)}
    return {" ".join(w[i:i + k]) for i in range(len(w) - k + 1)}


def stable_hash(text: str) -> int:
    """A 64-bit hash that is the same in every process (``hash()`` is salted per process)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def hashed_shingles(text: str, k: int = 3) -> set[int]:
    """:func:`shingles` as 64-bit hashes: smaller sets, and fast to intersect."""
    return {stable_hash(s) for s in shingles(text, k)}

"""Passages two articles share, found word by word (for the report's side-by-side view)."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

_WORD = re.compile(r"\S+")


def shared_passages(text_a: str, text_b: str, min_words: int = 8, limit: int = 5) -> list[dict]:
    """The longest runs of identical words (case-insensitive) shared by two texts.

    Returns up to ``limit`` passages, longest first, each with its text in both
    articles and character spans for highlighting: ``{"words", "a", "b", "span_a", "span_b"}``.
    """
    spans_a = [m.span() for m in _WORD.finditer(text_a)]
    spans_b = [m.span() for m in _WORD.finditer(text_b)]
    words_a = [_norm(text_a[s:e]) for s, e in spans_a]
    words_b = [_norm(text_b[s:e]) for s, e in spans_b]
    matcher = SequenceMatcher(None, words_a, words_b, autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size >= min_words]
    blocks.sort(key=lambda b: -b.size)
    out = []
    for block in blocks[:limit]:
        span_a = (spans_a[block.a][0], spans_a[block.a + block.size - 1][1])
        span_b = (spans_b[block.b][0], spans_b[block.b + block.size - 1][1])
        out.append({"words": block.size, "a": text_a[slice(*span_a)], "b": text_b[slice(*span_b)],
                    "span_a": span_a, "span_b": span_b})
    return out


def shared_share(text: str, passages: list[dict]) -> float:
    """The share of ``text``'s characters covered by the passages (their ``span_a``)."""
    covered = sum(p["span_a"][1] - p["span_a"][0] for p in passages)
    return covered / len(text) if text else 0.0


def _norm(word: str) -> str:
    return re.sub(r"\W+", "", word.lower())

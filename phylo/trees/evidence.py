"""What two articles of a story share, measured the way a reader would check it.

Each text is read into words (the tokeniser of ``phylo.trees.shingles``) with two marks a
journalist reads first:

- *quoted*: inside quotation marks. An official statement is quoted word for word by
  everyone who reports it, so sharing it says nothing about copying;
- *boilerplate*: an outlet's own lines (a sign-off, a lead-in) that open or close several
  of its articles in the story and appear on no other outlet's page. Extraction cannot
  drop them, and they would tie together articles that only share a publisher.

Between an article X and an earlier article S (``compare``):

- *passages*: runs of six or more words of X that S also has (word 6-grams, as passim
  and churnalism detectors use): how many, the longest, and the share of X they cover,
  prose (X's own voice) and quotes apart;
- *sentences*: the share of X's prose, sentence by sentence, that follows S's sentences
  in the same order with the same rare words (TF-IDF cosine of at least
  ``SENTENCE_MATCH`` over the story's sentences). A rewording keeps it where it keeps
  few exact passages; an independent report of the same event, with the same names but
  its own prose, does not;
- *3-gram containment* and Jaccard similarity, which choose among candidate sources
  (``phylo.trees.lineage``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from phylo.trees.shingles import words as fold_words

PASSAGE_WORDS = 6  # the shortest passage that counts as shared text (the report marks the same)
SENTENCE_MATCH = 0.4  # TF-IDF cosine at which two sentences say the same thing in much the same words
EDGE_SENTENCES = 3  # boilerplate is looked for among the first and last sentences of an article
SHORT_LINE = 8  # a line several outlets use ("Listen to this article.") is shorter than this
_TOKEN = re.compile(r"[^\W_]+")
_OPEN, _CLOSE, _BOTH = "“«„‹", "”»›", '"'
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*\s+")


@dataclass
class Text:
    """One article read for comparison: words, their marks, sentences, and word n-grams."""

    words: list[str]
    spans: list[tuple[int, int]]  # character span of each word in the original text
    quoted: np.ndarray  # bool per word
    sentence_of: np.ndarray  # sentence index of each word
    sentences: list[tuple[int, int]]  # word ranges [start, end)
    boiler: np.ndarray = field(default=None)  # bool per word, set by mark_boilerplate
    grams: np.ndarray = field(default=None)  # hash of the 6-gram starting at each word

    @property
    def counted(self) -> np.ndarray:
        """The words that count as the article's text (everything but boilerplate)."""
        return ~self.boiler

    @property
    def prose(self) -> np.ndarray:
        return ~self.boiler & ~self.quoted

    def prose_sentences(self, min_words: int = 10) -> dict[tuple, tuple[int, int]]:
        """The article's own sentences (mostly outside quotes, not boilerplate), by their
        words: two articles that have the same sentence word for word share that reading."""
        prose = self.prose
        out = {}
        for a, b in self.sentences:
            if b - a >= min_words and prose[a:b].mean() > 0.5:
                out.setdefault(tuple(self.words[a:b]), (a, b))
        return out


def read_text(text: str) -> Text:
    """Words with their spans, quotation marks and sentences (``Text``)."""
    words, spans, quoted, sentence_of, sentences = [], [], [], [], []
    for para_start, para in _paragraphs(text):
        inside = _quoted_chars(para)
        cuts = [m.end() for m in _SENTENCE_END.finditer(para)] + [len(para) + 1]
        sent_start, cut = len(words), 0
        for m in _TOKEN.finditer(para):
            while m.start() >= cuts[cut]:
                if len(words) > sent_start:
                    sentences.append((sent_start, len(words)))
                sent_start, cut = len(words), cut + 1
            for w in fold_words(m.group()):
                words.append(w)
                spans.append((para_start + m.start(), para_start + m.end()))
                quoted.append(inside[m.start()])
                sentence_of.append(len(sentences))
        if len(words) > sent_start:
            sentences.append((sent_start, len(words)))
    n = len(words)
    t = Text(words, spans, np.array(quoted, dtype=bool), np.array(sentence_of, dtype=int), sentences,
             boiler=np.zeros(n, dtype=bool))
    t.grams = np.array([hash(tuple(words[i:i + PASSAGE_WORDS])) for i in range(n - PASSAGE_WORDS + 1)],
                       dtype=np.int64)
    return t


def _paragraphs(text: str):
    pos = 0
    for block in re.split(r"(\n\s*)", text):
        if block.strip():
            yield pos, block
        pos += len(block)


def _quoted_chars(para: str) -> list[bool]:
    """For each character of a paragraph: is it inside quotation marks?

    Curly and angle quotes open and close; a straight double quote toggles. A quote left
    open runs to the end of the paragraph (the convention for quotes that go on).
    """
    out, inside = [], False
    for ch in para:
        if ch in _OPEN:
            inside = True
        elif ch in _CLOSE:
            inside = False
        elif ch in _BOTH:
            inside = not inside
        out.append(inside)
    return out


def mark_boilerplate(texts: list[Text], sites: list[str | None]) -> None:
    """Mark the outlets' own lines: a sentence among the first or last ``EDGE_SENTENCES``
    of two or more articles of one site, and found in no article of another site; or a
    short line (under ``SHORT_LINE`` words, "Listen to this article.") that several sites
    put at the edges of their articles and never inside them. A story's first sentence,
    copied by every outlet, is long, and is boilerplate for none."""
    def key(t, s):
        a, b = t.sentences[s]
        return tuple(t.words[a:b])

    where: dict[tuple, set] = {}  # sentence -> sites whose articles have it anywhere
    inside: set[tuple] = set()  # sentences found away from the edges of some article
    edges: dict[tuple, dict] = {}  # sentence -> site -> articles with it at an edge
    for i, (t, site) in enumerate(zip(texts, sites)):
        ends = set(range(min(EDGE_SENTENCES, len(t.sentences)))) | \
            set(range(max(0, len(t.sentences) - EDGE_SENTENCES), len(t.sentences)))
        for s in range(len(t.sentences)):
            where.setdefault(key(t, s), set()).add(site)
            if s in ends:
                edges.setdefault(key(t, s), {}).setdefault(site, set()).add(i)
            else:
                inside.add(key(t, s))
    for k, by_site in edges.items():
        if len(k) < 3:
            continue
        for site, articles in by_site.items():
            if site is None or len(articles) < 2:
                continue
            if where[k] != {site} and (len(k) >= SHORT_LINE or k in inside):
                continue
            for i in articles:
                t = texts[i]
                for s, (a, b) in enumerate(t.sentences):
                    if tuple(t.words[a:b]) == k:
                        t.boiler[a:b] = True


def covered(x: Text, s: Text) -> np.ndarray:
    """Per word of X: is it inside a run of ``PASSAGE_WORDS`` or more words that S also has?"""
    n = len(x.words)
    if not len(x.grams) or not len(s.grams):
        return np.zeros(n, dtype=bool)
    hits = np.isin(x.grams, s.grams).astype(int)
    return np.convolve(hits, np.ones(PASSAGE_WORDS, dtype=int))[:n] > 0


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """The maximal runs of True in a boolean array, as [start, end) pairs."""
    if not mask.any():
        return []
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(int), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def passage_summary(x: Text, mask: np.ndarray, text: str | None = None) -> dict:
    """Count, longest and share of the passages in ``mask`` (X's words shared with a source).

    ``share`` is of X's counted words (boilerplate left out); ``prose`` the share that is
    X's own voice rather than quotes; ``quotes`` (with ``text``) the shared quoted statements.
    """
    mask = mask & x.counted
    total = max(int(x.counted.sum()), 1)
    found = [r for r in runs(mask) if r[1] - r[0] >= PASSAGE_WORDS]
    out = {"passages": len(found), "longest_words": max((b - a for a, b in found), default=0),
           "share": float(mask.sum()) / total, "prose": float((mask & x.prose).sum()) / total}
    if text is not None:
        quotes = [r for r in runs(mask & x.quoted) if r[1] - r[0] >= PASSAGE_WORDS]
        out["quotes"] = [text[x.spans[a][0]:x.spans[b - 1][1]] for a, b in quotes]
    return out


class Sentences:
    """TF-IDF vectors of the prose sentences of a story, for sentence-by-sentence comparison.

    A word's weight is log(N / df) over the story's N prose sentences: the names and
    places every report of the event repeats weigh little, the details one outlet added
    (and its copies kept) weigh much.
    """

    def __init__(self, texts: list[Text]):
        from scipy.sparse import csr_matrix

        self.texts = texts
        self.rows: list[list[int]] = []  # per article, the matrix row of each kept sentence
        self.weight: list[np.ndarray] = []  # per article, each kept sentence's share of its prose
        docs = []
        for t in texts:
            prose = t.prose
            total = max(int(prose.sum()), 1)
            rows, weight = [], []
            for a, b in t.sentences:
                kept = [t.words[k] for k in range(a, b) if prose[k]]
                if len(kept) >= 4:
                    rows.append(len(docs))
                    weight.append(len(kept) / total)
                    docs.append(kept)
            self.rows.append(rows)
            self.weight.append(np.array(weight))
        vocab: dict[str, int] = {}
        df: dict[int, int] = {}
        data, cols, ptr = [], [], [0]
        for doc in docs:
            counts: dict[int, int] = {}
            for w in doc:
                c = vocab.setdefault(w, len(vocab))
                counts[c] = counts.get(c, 0) + 1
            for c in counts:
                df[c] = df.get(c, 0) + 1
            cols += list(counts)
            data += list(counts.values())
            ptr.append(len(cols))
        n = max(len(docs), 1)
        idf = np.array([math.log(n / df[c]) for c in cols]) if cols else np.zeros(0)
        values = np.array(data, dtype=float) * idf
        m = csr_matrix((values, cols, ptr), shape=(len(docs), max(len(vocab), 1)))
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        self.matrix = csr_matrix(m.multiply(1.0 / norms[:, None]))

    def share(self, i: int, j: int) -> float:
        """The share of article i's prose in sentences that follow article j's, in order."""
        ri, rj = self.rows[i], self.rows[j]
        if not ri or not rj:
            return 0.0
        sim = (self.matrix[ri] @ self.matrix[rj].T).toarray()
        gain = np.where(sim >= SENTENCE_MATCH, self.weight[i][:, None], 0.0)
        # the heaviest chain of matched sentences in the same order (a weighted LCS), row by row:
        # best[j] = max(best_prev[j], best[j-1], best_prev[j-1] + gain[i, j])
        best = np.zeros(len(rj))
        for row in gain:
            shifted = np.concatenate(([0.0], best[:-1]))
            best = np.maximum.accumulate(np.maximum(best, shifted + row))
        return float(best[-1])

"""Who copied whom: a verdict per article, its source, the evidence, and a calibrated confidence.

A distance tree has no arrows, and real coverage is not all copies. For each article X, in
publication order, among the articles published before it (``earlier_candidates``); the
full account, with measured accuracy, is docs/lineage.md:

1. **Source.** The candidate that, with the fewest other sources, explains X's sentences
   word for word and their order (``phylo.trees.stemma``): a parent that reordered or
   reworded differs from X where X's own source does not. Among the equally economical,
   the best

       score(S) = containment(X | S) + 0.5 * jaccard(X, S) + 0.25 * identity(X, S)

   (word 3-grams, outlet boilerplate left out): containment finds the article X was taken
   from even when X trimmed or added to it; Jaccard breaks near-ties between a parent and
   the grandparent it trimmed; alignment identity, which sees word order, those between a
   parent that reordered paragraphs and its source. Scores closer than one shingle are a
   tie, won by the earliest candidate (a verbatim copy and its original are one text).
2. **Copied or independent.** A source is only named when X took *prose* from it
   (``phylo.trees.evidence``): passages of six or more words outside quotation marks
   covering at least ``PROSE_MIN`` of X, or ``SENTENCE_MIN`` of X's prose following the
   source sentence by sentence. An article that shares only quoted statements, names,
   numbers, a stock phrase or boilerplate is ``independent``.
3. **Merges.** Other earlier articles that supply whole sentences the primary source lacks
   (at least ``SECONDARY_MIN`` of X each) are its ``secondary_sources``, with the share
   each adds.
4. **Unseen sources** (stemmatology's lost exemplar, ``phylo.trees.stemma``): a group of
   articles is flagged ``unseen-source`` when one source missing from the list explains
   their shared text more economically than any lineage inside the list.
5. **Earliest.** An article with nothing published before it (and in no unseen group).

``confidence`` is a calibrated probability that the verdict and the source are both right
(``phylo.trees.calibration``, fitted on simulated stories: among answers given at 0.8,
about 80% are right).
"""

from __future__ import annotations

import numpy as np

from phylo.trees.dates import date_interval, sort_time
from phylo.trees.evidence import Sentences, covered, mark_boilerplate, passage_summary, read_text
from phylo.trees.shingles import hashed_shingles
from phylo.trees.stemma import MIN_GROUP, Stemma

PROSE_MIN = 0.05  # share of X in prose passages shared with S: below it, no copying of prose
SENTENCE_MIN = 0.10  # share of X's prose following S sentence by sentence
SECONDARY_MIN = 0.04  # share of X a secondary source must add
SOURCE_CHOICES = 6  # the best-scoring candidates weighed as the source
FAR = 5.0  # "near_unseen" of an article never weighed in a missing-source group
VERDICTS = ("copied", "independent", "unseen-source", "earliest")


def overlap_matrices(texts: list[str], k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """``containment[i, j]`` = share of i's shingles found in j; and symmetric Jaccard."""
    return _overlap([hashed_shingles(t, k) for t in texts])


def _overlap(sets: list[set]) -> tuple[np.ndarray, np.ndarray]:
    n = len(sets)
    contain, jaccard = np.eye(n), np.eye(n)
    for i in range(n):
        for j in range(i + 1, n):
            common = len(sets[i] & sets[j])
            contain[i, j] = common / len(sets[i]) if sets[i] else 0.0
            contain[j, i] = common / len(sets[j]) if sets[j] else 0.0
            union = len(sets[i]) + len(sets[j]) - common
            jaccard[i, j] = jaccard[j, i] = common / union if union else 0.0
    return contain, jaccard


def earlier_candidates(labels: list[str], dates: dict[str, str | None]) -> dict[str, list[int]]:
    """Indexes of the articles published before each article.

    Articles are put in one order by publication time (a bare date counts as its noon;
    equal times keep the list order), so the lineage can never run in a circle. An
    undated article may have any dated article as its source.
    """
    when = {label: sort_time(dates.get(label)) for label in labels}
    rank = {label: r for r, label in enumerate(sorted((l for l in labels if when[l]), key=lambda l: when[l]))}
    out = {}
    for i, label in enumerate(labels):
        out[label] = [j for j, other in enumerate(labels)
                      if j != i and other in rank and (label not in rank or rank[other] < rank[label])]
    return out


class Story:
    """The articles of one story, read once, with the pairwise measures computed on demand."""

    def __init__(self, texts: list[str], sites: list[str | None] | None = None,
                 identity: np.ndarray | None = None):
        self.raw = texts
        self.texts = [read_text(t) for t in texts]
        mark_boilerplate(self.texts, sites or [None] * len(texts))
        grams = [_counted_shingles(t) for t in self.texts]
        self.grams = grams
        self.shingles = [len(g) for g in grams]
        self.contain, self.jaccard = _overlap(grams)
        self.identity = identity
        self.sentences = Sentences(self.texts)
        self.held = [t.prose_sentences() for t in self.texts]
        self.stemma = Stemma([list(held) for held in self.held])
        self.units = self.stemma.units
        self._cover: dict[tuple[int, int], np.ndarray] = {}

    def cover(self, i: int, j: int) -> np.ndarray:
        """Words of article i inside passages it shares with article j."""
        if (i, j) not in self._cover:
            self._cover[i, j] = covered(self.texts[i], self.texts[j])
        return self._cover[i, j]

    def score(self, i: int, cands: list[int]) -> np.ndarray:
        tiebreak = 0.5 * self.jaccard[i, cands]
        if self.identity is not None:
            tiebreak = tiebreak + 0.25 * np.asarray(self.identity)[i, cands]
        return self.contain[i, cands] + tiebreak

    def words_in(self, i: int, keys) -> int:
        """How many words of article i the sentences ``keys`` hold."""
        return sum(b - a for a, b in (self.held[i][k] for k in keys))


def _counted_shingles(t, k: int = 3) -> set:
    kept = [w for w, b in zip(t.words, t.boiler) if not b]
    return {hash(tuple(kept[a:a + k])) for a in range(max(len(kept) - k + 1, 1 if kept else 0))}


def infer_lineage(labels: list[str], texts: list[str], dates: dict[str, str | None], *,
                  identity: np.ndarray | None = None, sites: list[str | None] | None = None
                  ) -> tuple[list[dict], list[dict]]:
    """The lineage rows without their confidence, and per row the measures the confidence
    is read from (``phylo.trees.calibration``)."""
    story = Story(texts, sites, identity)
    cands = earlier_candidates(labels, dates)
    when = [sort_time(dates.get(label)) for label in labels]
    rows, facts = [], []
    for i, label in enumerate(labels):
        row, fact = _judge(story, i, cands[label], when)
        undated = date_interval(dates.get(label)) is None
        if undated:
            row["note"] = ("undated: source chosen among all dated articles" if row["source"] is not None
                           else f"undated; {row['note']}")
        fact["undated"] = float(undated)
        rows.append({"label": label} | row)
        facts.append(fact)
    _unseen_groups(story, rows, facts, [cands[label] for label in labels])
    for i, row in enumerate(rows):  # sources are indexes until here
        if row["source"] is not None:
            j = row["source"]
            row["source"] = labels[j]
            row["identity"] = None if identity is None else float(np.asarray(identity)[i, j])
        row["secondary_sources"] = [{"label": labels[j], "share": round(share, 4)}
                                    for j, share in row.pop("_secondary")]
        if row["secondary_sources"]:
            row["note"] = "merge: also takes from " + ", ".join(
                f"{s['label']} ({100 * s['share']:.0f}%)" for s in row["secondary_sources"])
        against = row["evidence"].pop("_against")
        row["evidence"]["against"] = labels[against] if against is not None else None
    return rows, facts


def _evidence(story: Story, i: int, j: int, quotes: bool) -> tuple[dict, dict]:
    """The passages article i shares with article j, as the row shows them and as measured."""
    summary = passage_summary(story.texts[i], story.cover(i, j), story.raw[i])
    shown = {"_against": j, "passages": summary["passages"], "longest_words": summary["longest_words"],
             "share": round(summary["share"], 4), "quotes": summary["quotes"] if quotes else []}
    return shown, summary


def _judge(story: Story, i: int, cands: list[int], when) -> tuple[dict, dict]:
    """One article's verdict among the earlier ones (steps 1-3 of the module docstring)."""
    x = story.texts[i]
    row = {"source": None, "verdict": "earliest", "identity": None, "containment": None, "confidence": None,
           "_secondary": [], "unseen_group": None, "note": "earliest article",
           "evidence": {"_against": None, "passages": 0, "longest_words": 0, "share": 0.0, "quotes": []}}
    fact = {"candidates": len(cands), "prose": 0.0, "sentences": 0.0, "containment": 0.0, "margin": 1.0,
            "quotes": 0.0, "secondary": 0.0, "agreement": 0.0}
    if not cands:
        return row, fact
    score = story.score(i, cands)
    # The source is the candidate that, with the fewest other sources, explains X's
    # sentences word for word and their order (``phylo.trees.stemma``): a parent that
    # reordered or reworded differs from X where X's own source does not. Among the equally
    # economical, the best score; scores closer than one shingle of X are a tie (a
    # verbatim copy and its original differ by noise, such as a stray line of
    # boilerplate), and the earliest wins.
    ranked = sorted(range(len(cands)), key=lambda c: -float(score[c]))[:SOURCE_CHOICES]
    cost = {c: story.stemma.explain(i, cands[c], cands)[1] for c in ranked}
    cheapest = [c for c in ranked if cost[c] == min(cost.values())]
    top = max(float(score[c]) for c in cheapest)
    tie = 1.0 / max(story.shingles[i], 1)
    first = min((c for c in cheapest if float(score[c]) >= top - tie), key=lambda c: (when[cands[c]], c))
    best = cands[first]
    # how far ahead the source is of the best candidate with other text (a verbatim copy of
    # the source is the same answer, whichever of the two wrote it first)
    rest = [float(score[c]) for c in range(len(cands)) if story.grams[cands[c]] != story.grams[best]]
    sentences = story.sentences.share(i, best)
    row["evidence"], summary = _evidence(story, i, best, quotes=False)
    fact |= {"prose": summary["prose"], "sentences": sentences, "containment": float(story.contain[i, best]),
             "quotes": summary["share"] - summary["prose"], "margin": float(score[first]) - max(rest) if rest else 1.0}
    if summary["prose"] < PROSE_MIN and sentences < SENTENCE_MIN:
        row["evidence"]["quotes"] = summary["quotes"]
        row |= {"verdict": "independent", "note": _independent_note(summary)}
        return row, fact
    row |= {"verdict": "copied", "source": best, "containment": float(story.contain[i, best]), "note": ""}
    # merges and agreements are read in whole sentences: two editors rarely write the same
    # sentence word for word by chance, while a run of a few words can agree by chance
    mine = set(story.held[i])
    explained = mine & set(story.held[best])
    pool = [c for c in cands if c != best]
    total = max(int(x.counted.sum()), 1)
    for _ in range(2):  # a merge takes from two or three articles
        gain, c = max((((mine & set(story.held[c])) - explained, c) for c in pool),
                      key=lambda gc: story.words_in(i, gc[0]), default=(set(), None))
        share = story.words_in(i, gain) / total
        if c is None or share < SECONDARY_MIN:
            break
        row["_secondary"].append((c, share))
        explained |= gain
        pool.remove(c)
    agree = set().union(*((mine & set(story.held[c])) - explained for c in pool)) if pool else set()
    fact |= {"secondary": float(sum(s for _, s in row["_secondary"])), "agreement": story.words_in(i, agree) / total}
    return row, fact


def _independent_note(summary: dict) -> str:
    if summary["quotes"]:
        return "independent: shares only quoted statements with earlier articles"
    if summary["share"] > 0:
        return "independent: shares only short phrases with earlier articles"
    return "independent: nothing earlier shares its prose"


def _unseen_groups(story: Story, rows: list[dict], facts: list[dict], cands: list[list[int]]) -> None:
    """Step 4 of the module docstring (``phylo.trees.stemma``): flag the groups that share
    a missing source; members keep their secondary sources outside the group."""
    parents = [[r["source"]] + [c for c, _ in r["_secondary"]] if r["verdict"] == "copied" else [] for r in rows]
    parents = story.stemma.with_merges(parents, cands)
    eligible = {i for i, r in enumerate(rows) if r["verdict"] in ("copied", "earliest")}
    twice = {}
    for holders in story.stemma.entries(parents).values():
        if len(holders) > 1:
            for h in holders:
                twice[h] = twice.get(h, 0) + 1
    copied_from = {}
    for p in parents:
        for c in p:
            copied_from[c] = copied_from.get(c, 0) + 1
    candidates = story.stemma.candidate_groups(parents, eligible)
    for i, fact in enumerate(facts):
        # how close the article came to sharing a missing source (the best group it was weighed in)
        near = max((gain for group, gain in candidates if i in group), default=-FAR)
        fact |= {"reentered": float(twice.get(i, 0)), "copies": float(copied_from.get(i, 0)),
                 "near_unseen": float(max(near, -FAR)), "group_size": 0.0, "group_gain": 0.0}
    accepted = [(group, gain) for group, gain in candidates if gain > 0 and len(group) >= MIN_GROUP]
    for number, (group, gain) in enumerate(accepted, start=1):
        for k in group:
            row = rows[k]
            closest = max((m for m in group if m != k), key=lambda m: (story.cover(k, m) & story.texts[k].counted).sum())
            row["evidence"], _ = _evidence(story, k, closest, quotes=False)
            row["_secondary"] = [(c, s) for c, s in row["_secondary"] if c not in group]
            row |= {"verdict": "unseen-source", "source": None, "containment": None, "unseen_group": f"unseen-{number}",
                    "note": f"shares text with {len(group) - 1} other articles that none of them can have "
                            "supplied to the others: their common source is not in the list"}
            facts[k] |= {"group_size": float(len(group)), "group_gain": float(gain)}


def infer_sources(labels: list[str], texts: list[str], dates: dict[str, str | None], *,
                  identity: np.ndarray | None = None, sites: list[str | None] | None = None) -> list[dict]:
    """For each article, in ``labels`` order, the row described in ``table_lineage``."""
    from phylo.trees.calibration import confidence

    rows, facts = infer_lineage(labels, texts, dates, identity=identity, sites=sites)
    for row, fact in zip(rows, facts):
        row["confidence"] = confidence(row["verdict"], fact)
    return rows


def lineage_newick(lineage: list[dict]) -> str:
    """The inferred lineage as a rooted Newick tree in which ancestors have a place.

    An article that others copied becomes an internal node (``ancestor_newick``), so
    "this article and everything copied from it" is one clade. Articles that share a
    source missing from the list (``unseen_group``) hang from one unlabelled internal node.
    Branch lengths are 1 - containment of the copy in its source. Articles with no source
    in the set hang from the root.
    """
    from phylo.trees.build import ancestor_newick

    parents = {row["label"]: row["source"] for row in lineage}
    lengths = {row["label"]: 1.0 - (row["containment"] or 0.0) if row["source"] else 0.0 for row in lineage}
    groups = {row.get("unseen_group") for row in lineage if row.get("unseen_group")}
    hidden = {g: f"_{g}" for g in groups}
    for row in lineage:
        if row.get("unseen_group") and not row["source"]:
            parents[row["label"]] = hidden[row["unseen_group"]]
            lengths[row["label"]] = 1.0
    for node in hidden.values():
        parents[node], lengths[node] = None, 0.0
    return ancestor_newick(parents, lengths, unlabelled=set(hidden.values()))


def table_lineage(table: list[dict], distances: dict) -> list[dict]:
    """The lineage of the articles of a table (rows with ``label``, ``text``, ``published``,
    ``site``) in the order of ``distances["labels"]``, with their alignment identities.

    One dict per article, the schema the report, the exports and the monitor read
    (/work/notes/SCHEMA.md, refined as marked):

        label              the article
        source             its primary source in the set (verdict "copied"), else None
        verdict            "copied" | "independent" | "unseen-source" | "earliest"
        secondary_sources  [{"label", "share"}]: the other articles a merge took whole
                           sentences from, with the share of the article each adds ([] otherwise)
        confidence         calibrated probability that verdict and source are both right
        identity           alignment identity with the source (matches / columns), else None
        containment        share of the article's word 3-grams found in the source, else None
        evidence           {"against": the article the evidence is measured against: the
                           source; for "independent" the closest earlier article; for
                           "unseen-source" the group member it shares most with (refined:
                           may be later than the article); None for "earliest",
                           "passages": shared passages of 6+ words, "longest_words",
                           "share": share of the article (boilerplate left out) they cover,
                           "quotes": the shared quoted statements, for "independent" only}
        unseen_group       "unseen-1", ...: the articles that share one missing source, else None
        note               why, in words

    lineage.tsv (``phylo.report.verdicts.flat_row``) writes the columns that existed
    before verdicts first, in their order (refined: label, source, identity, confidence,
    containment, then verdict, secondary_sources as "label:0.31;label:0.12",
    shared_passages, longest_passage, share_taken, unseen_group, and note last).
    """
    rows = {r["label"]: r for r in table if r.get("label")}
    labels = distances["labels"]
    return infer_sources(labels, [rows[label]["text"] for label in labels],
                         {label: rows[label].get("published") for label in labels},
                         identity=distances["identity"], sites=[_site(rows[label]) for label in labels])


def _site(row: dict) -> str | None:
    """The outlet: its name from the page, else the host of its address."""
    from urllib.parse import urlsplit

    if row.get("site"):
        return row["site"]
    url = row.get("final_url") or row.get("url") or ""
    return urlsplit(url).hostname or None

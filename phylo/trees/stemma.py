"""Lost sources: when several articles of a story copied one that is not in the list.

Stemmatology's argument for a lost exemplar, counted the way parsimony counts changes.
Each article is read as *units* (``text_units``): its own sentences word for word, and
each join of two consecutive sentences (the order it tells them in). A lineage (every
article's sources in the set) must explain each unit: an article that has it took it from
one of its sources, or is where the unit *entered* the story. The lineage is charged for

- each unit that enters more than once (a homoplasy): two articles have the same sentence,
  or the same two sentences in a row, and neither took it from a source that has it —
  editors who never saw each other's work do not write the same sentence twice;
- each place where a merge took text from a secondary source: a merge that inserts a
  paragraph from another article costs one; an article that agrees with another earlier
  article against its own source here a sentence, there a paragraph, costs one per place;
- ``UNSEEN_COST`` per missing source.

Copies of a wire story that is not in the list, chained onto each other, are charged over
and over: each kept, here and there, the wording and the order of the original that the
earlier copy it is chained to had cut or reworded. One missing source that all of them
copied explains it at once (``unseen_groups``; a group has three articles or more, since two
copies of a missing original look like a copy and its source). If an article in the list already holds
the group's text, the missing source only duplicates it and nothing is gained, so a story
whose original is in the list keeps it.
"""

from __future__ import annotations

UNSEEN_COST = 2.0  # what positing one missing source costs: it must explain more than two events
MIN_GROUP = 3  # two copies of a missing original look like a copy and its source: it takes three


def text_units(sentences: list[tuple]) -> set:
    """An article's units: its sentences (each a tuple of words), and each pair of
    consecutive sentences (its order)."""
    units = set(sentences)
    units |= {("join", a, b) for a, b in zip(sentences, sentences[1:])}
    return units


VARIANT = 0.5  # word-set Jaccard at which two different sentences are one sentence told two ways


def conflicts(units: set) -> int:
    """Places where a set of units cannot be one text: pairs of sentences that are variants
    of each other, and sentences with two different successors or predecessors."""
    sentences = [set(u) for u in units if u[0] != "join"]
    out = 0
    for a in range(len(sentences)):
        for b in range(a + 1, len(sentences)):
            if len(sentences[a] & sentences[b]) >= VARIANT * len(sentences[a] | sentences[b]):
                out += 1
    after: dict = {}
    before: dict = {}
    for u in units:
        if u[0] == "join":
            after[u[1]] = after.get(u[1], 0) + 1
            before[u[2]] = before.get(u[2], 0) + 1
    return out + sum(c - 1 for c in after.values()) + sum(c - 1 for c in before.values())


def _places(order: list[tuple], taken: set) -> int:
    """In how many separate places (runs of consecutive sentences) an article has ``taken``."""
    runs, inside = 0, False
    for k, sentence in enumerate(order):
        here = sentence in taken or (k and ("join", order[k - 1], sentence) in taken)
        runs += bool(here and not inside)
        inside = bool(here)
    return runs


class Stemma:
    """Articles' units and sentence order, and the cost of a lineage over them."""

    def __init__(self, orders: list[list[tuple]]):
        self.orders = orders
        self.units = [text_units(o) for o in orders]

    def entries(self, parents: list[list[int]], hidden: dict[int, set] | None = None) -> dict:
        """For each unit: the articles (and missing sources, indexes past the end) that
        have it without a source that has it."""
        out: dict = {}
        for i, mine in enumerate(self.units):
            for u in mine - self._inherited(parents[i], hidden):
                out.setdefault(u, []).append(i)
        for h, mine in (hidden or {}).items():
            for u in mine:
                out.setdefault(u, []).append(h)
        return out

    def _units_of(self, p: int, hidden: dict | None) -> set:
        return hidden[p] if hidden and p in hidden else self.units[p]

    def _inherited(self, sources: list[int], hidden: dict | None) -> set:
        return set().union(*(self._units_of(p, hidden) for p in sources)) if sources else set()

    def merge_cost(self, i: int, sources: list[int], hidden: dict | None = None) -> float:
        """One per place where a secondary source supplies text the earlier sources lack."""
        if len(sources) < 2:
            return 0.0
        have, total = set(self._units_of(sources[0], hidden)), 0.0
        for p in sources[1:]:
            taken = (self.units[i] & self._units_of(p, hidden)) - have
            total += max(_places(self.orders[i], taken), 1)
            have |= self._units_of(p, hidden)
        return total

    def cost(self, parents: list[list[int]], hidden: dict[int, set] | None = None) -> float:
        extra = sum(len(e) - 1 for e in self.entries(parents, hidden).values())
        merges = sum(self.merge_cost(i, p, hidden) for i, p in enumerate(parents))
        return extra + merges + UNSEEN_COST * len(hidden or {})

    def explain(self, i: int, primary: int, candidates: list[int], most: int = 3) -> tuple[list[int], float]:
        """Article i's sources when ``primary`` is its main one: secondary sources added
        while each saves more than it costs; returns them with what article i then costs
        (its units that entered before but not through its sources, plus its merges)."""
        sources = [primary]
        seen = set().union(*(self.units[c] for c in candidates)) & self.units[i] if candidates else set()
        missing = seen - self.units[primary]
        while len(sources) < most and missing:
            def saving(c):
                taken = missing & self.units[c]
                if not any(u[0] != "join" for u in taken):
                    return 0.0  # a merge takes text: an order shared with another article is not one
                return len(taken) - max(_places(self.orders[i], taken), 1)
            best = max((c for c in candidates if c not in sources), key=saving, default=None)
            if best is None or saving(best) <= 0:
                break
            sources.append(best)
            missing -= self.units[best]
        return sources, len(missing) + self.merge_cost(i, sources)

    def with_merges(self, parents: list[list[int]], candidates: list[list[int]], most: int = 3) -> list[list[int]]:
        """The cheapest in-list lineage: each article keeps its sources and takes up to
        ``most`` in all, adding the earlier article that explains most of what it would
        otherwise re-enter while that costs less than the re-entries it saves. (The lineage
        a missing source must beat.)"""
        return [self.explain(i, p[0], candidates[i], most)[0] if p else [] for i, p in enumerate(parents)]

    def consensus(self, group: set) -> set:
        """The text a missing source of ``group`` must have held: the units two or more
        members share (a unit only one member has is that member's own)."""
        count: dict = {}
        for k in group:
            for u in self.units[k]:
                count[u] = count.get(u, 0) + 1
        return {u for u, c in count.items() if c > 1}

    def with_missing(self, parents: list[list[int]], group: set) -> float:
        """``cost`` when the members of ``group`` copy one missing source and keep their
        sources outside the group. The missing source holds the group's consensus, and is
        charged for each place where that is not one text: two versions of one sentence,
        or one sentence followed (or preceded) by two different ones. (Those are the marks
        of articles that took each other's changes, not of one lost original.)"""
        h = len(self.units)
        moved = [[h] + [p for p in parents[k] if p not in group] if k in group else parents[k]
                 for k in range(len(self.units))]
        held = self.consensus(group)
        return self.cost(moved, {h: held}) + conflicts(held)

    def unseen_groups(self, parents: list[list[int]], eligible: set[int]) -> list[tuple[set, float]]:
        """Groups of articles (among ``eligible``) better explained as copies of one missing
        source, each with how much it lowers the cost (``candidate_groups`` that do)."""
        return [(g, gain) for g, gain in self.candidate_groups(parents, eligible) if gain > 0 and len(g) >= MIN_GROUP]

    def candidate_groups(self, parents: list[list[int]], eligible: set[int]) -> list[tuple[set, float]]:
        """Every group weighed as copies of one missing source, with how much it lowers the
        cost (zero or less: the lineage without it is as cheap or cheaper).

        Candidates start where text entered the story more than once or a merge took it
        from several places: the articles involved, linked (a component of that graph is
        one start). A group is grown and pruned one article at a time while that lowers
        ``cost``. Groups that lower it do not overlap.
        """
        link: dict[int, set] = {}

        def tie(members):
            members = [m for m in members if m in eligible]
            if len(members) > 1:
                for m in members:
                    link.setdefault(m, set()).update(members)

        for holders in self.entries(parents).values():
            if len(holders) > 1:
                tie(holders)
        for k, sources in enumerate(parents):
            if self.merge_cost(k, sources) > len(sources) - 1:  # took from a source in several places
                tie([k] + sources)
        groups, taken = [], set()
        base = self.cost(parents)
        for start in sorted(link):
            if start in taken:
                continue
            group, todo = set(), [start]
            while todo:
                k = todo.pop()
                if k not in group:
                    group.add(k)
                    todo += list(link[k] - group)
            group, value = self._settle(parents, group, eligible - taken)
            groups.append((group, base - value))
            taken |= group if value < base and len(group) >= MIN_GROUP else {start}
        return groups

    def _settle(self, parents, group: set, eligible: set) -> tuple[set, float]:
        """Local search: add or drop the one article that lowers the cost most, until none does.

        An article is a candidate to add when it would enter units the missing source
        holds: an earlier holder of the group's text (the earliest copy of a wire story),
        or a sibling the start missed.
        """
        group = set(group) & eligible
        value = self.with_missing(parents, group) if group else float("inf")
        while True:
            h = len(self.units)
            moved = [[h] + [p for p in parents[k] if p not in group] if k in group else parents[k]
                     for k in range(len(self.units))]
            pool = self.consensus(group)
            near = {k for e in self.entries(moved, {h: pool}).values() if h in e for k in e} & (eligible - group)
            moves = [group | {k} for k in near] + [group - {k} for k in group if len(group) > MIN_GROUP]
            scored = [(self.with_missing(parents, g), sorted(g), g) for g in moves]
            if not scored:
                return group, value
            best, _, g = min(scored, key=lambda t: (t[0], t[1]))
            if best >= value:
                return group, value
            group, value = g, best

"""Simulated sets of copied articles with a known lineage, for benchmarks and tests.

A root "article" is drawn from a fixed word list with a seed; each further article copies
an earlier one (its parent, chosen at random) and edits it the way copy-editors do:
rewording a few words, deleting and inserting sentences, adding a paragraph, trimming
the end or the start, swapping two paragraphs. The lineage (parent of each article) is
the truth a tree should recover.

Plain functions on plain data::

    articles, parents = simulate(15, seed=1)     # label -> text, label -> parent label
    true_tree(parents)                           # skbio TreeNode of the lineage
    lineage_scores(tree, parents)                # RF distance and nearest-neighbour share
"""

from __future__ import annotations

import random

WORDS = """
the of and to in a is that for it as was with be by on not he this are or his from at which but
have an they you were her she there been one all we their has would when if more no out so said
what up its about into than them can only other new some could time these two may then do first
any my now such like our over man me even most made after also did many before must through back
years where much your way well down should because each just those people how too little state good
very make world still own see men work long get here between both life being under never day same
another know while last might us great old year off come since against go came right used take three
government minister council officials police reporters according statement thursday monday tuesday
wednesday friday weekend morning evening announced approved rejected proposal budget hospital school
teachers students parents families residents community district regional national international
company companies market prices energy electricity water climate weather storm flooding drought
election candidate campaign voters parliament committee investigation report court judge decision
spokesperson president director manager chairman executive economy inflation interest percent
million billion thousand hundred increase decrease growth decline record highest lowest expected
warned suggested explained confirmed denied insisted revealed described estimated reported
building bridge railway station airport highway traffic transport project construction delayed
environment pollution emissions renewable solar offshore turbines agriculture farmers harvest
university research scientists study findings evidence analysis results published journal
health patients doctors treatment vaccine disease outbreak infections symptoms recovery
security military soldiers border conflict agreement negotiations ceasefire talks diplomats
technology software internet online digital platform users privacy data artificial intelligence
""".split()


def _sentence(rng: random.Random, lo: int = 8, hi: int = 20) -> list[str]:
    return [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]


def _paragraph(rng: random.Random) -> list[list[str]]:
    return [_sentence(rng) for _ in range(rng.randint(3, 6))]


def root_article(rng: random.Random, words: int) -> list[list[list[str]]]:
    """Paragraphs of sentences of words, about ``words`` words in all."""
    paragraphs, count = [], 0
    while count < words:
        p = _paragraph(rng)
        paragraphs.append(p)
        count += sum(len(s) for s in p)
    return paragraphs


def derive(rng: random.Random, parent: list[list[list[str]]], *, reword: float = 0.01) -> list[list[list[str]]]:
    """A copy of ``parent`` with editorial changes (the parent is not modified)."""
    child = [[list(s) for s in p] for p in parent]
    for p in child:  # reword: each word replaced with probability ``reword``
        for s in p:
            for w in range(len(s)):
                if rng.random() < reword:
                    s[w] = rng.choice(WORDS)
    for _ in range(rng.randint(0, 2)):  # delete a sentence
        p = rng.choice(child)
        if len(p) > 1:
            del p[rng.randrange(len(p))]
    for _ in range(rng.randint(0, 2)):  # insert a sentence
        p = rng.choice(child)
        p.insert(rng.randint(0, len(p)), _sentence(rng))
    if rng.random() < 0.3:  # a new paragraph (local angle, quote)
        child.insert(rng.randint(0, len(child)), _paragraph(rng))
    if rng.random() < 0.25 and len(child) > 3:  # trim the end
        del child[-1]
    if rng.random() < 0.1 and len(child) > 3:  # trim the start
        del child[0]
    if rng.random() < 0.15 and len(child) > 2:  # swap two neighbouring paragraphs
        k = rng.randrange(len(child) - 1)
        child[k], child[k + 1] = child[k + 1], child[k]
    return child


def to_text(article: list[list[list[str]]]) -> str:
    """Sentences capitalised and ended with a full stop, paragraphs separated by blank lines."""
    return "\n\n".join(" ".join(" ".join(s).capitalize() + "." for s in p) for p in article)


def simulate(count: int, *, seed: int = 1, words: int = 1900) -> tuple[dict[str, str], dict[str, str | None]]:
    """``count`` articles descending from one root.

    Parameters
    ----------
    count : int
    seed : int
    words : int
        Length of the root in words (1,900 words of this list encode to about 31k nt).

    Returns
    -------
    (articles, parents)
        Label -> text, and label -> parent label (``None`` for the root ``a00``).
    """
    rng = random.Random(seed)
    structs = {"a00": root_article(rng, words)}
    parents: dict[str, str | None] = {"a00": None}
    for k in range(1, count):
        label = f"a{k:02d}"
        parent = rng.choice(sorted(structs))
        structs[label] = derive(rng, structs[parent])
        parents[label] = parent
    return {label: to_text(s) for label, s in structs.items()}, parents


def true_newick(parents: dict[str, str | None]) -> str:
    """The lineage as Newick: each article is a tip; an article with copies becomes a
    node joining its own tip (length 0) and its copies' subtrees (length 1)."""
    children: dict[str, list[str]] = {label: [] for label in parents}
    for label, parent in parents.items():
        if parent is not None:
            children[parent].append(label)

    def node(label: str) -> str:
        if not children[label]:
            return label
        inner = ",".join([f"{label}:0"] + [f"{node(c)}:1" for c in children[label]])
        return f"({inner})"

    root = next(label for label, parent in parents.items() if parent is None)
    return node(root) + ";"


def true_tree(parents: dict[str, str | None]):
    """The lineage as an skbio TreeNode (see :func:`true_newick`)."""
    from io import StringIO

    from skbio import TreeNode

    return TreeNode.read(StringIO(true_newick(parents)))


def lineage_scores(tree, parents: dict[str, str | None]) -> dict[str, float]:
    """How close a tree is to the true lineage.

    Returns
    -------
    dict
        ``rf``: Robinson-Foulds distance to the true lineage, unrooted, as a proportion
        (0 = same splits); ``nn_share``: the share of articles whose nearest tip in the
        tree (patristic distance) is their true parent or one of their true copies.
    """
    truth = true_tree(parents)
    rf = truth.compare_rfd(tree, proportion=True, rooted=False)
    related = {label: set() for label in parents}
    for label, parent in parents.items():
        if parent is not None:
            related[label].add(parent)
            related[parent].add(label)
    dm = tree.tip_tip_distances()
    ids = list(dm.ids)
    hits = 0
    for row, label in enumerate(ids):
        d = dm.data[row].copy()
        d[row] = float("inf")
        hits += ids[int(d.argmin())] in related[label]
    return {"rf": float(rf), "nn_share": hits / len(ids)}

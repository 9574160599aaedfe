"""A simulator of news copying, for benchmarks and tests: stories with a known lineage.

A root story is written from a random vocabulary; each later article copies one earlier
article (its parent) and edits it the way newsrooms do: verbatim copy, trimming
paragraphs, rewording (synonyms and reshaped sentences), adding paragraphs of its own,
reordering paragraphs; or, in the ``light`` profile, only light copy-editing (a few
words replaced, sentences deleted and inserted, a paragraph added, the ends trimmed,
two neighbouring paragraphs swapped), the small edits of long near-copies that
``bench/align.py`` times aligners on. Each article is published after its parent by a
random delay and rendered into the page template of one of several outlets
(navigation, cookie banner, related links quoting other stories, comments, footer), so
a benchmark goes through extraction exactly as real pages do.

    story = simulate_story(15, seed=3)
    story["articles"]: [{"id", "parent", "published", "site", "title", "text", "operations", "kind"}]
    write_story(story, folder)   # pages/*.html, urls.txt, lineage.json
    texts, parents = story_texts(story)

Real coverage is not all copies (``design.md``, "What real coverage looks like"): the
switches of ``simulate_story`` add independent reports of the same event, articles on a
related subject, merges of several earlier articles, an original missing from the list,
and outlet boilerplate inside every article, each with its truth (``kind``, ``KINDS``;
``secondary`` for merges; ``story["hidden"]`` for the missing original).
"""

from __future__ import annotations

import html
import json
import random
from datetime import datetime, timedelta
from pathlib import Path

# Syllables make pronounceable made-up words, so texts are novel yet look like prose.
_ONSETS = "b c d f g h j k l m n p r s t v w br cl dr fl gr pl pr st tr sh ch th".split()
_VOWELS = "a e i o u ai ea io ou".split()
_CODAS = "n r s t l nd st rt ck m ng".split() + [""] * 4
_FUNCTION = ("the of and to in a is that for it as was with be by on not this are or from at which "
             "but have an they were her she there been one all their has would when if more no out so "
             "said what up its about into than them can only other new some could time these two may").split()

OPERATIONS = ("copy", "trim", "reword", "add", "reorder")
#: How copies are edited: newsroom rewrites (the default) or light copy-editing.
PROFILES = ("newsroom", "light")

#: What each simulated article is: the root, a copy, a merge of several earlier articles, a
#: report of its own on the same event, an article on a related subject, or a copy of a
#: root that is not in the list.
KINDS = ("original", "copy", "merge", "independent", "related", "hidden-copy")


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(part) for part in (_ONSETS, _VOWELS, _CODAS, _VOWELS[:5], _CODAS))


class Language:
    """A made-up vocabulary with a synonym for every content word (for rewording)."""

    def __init__(self, rng: random.Random, size: int = 900):
        words = sorted({_word(rng) for _ in range(size * 2)})[: size * 2]
        rng.shuffle(words)
        half = len(words) // 2
        self.content = words[:half]
        self.synonym = dict(zip(words[:half], words[half:]))
        self.synonym |= {v: k for k, v in list(self.synonym.items())}

    def sentence(self, rng: random.Random, quotes: bool = True) -> str:
        """A sentence; with ``quotes``, a quarter of them are quotes attributed to someone."""
        n = rng.randint(9, 22)
        words = [rng.choice(_FUNCTION) if rng.random() < 0.45 else rng.choice(self.content) for _ in range(n)]
        text = " ".join(words)
        if quotes and rng.random() < 0.25:  # a quote, as news stories have
            text = f'"{text}," {rng.choice(self.content).capitalize()} said'
        return text[0].upper() + text[1:] + "."

    def paragraph(self, rng: random.Random) -> list[str]:
        return [self.sentence(rng) for _ in range(rng.randint(2, 4))]


def _reword(lang: Language, rng: random.Random, paragraphs, share: float):
    """Synonyms for a share of content words, and some sentences reshaped."""
    out = []
    for para in paragraphs:
        new = []
        for sent in para:
            if rng.random() < share:
                words = sent.split(" ")
                words = [lang.synonym.get(w, w) if rng.random() < 0.5 else w for w in words]
                if len(words) > 8 and rng.random() < 0.5:  # move the tail clause to the front
                    cut = rng.randint(3, len(words) - 3)
                    words = words[cut:] + words[:cut]
                    words[0] = words[0].strip(".").capitalize()
                    words[-1] = words[-1].rstrip(".") + "."
                sent = " ".join(words)
            new.append(sent)
        out.append(new)
    return out


def _touch(lang: Language, rng: random.Random, paras: list[list[str]], reword: float = 0.01) -> list[list[str]]:
    """Light copy-editing: words replaced (each with probability ``reword``), 0-2 sentences
    deleted and 0-2 inserted, sometimes a paragraph added, an end trimmed, two
    neighbouring paragraphs swapped."""
    def swap_words(sentence: str) -> str:
        return " ".join(rng.choice(lang.content) if rng.random() < reword else w for w in sentence.split(" "))

    paras = [[swap_words(s) for s in p] for p in paras]
    for _ in range(rng.randint(0, 2)):
        p = rng.choice(paras)
        if len(p) > 1:
            del p[rng.randrange(len(p))]
    for _ in range(rng.randint(0, 2)):
        p = rng.choice(paras)
        p.insert(rng.randint(0, len(p)), lang.sentence(rng))
    if rng.random() < 0.3:
        paras.insert(rng.randint(0, len(paras)), lang.paragraph(rng))
    if rng.random() < 0.25 and len(paras) > 3:
        del paras[-1]
    if rng.random() < 0.1 and len(paras) > 3:
        del paras[0]
    if rng.random() < 0.15 and len(paras) > 2:
        k = rng.randrange(len(paras) - 1)
        paras[k], paras[k + 1] = paras[k + 1], paras[k]
    return paras


def derive(lang: Language, rng: random.Random, parent: list[list[str]], ops: list[str]) -> list[list[str]]:
    """Apply the edit operations ``ops`` to a copy of ``parent`` (paragraphs of sentences)."""
    paras = [list(p) for p in parent]
    for op in ops:
        if op == "trim" and len(paras) > 3:
            drop = rng.randint(1, max(1, len(paras) // 3))
            if rng.random() < 0.6:
                paras = paras[:-drop]  # cut the end, the usual trim
            else:
                for _ in range(drop):
                    paras.pop(rng.randrange(1, len(paras)))
        elif op == "reword":
            paras = _reword(lang, rng, paras, share=rng.uniform(0.3, 0.7))
        elif op == "add":
            for _ in range(rng.randint(1, 2)):
                paras.insert(rng.randint(1, len(paras)), lang.paragraph(rng))
        elif op == "reorder" and len(paras) > 3:
            i, j = rng.sample(range(1, len(paras)), 2)
            paras[i], paras[j] = paras[j], paras[i]
        elif op == "touch":
            paras = _touch(lang, rng, paras)
    return paras


def paragraphs_of(lang: Language, rng: random.Random, chars: float) -> list[list[str]]:
    """Paragraphs (lists of sentences) of made-up prose, at least ``chars`` characters in all."""
    paras = []
    while sum(len(" ".join(p)) + 2 for p in paras) < chars:
        paras.append(lang.paragraph(rng))
    return paras


def _longform(lang: Language, rng: random.Random, parent: list[list[str]] | None) -> list[list[str]]:
    """Long-form shapes: the root of a long-form story, or what a copy takes of its parent.

    Root (``parent`` None): a magazine-length article of 40,000-60,000 characters.
    Copy: one time in four the parent nearly whole (up to two paragraphs cut from the
    end); otherwise a contiguous excerpt of 2,000-20,000 characters (paragraph
    boundaries, anywhere in the parent; a parent shorter than that is taken whole). The
    profile's usual edits follow.
    """
    if parent is None:
        return paragraphs_of(lang, rng, rng.uniform(40_000, 60_000))
    sizes = [len(" ".join(p)) + 2 for p in parent]
    if rng.random() < 0.25 or sum(sizes) <= 2_000:
        return [list(p) for p in parent[:len(parent) - rng.randint(0, min(2, len(parent) - 1))]]
    target = rng.uniform(2_000, min(20_000, sum(sizes)))
    # first paragraphs from which an excerpt of the target size fits before the end
    starts = [i for i in range(len(parent)) if sum(sizes[i:]) >= target] or [0]
    first = rng.choice(starts)
    end, size = first, 0
    while end < len(parent) and size < target:
        size += sizes[end]
        end += 1
    return [list(p) for p in parent[first:end]]


def simulate_story(count: int = 15, *, seed: int = 1, paragraphs: int = 14, undated: float = 0.0,
                   profile: str = "newsroom", longform: bool = False, independent: float = 0.0,
                   related: float = 0.0, merges: float = 0.0, hidden_original: bool = False,
                   boilerplate: bool = False) -> dict:
    """A story of ``count`` articles with a random copying tree; the first is the root.

    ``profile``: ``newsroom`` (copies trimmed, reworded, added to, reordered; the root
    copied most) or ``light`` (every copy lightly edited, parents drawn uniformly).
    ``longform``: the root is a long-form piece of 40-60k characters (``paragraphs`` is
    then ignored) and each copy first takes an excerpt of 2-20k characters of its parent,
    or the parent nearly whole, before the profile's edits (``operations`` then starts
    with ``excerpt`` or ``whole``). Off, the story is exactly what it was without it.

    The shapes of real coverage besides copies, each off by default (with all of them off
    the story is exactly what it was before they existed: they draw from a stream of
    their own). Each article's ``kind`` says which shape it is (``KINDS``):

    - ``independent``: the share of later articles that are reports of their own on the
      same event: their own prose, quoting one or two of the official statements the
      original quotes, and naming the same people, places and numbers;
    - ``related``: the share that are about a related subject: their own prose with the
      story's places and stock background phrases, no statement;
    - ``merges``: the share of copies assembled from two or three earlier articles: a
      primary source edited as copies are, with one or two paragraphs from each secondary
      source (``secondary``: ``[{"id", "share"}]``, share of the merged text);
    - ``hidden_original``: the root (a wire story, a press release) is not in the list;
      its first three copies take it directly (kind ``hidden-copy``); it is kept in
      ``story["hidden"]``, and ``count`` articles are still listed;
    - ``boilerplate``: each outlet puts lines of its own on every article (a sign-off,
      sometimes a lead-in), inside the article text where an extractor cannot drop them
      (``body`` is the text without them).
    """
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, not {profile!r}")
    rng = random.Random(seed)
    shape = random.Random(f"shapes-{seed}")  # the shapes' own stream (see the docstring)
    lang = Language(rng)
    start = datetime(2024, 1, 1, 6, 0) + timedelta(days=rng.randint(0, 300))
    outlets = _outlets(lang, rng)
    event = _event(lang, shape) if independent or related else None
    if boilerplate:
        _add_boilerplate(lang, shape, outlets)
    bodies, articles = [], []
    for i in range(count + 1 if hidden_original else count):
        kind, secondary = "original", []
        if i == 0:
            parent, ops = None, []
            body = _longform(lang, rng, None) if longform else [lang.paragraph(rng) for _ in range(paragraphs)]
            if event:
                _tell(lang, shape, body, event)
            published = start
        else:
            kind = _draw_kind(shape, i, independent, related, merges, hidden_original)
        if kind in ("independent", "related"):
            parent, ops = None, []
            body = _own_report(lang, shape, event, paragraphs, kind)
            published = articles[-1]["published_dt"] + timedelta(minutes=shape.randint(10, 180))
        elif i:
            if profile == "light":
                parent, ops = rng.randrange(i), ["touch"]
            else:
                # recent and early articles are both copied; the root most of all
                parent = 0 if rng.random() < 0.3 else rng.randrange(i)
                # a verbatim copy alone, or one to three real edits
                ops = ["copy"] if rng.random() < 0.15 else rng.sample(OPERATIONS[1:], rng.randint(1, 3))
            if hidden_original and i <= 3:
                parent = 0  # a wire story: the first outlets take it directly
            parent = _story_parent(shape, articles, parent, listed_only=kind == "merge" and hidden_original)
            if longform:
                taken = _longform(lang, rng, bodies[parent])
                body = derive(lang, rng, taken, ops)
                ops = ["whole" if len(taken) >= len(bodies[parent]) - 2 else "excerpt", *ops]
            else:
                body = derive(lang, rng, bodies[parent], ops)
            if kind == "merge":
                body, secondary = _merge(shape, body, bodies, articles, parent, hidden_original)
                kind = "merge" if secondary else "copy"
            if hidden_original and parent == 0:
                kind = "hidden-copy"
            elif kind == "original":
                kind = "copy"
            published = max(articles[parent]["published_dt"], articles[-1]["published_dt"]) + \
                timedelta(minutes=rng.randint(10, 180))
        bodies.append(body)
        site = outlets[i % len(outlets)] if i else outlets[0]
        title = " ".join(body[0][0].split()[:8]).rstrip(".,\"")
        paras = [" ".join(p) for p in body]
        story_text = "\n\n".join(paras)
        if boilerplate:
            paras = site["boilerplate"][:1] + paras + site["boilerplate"][1:]
        text = "\n\n".join(p for p in paras if p)
        articles.append({
            "id": f"a{i:02d}", "parent": None if parent is None else f"a{parent:02d}", "operations": ops,
            "published_dt": published, "site": site["name"], "template": site["template"],
            "title": title, "text": text, "kind": kind,
        })
        if boilerplate:
            articles[-1]["body"] = story_text  # the text without the outlet's lines
        if secondary:
            articles[-1]["secondary"] = [{"id": f"a{s:02d}", "share": round(_share(blocks, text), 4)}
                                         for s, blocks in secondary]
    for a in articles:
        when = a.pop("published_dt")
        a["published"] = None if (a["parent"] and rng.random() < undated) else when.isoformat() + "Z"
    story = {"seed": seed, "articles": articles, "outlets": outlets}
    if hidden_original:
        story["hidden"], story["articles"] = articles[:1], articles[1:]
    return story


# --- the shapes of real coverage ---------------------------------------------------------

def coverage_switches(seed: int) -> dict:
    """A mix of the shapes of real coverage, drawn per story (its own stream): the mix the
    lineage confidence is calibrated on and ``bench/accuracy.py`` scores as "mixed".

    A third of the stories have their original missing; independent reports, merges and
    articles on related subjects come at rates from none to a third; half the outlets'
    pages carry boilerplate; some stories have undated articles.
    """
    rng = random.Random(f"coverage-{seed}")
    return {"count": rng.choice([8, 12, 15, 15, 20]), "independent": rng.choice([0.0, 0.1, 0.2, 0.3]),
            "related": rng.choice([0.0, 0.0, 0.05, 0.1]), "merges": rng.choice([0.0, 0.1, 0.2, 0.3]),
            "hidden_original": rng.random() < 1 / 3, "boilerplate": rng.random() < 0.5,
            "undated": rng.choice([0.0, 0.0, 0.0, 0.1])}


def coverage_story(seed: int, **override) -> dict:
    """``simulate_story`` with ``coverage_switches(seed)`` (``override`` replaces any of them)."""
    switches = coverage_switches(seed) | override
    return simulate_story(switches.pop("count"), seed=seed, **switches) | {"switches": switches}


def _draw_kind(rng: random.Random, i: int, independent: float, related: float, merges: float,
               hidden: bool) -> str:
    if hidden and i <= 3:
        return "copy"  # the wire story's first takers (see simulate_story)
    draw = rng.random()
    if draw < independent:
        return "independent"
    if draw < independent + related:
        return "related"
    if rng.random() < merges and i >= (3 if hidden else 2):
        return "merge"  # it needs two earlier articles in the list
    return "copy"


def _story_parent(rng: random.Random, articles: list[dict], parent: int, listed_only: bool) -> int:
    """``parent``, unless it is on a related subject (nobody copies that into this story) or,
    for a merge in a story whose root is hidden, the hidden root: then another article."""
    def usable(k):
        return articles[k]["kind"] != "related" and not (listed_only and k == 0)

    if usable(parent):
        return parent
    return rng.choice([k for k in range(len(articles)) if usable(k)])


def _merge(rng: random.Random, body: list[list[str]], bodies: list, articles: list[dict], primary: int,
           hidden: bool) -> tuple[list[list[str]], list]:
    """One or two paragraphs from each of one or two secondary sources, put into ``body``.

    What a merge takes from a secondary source is what that source has and the primary
    lacks, its own reporting where it has some (paragraphs its own sources do not have).
    A copy of the primary is never a secondary source: the merge would then be a copy of
    that copy, and no text could say otherwise.
    """
    index = {a["id"]: k for k, a in enumerate(articles)}

    def sources(k):
        a = articles[k]
        return [index[p] for p in [a["parent"]] + [s["id"] for s in a.get("secondary", [])] if p in index]

    def descends(k):
        todo, seen = [k], set()
        while todo:
            m = todo.pop()
            if m == primary:
                return True
            if m not in seen:
                seen.add(m)
                todo += sources(m)
        return False

    others = [k for k in range(1 if hidden else 0, len(articles))
              if k != primary and articles[k]["kind"] != "related" and not descends(k)]
    taken = []
    have = {" ".join(p) for p in bodies[primary]} | {" ".join(p) for p in body}
    for source in rng.sample(others, min(len(others), 1 if rng.random() < 0.7 else 2)):
        inherited = {" ".join(p) for k in sources(source) for p in bodies[k]}
        fresh = [k for k, p in enumerate(bodies[source]) if " ".join(p) not in have]
        own = [k for k in fresh if " ".join(bodies[source][k]) not in inherited]
        if not fresh:
            continue
        start = rng.choice(own or fresh)
        block = [list(bodies[source][start])]
        if start + 1 in fresh and rng.random() < 0.5:
            block.append(list(bodies[source][start + 1]))
        at = rng.randint(1, len(body))
        body = body[:at] + block + body[at:]
        taken.append((source, [" ".join(p) for p in block]))
        have |= {" ".join(p) for p in block}
    return body, taken


def _share(blocks: list[str], text: str) -> float:
    return sum(len(b) for b in blocks) / len(text) if text else 0.0


def _name(rng: random.Random) -> str:
    return _word(rng).capitalize()


def _event(lang: Language, rng: random.Random) -> dict:
    """What every report of the story mentions: people, places, numbers; the official
    statements they quote (one or two sentences each); stock background phrases."""
    return {
        "people": [f"{_name(rng)} {_name(rng)}" for _ in range(3)],
        "places": [_name(rng) + rng.choice(["", " Bay", " Street", " Hall", " Harbour"]) for _ in range(3)],
        "numbers": [f"{rng.randint(2, 90)},{rng.randint(0, 999):03d}", str(rng.randint(11, 99)),
                    f"{rng.randint(2, 9)}.{rng.randint(1, 9)} million", str(rng.randint(1950, 2020))],
        "statements": [" ".join(lang.sentence(rng, quotes=False) for _ in range(rng.randint(1, 2)))
                       for _ in range(3)],
        "background": [lang.sentence(rng, quotes=False) for _ in range(3)],
    }


def _mention(rng: random.Random, sentence: str, event: dict) -> str:
    """The sentence with one word replaced by a person's surname, a place or a number."""
    words = sentence.split(" ")
    if len(words) < 4:
        return sentence
    pool = [p.split()[-1] for p in event["people"]] + event["places"] + event["numbers"]
    k = rng.randrange(1, len(words) - 1)
    words[k] = rng.choice(pool)
    return " ".join(words)


def _quote(rng: random.Random, statement: str, person: str) -> str:
    """The statement in quotation marks, attributed in one of the ways reporters do."""
    return rng.choice([f'{person} said: "{statement}"', f'"{statement}" {person} told reporters.',
                       f'"{statement}" said {person}.', f'In a statement, {person} said: "{statement}"'])


def _mentions(rng: random.Random, body: list[list[str]], event: dict, share: float) -> None:
    for para in body:
        for k, sent in enumerate(para):
            if rng.random() < share:
                para[k] = _mention(rng, sent, event)


def _tell(lang: Language, rng: random.Random, body: list[list[str]], event: dict) -> None:
    """Put the event into the original: its people, places and numbers, every statement
    quoted, and a stock background phrase."""
    _mentions(rng, body, event, 0.3)
    for j, statement in enumerate(event["statements"]):
        para = body[min(1 + 2 * j, len(body) - 1)]
        para.insert(rng.randint(0, len(para)), _quote(rng, statement, rng.choice(event["people"])))
    para = body[rng.randrange(len(body) // 2, len(body))]
    para.insert(rng.randint(0, len(para)), rng.choice(event["background"]))


def _own_report(lang: Language, rng: random.Random, event: dict, paragraphs: int, kind: str) -> list[list[str]]:
    """A report in its own words: on the same event (``independent``: one or two of the
    statements quoted, sometimes a stock phrase) or on a related subject (``related``:
    the same places and stock phrases, no statement)."""
    body = [lang.paragraph(rng) for _ in range(rng.randint(max(4, paragraphs // 2), paragraphs))]
    _mentions(rng, body, event, 0.3)
    if kind == "independent":
        for statement in rng.sample(event["statements"], 1 if rng.random() < 0.7 else 2):
            para = body[rng.randint(1, min(4, len(body) - 1))]
            para.insert(rng.randint(0, len(para)), _quote(rng, statement, rng.choice(event["people"])))
    stock = (1 if rng.random() < 0.5 else 0) if kind == "independent" else rng.randint(1, 2)
    for phrase in rng.sample(event["background"], stock):
        para = body[rng.randrange(1, len(body))]
        para.insert(rng.randint(0, len(para)), phrase)
    return body


def _add_boilerplate(lang: Language, rng: random.Random, outlets: list[dict]) -> None:
    """Each outlet's own lines on every article: ``boilerplate`` = [lead-in ("" for none), sign-off]."""
    for outlet in outlets:
        name = outlet["name"]
        lead = rng.choice(["", "", f"{name} | {lang.sentence(rng, quotes=False)}", "Listen to this article."])
        sign = rng.choice([f"Follow {name} for more. {lang.sentence(rng, quotes=False)}",
                           f"Copyright {name}. {lang.sentence(rng, quotes=False)} All rights reserved.",
                           f"{lang.sentence(rng, quotes=False)} Sign up for the {name} newsletter."])
        outlet["boilerplate"] = [lead, sign]


def story_texts(story: dict) -> tuple[dict[str, str], dict[str, str | None]]:
    """``(texts, parents)``: article id -> text, and article id -> parent id (None for the root).

    The parent of a copy of a hidden original is the hidden original's id, which has no text here.
    """
    return ({a["id"]: a["text"] for a in story["articles"]},
            {a["id"]: a["parent"] for a in story["articles"]})


# --- pages ----------------------------------------------------------------------------

def _outlets(lang: Language, rng: random.Random) -> list[dict]:
    """Five outlets, each with a template and boilerplate of its own (shared across its pages)."""
    names = ["Daily " + _word(rng).capitalize(), _word(rng).capitalize() + " Post", "The " + _word(rng).capitalize(),
             _word(rng).capitalize() + " Wire", _word(rng).capitalize() + " Radio"]
    return [{"name": n, "template": i, "related": [lang.sentence(rng)[:70] for _ in range(4)],
             "comments": [lang.sentence(rng) for _ in range(3)]} for i, n in enumerate(names)]


def render_page(article: dict, outlet: dict) -> str:
    """A realistic page: the article among navigation, banners, related links and comments."""
    e = html.escape
    paras = "".join(f"<p>{e(p)}</p>\n" for p in article["text"].split("\n\n"))
    date = article["published"] or ""
    related = "".join(f'<li><a href="/other/{i}">{e(t)}</a></li>' for i, t in enumerate(outlet["related"]))
    comments = "".join(f'<div class="comment"><b>reader{i}</b><p>{e(c)}</p></div>'
                       for i, c in enumerate(outlet["comments"]))
    meta = {
        0: f'<script type="application/ld+json">{json.dumps({"@type": "NewsArticle", "headline": article["title"], "datePublished": date, "publisher": {"name": outlet["name"]}})}</script>',
        1: f'<meta property="og:title" content="{e(article["title"])}"><meta property="og:site_name" content="{e(outlet["name"])}"><meta property="article:published_time" content="{date}">',
        2: f'<meta property="og:site_name" content="{e(outlet["name"])}">',
        3: f'<meta name="date" content="{date}"><meta property="og:site_name" content="{e(outlet["name"])}">',
        4: f'<meta property="og:site_name" content="{e(outlet["name"])}">',
    }[outlet["template"]]
    byline = f'<time datetime="{date}">{date[:10]}</time>' if date and outlet["template"] in (2, 4) else ""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{e(article['title'])} | {e(outlet['name'])}</title>{meta}
<style>body{{font-family:serif}}</style><script>window.analytics=[];</script></head><body>
<div class="cookie">We use cookies to improve your experience. By continuing you accept our use of cookies. <button>Accept</button></div>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a> <a href="/weather">Weather</a></nav></header>
<main><article><h1>{e(article['title'])}</h1><div class="byline">By staff {byline}</div>
{paras}</article>
<aside><h3>Related stories</h3><ul>{related}</ul></aside>
<section class="comments"><h3>Comments</h3>{comments}</section></main>
<footer><p>&copy; {e(outlet['name'])}. All rights reserved. Terms of use. Privacy policy. Contact us.</p></footer>
</body></html>"""


def write_story(story: dict, folder: str | Path) -> Path:
    """pages/<id>.html, urls.txt and lineage.json (the fixture format) under ``folder``."""
    folder = Path(folder)
    (folder / "pages").mkdir(parents=True, exist_ok=True)
    outlets = {o["name"]: o for o in story["outlets"]}
    lines = ["# simulated story, seed %d" % story["seed"]]
    for a in story["articles"]:
        (folder / "pages" / f"{a['id']}.html").write_text(render_page(a, outlets[a["site"]]), encoding="utf-8")
        lines.append(f"pages/{a['id']}.html")
    (folder / "urls.txt").write_text("\n".join(lines) + "\n")
    truth = [{"id": a["id"], "entry": f"pages/{a['id']}.html", "site": a["site"], "title": a["title"],
              "published": a["published"], "parent": a["parent"], "operations": a["operations"],
              "kind": a["kind"], "secondary": a.get("secondary", [])}
             for a in story["articles"]]
    # an original that is not in the list: no page, no entry (its copies name it as their parent)
    truth += [{"id": a["id"], "entry": None, "site": a["site"], "title": a["title"], "published": a["published"],
               "parent": None, "operations": [], "kind": a["kind"], "secondary": [], "hidden": True}
              for a in story.get("hidden", [])]
    (folder / "lineage.json").write_text(json.dumps({"story": f"simulated-{story['seed']}", "articles": truth},
                                                    indent=1))
    return folder / "urls.txt"

"""Many stories that overlap the way real news does: a stream for the grouping benchmarks.

Each story is one ``phylo.sim.story.simulate_story`` (a root and its copies, with a
known lineage). Real stories are not islands, so the corpus then adds what they share,
each as a change that is a function of the text alone (so a copy inherits what its
parent carries, and a reworded sentence loses it, exactly as with the story's own text):

* **subjects**: stories come in subjects of a few stories each; a subject has its
  people and places (multi-word names that replace some of each story's own words)
  and statements that each of its stories may quote;
* **stock phrases** shared by every story ("officials did not respond ..."): a
  sentence chosen by its own hash starts with one;
* **stories that quote each other**: a story's root may take one to three sentences, word for
  word, from the root of an earlier story of its subject;
* **outlets**: one pool of outlets across all stories (each story is carried by five
  of them), and some outlets put the same boilerplate paragraph at the end of every
  article they publish;
* **long reads cut down**: a tenth of the stories start from a long article (30-45
  paragraphs), and half of the copies nobody copies further keep only three to six of
  its paragraphs (the wire story run as a short);
* **unrelated articles**: single roots on the same subjects (names, stock phrases,
  boilerplate), in no story.

The truth: each article's ``story`` (its number, None for an unrelated article) and
``parent`` (None for a root). Two articles of different stories never copied one
another, however much text they share.

    corpus = simulate_corpus(stories=20, size=16, unrelated=30, seed=1)
    corpus["articles"]: [{"id", "story", "subject", "parent", "published", "site", "title",
                          "text", "operations"}], corpus["outlets"]: [{"name", "template", ...}]
    pages = {a["id"]: render_page(a, outlets[a["site"]]) for a in corpus["articles"]}
"""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

from phylo.sim.story import Language, render_page, simulate_story
from phylo.trees.shingles import stable_hash

__all__ = ["simulate_corpus", "corpus_of_size", "render_page", "outlet_index"]

#: Share of sentences that start with a stock phrase.
STOCK_SHARE = 0.12


def simulate_corpus(stories: int = 20, size: int | tuple[int, int] = 16, unrelated: int = 30, *, seed: int = 1,
                    subject_size: int = 4, outlets: int = 12, boilerplate_outlets: int = 3,
                    names_per_story: int = 6, quote_share: float = 0.5, paragraphs: tuple[int, int] = (5, 16),
                    long_share: float = 0.1,
                    start: datetime | None = None, hours: float | None = None) -> dict:
    """A corpus of ``stories`` stories of ``size`` articles (or a random size in the range)
    plus ``unrelated`` single articles; see the module docstring.

    ``start`` and ``hours``: publish everything inside that window (each story breaks at a
    random time in it and its articles follow at the story's own pace, compressed to fit);
    by default dates are the ones ``simulate_story`` gives (spread over 2024).
    """
    rng = random.Random(seed)
    world = Language(rng)
    pool = _outlet_pool(world, rng, outlets, boilerplate_outlets)
    stock = [_phrase(world, rng, 5, 9) for _ in range(24)]
    n_subjects = max(1, -(-stories // subject_size))  # unrelated articles take the stories' subjects
    subjects = [{"names": [_name(world, rng) for _ in range(8)],
                 "statements": [_statement(world, rng) for _ in range(3)]} for _ in range(n_subjects)]
    articles: list[dict] = []
    roots: dict[int, list[str]] = {}  # subject -> root texts so far (what later stories may quote)
    plans = [("story", n) for n in range(stories)] + [("unrelated", n) for n in range(unrelated)]
    for kind, number in plans:
        count = (rng.randint(*size) if isinstance(size, tuple) else size) if kind == "story" else 1
        subject = number // subject_size if kind == "story" else rng.randrange(n_subjects)
        long = kind == "story" and rng.random() < long_share
        story = simulate_story(count, seed=rng.randrange(2**31),
                               paragraphs=rng.randint(30, 45) if long else rng.randint(*paragraphs))
        copied = {a["parent"] for a in story["articles"]}
        edits = _story_edits(story, subjects[subject], roots.get(subject, []), stock, rng,
                             names_per_story, quote_share)
        carriers = dict(zip((o["name"] for o in story["outlets"]), rng.sample(pool, 5)))
        prefix = f"s{number:04d}" if kind == "story" else f"u{number:05d}"
        for a in story["articles"]:
            outlet = carriers[a["site"]]
            text = edits(a["text"])
            if long and a["id"] not in copied and a["parent"] and rng.random() < 0.5:
                text = _cut_down(text, rng)
            if outlet["boilerplate"]:
                text += "\n\n" + outlet["boilerplate"]
            articles.append({
                "id": f"{prefix}-{a['id']}", "story": number if kind == "story" else None, "subject": subject,
                "parent": f"{prefix}-{a['parent']}" if a["parent"] else None, "published": a["published"],
                "site": outlet["name"], "title": _title(text), "text": text, "operations": a["operations"],
            })
        roots.setdefault(subject, []).append(edits(story["articles"][0]["text"]))
    if start is not None and hours:
        _retime(articles, rng, start, hours)
    articles.sort(key=lambda a: (a["published"] or "", a["id"]))
    return {"seed": seed, "articles": articles, "outlets": pool}


def corpus_of_size(n: int, *, seed: int = 1, unrelated_share: float = 0.15, size: tuple[int, int] = (4, 30),
                   **options) -> dict:
    """Exactly ``n`` articles: stories of ``size`` articles (random sizes), and unrelated
    articles for about ``unrelated_share`` of them, topped up (or cut) to ``n``.

    Unrelated articles are made after the stories, so changing their number changes no story.
    """
    mean = (size[0] + size[1]) / 2
    unrelated = round(n * unrelated_share)
    stories = max(1, round((n - unrelated) / mean))
    corpus = simulate_corpus(stories, size, unrelated, seed=seed, **options)
    in_stories = sum(a["story"] is not None for a in corpus["articles"])
    if in_stories + unrelated != n:
        if in_stories > n:
            raise ValueError(f"{stories} stories of {size} articles already make more than {n} articles")
        corpus = simulate_corpus(stories, size, n - in_stories, seed=seed, **options)
    return corpus


def outlet_index(corpus: dict) -> dict[str, dict]:
    """Outlet name -> outlet (what ``render_page`` takes with each article)."""
    return {o["name"]: o for o in corpus["outlets"]}


# --- what stories share -------------------------------------------------------------------

def _story_edits(story: dict, subject: dict, earlier_roots: list[str], stock: list[str], rng: random.Random,
                 names_per_story: int, quote_share: float):
    """The text changes one story gets (a function of the text: copies inherit them)."""
    root = story["articles"][0]["text"]
    sentences = _sentences(root)
    # the subject's people and places stand in for some of the story's own frequent words
    counts: dict[str, int] = {}
    for word in re.findall(r"[a-z]{5,}", root):
        counts[word] = counts.get(word, 0) + 1
    frequent = sorted(counts, key=lambda w: (-counts[w], w))[:names_per_story]
    names = dict(zip(frequent, rng.sample(subject["names"], min(len(frequent), len(subject["names"])))))
    # a statement of the subject quoted, and maybe a passage of an earlier story of the subject
    replace = {}
    if len(sentences) > 4:
        picks = rng.sample(range(1, len(sentences)), 2)
        replace[sentences[picks[0]]] = rng.choice(subject["statements"])
        if earlier_roots and rng.random() < quote_share:
            source = _sentences(rng.choice(earlier_roots))
            take = rng.randint(1, 3)
            at = rng.randrange(max(1, len(source) - take))
            replace[sentences[picks[1]]] = " ".join(source[at:at + take])
    word = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b") if names else None

    def edit(text: str) -> str:
        paragraphs = []
        for paragraph in text.split("\n\n"):
            out = []
            for sentence in _sentences(paragraph):
                sentence = replace.get(sentence, sentence)
                if stable_hash(sentence) % 1000 < STOCK_SHARE * 1000:
                    phrase = stock[stable_hash(sentence + "|stock") % len(stock)]
                    sentence = f"{phrase}, {sentence[0].lower()}{sentence[1:]}"
                out.append(sentence)
            paragraph = " ".join(out)
            if word:
                paragraph = word.sub(lambda m: names[m.group(1)], paragraph)
            paragraphs.append(paragraph)
        return "\n\n".join(paragraphs)

    return edit


_SENTENCE_END = re.compile(r"(?<=\.) (?=\S)")


def _sentences(paragraph: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(paragraph) if s]


def _phrase(lang: Language, rng: random.Random, low: int, high: int) -> str:
    words = lang.sentence(rng).strip(".").replace('"', "").replace(",", "").split()
    while len(words) < low:
        words += lang.sentence(rng).strip(".").replace('"', "").replace(",", "").split()
    words = words[:rng.randint(low, high)]
    return " ".join(words)[0].upper() + " ".join(words)[1:]


def _name(lang: Language, rng: random.Random) -> str:
    title = rng.choice(["Minister", "Mayor", "Judge", "Councillor", "Dr", "Chief", "Senator", "the"])
    words = [rng.choice(lang.content).capitalize() for _ in range(rng.choice((2, 2, 3)))]
    if title == "the":
        return "the " + " ".join(words) + rng.choice([" Authority", " Council", " Group", " Institute"])
    return f"{title} {' '.join(words)}"


def _statement(lang: Language, rng: random.Random) -> str:
    said = " ".join(w.capitalize() for w in rng.sample(lang.content, 2))
    return f'"{lang.sentence(rng).rstrip(".")} {lang.sentence(rng)[0].lower()}{lang.sentence(rng)[1:-1]}," {said} said.'


def _outlet_pool(lang: Language, rng: random.Random, count: int, with_boilerplate: int) -> list[dict]:
    count = max(count, 5)  # each story is carried by five outlets
    names = set()
    while len(names) < count:
        w = rng.choice(lang.content).capitalize()
        names.add(rng.choice(["Daily {}", "{} Post", "The {}", "{} Wire", "{} Radio", "{} Times", "{} Herald"]).format(w))
    pool = []
    for i, name in enumerate(sorted(names)):
        boiler = ""
        if i < with_boilerplate:  # the same paragraph under every article the outlet publishes
            boiler = (f"{_phrase(lang, rng, 8, 12)} {name}. " + " ".join(lang.sentence(rng) for _ in range(3)))
        pool.append({"name": name, "template": i % 5, "related": [lang.sentence(rng)[:70] for _ in range(4)],
                     "comments": [lang.sentence(rng) for _ in range(3)], "boilerplate": boiler})
    rng.shuffle(pool)
    return pool


def _cut_down(text: str, rng: random.Random) -> str:
    """A few consecutive paragraphs of a long article (only for articles nobody copies,
    so the lineage stays true)."""
    paragraphs = text.split("\n\n")
    keep = rng.randint(3, 6)
    at = rng.randrange(max(1, len(paragraphs) - keep))
    return "\n\n".join(paragraphs[at:at + keep])


def _title(text: str) -> str:
    return " ".join(text.split("\n\n")[0].split()[:8]).rstrip('.,"')


def _retime(articles: list[dict], rng: random.Random, start: datetime, hours: float) -> None:
    """Every story breaks at a random time in the window; its pace is compressed to fit."""
    by_story: dict[str, list[dict]] = {}
    for a in articles:
        by_story.setdefault(a["id"].split("-")[0], []).append(a)
    for members in by_story.values():
        times = [_parse(a["published"]) for a in members]
        first = min(t for t in times if t)
        span = max((t - first).total_seconds() for t in times if t) or 1.0
        opens = rng.uniform(0, hours * 0.85)
        room = min(hours - opens, rng.uniform(2, 12)) * 3600  # a story spreads over a few hours
        scale = min(1.0, room / span)
        for a, t in zip(members, times):
            if t:
                a["published"] = (start + timedelta(hours=opens, seconds=(t - first).total_seconds() * scale)
                                  ).isoformat().replace("+00:00", "") + "Z"


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.rstrip("Z")) if value else None

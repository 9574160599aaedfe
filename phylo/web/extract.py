"""Article text and metadata from a fetched page.

``extract(page, settings)`` returns a plain dict::

    {"title", "site", "published" (ISO 8601 or None), "byline", "text", "lang",
     "extractor" (which path of the chain produced the text)}

or raises ``EntryError`` with ``no-text``, ``too-short``, ``needs-javascript``,
``consent-wall``, ``paywall`` or ``login-wall``.

Body text comes from a chain of extractors; the first that finds at least
``min_chars`` characters wins, so a page where any of them finds the article is never
rejected as ``no-text`` or ``too-short``:

  ``phylo``               trafilatura tuned for precision (no comments, no tables of links,
                          pull quotes and share bars pruned); an article split over several
                          sibling ``<article>`` elements is read part by part and joined
  ``trafilatura``         trafilatura with its default settings (comments left out)
  ``trafilatura-recall``  trafilatura favouring recall
  ``articleBody``         the article text the page declares in its JSON-LD
  ``largest-block``       a readability-style fallback: the element holding the most prose

(a plain-text file is ``plain-text``: its first line is the title, the rest the text.)

A text made mostly of a cookie-consent, paywall or login notice is reported as such
(``phylo.web.walls``). A headline repeated as the first line of the text is dropped
(it is the title). Metadata comes from ``phylo.web.metadata``.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString

from phylo.errors import EntryError
from phylo.web.metadata import article_body, fill_from_trafilatura, metadata, site_from_location
from phylo.web.settings import EXTRACT_DEFAULTS
from phylo.web.walls import MESSAGES as WALL_MESSAGES, wall_kind

NO_TEXT_CHARS = 50  # less than this is menu crumbs, not a (even truncated) article
PART_MIN_CHARS = 200  # an <article> with less prose is a teaser card, not part of a split article
# Boilerplate the fallback extractor drops before looking for the article.
NOISE_TAGS = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "button", "svg", "iframe", "template"]
NOISE_WORDS = re.compile(r"comment|cookie|consent|share|social|related|promo|newsletter|subscribe|sidebar|"
                         r"footer|menu|breadcrumb|advert|\bad-|banner|popup|modal|recommend", re.I)
# Blocks inside articles that repeat or advertise rather than tell (trafilatura prunes them).
PRUNE_CLASSES = ["pullquote", "pull-quote", "read-more", "readmore", "newsletter", "related", "social",
                 "share-", "-share", "advert", "ad-slot", "promo", "references", "footnotes"]
PRUNE_XPATH = "//*[" + " or ".join(f"contains(@class, '{name}')" for name in PRUNE_CLASSES) + "]"
JS_HINT = re.compile(r"enable javascript|javascript (is )?(required|disabled)|turn on javascript|requires javascript", re.I)
SPA_ROOT_IDS = {"root", "app", "__next", "__nuxt", "___gatsby", "svelte", "main-app"}


def extract(page: dict, settings: dict | None = None) -> dict:
    """The article in ``page`` (a dict from ``fetch.fetch``); see the module docstring."""
    s = {**EXTRACT_DEFAULTS, **(settings or {})}
    if page.get("content_type") == "text/plain":
        return _from_plain_text(page, s)
    html = page["html"]
    soup = BeautifulSoup(html, "lxml")
    text, extractor = body_text_and_source(html, page.get("final_url"), s, soup)
    if len(text) < s["min_chars"] and needs_javascript(soup):
        raise EntryError("needs-javascript", f"{_where(page)} builds its text with JavaScript; save the page from your browser (after it has loaded) and list the file instead")
    _check_wall(text if len(text) >= s["min_chars"] else visible_text(soup), page, s)
    _check_length(text, page, s)
    article = {"title": None, "site": None, "published": None, "byline": None, "text": text, "lang": None}
    article.update(metadata(soup, page))
    if not all(article[key] for key in ("title", "site", "published", "byline")):
        fill_from_trafilatura(article, html, page)
    article["site"] = article["site"] or site_from_location(soup, page)
    article["text"] = _drop_headline(text, article["title"])
    article["extractor"] = extractor
    return article


def _check_wall(text: str, page: dict, s: dict) -> None:
    kind = wall_kind(text, s["min_chars"])
    if kind:
        raise EntryError(kind, f"{_where(page)} {WALL_MESSAGES[kind]}")


def _where(page: dict) -> str:
    return page.get("final_url") or page.get("url") or "the page"


def _check_length(text: str, page: dict, s: dict) -> None:
    if len(text) < min(NO_TEXT_CHARS, s["min_chars"]):  # a stray "Home" link is not a text
        raise EntryError("no-text", f"no article text found in {_where(page)}; is it an article page? If it is, save it from your browser and list the file")
    if len(text) < s["min_chars"]:
        raise EntryError("too-short", f"only {len(text)} characters of article text in {_where(page)} (min_chars is {s['min_chars']}): "
                         "probably a teaser or paywall; save the full page from your browser and list the file, or lower min_chars")


# ---------------------------------------------------------------- body text


def body_text(html: str, url: str | None = None, settings: dict | None = None) -> str:
    """The article text of ``html`` (the first extractor of the chain that finds enough)."""
    return body_text_and_source(html, url, {**EXTRACT_DEFAULTS, **(settings or {})})[0]


def body_text_and_source(html: str, url: str | None, s: dict, soup: BeautifulSoup | None = None) -> tuple[str, str]:
    """``(text, extractor)``: the first path of the chain with ``min_chars``, else the longest."""
    soup = soup if soup is not None else BeautifulSoup(html, "lxml")
    chain = [
        ("phylo", lambda: _phylo_text(html, url, s, soup)),
        ("trafilatura", lambda: _trafilatura(html, url)),
        ("trafilatura-recall", lambda: _trafilatura(html, url, favor_recall=True)),
        ("articleBody", lambda: _tidy(article_body(soup))),
        ("largest-block", lambda: largest_text_block(html)),
    ]
    best = ("", "phylo")
    for name, run in chain:
        text = run()
        if len(text) >= s["min_chars"]:
            return text, name
        if len(text) > len(best[0]):
            best = (text, name)
    return best


def _trafilatura(html, url: str | None, **options) -> str:
    import trafilatura

    return _tidy(trafilatura.extract(html, url=url, include_comments=False, **options) or "")


def _phylo_text(html: str, url: str | None, s: dict, soup: BeautifulSoup) -> str:
    """trafilatura for precision; every part of an article split over sibling ``<article>`` elements."""
    import trafilatura

    def precise(markup) -> str:
        return _tidy(trafilatura.extract(markup, url=url, favor_precision=s["favor_precision"], include_comments=False,
                                         include_tables=False, include_links=False, include_images=False,
                                         prune_xpath=PRUNE_XPATH) or "")

    text = precise(html)
    parts = _article_parts(soup)
    if len(parts) > 1:
        texts = [precise(f"<html><body>{part}</body></html>") for part in parts]
        joined = "\n".join(piece for piece in texts if piece)
        if len(joined) > len(text):
            return joined
    return text


def _article_parts(soup: BeautifulSoup) -> list[str]:
    """The ``<article>`` elements that together hold one article, as markup; [] when there is one or none.

    Parts are sibling ``<article>`` elements, none inside another, each with at least
    ``PART_MIN_CHARS`` of paragraph text; teaser cards (short, mostly links) do not count.
    """
    articles = [a for a in soup.find_all("article") if a.find_parent("article") is None]
    if len(articles) < 2:
        return []
    parent = articles[0].parent
    parts = []
    for article in articles:
        if article.parent is not parent or article.find_parent(_is_aside):
            continue
        prose = sum(len(p.get_text(" ", strip=True)) for p in article.find_all("p") if not p.find_parent("a"))
        links = sum(len(a.get_text(" ", strip=True)) for a in article.find_all("a"))
        if prose >= PART_MIN_CHARS and links < prose / 2:
            parts.append(str(article))
    return parts if len(parts) > 1 else []


def _is_aside(tag) -> bool:
    return tag.name in ("aside", "nav", "footer") or _is_noise(tag)


def visible_text(soup: BeautifulSoup) -> str:
    """The page's text, one block a line, without scripts and styles (what a reader sees first)."""
    copy = BeautifulSoup(str(soup), "lxml")
    for tag in copy.find_all(["script", "style", "noscript", "template", "svg"]):
        tag.decompose()
    return _tidy((copy.body or copy).get_text("\n"))


def _drop_headline(text: str, title: str | None) -> str:
    """trafilatura often keeps the <h1> as the first line; the title is a field of its own."""
    first, _, rest = text.partition("\n")
    if title and rest and _words(first) == _words(title):
        return rest
    return text


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def largest_text_block(html: str) -> str:
    """Readability-style fallback: the element that holds the most sentence text.

    Boilerplate (navigation, cookie banners, comments, share bars...) is removed first,
    and the search stays inside ``<article>`` or ``<main>`` if there is one. Text in a
    ``<p>`` counts for the ``<p>``'s parent; loose text (old pages separate paragraphs
    with ``<br>``) counts for the element that holds it.
    """
    soup = BeautifulSoup(html, "lxml")
    for tag in soup.find_all(NOISE_TAGS):
        tag.decompose()
    for tag in soup.find_all(_is_noise):
        tag.decompose()
    scope = soup.find("article") or soup.find("main") or soup.find(attrs={"role": "main"}) or soup.body or soup
    scores: dict[int, list] = {}
    for string in scope.find_all(string=True):
        if type(string) is not NavigableString:
            continue  # comments, CDATA, doctype
        holder = string.parent
        while holder.name in INLINE_TAGS and holder is not scope:
            holder = holder.parent
        container = holder.parent if holder.name == "p" and holder is not scope else holder
        entry = scores.setdefault(id(container), [0, container])
        entry[0] += len(string.strip())
    if not scores:
        return ""
    _, best = max(scores.values(), key=lambda item: item[0])
    return _tidy("\n".join(line for line in _lines(best) if _is_sentence_line(line)))


INLINE_TAGS = {"a", "b", "i", "em", "strong", "span", "font", "small", "big", "u", "sup", "sub", "abbr", "cite", "q", "time", "mark"}


def _lines(element) -> list[str]:
    """Text lines of ``element``: one per block child, loose text split at ``<br>``."""
    lines, current = [], []

    def walk(node):
        for child in node.children:
            name = getattr(child, "name", None)
            if name is None:
                current.append(str(child))
            elif name == "br":
                lines.append(" ".join(current))
                current.clear()
            elif name not in INLINE_TAGS:
                lines.extend([" ".join(current), child.get_text(" ", strip=True)])
                current.clear()
            elif child.find(lambda tag: tag.name == "br" or tag.name not in INLINE_TAGS):
                walk(child)  # an inline wrapper (old <font>) around whole paragraphs
            else:
                current.append(child.get_text(" "))

    walk(element)
    lines.append(" ".join(current))
    return [" ".join(line.split()) for line in lines if line.strip()]


def _is_sentence_line(line: str) -> bool:
    """Keep prose: a sentence ending, or many words. Drops bylines, dates and link crumbs."""
    return len(line) >= 25 and (line.rstrip()[-1] in ".!?\"\u201d'" or len(_words(line)) >= 12)


def _is_noise(tag) -> bool:
    if tag.name in ("html", "body", "article", "main") or tag.attrs is None:
        return False
    names = " ".join(tag.get("class") or []) + " " + (tag.get("id") or "")
    return bool(NOISE_WORDS.search(names))


def _tidy(text: str) -> str:
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def needs_javascript(soup: BeautifulSoup) -> bool:
    """An (almost) empty body that asks for JavaScript, or an empty single-page-app root."""
    for noscript in soup.find_all("noscript"):
        if JS_HINT.search(noscript.get_text(" ")):
            return True
    for element in soup.find_all(id=True):
        if element.get("id") in SPA_ROOT_IDS and not element.get_text(strip=True):
            return True
    return bool(soup.find("app-root"))


# ---------------------------------------------------------------- plain text


def _from_plain_text(page: dict, s: dict) -> dict:
    lines = page["html"].strip().splitlines()
    title = lines[0].strip() if lines else ""
    text = _tidy("\n".join(lines[1:]))
    _check_length(text, page, s)
    return {"title": title or None, "site": site_from_location(None, page), "published": None,
            "byline": None, "text": text, "lang": None, "extractor": "plain-text"}

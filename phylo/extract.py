"""Article text and metadata from a fetched page.

``extract(page, settings)`` returns a plain dict::

    {"title", "site", "published" (ISO 8601 or None), "byline", "text", "lang"}

or raises ``EntryError`` with ``no-text``, ``too-short`` or ``needs-javascript``.

Body text comes from trafilatura tuned for precision (no comments, no tables of links);
when it finds too little, a simple readability-style fallback takes the element that holds
the most sentence text (``largest_text_block``). A headline repeated as the first line of
the text is dropped (it is the title). Metadata is read with BeautifulSoup from the most reliable markup first:
JSON-LD, then OpenGraph, then ``<time>`` and ``<meta>`` tags, then trafilatura's own
metadata (which uses htmldate for dates) as a last resort.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup, NavigableString

from phylo.errors import EntryError

DEFAULT_SETTINGS = {
    "min_chars": 300,  # shorter article text is a teaser or paywall stub: "too-short"
    "favor_precision": True,  # trafilatura: rather miss a paragraph than keep boilerplate
}

NO_TEXT_CHARS = 50  # less than this is menu crumbs, not a (even truncated) article

ARTICLE_TYPES = {"Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
                 "BackgroundNewsArticle", "ReviewNewsArticle", "BlogPosting", "Report", "LiveBlogPosting"}
DATE_META_NAMES = ["article:published_time", "og:published_time", "date", "pubdate", "publishdate", "publish_date",
                   "publish-date", "dc.date", "dc.date.issued", "dcterms.created", "dcterms.date", "sailthru.date",
                   "parsely-pub-date", "article.published", "original-publish-date", "datepublished"]
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
    s = {**DEFAULT_SETTINGS, **(settings or {})}
    if page.get("content_type") == "text/plain":
        return _from_plain_text(page, s)
    html = page["html"]
    soup = BeautifulSoup(html, "lxml")
    text = body_text(html, page.get("final_url"), s)
    if len(text) < s["min_chars"] and needs_javascript(soup):
        raise EntryError("needs-javascript", f"{_where(page)} builds its text with JavaScript; save the page from your browser (after it has loaded) and list the file instead")
    _check_length(text, page, s)
    article = {"title": None, "site": None, "published": None, "byline": None, "text": text, "lang": None}
    article.update(metadata(soup, page))
    if not all(article[key] for key in ("title", "site", "published", "byline")):
        _fill_from_trafilatura(article, html, page)
    article["site"] = article["site"] or _site_from_location(soup, page)
    article["text"] = _drop_headline(text, article["title"])
    return article


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
    """Article text: trafilatura first, ``largest_text_block`` when it finds too little."""
    s = {**DEFAULT_SETTINGS, **(settings or {})}
    import trafilatura

    text = trafilatura.extract(html, url=url, favor_precision=s["favor_precision"], include_comments=False,
                               include_tables=False, include_links=False, include_images=False,
                               prune_xpath=PRUNE_XPATH) or ""
    text = _tidy(text)
    if len(text) < s["min_chars"]:
        fallback = largest_text_block(html)
        if len(fallback) > max(len(text), s["min_chars"]):
            text = fallback
    return text


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
    return {"title": title or None, "site": _site_from_location(None, page), "published": None,
            "byline": None, "text": text, "lang": None}


# ---------------------------------------------------------------- metadata


def metadata(soup: BeautifulSoup, page: dict | None = None) -> dict:
    """title, site, published, byline and lang from the page's markup (None where absent)."""
    ld = _json_ld_article(soup)
    found = {
        "title": _first(_text(ld.get("headline")), _meta(soup, "og:title"), _meta(soup, "twitter:title")),
        "site": _first(_ld_name(ld.get("publisher")), _meta(soup, "og:site_name"), _meta(soup, "application-name")),
        "published": _first(*(iso_date(value) for value in _date_candidates(soup, ld))),
        "byline": _first(_ld_name(ld.get("author")), _meta_byline(soup)),
        "lang": _first(_text(ld.get("inLanguage")), _html_lang(soup), _meta(soup, "og:locale")),
    }
    if found["lang"]:
        found["lang"] = found["lang"].replace("_", "-")
    return found


def _first(*values):
    return next((value for value in values if value), None)


def _text(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


def _meta(soup: BeautifulSoup, name: str) -> str | None:
    """Content of ``<meta property=name>`` or ``<meta name=name>`` (case-insensitive)."""
    wanted = name.lower()
    for tag in soup.find_all("meta"):
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").lower()
        if key == wanted and tag.get("content", "").strip():
            return " ".join(tag["content"].split())
    return None


def _meta_byline(soup: BeautifulSoup) -> str | None:
    author = _meta(soup, "author") or _meta(soup, "article:author") or _meta(soup, "byl")
    if author and not author.startswith("http"):  # article:author is often a profile URL
        return re.sub(r"^by\s+", "", author, flags=re.I)
    link = soup.find(attrs={"rel": "author"}) or soup.find(class_=re.compile(r"\bbyline\b|\bauthor-name\b"))
    if link and link.get_text(strip=True):
        return re.sub(r"^by\s+", "", link.get_text(" ", strip=True), flags=re.I)
    return None


def _html_lang(soup: BeautifulSoup) -> str | None:
    html = soup.find("html")
    return html.get("lang") if html else None


def _date_candidates(soup: BeautifulSoup, ld: dict):
    """Publication dates in order of trust; the first that parses wins."""
    yield _text(ld.get("datePublished"))
    yield _text(ld.get("dateCreated"))
    for name in DATE_META_NAMES:
        yield _meta(soup, name)
    for time_tag in soup.find_all("time", attrs={"datetime": True}):
        if time_tag.get("itemprop") == "datePublished" or time_tag.has_attr("pubdate"):
            yield time_tag["datetime"]
    first_time = soup.find("time", attrs={"datetime": True})
    yield first_time["datetime"] if first_time else None


def iso_date(value: str | None) -> str | None:
    """An ISO 8601 date or date-time string, or None if ``value`` is not a date."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            return None
    for parse in (datetime.fromisoformat, parsedate_to_datetime):
        try:
            return parse(value).isoformat()
        except (TypeError, ValueError, IndexError):
            continue
    return None


# ---- JSON-LD


def _json_ld_article(soup: BeautifulSoup) -> dict:
    """The first article node in the page's JSON-LD, with ``@id`` references resolved."""
    nodes = []
    for script in soup.find_all("script", attrs={"type": re.compile(r"ld\+json", re.I)}):
        try:
            data = json.loads(script.string or "", strict=False)  # strict=False: raw newlines in strings
        except (json.JSONDecodeError, TypeError):
            continue
        nodes.extend(_flatten(data))
    by_id = {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}
    for node in nodes:
        types = node.get("@type")
        types = {types} if isinstance(types, str) else set(types or [])
        if types & ARTICLE_TYPES:
            return {key: _resolve(value, by_id) for key, value in node.items()}
    return {}


def _flatten(data) -> list[dict]:
    """Top-level JSON-LD: a node, a list of nodes, or a ``@graph`` list."""
    if isinstance(data, list):
        return [node for item in data for node in _flatten(item)]
    if not isinstance(data, dict):
        return []
    return [data] + _flatten(data["@graph"]) if "@graph" in data else [data]


def _resolve(value, by_id: dict):
    """Replace ``{"@id": ...}`` references (Yoast-style graphs) with the nodes they name."""
    if isinstance(value, list):
        return [_resolve(item, by_id) for item in value]
    if isinstance(value, dict) and set(value) == {"@id"}:
        return by_id.get(value["@id"], value)
    return value


def _ld_name(value) -> str | None:
    """Name(s) of a JSON-LD Person/Organization, a list of them, or a plain string."""
    items = value if isinstance(value, list) else [value]
    names = [_text(item) for item in items]
    names = [name for name in names if name and not name.startswith("http")]
    return ", ".join(dict.fromkeys(names)) or None


# ---- fallbacks


def _fill_from_trafilatura(article: dict, html: str, page: dict) -> None:
    """Fill missing fields from trafilatura's metadata (htmldate finds dates in text and URLs)."""
    from trafilatura import extract_metadata

    found = extract_metadata(html, default_url=page.get("final_url"))
    if found is None:
        return
    article["title"] = article["title"] or found.title
    article["site"] = article["site"] or found.sitename
    article["byline"] = article["byline"] or found.author
    article["published"] = article["published"] or iso_date(found.date)


def _site_from_location(soup: BeautifulSoup | None, page: dict) -> str | None:
    """Host name of the page (or of its canonical URL, for saved files), else the file name stem."""
    locations = [page.get("final_url") or page.get("url") or ""]
    if soup is not None:
        canonical = soup.find("link", rel="canonical")
        locations += [canonical.get("href") if canonical else None, _meta(soup, "og:url")]
    for location in locations:
        parts = urlsplit(location or "")
        if parts.scheme in ("http", "https") and parts.hostname:
            return parts.hostname.removeprefix("www.")
    path = urlsplit(locations[0]).path if locations[0].startswith("file:") else locations[0]
    return PurePosixPath(unquote(path)).stem or None

"""Article metadata from a page's markup: title, site, publication date, byline, language.

Read with BeautifulSoup from the most reliable markup first: JSON-LD, then OpenGraph,
then ``<time>`` and ``<meta>`` tags; ``fill_from_trafilatura`` then fills what is still
missing from trafilatura's own metadata (which uses htmldate for dates).
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup

from phylo.trees.dates import iso_date

ARTICLE_TYPES = {"Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
                 "BackgroundNewsArticle", "ReviewNewsArticle", "BlogPosting", "Report", "LiveBlogPosting"}
DATE_META_NAMES = ["article:published_time", "og:published_time", "date", "pubdate", "publishdate", "publish_date",
                   "publish-date", "dc.date", "dc.date.issued", "dcterms.created", "dcterms.date", "sailthru.date",
                   "parsely-pub-date", "article.published", "original-publish-date", "datepublished"]


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


# ---- JSON-LD


def article_body(soup: BeautifulSoup) -> str:
    """The ``articleBody`` of the page's JSON-LD article (markup stripped), or "" (an extraction fallback)."""
    body = _json_ld_article(soup).get("articleBody")
    if isinstance(body, list):
        body = "\n".join(item for item in body if isinstance(item, str))
    if not isinstance(body, str) or not body.strip():
        return ""
    if "<" in body:  # some sites put HTML in it
        body = BeautifulSoup(body, "lxml").get_text("\n")
    return body.strip()


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


def fill_from_trafilatura(article: dict, html: str, page: dict) -> None:
    """Fill missing fields from trafilatura's metadata (htmldate finds dates in text and URLs)."""
    from trafilatura import extract_metadata

    found = extract_metadata(html, default_url=page.get("final_url"))
    if found is None:
        return
    article["title"] = article["title"] or found.title
    article["site"] = article["site"] or found.sitename
    article["byline"] = article["byline"] or found.author
    article["published"] = article["published"] or iso_date(found.date)


def site_from_location(soup: BeautifulSoup | None, page: dict) -> str | None:
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


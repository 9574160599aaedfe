"""What a source lists now: RSS/Atom feeds (feedparser), sitemaps, and URL lists.

``list_items(source, settings)`` returns plain dicts, one per article link::

    {"url": canonical URL (the key), "kind": "url"|"file", "target": what phylo.web.fetch reads,
     "title": from the feed or None, "published": ISO date from the feed or None}

and raises ``EntryError`` when the source itself cannot be read (the run records that
against the source and goes on with the others).
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests

from phylo.errors import EntryError
from phylo.web.sources import normalise_url, read_entries

MAX_SOURCE_BYTES = 20_000_000
MAX_SITEMAPS = 20  # sub-sitemaps read from one sitemap index
# Query parameters that only say where a click came from; they never change the article.
TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|yclid|_hsenc|_hsmi|"
                      r"ref|ref_src|cmpid|ocid|smid|at_medium|at_campaign)$", re.I)


def canonical_url(url: str) -> str:
    """The key two links to one article share: no tracking parameters, fragment or host case.

    >>> canonical_url("HTTPS://Example.ORG:443/a?utm_source=x&id=3#top")
    'https://example.org/a?id=3'
    """
    parts = urlsplit(normalise_url(url))
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING.match(k)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def list_items(source: dict, settings: dict) -> list[dict]:
    """The article links ``source`` lists now (see the module docstring)."""
    if source["kind"] == "urls":
        return _url_list(source["location"])
    body = read_source(source["location"], settings)
    if source["kind"] == "feed":
        return feed_items(body, source["location"])
    return sitemap_items(body, source["location"], settings)


def read_source(location: str, settings: dict) -> bytes:
    """The bytes of a feed or sitemap: a URL (safety-checked like any fetch) or a local file."""
    if not re.match(r"https?://", location, re.I):
        try:
            return Path(location).read_bytes()
        except OSError as exc:
            raise EntryError("file-not-found", f"cannot read {location}: {exc.strerror or exc}") from None
    from phylo.web.http import network_error
    from phylo.web.safety import check_address
    from phylo.web.settings import FETCH_DEFAULTS

    s = {**FETCH_DEFAULTS, **settings}
    url = location
    for _hop in range(s["max_redirects"] + 1):
        check_address(url, s)  # the same private-address rule as article fetches
        try:
            response = requests.get(url, timeout=(s["connect_timeout"], s["read_timeout"]),
                                    headers={"User-Agent": s["user_agent"]}, allow_redirects=False)
        except requests.exceptions.RequestException as exc:
            raise network_error(url, exc, s) from None
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            continue
        if response.status_code >= 400:
            raise EntryError(f"http-{response.status_code}", f"{url} answered {response.status_code}; "
                                                             "the source is skipped this run")
        if len(response.content) > MAX_SOURCE_BYTES:
            raise EntryError("too-large", f"{url} is larger than {MAX_SOURCE_BYTES} bytes")
        return response.content
    raise EntryError("too-many-redirects", f"too many redirects from {location}")


def feed_items(body: bytes, location: str) -> list[dict]:
    """Entries of an RSS or Atom feed, in feed order."""
    import feedparser

    feed = feedparser.parse(body)
    if feed.bozo and not feed.entries:
        raise EntryError("bad-feed", f"{location} is not a readable RSS/Atom feed ({feed.bozo_exception})")
    items = []
    for entry in feed.entries:
        link = entry.get("link")
        if not link:
            continue
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        published = datetime.fromtimestamp(time.mktime(when), timezone.utc).isoformat() if when else None
        items.append(_link_item(urljoin(location, link), entry.get("title"), published))
    return items


_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def sitemap_items(body: bytes, location: str, settings: dict, depth: int = 0) -> list[dict]:
    """Pages of a sitemap (``<urlset>``); a sitemap index is followed one level down."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise EntryError("bad-sitemap", f"{location} is not a readable sitemap ({exc})") from None
    tag = root.tag.replace(_SITEMAP_NS, "")
    if tag == "sitemapindex" and depth == 0:
        items = []
        for loc in list(root.iter(f"{_SITEMAP_NS}loc"))[:MAX_SITEMAPS]:
            child = urljoin(location, loc.text.strip())
            items += sitemap_items(read_source(child, settings), child, settings, depth + 1)
        return items
    if tag != "urlset":
        raise EntryError("bad-sitemap", f"{location} is neither a <urlset> nor a <sitemapindex>")
    items = []
    for url in root.iter(f"{_SITEMAP_NS}url"):
        loc = url.find(f"{_SITEMAP_NS}loc")
        if loc is not None and loc.text:
            lastmod = url.find(f"{_SITEMAP_NS}lastmod")
            items.append(_link_item(urljoin(location, loc.text.strip()), None,
                                    lastmod.text.strip() if lastmod is not None and lastmod.text else None))
    return items


def _link_item(link: str, title: str | None, published: str | None) -> dict:
    if urlsplit(link).scheme.lower() not in ("http", "https"):
        # a feed must not make us read local files (file:, data: ...): keep it, marked bad
        return {"url": link, "kind": "url", "target": link, "title": title, "published": published,
                "error": "bad-url", "message": f"{link}: feeds may only link to http(s) pages"}
    return {"url": canonical_url(link), "kind": "url", "target": normalise_url(link),
            "title": title, "published": published}


def _url_list(path: str) -> list[dict]:
    """A urls.txt (phylo.web.sources): web pages and local files the user listed on purpose."""
    from phylo.errors import InputError

    try:
        entries = read_entries(path)
    except InputError as exc:
        raise EntryError("bad-list", str(exc)) from None
    items = []
    for e in entries:
        item = {"url": e["target"], "kind": e["kind"], "target": e["target"], "title": None, "published": None}
        if e.get("error"):
            item |= {"error": e["error"], "message": e.get("message", "")}
        elif e["kind"] == "file":
            item["url"] = Path(e["target"]).as_uri()
        else:
            item["url"] = canonical_url(e["target"])
        items.append(item)
    return items


def matching_topics(article: dict, topics: list[dict], wanted: list[str]) -> list[str]:
    """Topics whose keywords occur in the article's title or text (whole words, any case).

    ``wanted`` limits the check to a source's own topics (empty: all topics).
    """
    haystack = f"{article.get('title') or ''}\n{article.get('text') or ''}".lower()
    found = []
    for topic in topics:
        if wanted and topic["name"] not in wanted:
            continue
        if any(re.search(rf"\b{re.escape(word)}\b", haystack) for word in topic["keywords"]):
            found.append(topic["name"])
    return found

"""What a source lists now: RSS/Atom feeds (feedparser), sitemaps, and URL lists.

``list_source(source, settings)`` returns what a source lists now::

    {"items": [one dict per article link], "skipped": {"no-link": 2, ...}}

each item being::

    {"url": canonical URL (the key), "kind": "url"|"file", "target": what phylo.web.fetch reads,
     "title": from the feed or None, "published": ISO date from the feed or None}

and ``skipped`` counting, by reason, the entries that could not become an item (a feed
entry without a link). ``list_items(source, settings)`` is the items alone. Both raise
``EntryError`` when the source itself cannot be read (the run records that against the
source and goes on with the others): ``not-a-feed`` / ``not-a-sitemap`` for a web page or
an empty body answered with status 200, or any fetch error.

Feeds and sitemaps on the web are read by ``phylo.web.fetch.fetch_resource``, the
fetcher articles go through, so robots.txt, the host's rate gate, retries, the
deadline, the address checks and the size cap (``source_max_bytes``, counted after
decompression, so a gzip bomb stops there) all apply; the response must be of a feed
or sitemap content type.
"""

from __future__ import annotations

import gzip
import io
import re
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from phylo.errors import EntryError
from phylo.web.sources import canonical_url, normalise_url, read_entries

__all__ = ["canonical_url", "list_items", "list_source", "read_source", "feed_items", "sitemap_items",
           "matching_topics"]

MAX_SITEMAPS = 20  # sub-sitemaps read from one sitemap index
# What a feed or a sitemap may be served as. HTML is let through to be recognised and
# reported as "not a feed" (with the feed the page points to, when it names one).
XML_TYPES = {"application/xml", "text/xml", "application/rss+xml", "application/atom+xml", "application/rdf+xml",
             "application/x-rss+xml", "application/rss", "text/rss+xml", "text/plain", "text/html",
             "application/xhtml+xml"}
FEED_TYPES = frozenset(XML_TYPES | {"application/feed+json", "application/json"})
SITEMAP_TYPES = frozenset(XML_TYPES | {"application/gzip", "application/x-gzip", "application/octet-stream"})


def list_source(source: dict, settings: dict) -> dict:
    """``{"items": [...], "skipped": {reason: count}}`` for ``source`` (see the module docstring)."""
    if source["kind"] == "urls":
        return {"items": _url_list(source["location"]), "skipped": {}}
    kind = "feed" if source["kind"] == "feed" else "sitemap"
    body = read_source(source["location"], settings, kind)
    if kind == "feed":
        return feed_listing(body, source["location"])
    return {"items": sitemap_items(body, source["location"], settings), "skipped": {}}


def list_items(source: dict, settings: dict) -> list[dict]:
    """The article links ``source`` lists now (``list_source`` without the skipped counts)."""
    return list_source(source, settings)["items"]


def read_source(location: str, settings: dict, kind: str = "feed") -> bytes:
    """The bytes of a feed or sitemap (gzip undone): a URL, through the fetcher, or a local file."""
    from phylo.web.settings import FETCH_DEFAULTS

    s = {**FETCH_DEFAULTS, **settings}
    limit = s["source_max_bytes"]
    if not re.match(r"https?://", location, re.I):
        path = Path(location)
        try:
            if path.stat().st_size > limit:
                raise EntryError("too-large", f"{location} is larger than {limit} bytes (source_max_bytes)")
            body = path.read_bytes()
        except OSError as exc:
            raise EntryError("file-not-found", f"cannot read {location}: {exc.strerror or exc}") from None
    else:
        from phylo.web.fetch import fetch_resource

        got = fetch_resource(location, {**s, "max_bytes": limit}, FEED_TYPES if kind == "feed" else SITEMAP_TYPES)
        body = got["body"]
    body = _gunzip(body, location, limit)
    _check_is_source(body, location, kind)
    return body


def _gunzip(body: bytes, location: str, limit: int) -> bytes:
    """A ``.xml.gz`` file (not a Content-Encoding, which the fetcher undoes): decompress, at most ``limit`` bytes."""
    if not body.startswith(b"\x1f\x8b"):
        return body
    try:
        data = gzip.GzipFile(fileobj=io.BytesIO(body)).read(limit + 1)
    except (OSError, EOFError) as exc:
        raise EntryError("bad-sitemap", f"{location} is a broken gzip file ({exc})") from None
    if len(data) > limit:
        raise EntryError("too-large", f"{location} unpacks to more than {limit} bytes (source_max_bytes); stopped")
    return data


def _check_is_source(body: bytes, location: str, kind: str) -> None:
    what = "an RSS/Atom feed" if kind == "feed" else "a sitemap"
    if not body.strip():
        raise EntryError(f"not-a-{kind}", f"{location} answered with an empty body, not {what}; check the URL")
    if looks_like_html(body):
        alternate = _feed_link(body, location) if kind == "feed" else None
        hint = f"; the page names a feed at {alternate}" if alternate else "; check the URL"
        raise EntryError(f"not-a-{kind}", f"{location} is a web page, not {what}{hint}")


def looks_like_html(body: bytes) -> bool:
    """An HTML page rather than XML (feeds and sitemaps never have an ``<html>`` root).

    >>> looks_like_html(b"<!DOCTYPE html><html><body>Not found</body></html>")
    True
    >>> looks_like_html(b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>')
    False
    """
    head = body[:2048].lstrip().lower()
    head = re.sub(rb"^(<\?xml[^>]*>|<!--.*?-->|\s)*", b"", head, flags=re.S)
    return head.startswith((b"<!doctype html", b"<html"))


def _feed_link(body: bytes, location: str) -> str | None:
    match = re.search(rb"<link[^>]+type=[\"']application/(rss|atom)\+xml[\"'][^>]*>", body[:200_000], re.I)
    href = re.search(rb"href=[\"']([^\"']+)", match.group(0)) if match else None
    return urljoin(location, href.group(1).decode("utf-8", "replace")) if href else None


def feed_listing(body: bytes, location: str) -> dict:
    """Items of an RSS/Atom/JSON feed in feed order, and the entries skipped, by reason."""
    import feedparser

    feed = feedparser.parse(body)
    if feed.bozo and not feed.entries:
        raise EntryError("bad-feed", f"{location} is not a readable RSS/Atom feed ({feed.bozo_exception})")
    items, skipped = [], {}
    for entry in feed.entries:
        link = entry.get("link")
        if not link:
            skipped["no-link"] = skipped.get("no-link", 0) + 1
            continue
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        published = datetime.fromtimestamp(time.mktime(when), timezone.utc).isoformat() if when else None
        items.append(_link_item(urljoin(location, link), entry.get("title"), published))
    return {"items": items, "skipped": skipped}


def feed_items(body: bytes, location: str) -> list[dict]:
    """Entries of an RSS or Atom feed, in feed order (entries without a link left out)."""
    return feed_listing(body, location)["items"]


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
            items += sitemap_items(read_source(child, settings, "sitemap"), child, settings, depth + 1)
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

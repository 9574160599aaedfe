"""Fetch one entry of a URL list (a web page or a saved file) as decoded HTML.

``fetch(entry, settings)`` returns a plain dict (the "page") or raises
``EntryError(status, message)`` with a short slug such as ``http-404`` or ``timeout``.

What happens for a URL, in order:
  1. safety: refuse private/loopback addresses when ``allow_private`` is False (checked
     again inside the connection, which goes to the address that was checked);
  2. politeness: robots.txt (RFC 9309, cached per host) and a per-host rate limit and
     concurrency cap shared by every thread of the process; a host that times out
     twice in a row is skipped for a while;
  3. one GET with connect/read timeouts, retried by urllib3 with backoff on connection
     errors, 5xx and 429 (``Retry-After`` honoured), inside a total deadline; a read
     timeout is not retried;
  4. redirects followed by hand, so every hop goes through steps 1-3 and loops are caught;
  5. the body is streamed and reading stops at ``max_bytes``;
  6. content type checked against an allow-list, then decoded (header charset,
     then ``<meta>``, then charset-normalizer).

``fetch_resource`` is steps 1-5 for any allow-list of types: the monitor reads feeds
and sitemaps through it, so they get every limit a page gets.

Everything here is safe to call from several threads at once: each thread has its
own ``requests.Session``; the shared state (robots cache, host gates) is locked.
The steps live in their own modules: ``safety`` (1), ``politeness`` (2), ``http``
(3 and 5), ``decoding`` (6); this one reads local files and follows redirects.
"""

from __future__ import annotations

import mimetypes
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from phylo.errors import EntryError
from phylo.web.decoding import TEXT_TYPES, make_page, parse_content_type
from phylo.web.http import get_once
from phylo.web.politeness import check_robots
from phylo.web.safety import check_address
from phylo.web.settings import FETCH_DEFAULTS

ROBOTS_MAX_BYTES = 500_000  # RFC 9309 asks crawlers to read at least 500 KiB
ROBOTS_TYPES = frozenset({"text/plain"})  # a robots.txt served as HTML is a soft 404, not rules


def fetch(entry: dict, settings: dict | None = None) -> dict:
    """Fetch ``entry`` (a dict from ``sources.read_entries``) and return the page dict.

    Keys: url, final_url, status_code, content_type, encoding, html (decoded text),
    fetched_at (ISO UTC), from_cache. Raises ``EntryError`` on any failure.
    """
    s = {**FETCH_DEFAULTS, **(settings or {})}
    if entry.get("error"):
        raise EntryError(entry["error"], entry.get("message") or entry["error"])
    if entry["kind"] == "file":
        return fetch_file(entry["target"], s)
    return fetch_url(entry["target"], s)


# ---------------------------------------------------------------- local files


def fetch_file(path: str, s: dict) -> dict:
    """Read a saved page from disk; ``.txt`` files come back as text/plain."""
    if not s["allow_files"]:
        raise EntryError("files-not-allowed", f"local file {path} refused: reading files is switched off here (allow_files = false)")
    file = Path(path)
    if not file.is_file():
        raise EntryError("file-not-found", f"no such file: {file}; check the path in your list")
    if file.stat().st_size > s["max_bytes"]:
        raise EntryError("too-large", f"{file} is larger than {s['max_bytes']} bytes (max_bytes); raise max_bytes if it is really a page")
    try:
        body = file.read_bytes()
    except OSError as exc:
        raise EntryError("unreadable", f"cannot read {file} ({exc.strerror or exc}); check its permissions") from None
    mime = _guess_file_type(file, body)
    return make_page(path, file.resolve().as_uri(), 200, mime, None, body)


def _guess_file_type(file: Path, body: bytes) -> str:
    if file.suffix.lower() == ".txt":
        return "text/plain"
    mime = mimetypes.guess_type(file.name)[0]
    if mime:
        return mime
    # Unknown extension: markup if it looks like markup, else plain text.
    return "text/html" if body.lstrip()[:1] == b"<" else "text/plain"


# ---------------------------------------------------------------- URLs


def fetch_url(url: str, s: dict) -> dict:
    """GET ``url`` following redirects by hand; see the module docstring."""
    got = fetch_resource(url, s, TEXT_TYPES)
    page = make_page(url, got["final_url"], got["status_code"], got["content_type"], got["charset"], got["body"])
    page["from_cache"] = got["from_cache"]
    return page


def fetch_resource(url: str, s: dict, accept) -> dict:
    """The body of ``url`` (redirects followed, every limit applied) if its type is in ``accept``.

    Returns ``{"url", "final_url", "status_code", "content_type", "charset", "body" (bytes),
    "from_cache"}``; raises ``EntryError`` as ``fetch`` does.
    """
    s = {**FETCH_DEFAULTS, **s}
    deadline = time.monotonic() + s["deadline"]
    seen = [url]
    current = url
    for _hop in range(s["max_redirects"] + 1):
        check_address(current, s)
        if s["robots"]:
            check_robots(current, s, lambda origin: _download_robots(origin, s, deadline))
        response, body = get_once(current, s, deadline, accept)
        if not response.is_redirect:
            return _finish(url, current, response, body)
        target = urljoin(current, response.headers["Location"]).split("#")[0]
        if urlsplit(target).scheme not in ("http", "https"):
            raise EntryError("bad-redirect", f"{current} redirects to {target}, which is not an http(s) URL")
        if target in seen:
            raise EntryError("redirect-loop", f"redirect loop: {' -> '.join(seen + [target])}; the site is misconfigured or needs cookies")
        seen.append(target)
        current = target
    raise EntryError("too-many-redirects", f"more than {s['max_redirects']} redirects from {url}; raise max_redirects if this is expected")


def _finish(url: str, final_url: str, response: requests.Response, body: bytes) -> dict:
    status = response.status_code
    if status >= 400:
        reason = response.reason or ""
        raise EntryError(f"http-{status}", f"server answered {status} {reason} for {final_url}".rstrip() + _status_hint(status))
    mime, charset = parse_content_type(response.headers.get("Content-Type"))
    return {"url": url, "final_url": final_url, "status_code": status, "content_type": mime, "charset": charset,
            "body": body, "from_cache": bool(getattr(response, "from_cache", False))}


def _status_hint(status: int) -> str:
    if status == 404 or status == 410:
        return "; check the URL or remove it from the list"
    if status in (401, 403):
        return "; the page needs a login or blocks robots: save it from your browser and list the file"
    if status == 429:
        return "; the site is rate limiting us: try again later or lower rate_per_host"
    if status >= 500:
        return "; the site has a problem: try again later"
    return ""


def _download_robots(origin: str, s: dict, deadline: float) -> tuple[int, bytes]:
    """``(status, body)`` of ``origin/robots.txt``, each redirect hop checked like a page's."""
    robots_settings = {**s, "max_bytes": ROBOTS_MAX_BYTES}
    url = origin + "/robots.txt"
    for _hop in range(5):  # RFC 9309: follow at least five redirects
        check_address(url, s)
        response, body = get_once(url, robots_settings, deadline, ROBOTS_TYPES)
        if not response.is_redirect:
            break
        url = urljoin(url, response.headers["Location"])
    return response.status_code, body

"""Fetch one entry of a URL list (a web page or a saved file) as decoded HTML.

``fetch(entry, settings)`` returns a plain dict (the "page") or raises
``EntryError(status, message)`` with a short slug such as ``http-404`` or ``timeout``.

What happens for a URL, in order:
  1. safety: refuse private/loopback addresses when ``allow_private`` is False;
  2. politeness: robots.txt (cached per host) and a per-host rate limit and
     concurrency cap shared by every thread of the process;
  3. one GET with connect/read timeouts, retried with backoff on connection errors,
     5xx and 429 (``Retry-After`` honoured), inside a total deadline;
  4. redirects followed by hand, so every hop goes through steps 1-3 and loops are caught;
  5. the body is streamed and reading stops at ``max_bytes``;
  6. content type checked against an allow-list, then decoded (header charset,
     then ``<meta>``, then charset-normalizer).

Everything here is safe to call from several threads at once: each thread has its
own ``requests.Session``; the shared state (robots cache, host gates) is locked.
"""

from __future__ import annotations

import codecs
import ipaddress
import logging
import mimetypes
import os
import random
import re
import socket
import threading
import time
import urllib.robotparser
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from phylo import __version__
from phylo.errors import EntryError

log = logging.getLogger(__name__)

DEFAULT_SETTINGS = {
    "connect_timeout": 10.0,  # seconds to open a connection
    "read_timeout": 30.0,  # seconds of silence allowed between two reads
    "deadline": 90.0,  # seconds for the whole fetch, retries and redirects included
    "retries": 3,  # extra tries after a connection error, timeout, 5xx or 429
    "backoff": 1.0,  # first wait between tries; doubles each time, with jitter
    "backoff_max": 20.0,  # longest wait between tries
    "retry_after_max": 60.0,  # a longer Retry-After makes us give up instead of waiting
    "max_bytes": 10_000_000,  # stop reading a body past this size
    "max_redirects": 10,
    "user_agent": f"phylo/{__version__} (news text-phylogeny research tool)",
    "rate_per_host": 1.0,  # requests per second to one host; 0 = no limit
    "host_concurrency": 2,  # requests in flight to one host at once
    "robots": True,  # honour robots.txt; set False only with the site's permission
    "cache_dir": None,  # folder for the HTTP cache (None = no cache)
    "refresh": False,  # with a cache: revalidate every page with the server
    "allow_private": True,  # fetch private/loopback addresses (False for unattended use)
    "allow_files": True,  # read local files and file:// URLs
}

# Content types we accept; anything else (PDF, images, feeds...) is "not-html".
HTML_TYPES = {"text/html", "application/xhtml+xml"}
TEXT_TYPES = HTML_TYPES | {"text/plain"}
RETRY_STATUSES = {429, 500, 502, 503, 504}
ROBOTS_TTL = 3600.0  # seconds a host's robots.txt stays cached
ROBOTS_MAX_BYTES = 500_000

# Signatures of binary files that some servers send as text/html.
BINARY_MAGIC = {
    b"%PDF": "a PDF",
    b"\x89PNG": "a PNG image",
    b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"PK\x03\x04": "a ZIP archive (or an office document)",
    b"\x1f\x8b": "a gzip archive",
}


def fetch(entry: dict, settings: dict | None = None) -> dict:
    """Fetch ``entry`` (a dict from ``sources.read_entries``) and return the page dict.

    Keys: url, final_url, status_code, content_type, encoding, html (decoded text),
    fetched_at (ISO UTC), from_cache. Raises ``EntryError`` on any failure.
    """
    s = {**DEFAULT_SETTINGS, **(settings or {})}
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
    body = file.read_bytes()
    mime = _guess_file_type(file, body)
    return _make_page(path, file.resolve().as_uri(), 200, mime, None, body)


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
    deadline = time.monotonic() + s["deadline"]
    seen = [url]
    current = url
    for _hop in range(s["max_redirects"] + 1):
        check_address(current, s)
        if s["robots"]:
            _check_robots(current, s, deadline)
        response, body = _get_with_retries(current, s, deadline)
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
    mime, charset = _parse_content_type(response.headers.get("Content-Type"))
    page = _make_page(url, final_url, status, mime, charset, body)
    page["from_cache"] = bool(getattr(response, "from_cache", False))
    return page


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


def _get_with_retries(url: str, s: dict, deadline: float) -> tuple[requests.Response, bytes]:
    """One GET (no redirects followed), retried on transient failures."""
    for attempt in range(s["retries"] + 1):
        last = attempt == s["retries"]
        try:
            response, body = _get_once(url, s, deadline)
        except EntryError as exc:
            if exc.status not in ("timeout", "connection-error", "truncated") or last:
                raise
            _sleep_before_retry(_backoff(attempt, s), deadline, exc)
            continue
        if response.status_code not in RETRY_STATUSES or last:
            return response, body
        wait = _retry_after(response)
        if wait is not None and wait > s["retry_after_max"]:
            return response, body  # the server asks for a long pause: give up politely
        error = EntryError(f"http-{response.status_code}", f"server answered {response.status_code} for {url}")
        _sleep_before_retry(wait if wait is not None else _backoff(attempt, s), deadline, error)
    raise AssertionError("unreachable")


def _backoff(attempt: int, s: dict) -> float:
    # Exponential backoff with jitter, so threads that failed together do not retry together.
    return min(s["backoff_max"], s["backoff"] * 2**attempt) * random.uniform(0.5, 1.5)


def _sleep_before_retry(wait: float, deadline: float, error: EntryError) -> None:
    if time.monotonic() + wait > deadline:
        raise error
    log.info("retrying in %.1fs after: %s", wait, error.message)
    time.sleep(wait)


def _retry_after(response: requests.Response) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (a number or an HTTP date)."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _get_once(url: str, s: dict, deadline: float) -> tuple[requests.Response, bytes]:
    """One request inside the host gate; reads the body unless it is a redirect or an error."""
    headers = {"User-Agent": s["user_agent"]}
    if s["refresh"]:
        headers["Cache-Control"] = "no-cache"  # the cache revalidates instead of answering
    timeout = (s["connect_timeout"], s["read_timeout"])
    with _host_slot(url, s, deadline):
        try:
            response = _session(s).get(url, headers=headers, timeout=timeout, stream=True, allow_redirects=False)
        except requests.exceptions.RequestException as exc:
            raise network_error(url, exc, s) from None
        try:
            if response.is_redirect or response.status_code >= 400:
                return response, b""
            _check_type_before_reading(url, response)
            return response, _read_body(url, response, s, deadline)
        finally:
            response.close()


def _read_body(url: str, response: requests.Response, s: dict, deadline: float) -> bytes:
    """Stream the (decompressed) body, stopping at max_bytes or the deadline."""
    limit = s["max_bytes"]
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise EntryError("too-large", f"{url} is {int(declared)} bytes, more than max_bytes ({limit}); raise max_bytes if it is really a page")
    chunks, size = [], 0
    watchdog = _Watchdog(response, deadline)
    try:
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > limit:
                raise EntryError("too-large", f"{url} is larger than max_bytes ({limit}); stopped reading; raise max_bytes if it is really a page")
            chunks.append(chunk)
    except requests.exceptions.RequestException as exc:
        raise (_deadline_error(url, s) if watchdog.fired else network_error(url, exc, s)) from None
    finally:
        watchdog.stop()
    if watchdog.fired:
        raise _deadline_error(url, s)  # the body was cut short at the deadline
    return b"".join(chunks)


class _Watchdog:
    """Shut the response's socket at the deadline.

    A server can drip a byte at a time and never trip the read timeout; shutting the
    socket down makes the blocked read return. The lock makes sure we never touch the
    descriptor after the reader is done with it (it may belong to a new socket by then).
    """

    def __init__(self, response: requests.Response, deadline: float):
        self.response = response
        self.fired = False
        self.lock = threading.Lock()
        self.done = False
        self.timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self.timer.daemon = True
        self.timer.start()

    def _fire(self) -> None:
        with self.lock:
            if self.done:
                return
            self.fired = True
            try:
                with socket.socket(fileno=os.dup(self.response.raw.fileno())) as sock:
                    sock.shutdown(socket.SHUT_RDWR)
            except (OSError, ValueError, AttributeError):
                pass  # already closed, or a cached response with no socket

    def stop(self) -> None:
        self.timer.cancel()
        with self.lock:
            self.done = True


def _deadline_error(url: str, s: dict) -> EntryError:
    return EntryError("timeout", f"{url} took longer than {s['deadline']} s to download (deadline); try again later or raise deadline")


def network_error(url: str, exc: Exception, s: dict) -> EntryError:
    """Map a requests exception to a slug and a message that says what to do."""
    text = str(exc)
    if isinstance(exc, requests.exceptions.Timeout) or "Read timed out" in text:
        return EntryError("timeout", f"{url} did not answer within {s['read_timeout']} s (read_timeout); try again later or raise the timeouts")
    if isinstance(exc, requests.exceptions.ChunkedEncodingError) or "IncompleteRead" in text:
        return EntryError("truncated", f"the connection to {url} closed before the whole page arrived; try again later")
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return EntryError("too-many-redirects", f"too many redirects from {url}")
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema)):
        return EntryError("bad-url", f"not a valid URL: {url}")
    host = urlsplit(url).hostname
    return EntryError("connection-error", f"could not connect to {host} ({_short_reason(exc)}); check the URL and your network")


def _short_reason(exc: Exception) -> str:
    # requests nests urllib3 errors; the innermost reason is the readable part.
    text = str(exc)
    for marker in ("Failed to resolve", "Connection refused", "Connection reset", "Connection aborted", "Name or service not known"):
        if marker in text:
            return marker.lower()
    return type(exc).__name__


# ---------------------------------------------------------------- content type and decoding


def _parse_content_type(header: str | None) -> tuple[str | None, str | None]:
    """``text/html; charset=UTF-8`` -> ("text/html", "UTF-8"). Never guesses ISO-8859-1."""
    if not header:
        return None, None
    mime, _, params = header.partition(";")
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", params, re.I)
    return mime.strip().lower() or None, match.group(1) if match else None


def _check_type_before_reading(url: str, response: requests.Response) -> None:
    mime, _ = _parse_content_type(response.headers.get("Content-Type"))
    if mime is not None and mime not in TEXT_TYPES:
        raise EntryError("not-html", f"{url} is {mime}, not a web page; phylo reads HTML and plain text only")


def _make_page(url: str, final_url: str, status: int, mime: str | None, charset: str | None, body: bytes) -> dict:
    """Check the body is a non-empty text page and decode it."""
    if not body.strip():
        raise EntryError("empty", f"{final_url} is empty; check the URL or save the page again")
    if mime is not None and mime not in TEXT_TYPES:
        raise EntryError("not-html", f"{final_url} is {mime}, not a web page; phylo reads HTML and plain text only")
    _check_not_binary(final_url, body)
    mime = mime or ("text/html" if body.lstrip()[:1] == b"<" else "text/plain")
    encoding = choose_encoding(body, charset, sniff_meta=mime in HTML_TYPES)
    text = body.decode(encoding, errors="replace").lstrip("\ufeff")
    return {
        "url": url,
        "final_url": final_url,
        "status_code": status,
        "content_type": mime,
        "encoding": encoding,
        "html": text,
        "fetched_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "from_cache": False,
    }


def _check_not_binary(where: str, body: bytes) -> None:
    for magic, what in BINARY_MAGIC.items():
        if body.startswith(magic):
            raise EntryError("not-html", f"{where} is {what}, not a web page")
    head = body[:2048]
    # UTF-16 text has NUL bytes but starts with a BOM; other NULs mean binary data.
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise EntryError("not-html", f"{where} is binary data, not a web page")


_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
_BOMS = [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]


def choose_encoding(body: bytes, header_charset: str | None = None, sniff_meta: bool = True) -> str:
    """The encoding to decode ``body`` with: BOM, HTTP header, ``<meta>``, then detection.

    We never use requests' ``response.encoding``: it says ISO-8859-1 for any text/*
    without a charset, which would hide a ``<meta charset=windows-1252>``.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    candidates = [header_charset]
    if sniff_meta:
        match = _META_CHARSET.search(body[:4096])
        candidates.append(match.group(1).decode("ascii") if match else None)
    for label in candidates:
        name = _codec_name(label)
        if name:
            return name
    return _detect(body)


def _codec_name(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip()).name
    except LookupError:
        return None
    # Browsers read latin-1 and ASCII labels as windows-1252 (WHATWG Encoding), and so do pages.
    if name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    return name


def _detect(body: bytes) -> str:
    try:
        body.decode("utf-8")
        return "utf-8"  # valid UTF-8 (ASCII included) is almost never anything else
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(body[:200_000]).best()
    return _codec_name(best.encoding if best else None) or "utf-8"


# ---------------------------------------------------------------- sessions (one per thread)

_local = threading.local()


def _session(s: dict) -> requests.Session:
    """This thread's session for this cache folder (requests sessions are not thread-safe)."""
    sessions = getattr(_local, "sessions", None)
    if sessions is None:
        sessions = _local.sessions = {}
    key = s["cache_dir"]
    if key not in sessions:
        sessions[key] = _new_session(key)
    return sessions[key]


def _new_session(cache_dir: str | None) -> requests.Session:
    session = requests.Session()
    session.headers["Accept"] = "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1"
    if cache_dir:
        # CacheControl stores responses with validators (ETag...) or freshness, answers
        # fresh ones itself and revalidates stale ones with If-None-Match/If-Modified-Since.
        from cachecontrol import CacheControlAdapter
        from cachecontrol.caches import FileCache

        adapter = CacheControlAdapter(cache=FileCache(str(Path(cache_dir) / "http")))
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    return session


# ---------------------------------------------------------------- safety


def check_address(url: str, s: dict) -> None:
    """Refuse hosts that resolve to private, loopback or link-local addresses."""
    if s["allow_private"]:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise EntryError("connection-error", f"cannot resolve host {host}; check the URL") from None
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        if getattr(ip, "ipv4_mapped", None):
            ip = ip.ipv4_mapped
        if not ip.is_global or ip.is_multicast:
            raise EntryError("blocked-address", f"{host} resolves to {ip}, a private or local address; refused because allow_private is off")


# ---------------------------------------------------------------- politeness: robots.txt

_robots: dict[str, tuple[float, urllib.robotparser.RobotFileParser]] = {}
_robots_locks: dict[str, threading.Lock] = {}
_robots_guard = threading.Lock()


def _check_robots(url: str, s: dict, deadline: float) -> None:
    parser = _robots_for(url, s, deadline)
    if not parser.can_fetch(s["user_agent"], url):
        raise EntryError("robots-disallowed", f"robots.txt of {urlsplit(url).netloc} disallows {url}; set robots = false in the fetch settings only if you have the site's permission")


def _robots_for(url: str, s: dict, deadline: float) -> urllib.robotparser.RobotFileParser:
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    with _robots_guard:
        lock = _robots_locks.setdefault(origin, threading.Lock())
    with lock:  # one download per host even when many threads ask at once
        cached = _robots.get(origin)
        if cached and time.monotonic() - cached[0] < ROBOTS_TTL:
            return cached[1]
        parser = _download_robots(origin, s, deadline)
        _robots[origin] = (time.monotonic(), parser)
        return parser


def _download_robots(origin: str, s: dict, deadline: float) -> urllib.robotparser.RobotFileParser:
    parser = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
    robots_settings = {**s, "max_bytes": ROBOTS_MAX_BYTES}
    url = origin + "/robots.txt"
    try:
        for _hop in range(5):  # RFC 9309: follow at least five redirects
            check_address(url, s)
            response, body = _get_once(url, robots_settings, deadline)
            if not response.is_redirect:
                break
            url = urljoin(url, response.headers["Location"])
    except EntryError as exc:
        log.info("no robots.txt from %s (%s); treating everything as allowed", origin, exc.message)
        parser.parse([])
        return parser
    if response.status_code in (401, 403):
        parser.disallow_all = True  # the convention urllib.robotparser follows too
    elif response.status_code == 200:
        parser.parse(body.decode("utf-8", errors="replace").splitlines())
    else:
        parser.parse([])  # no robots.txt (404, redirect...): everything allowed
    return parser


# ---------------------------------------------------------------- politeness: per-host gate


class _HostGate:
    """At most ``concurrency`` requests in flight to one host, spaced by ``1/rate`` s."""

    def __init__(self, concurrency: int):
        self.slots = threading.BoundedSemaphore(max(1, concurrency))
        self.lock = threading.Lock()
        self.next_start = 0.0

    def wait_turn(self, rate: float) -> None:
        if rate <= 0:
            return
        with self.lock:  # reserve the next start time, then sleep outside the lock
            now = time.monotonic()
            start = max(now, self.next_start)
            self.next_start = start + 1.0 / rate
        time.sleep(max(0.0, start - now))


_gates: dict[tuple[str, int], _HostGate] = {}
_gates_guard = threading.Lock()


@contextmanager
def _host_slot(url: str, s: dict, deadline: float):
    key = (urlsplit(url).netloc.lower(), s["host_concurrency"])
    with _gates_guard:
        gate = _gates.setdefault(key, _HostGate(s["host_concurrency"]))
    if not gate.slots.acquire(timeout=max(0.0, deadline - time.monotonic())):
        raise EntryError("timeout", f"waited too long for a free connection to {key[0]} (deadline); lower the number of pages per host or raise deadline")
    try:
        gate.wait_turn(s["rate_per_host"])
        yield
    finally:
        gate.slots.release()


def reset_state() -> None:
    """Forget cached robots.txt files and host gates (tests; long-running monitors)."""
    with _robots_guard:
        _robots.clear()
        _robots_locks.clear()
    with _gates_guard:
        _gates.clear()

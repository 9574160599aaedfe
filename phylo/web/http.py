"""One HTTP GET of a page: a session per thread, retries with backoff, a capped body.

``get_with_retries(url, s, deadline)`` returns ``(response, body)`` for one URL without
following redirects (``phylo.web.fetch`` follows them, checking every hop), or raises
``EntryError``. The request runs inside the host's politeness gate; the body is
streamed, stops at ``max_bytes`` and at the deadline (a watchdog shuts a socket that
drips bytes too slowly to trip the read timeout).
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import requests

from phylo.errors import EntryError
from phylo.web.decoding import check_type_before_reading
from phylo.web.politeness import host_slot

log = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504}


def get_with_retries(url: str, s: dict, deadline: float) -> tuple[requests.Response, bytes]:
    """One GET (no redirects followed), retried on transient failures."""
    for attempt in range(s["retries"] + 1):
        last = attempt == s["retries"]
        try:
            response, body = get_once(url, s, deadline)
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


def get_once(url: str, s: dict, deadline: float) -> tuple[requests.Response, bytes]:
    """One request inside the host gate; reads the body unless it is a redirect or an error."""
    headers = {"User-Agent": s["user_agent"]}
    if s["refresh"]:
        headers["Cache-Control"] = "no-cache"  # the cache revalidates instead of answering
    timeout = (s["connect_timeout"], s["read_timeout"])
    with host_slot(url, s, deadline):
        try:
            response = _session(s).get(url, headers=headers, timeout=timeout, stream=True, allow_redirects=False)
        except requests.exceptions.RequestException as exc:
            raise network_error(url, exc, s) from None
        try:
            if response.is_redirect or response.status_code >= 400:
                return response, b""
            check_type_before_reading(url, response.headers)
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


"""One HTTP GET: a session per thread, urllib3's retries, a capped body, a checked address.

``get_once(url, s, deadline, accept)`` returns ``(response, body)`` for one URL without
following redirects (``phylo.web.fetch`` follows them, checking every hop), or raises
``EntryError``. What happens inside:

* the request runs inside the host's politeness gate (``phylo.web.politeness``);
* retries are ``urllib3.util.Retry`` on the session's adapter: connection errors and the
  statuses in ``RETRY_STATUSES``, exponential backoff with jitter, ``Retry-After``
  honoured. Three rules of our own (``_Retry``): a *read timeout* is never retried (a
  server that stalls once usually stalls again, and each try costs a full
  ``read_timeout``), a ``Retry-After`` longer than ``retry_after_max`` and any wait that
  would pass the fetch's deadline give up at once, and a retry gives the host's slot up
  while it waits, then waits for the host's turn in the gate again;
* with ``allow_private`` off, each connection resolves the host itself, checks every
  address and connects to the one it checked (``phylo.web.safety``), so a name cannot
  answer the check with a public address and the connection with a private one;
* the body is streamed and stops at ``max_bytes`` and at the deadline (a watchdog shuts
  a socket that drips bytes too slowly to trip the read timeout).
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import InvalidHeader, MaxRetryError, ReadTimeoutError, ResponseError
from urllib3.util.retry import Retry

from phylo.errors import EntryError
from phylo.web.decoding import TEXT_TYPES, check_type_before_reading
from phylo.web.politeness import host_slot, record_outcome
from phylo.web.safety import checked_address

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def get_once(url: str, s: dict, deadline: float, accept=TEXT_TYPES) -> tuple[requests.Response, bytes]:
    """One request (retried as the module docstring says) inside the host gate.

    Reads the body unless the answer is a redirect or an error status; ``accept`` is the
    set of content types read (others are refused before reading).
    """
    headers = {"User-Agent": s["user_agent"]}
    if s["refresh"]:
        headers["Cache-Control"] = "no-cache"  # the cache revalidates instead of answering
    with host_slot(url, s, deadline) as pause:
        session, adapter = _session(s)
        adapter.max_retries = _retry_policy(s, deadline, pause)
        # never wait for the first byte past the deadline
        timeout = (s["connect_timeout"], max(0.1, min(s["read_timeout"], deadline - time.monotonic())))
        try:
            response = session.get(url, headers=headers, timeout=timeout, stream=True, allow_redirects=False)
        except requests.exceptions.RequestException as exc:
            error = network_error(url, exc, s)
            record_outcome(url, s, timed_out=error.status == "timeout")
            raise error from None
        record_outcome(url, s, timed_out=False)
        try:
            if response.is_redirect or response.status_code >= 400:
                return response, b""
            check_type_before_reading(url, response.headers, accept)
            return response, _read_body(url, response, s, deadline)
        finally:
            response.close()


# ---------------------------------------------------------------- retries


class _Retry(Retry):
    """urllib3's Retry with a deadline, a cap on Retry-After, no read-timeout retries, and the host gate."""

    deadline = math.inf
    retry_after_limit = math.inf
    pause = None  # politeness.host_slot's pause(seconds)
    planned_wait: float | None = None

    def new(self, **kw):
        retry = super().new(**kw)
        retry.deadline, retry.retry_after_limit, retry.pause = self.deadline, self.retry_after_limit, self.pause
        return retry

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if isinstance(error, ReadTimeoutError):
            raise MaxRetryError(_pool, url, error) from error  # the server stalls: do not wait for it again
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        asked = self._asked_wait(response)
        if asked is not None and asked > self.retry_after_limit:
            raise MaxRetryError(_pool, url, ResponseError(f"Retry-After {asked:.0f} s is longer than retry_after_max"))
        wait = asked if asked is not None else retry.get_backoff_time()
        if time.monotonic() + wait > self.deadline:
            raise MaxRetryError(_pool, url, error or ResponseError("no time left before the deadline to retry"))
        retry.planned_wait = wait
        if response is not None or error is not None:
            log.info("retrying %s in %.1f s after %s", url, wait, error or f"status {response.status}")
        return retry

    def _asked_wait(self, response) -> float | None:
        if response is None or not self.respect_retry_after_header:
            return None
        try:
            return self.get_retry_after(response)
        except InvalidHeader:
            return None

    def sleep(self, response=None) -> None:
        if self.pause is None:
            super().sleep(response)
        else:
            self.pause(self.planned_wait or 0.0)  # the host's slot is free meanwhile; then its turn again


def _retry_policy(s: dict, deadline: float, pause) -> _Retry:
    retry = _Retry(
        total=s["retries"], connect=s["retries"], read=s["retries"], status=s["retries"], other=0,
        redirect=False, allowed_methods={"GET", "HEAD"}, status_forcelist=RETRY_STATUSES,
        backoff_factor=s["backoff"], backoff_max=s["backoff_max"], backoff_jitter=s["backoff"],
        respect_retry_after_header=True, raise_on_status=False,
    )
    retry.deadline, retry.retry_after_limit, retry.pause = deadline, s["retry_after_max"], pause
    return retry


# ---------------------------------------------------------------- the body


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
    if isinstance(exc, requests.exceptions.ConnectTimeout) or "ConnectTimeoutError" in text:
        return EntryError("timeout", f"{url} did not accept a connection within {s['connect_timeout']} s (connect_timeout); try again later or raise the timeouts")
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


# ---------------------------------------------------------------- connections to checked addresses


class _CheckedConnection(HTTPConnection):
    """Resolve and check the host here, then connect to the address that was checked."""

    def _new_conn(self):
        if getattr(self, "proxy", None):
            return super()._new_conn()  # through a proxy: the proxy resolves; fetch checked the name before
        name = self._dns_host
        self._dns_host = checked_address(name.rstrip("."), self.port)
        try:
            return super()._new_conn()
        finally:
            self._dns_host = name  # Host header, TLS SNI and certificate checks keep the name


class _CheckedHTTPSConnection(_CheckedConnection, HTTPSConnection):
    pass


class _CheckedPool(HTTPConnectionPool):
    ConnectionCls = _CheckedConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedPoolManager(PoolManager):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pool_classes_by_scheme = {"http": _CheckedPool, "https": _CheckedHTTPSPool}


class _CheckedAdapterMixin:
    """An adapter whose connections go only to public addresses (``allow_private`` off)."""

    def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs):
        self._pool_connections, self._pool_maxsize, self._pool_block = connections, maxsize, block
        self.poolmanager = _CheckedPoolManager(num_pools=connections, maxsize=maxsize, block=block, **pool_kwargs)


class _CheckedAdapter(_CheckedAdapterMixin, HTTPAdapter):
    pass


# ---------------------------------------------------------------- sessions (one per thread)

_local = threading.local()


def _session(s: dict) -> tuple[requests.Session, HTTPAdapter]:
    """This thread's session and adapter for these settings (requests sessions are not thread-safe)."""
    sessions = getattr(_local, "sessions", None)
    if sessions is None:
        sessions = _local.sessions = {}
    key = (s["cache_dir"], bool(s["allow_private"]))
    if key not in sessions:
        sessions[key] = _new_session(*key)
    return sessions[key]


def _new_session(cache_dir: str | None, allow_private: bool) -> tuple[requests.Session, HTTPAdapter]:
    session = requests.Session()
    session.headers["Accept"] = "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1"
    if cache_dir:
        # CacheControl stores responses with validators (ETag...) or freshness, answers
        # fresh ones itself and revalidates stale ones with If-None-Match/If-Modified-Since.
        from cachecontrol import CacheControlAdapter
        from cachecontrol.caches import FileCache

        base = CacheControlAdapter if allow_private else type("_CheckedCacheAdapter", (_CheckedAdapterMixin, CacheControlAdapter), {})
        adapter = base(cache=FileCache(str(Path(cache_dir) / "http")))
    else:
        adapter = HTTPAdapter() if allow_private else _CheckedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session, adapter

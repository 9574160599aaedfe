"""Politeness toward each host: robots.txt rules (cached), a per-host gate, and giving up on a stalled host.

All of it is process state shared by every thread and locked. A run keeps one gate per
host only if its fetches run in one process: every executor runs I/O-bound fan-outs
(fetching) on threads of the process that drives the run, Dask included
(``phylo.engine.dask_executor``), so ``rate_per_host`` holds for the whole run.

robots.txt is read with ``protego`` (RFC 9309: groups by product token, ``*`` and ``$``
in paths, longest match wins; ``Crawl-delay`` slows the host's gate down). The cache
knows nothing about HTTP: ``check_robots`` is given the function that downloads a
host's robots.txt (``phylo.web.fetch`` passes its own, so that download goes through
the same safety checks and gate as any page).
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

from protego import Protego

from phylo.errors import EntryError

log = logging.getLogger(__name__)

ROBOTS_TTL = 3600.0  # seconds a host's robots.txt stays cached
STALL_LIMIT = 3      # timeouts in a row after which a host is skipped for a while
STALL_PAUSE = 600.0  # seconds a stalled host is skipped (a run; the next monitor run tries again)
_ALLOW_ALL = "User-agent: *\nDisallow:\n"
_DISALLOW_ALL = "User-agent: *\nDisallow: /\n"

_robots: dict[str, tuple[float, Protego]] = {}
_robots_locks: dict[str, threading.Lock] = {}
_robots_guard = threading.Lock()


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def check_robots(url: str, s: dict, download) -> None:
    """Raise ``robots-disallowed`` when the host's robots.txt forbids ``url``.

    ``download(origin)`` returns ``(status_code, body)`` of ``origin/robots.txt``, or
    raises ``EntryError`` when there is none to be had.
    """
    rules, status = robots_rules(url, download)
    if not rules.can_fetch(url, s["user_agent"]):
        if status >= 500:
            reason = f"robots.txt of {urlsplit(url).netloc} answered {status}, which RFC 9309 reads as 'disallow all'; try again later"
        else:
            reason = f"robots.txt of {urlsplit(url).netloc} disallows {url}"
        raise EntryError("robots-disallowed", f"{reason}; set robots = false in the fetch settings only if you have the site's permission")


def robots_rules(url: str, download) -> tuple[Protego, int]:
    """The host's parsed robots.txt and the status it was served with (cached for ``ROBOTS_TTL``)."""
    origin = origin_of(url)
    with _robots_guard:
        lock = _robots_locks.setdefault(origin, threading.Lock())
    with lock:  # one download per host even when many threads ask at once
        cached = _robots.get(origin)
        if cached and time.monotonic() - cached[0] < ROBOTS_TTL:
            return cached[1]
        rules = _parse_robots(origin, download)
        _robots[origin] = (time.monotonic(), rules)
        return rules


def _parse_robots(origin: str, download) -> tuple[Protego, int]:
    try:
        status, body = download(origin)
    except EntryError as exc:
        log.info("no robots.txt from %s (%s); treating everything as allowed", origin, exc.message)
        return Protego.parse(_ALLOW_ALL), 0
    if status in (401, 403):
        text = _DISALLOW_ALL  # a site that hides its rules from robots does not want them
    elif status >= 500:
        text = _DISALLOW_ALL  # RFC 9309 2.3.1.4: the server is unreachable, assume complete disallow
    elif status == 200:
        text = body.decode("utf-8", errors="replace")
    else:
        text = _ALLOW_ALL  # no robots.txt (404, gone...): everything allowed
    return Protego.parse(text), status


def crawl_delay(url: str, user_agent: str) -> float:
    """The ``Crawl-delay`` a cached robots.txt asks of us for ``url``'s host (0 when none)."""
    cached = _robots.get(origin_of(url))
    if not cached:
        return 0.0
    delay = cached[1][0].crawl_delay(user_agent)
    return float(delay or 0.0)


class _HostGate:
    """At most ``concurrency`` requests in flight to one host, spaced by ``interval`` s."""

    def __init__(self, concurrency: int):
        self.slots = threading.BoundedSemaphore(max(1, concurrency))
        self.lock = threading.Lock()
        self.next_start = 0.0
        self.timeouts = 0  # in a row: any answer resets it
        self.stalled_until = 0.0

    def wait_turn(self, interval: float) -> None:
        if interval <= 0:
            return
        with self.lock:  # reserve the next start time, then sleep outside the lock
            now = time.monotonic()
            start = max(now, self.next_start)
            self.next_start = start + interval
        time.sleep(max(0.0, start - now))


_gates: dict[str, _HostGate] = {}
_gates_guard = threading.Lock()


def _gate(url: str, s: dict) -> _HostGate:
    key = (urlsplit(url).netloc.lower(), s["host_concurrency"])
    with _gates_guard:
        return _gates.setdefault(key, _HostGate(s["host_concurrency"]))


def interval(url: str, s: dict) -> float:
    """Seconds between two request starts to ``url``'s host: ``1/rate_per_host`` or robots' Crawl-delay."""
    spacing = 1.0 / s["rate_per_host"] if s["rate_per_host"] > 0 else 0.0
    if s.get("robots", True):
        spacing = max(spacing, crawl_delay(url, s["user_agent"]))
    return spacing


@contextmanager
def host_slot(url: str, s: dict, deadline: float):
    """Hold one of the host's connection slots, after waiting for the host's turn.

    Yields ``pause(seconds)``: for a retry inside the slot, it gives the slot up while
    it waits (a request sleeping before its retry is not in flight, and must not keep
    the host's other pages waiting), then takes a slot and the host's turn again.
    """
    host = urlsplit(url).netloc.lower()
    gate = _gate(url, s)
    if time.monotonic() < gate.stalled_until:
        raise EntryError("timeout", f"{host} stopped answering ({STALL_LIMIT} timeouts in a row), so its other "
                                    "pages are skipped for now; try again later")

    held = [False]

    def take() -> None:
        if not gate.slots.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise EntryError("timeout", f"waited too long for a free connection to {host} (deadline); lower the "
                                        "number of pages per host or raise deadline")
        held[0] = True

    def pause(seconds: float) -> None:
        gate.slots.release()
        held[0] = False
        time.sleep(seconds)
        take()
        gate.wait_turn(interval(url, s))

    take()
    try:
        gate.wait_turn(interval(url, s))
        yield pause
    finally:
        if held[0]:
            gate.slots.release()


def record_outcome(url: str, s: dict, timed_out: bool) -> None:
    """Count a host's timeouts in a row; any answer (even an error status) resets the count."""
    gate = _gate(url, s)
    with gate.lock:
        gate.timeouts = gate.timeouts + 1 if timed_out else 0
        if gate.timeouts >= STALL_LIMIT:
            gate.stalled_until = time.monotonic() + STALL_PAUSE
            gate.timeouts = 0


def reset_state() -> None:
    """Forget cached robots.txt files and host gates (tests; long-running monitors)."""
    with _robots_guard:
        _robots.clear()
        _robots_locks.clear()
    with _gates_guard:
        _gates.clear()

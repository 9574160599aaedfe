"""Politeness toward each host: robots.txt rules (cached) and a per-host gate.

Both are shared by every thread of the process and locked. The robots cache knows
nothing about HTTP: ``robots_parser`` is given the function that downloads a host's
robots.txt (``phylo.web.fetch`` passes its own, so that download goes through the
same safety checks and gate as any page).
"""

from __future__ import annotations

import threading
import time
import urllib.robotparser
from contextlib import contextmanager
from urllib.parse import urlsplit

from phylo.errors import EntryError

ROBOTS_TTL = 3600.0  # seconds a host's robots.txt stays cached

_robots: dict[str, tuple[float, urllib.robotparser.RobotFileParser]] = {}
_robots_locks: dict[str, threading.Lock] = {}
_robots_guard = threading.Lock()


def check_robots(url: str, s: dict, download) -> None:
    """Raise ``robots-disallowed`` when the host's robots.txt forbids ``url``.

    ``download(origin)`` returns ``(status_code, body)`` of ``origin/robots.txt``, or
    raises ``EntryError`` when there is none to be had.
    """
    parser = robots_parser(url, download)
    if not parser.can_fetch(s["user_agent"], url):
        raise EntryError("robots-disallowed", f"robots.txt of {urlsplit(url).netloc} disallows {url}; set robots = false in the fetch settings only if you have the site's permission")


def robots_parser(url: str, download) -> urllib.robotparser.RobotFileParser:
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    with _robots_guard:
        lock = _robots_locks.setdefault(origin, threading.Lock())
    with lock:  # one download per host even when many threads ask at once
        cached = _robots.get(origin)
        if cached and time.monotonic() - cached[0] < ROBOTS_TTL:
            return cached[1]
        parser = _parse_robots(origin, download)
        _robots[origin] = (time.monotonic(), parser)
        return parser


def _parse_robots(origin: str, download) -> urllib.robotparser.RobotFileParser:
    import logging

    parser = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
    try:
        status, body = download(origin)
    except EntryError as exc:
        logging.getLogger(__name__).info("no robots.txt from %s (%s); treating everything as allowed",
                                         origin, exc.message)
        parser.parse([])
        return parser
    if status in (401, 403):
        parser.disallow_all = True  # the convention urllib.robotparser follows too
    elif status == 200:
        parser.parse(body.decode("utf-8", errors="replace").splitlines())
    else:
        parser.parse([])  # no robots.txt (404, redirect...): everything allowed
    return parser


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
def host_slot(url: str, s: dict, deadline: float):
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

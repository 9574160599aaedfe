"""Long-running mode: a run every N seconds or on a cron schedule, until SIGINT/SIGTERM.

The timing is APScheduler's (interval and crontab triggers, misfires, coalescing);
this module only adds what the monitor needs around it:

* one run at a time (``max_instances=1``; a tick that finds the database locked by
  another process, e.g. a ``--once`` from cron, is logged and skipped);
* a log line per run;
* a clean stop: a signal sets ``stop``, the run in flight finishes the step it is in
  (``should_stop`` is checked between batches and steps) and everything committed so
  far stays; the next start completes the rest.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from datetime import datetime, timezone

from phylo.errors import InputError, PhyloError
from phylo.monitor.lock import LockHeld
from phylo.monitor.run import describe, run_once

log = logging.getLogger(__name__)


def make_trigger(every: float | None = None, cron: str | None = None):
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    if cron:
        try:
            return CronTrigger.from_crontab(cron)
        except ValueError as exc:
            raise InputError(f"cron schedule {cron!r}: {exc}; write five fields, e.g. '0 * * * *'", setting="cron")
    return IntervalTrigger(seconds=every)


def run_scheduled(load_config, *, every: float | None = None, cron: str | None = None,
                  max_runs: int | None = None, stop: threading.Event | None = None) -> int:
    """Run ``run_once(load_config())`` on the schedule until a signal, or ``max_runs`` runs.

    ``load_config`` is called before each run, so edits to the config file apply from
    the next run on. Returns 0 (a stop is the normal way out).
    """
    from apscheduler.schedulers.background import BackgroundScheduler

    stop = stop or threading.Event()
    count = 0

    def tick():
        nonlocal count
        if stop.is_set():
            return
        try:
            summary = run_once(load_config(), should_stop=stop.is_set)
            print(f"{_stamp()} {describe(summary)}", file=sys.stderr, flush=True)
        except LockHeld as exc:
            print(f"{_stamp()} skipped: {exc}", file=sys.stderr, flush=True)
        except PhyloError as exc:
            print(f"{_stamp()} ERROR: {exc}", file=sys.stderr, flush=True)
        except Exception:  # a bug in one run must not end the monitor; the next tick retries
            log.exception("monitor run failed")
        count += 1
        if max_runs and count >= max_runs:
            stop.set()

    trigger = make_trigger(every, cron)
    scheduler = BackgroundScheduler(timezone=timezone.utc)
    first = datetime.now(timezone.utc) if every else None  # an interval starts with a run now
    scheduler.add_job(tick, trigger, max_instances=1, coalesce=True, misfire_grace_time=None,
                      next_run_time=first or trigger.get_next_fire_time(None, datetime.now(timezone.utc)))
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    scheduler.start()
    how = f"every {every:g} s" if every else f"on cron '{cron}'"
    print(f"{_stamp()} monitoring {how}; stop with Ctrl-C or SIGTERM", file=sys.stderr, flush=True)
    try:
        while not stop.wait(0.2):  # a timed wait lets the signal handler run promptly
            pass
    finally:
        scheduler.shutdown(wait=True)  # waits for the run in flight, which stops at its next step
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print(f"{_stamp()} stopped after {count} run(s)", file=sys.stderr, flush=True)
    return 0


def _stamp() -> str:
    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")

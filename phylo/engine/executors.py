"""Where fan-out items run: in this process, in local processes/threads, or on Dask.

An executor has one method, ``map(fn, items, kwargs, io_bound)``, yielding
``(index, result)`` pairs as items finish, so the runner can persist each result the
moment it exists. ``result`` is the function's return value or a ``Failure``; item
functions are wrapped by ``call_item`` in the worker, so only plain picklable values
travel back.
"""

from __future__ import annotations

import logging
import os
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from phylo.errors import EntryError, InputError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    """An item that did not produce a result; never persisted, so reruns retry it."""

    status: str
    message: str

    def __str__(self):
        return f"{self.status}: {self.message}"


def call_item(fn: Callable, item: Any, kwargs: dict) -> Any:
    """Run one item; expected failures (EntryError) and bugs both become a Failure.

    A bug in one item must not sink the other items of a batch run: it is recorded
    with its traceback in the log and reported like any other failure.
    """
    try:
        return fn(item, **kwargs)
    except EntryError as exc:
        return Failure(exc.status, exc.message)
    except Exception as exc:  # noqa: BLE001 - reported per item, see docstring
        log.warning("unexpected error in %s:\n%s", getattr(fn, "__name__", fn), traceback.format_exc())
        return Failure("internal-error", f"{type(exc).__name__}: {exc} (please report)")


class SerialExecutor:
    """Everything in this process, in order: the simplest to debug (``--executor serial``)."""

    name = "serial"

    def map(self, fn, items, kwargs, io_bound=False) -> Iterator[tuple[int, Any]]:
        for index, item in enumerate(items):
            yield index, call_item(fn, item, kwargs)

    def close(self):
        pass


def _watch_main(main_pid: int, interval: float = 1.0) -> None:
    """Worker start-up: end this worker soon after the main process is gone.

    Pool workers are children of the forkserver, which outlives a killed main process;
    without a watch, a killed run would leave workers computing in the background.
    """
    import threading
    import time

    def watch():
        while True:
            time.sleep(interval)
            try:
                os.kill(main_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # a pid reused by another user's process: main is gone
                os._exit(1)

    threading.Thread(target=watch, name="phylo-watch-main", daemon=True).start()


class LocalExecutor:
    """Local processes for CPU-bound items, threads for I/O-bound ones (fetching).

    Processes start with ``forkserver``: forking a parent that already runs threads
    (numba, progress bars, thread pools) can deadlock the child.
    """

    name = "local"

    def __init__(self, workers: int | None = None, io_workers: int = 16):
        self.workers = workers or os.cpu_count() or 1
        self.io_workers = io_workers
        self._procs = None  # the process pool, started on first use

    def _pool(self, io_bound: bool):
        # pools are imported here: the runner (and so every pipeline's stage list) imports this module
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

        if io_bound:
            return ThreadPoolExecutor(self.io_workers)
        if self._procs is None:
            ctx = multiprocessing.get_context("forkserver")
            self._procs = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_watch_main,
                                              initargs=(os.getpid(),))
        return self._procs

    def map(self, fn, items, kwargs, io_bound=False) -> Iterator[tuple[int, Any]]:
        from concurrent.futures import FIRST_COMPLETED, wait

        if len(items) <= 1 or (not io_bound and self.workers == 1):
            yield from SerialExecutor().map(fn, items, kwargs)
            return
        pool = self._pool(io_bound)
        try:
            futures = {pool.submit(call_item, fn, item, kwargs): i for i, item in enumerate(items)}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield futures[future], future.result()
        finally:
            if io_bound:
                pool.shutdown(wait=True, cancel_futures=True)

    def close(self):
        if self._procs is not None:
            self._procs.shutdown(wait=True, cancel_futures=True)
            self._procs = None


def make_executor(name: str = "local", workers: int | None = None, scheduler: str | None = None):
    """The executor for ``--executor NAME`` (a scheduler address implies Dask)."""
    if scheduler or name == "dask":
        try:
            from phylo.engine.dask_executor import DaskExecutor
        except ImportError as exc:
            raise InputError(f"the dask executor needs the dask extra: pip install 'phylo[dask]' ({exc})",
                             setting="executor") from None
        return DaskExecutor(address=scheduler, workers=workers)
    if name == "serial":
        return SerialExecutor()
    if name == "local":
        return LocalExecutor(workers)
    raise InputError(f"unknown executor {name!r}: use local, serial or dask", setting="executor")

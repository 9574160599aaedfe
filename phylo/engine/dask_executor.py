"""Fan-out items on a Dask cluster: an existing one (``--scheduler``) or a local one.

Same contract as the executors in ``phylo.engine.executors``: ``map`` yields ``(index,
result)`` as items finish, and each result is what ``call_item`` returned in the worker
(the value, or a ``Failure``). The runner stores each result the moment it arrives,
in the same store whatever the executor, so a run started with ``--executor local``
resumes with ``--executor dask`` and the other way round.

Losing a worker loses nothing: Dask reruns the tasks that were running on it, and
recomputes finished results it held that we had not collected yet, on the workers
left (a local cluster's nanny also restarts the dead worker). A task whose worker dies
``allowed_failures`` times in a row is probably what kills it (e.g. it runs out of
memory); it becomes a ``Failure`` the next run retries, instead of taking down worker
after worker.
"""

from __future__ import annotations

import logging
import os
import uuid
from typing import Any, Callable, Iterator

from phylo.engine.executors import Failure, LocalExecutor, call_item

log = logging.getLogger(__name__)

#: Deaths of a worker while running one task before that task is given up (a Dask
#: scheduler setting, so it applies to the local cluster only; an existing cluster
#: keeps its own, by default 3).
ALLOWED_FAILURES = 3


def _value(value: Any) -> Any:
    return value


class DaskExecutor:
    """Run fan-out items as Dask tasks.

    ``address``: connect to the scheduler there (``tcp://HOST:PORT``), and leave it
    running on ``close``. Otherwise start a local cluster of ``workers`` processes
    (default: one per core), one thread each: the items are CPU-bound Python and numba
    code, which threads in one process would serialise on the GIL.
    """

    name = "dask"

    def __init__(self, address: str | None = None, workers: int | None = None):
        import dask
        from distributed import Client, LocalCluster

        self.cluster = None
        if address:
            self.client = Client(address)
        else:
            with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
                self.cluster = LocalCluster(
                    n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                    dashboard_address=None, silence_logs=logging.ERROR,
                    # no dashboard; the scheduler's small HTTP server on any free local port
                    # (its default, 8787, clashes with any other cluster on the machine)
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                )
            self.client = Client(self.cluster)

    def map(self, fn: Callable, items: list, kwargs: dict, io_bound: bool = False) -> Iterator[tuple[int, Any]]:
        """Submit every item, then yield ``(index, result)`` in the order they finish.

        I/O-bound items (fetching) run on threads of this process, not on the workers:
        they wait on the network, not on a core, and politeness toward each host (one
        rate gate and one robots.txt cache per host, ``phylo.web.politeness``) holds only
        if every fetch of the run shares one process. Spread over four workers, a
        one-request-per-second limit became four per second.
        """
        if io_bound:
            yield from LocalExecutor().map(fn, items, kwargs, io_bound=True)
            return
        from distributed import as_completed

        client = self.client
        run = uuid.uuid4().hex[:8]  # unique keys: the same items may be mapped again later
        name = getattr(fn, "__name__", "item")
        # The shared keyword arguments travel once, as a task of their own rather than
        # scattered data: if the worker holding them dies, Dask simply recomputes them.
        shared = client.submit(_value, kwargs, key=f"{name}-kwargs-{run}", pure=False)
        futures = {
            client.submit(call_item, fn, item, shared, key=f"{name}-{index}-{run}", pure=False): index
            for index, item in enumerate(items)
        }
        try:
            for future in as_completed(futures):
                index = futures.pop(future)
                yield index, self._result(future, name, index)
                future.release()  # the runner has it now: free the worker's memory
        finally:
            # the runner stopped early (an error, Ctrl-C): do not leave work queued
            if futures:
                client.cancel(list(futures))
            shared.release()

    @staticmethod
    def _result(future, name: str, index: int) -> Any:
        from distributed import KilledWorker

        try:
            return future.result()
        except KilledWorker as exc:
            log.warning("%s item %d killed its worker %d times; left for the next run", name, index,
                        ALLOWED_FAILURES + 1)
            return Failure("worker-died", f"the worker running this item died repeatedly ({exc})")
        except Exception as exc:  # noqa: BLE001 - a cluster error, reported per item like call_item's
            return Failure("dask-error", f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        """Disconnect; shut the cluster down only if this executor started it."""
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

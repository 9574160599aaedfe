"""The Dask executor on a real LocalCluster (two worker processes)."""

import os
from pathlib import Path

import pytest

from phylo.engine.dask_executor import DaskExecutor
from phylo.errors import EntryError  # noqa: E402
from phylo.engine.executors import Failure, LocalExecutor, SerialExecutor  # noqa: E402
from phylo.engine.runner import Stage, run_stages  # noqa: E402
from phylo.engine.store import Store  # noqa: E402

# Stage functions live at module level so worker processes can import them.


def numbers(n: int) -> list[int]:
    return list(range(n))


def cube(x: int, offset: int) -> dict:
    if x == 5:
        raise EntryError("bad-five", "five is refused")
    return {"x": x, "cube": x ** 3 + offset, "pid": os.getpid()}


def total(cubes: list) -> int:
    return sum(c["cube"] for c in cubes if not isinstance(c, Failure))


def die_once(x: int, marker_dir: str) -> int:
    """Kill the worker process the first time item 3 runs (a marker file remembers)."""
    marker = Path(marker_dir) / f"died-{x}"
    if x == 3 and not marker.exists():
        marker.touch()
        os._exit(1)
    return x * 10


STAGES = [
    Stage("numbers", numbers, inputs=("n",)),
    Stage("cubes", cube, inputs=("numbers",), params=("offset",), map="numbers"),
    Stage("total", total, inputs=("cubes",)),
]


def run(store_dir, executor, n=8):
    return run_stages(STAGES, {"n": n}, {"offset": 1}, Store(store_dir), executor, progress=False)


def without_pids(values):
    return [v if isinstance(v, Failure) else {k: v[k] for k in ("x", "cube")} for v in values]


@pytest.fixture(scope="module")
def dask_executor():
    executor = DaskExecutor(workers=2)
    yield executor
    executor.close()


def test_local_cluster_has_two_worker_processes(dask_executor):
    assert dask_executor.name == "dask"
    assert len(dask_executor.client.scheduler_info()["workers"]) == 2


def test_dask_gives_the_same_results_as_the_local_executor(tmp_path, dask_executor):
    local = LocalExecutor(workers=2)
    try:
        expected = run(tmp_path / "local", local)
    finally:
        local.close()
    got = run(tmp_path / "dask", dask_executor)
    assert without_pids(got.values["cubes"]) == without_pids(expected.values["cubes"])
    assert got.values["total"] == expected.values["total"]
    assert got.failures == expected.failures  # item 5 fails the same way on both
    assert got.timings["cubes"]["computed"] == 7 and got.timings["cubes"]["failed"] == 1
    assert {v["pid"] for v in got.values["cubes"] if not isinstance(v, Failure)} - {os.getpid()}


def test_a_run_resumes_on_another_executor_from_the_same_store(tmp_path, dask_executor):
    store = tmp_path / "store"
    first = run(store, SerialExecutor(), n=6)  # serial computes items 0..5
    assert first.timings["cubes"]["computed"] == 5
    second = run(store, dask_executor, n=10)  # dask only computes the new ones (and retries 5)
    assert second.timings["cubes"]["cached"] == 5
    assert second.timings["cubes"]["computed"] == 4 and second.timings["cubes"]["failed"] == 1
    local = LocalExecutor(workers=2)
    try:
        third = run(store, local, n=10)  # and back on local processes: nothing left to do
    finally:
        local.close()
    assert third.timings["cubes"]["cached"] == 9 and third.timings["cubes"]["computed"] == 0
    assert without_pids(third.values["cubes"]) == without_pids(second.values["cubes"])
    assert third.values["total"] == second.values["total"]


def test_a_worker_killed_mid_run_loses_no_results(tmp_path, dask_executor):
    stages = [Stage("tens", die_once, inputs=("xs", "marker_dir"), map="xs")]
    inputs = {"xs": list(range(8)), "marker_dir": str(tmp_path)}
    result = run_stages(stages, inputs, {}, Store(tmp_path / "store"), dask_executor, progress=False)
    assert (tmp_path / "died-3").exists()  # a worker really died running item 3
    assert result.values["tens"] == [x * 10 for x in range(8)]
    assert result.failures == {}
    # every item was stored: a rerun (on any executor) computes nothing
    again = run_stages(stages, inputs, {}, Store(tmp_path / "store"), SerialExecutor(), progress=False)
    assert again.timings["tens"]["cached"] == 8


# ---------------------------------------------------------------- politeness is per run, not per worker


def test_four_dask_workers_keep_one_request_per_second_per_host(tmp_path, web):
    from pipelines.news import fetch_page

    for i in range(6):
        web.page(f"/story-{i}", f"<html><body><p>story {i}</p></body></html>")
    targets = [{"kind": "url", "target": web.url(f"/story-{i}"), "entry": web.url(f"/story-{i}")} for i in range(6)]
    stages = [Stage("pages", fetch_page, inputs=("targets",), params=("fetch_settings",), map="targets",
                    io_bound=True)]
    settings = {"rate_per_host": 1.0, "host_concurrency": 4, "read_timeout": 5.0}
    executor = DaskExecutor(workers=4)
    try:
        assert len(executor.client.scheduler_info()["workers"]) == 4
        result = run_stages(stages, {"targets": targets}, {"fetch_settings": settings}, Store(tmp_path), executor,
                            progress=False)
    finally:
        executor.close()
    assert not result.failures
    times = sorted(r.time for r in web.requests())  # robots.txt included: it goes through the same gate
    assert len(times) == 7
    gaps = [b - a for a, b in zip(times, times[1:])]
    # the server stamps each request when its thread gets to it: allow it some jitter, not a second request
    assert times[-1] - times[0] >= 0.95 * len(gaps) and min(gaps) >= 0.6, gaps

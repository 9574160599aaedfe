"""The stage runner: keys, resume, fan-out, failures, executors."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from phylo.errors import EntryError
from phylo.engine.executors import Failure, LocalExecutor, SerialExecutor
from phylo.engine.runner import Stage, run_pipeline, run_stages
from phylo.engine.store import Store, digest

# Stage functions record each call in a log file, so calls made in worker processes count too.


def _log(log: str, what: str) -> None:
    with open(log, "a") as fh:
        fh.write(what + "\n")


def calls(log) -> list[str]:
    return Path(log).read_text().split() if Path(log).exists() else []


def numbers(n: int, log: str) -> list[int]:
    _log(log, "numbers")
    return list(range(n))


def square(x: int, log: str, offset: int) -> int:
    _log(log, f"square{x}")
    if x == 3 and os.environ.get("FAIL_THREE"):
        raise EntryError("bad-three", "three is refused")
    return x * x + offset


def total(squares: list, log: str) -> int:
    _log(log, "total")
    return sum(s for s in squares if not isinstance(s, Failure))


def stages():
    return [
        Stage("numbers", numbers, inputs=("n", "log")),
        Stage("squares", square, inputs=("numbers", "log"), params=("offset",), map="numbers"),
        Stage("total", total, inputs=("squares", "log")),
    ]


def run(tmp_path, n=5, offset=0, executor=None, force=False):
    log = str(tmp_path / "calls.log")
    return run_stages(stages(), {"n": n, "log": log}, {"offset": offset}, Store(tmp_path / "store"),
                      executor, force=force, progress=False), log


def test_first_run_computes_and_rerun_loads_everything(tmp_path):
    first, log = run(tmp_path)
    assert first.values["total"] == sum(x * x for x in range(5))
    assert sorted(calls(log)) == sorted(["numbers", "total"] + [f"square{i}" for i in range(5)])
    again, _ = run(tmp_path)
    assert again.values == first.values
    assert len(calls(log)) == 7  # nothing recomputed
    assert again.timings["squares"]["cached"] == 5


def test_parameter_change_recomputes_only_that_stage_and_downstream(tmp_path):
    run(tmp_path)
    Path(tmp_path / "calls.log").unlink()
    result, log = run(tmp_path, offset=1)
    assert "numbers" not in calls(log)
    assert sorted(calls(log)) == sorted(["total"] + [f"square{i}" for i in range(5)])
    assert result.values["total"] == sum(x * x + 1 for x in range(5))


def test_new_item_computes_only_that_item(tmp_path):
    run(tmp_path, n=5)
    Path(tmp_path / "calls.log").unlink()
    _, log = run(tmp_path, n=6)
    assert sorted(calls(log)) == ["numbers", "square5", "total"]


def test_force_recomputes_everything(tmp_path):
    run(tmp_path)
    Path(tmp_path / "calls.log").unlink()
    _, log = run(tmp_path, force=True)
    assert len(calls(log)) == 7


def test_failed_items_are_reported_passed_on_and_retried(tmp_path, monkeypatch):
    monkeypatch.setenv("FAIL_THREE", "1")
    result, log = run(tmp_path)
    assert result.values["squares"][3] == Failure("bad-three", "three is refused")
    assert result.failures["squares"] == [{"item": 3, "status": "bad-three", "message": "three is refused"}]
    assert result.values["total"] == 0 + 1 + 4 + 16
    monkeypatch.delenv("FAIL_THREE")
    Path(log).unlink()
    fixed, _ = run(tmp_path)
    assert sorted(calls(log)) == ["square3", "total"]  # only the failure is retried
    assert fixed.values["total"] == 30


def test_unexpected_exception_in_an_item_becomes_a_failure(tmp_path):
    bad = run_stages([Stage("boom", _boom, inputs=("xs",), map="xs")], {"xs": [1, 2]}, {},
                     Store(tmp_path / "store"), progress=False)
    assert bad.values["boom"][0] == 1
    assert bad.values["boom"][1].status == "internal-error"
    assert "RuntimeError: bug" in bad.values["boom"][1].message


def _boom(x):
    if x == 2:
        raise RuntimeError("bug")
    return x


@pytest.mark.parametrize("executor", [SerialExecutor(), LocalExecutor(workers=2)], ids=["serial", "local"])
def test_executors_give_the_same_results(tmp_path, executor):
    result, _ = run(tmp_path, n=8, executor=executor)
    executor.close()
    assert result.values["squares"] == [x * x for x in range(8)]


def test_local_executor_runs_items_in_other_processes(tmp_path):
    ex = LocalExecutor(workers=2)
    try:
        pids = dict(ex.map(_pid, list(range(6)), {}))
    finally:
        ex.close()
    assert os.getpid() not in pids.values()


def _pid(_):
    return os.getpid()


def test_store_write_is_atomic_and_keys_are_stable(tmp_path):
    store = Store(tmp_path)
    store.save("ab12", {"x": 1})
    assert store.load("ab12") == {"x": 1}
    assert not list(tmp_path.rglob(".tmp-*"))
    assert digest({"a": 1, "b": [1, 2]}) == digest({"b": [1, 2], "a": 1})
    assert digest({"a": 1}) != digest({"a": 2})


def test_run_pipeline_writes_run_json_even_when_a_stage_fails(tmp_path):
    def fails(numbers):
        raise ValueError("no good")

    with pytest.raises(ValueError):
        run_pipeline("demo", [Stage("numbers", numbers, inputs=("n", "log")),
                              Stage("bad", fails, inputs=("numbers",))],
                     {"n": 2, "log": str(tmp_path / "log")}, {}, tmp_path / "out")
    record = json.loads((tmp_path / "out" / "run.json").read_text())
    assert record["status"] == "failed"
    assert "no good" in record["error"]
    assert record["timings"]["numbers"]["computed"] == 1


SLOW_PIPELINE = textwrap.dedent("""
    import sys, time
    from phylo.engine.runner import Stage, run_stages
    from phylo.engine.store import Store
    from phylo.engine.executors import SerialExecutor

    def slow(x, log):
        with open(log, "a") as fh:
            fh.write(f"{x}\\n")
        time.sleep(0.3)
        return x

    if __name__ == "__main__":
        items, log, store = list(range(12)), sys.argv[1], sys.argv[2]
        run_stages([Stage("slow", slow, inputs=("items", "log"), map="items")],
                   {"items": items, "log": log}, {}, Store(store), SerialExecutor(), progress=False)
""")


def test_killed_run_resumes_without_redoing_finished_items(tmp_path):
    script = tmp_path / "slow.py"
    script.write_text(SLOW_PIPELINE)
    log, store = tmp_path / "log", tmp_path / "store"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, str(script), str(log), str(store)], env=env)
    deadline = time.time() + 30
    while len(calls(log)) < 4 and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = calls(log)
    assert 4 <= len(done_before) < 12
    subprocess.run([sys.executable, str(script), str(log), str(store)], env=env, check=True)
    after = calls(log)[len(done_before):]
    # items finished before the kill are not redone; at most the one in flight is repeated
    assert set(after) | set(done_before[:-1]) == {str(i) for i in range(12)}
    assert not set(after) & set(done_before[:-1])


ORPHAN_SCRIPT = textwrap.dedent("""
    import os, sys, time
    from phylo.engine.executors import LocalExecutor

    def sleeper(i, folder):
        open(os.path.join(folder, f"{os.getpid()}.pid"), "w").close()
        time.sleep(60)
        return i

    if __name__ == "__main__":
        ex = LocalExecutor(workers=2)
        list(ex.map(sleeper, [0, 1], {"folder": sys.argv[1]}))
""")


def test_workers_of_a_killed_run_stop_too(tmp_path):
    script = tmp_path / "orphans.py"
    script.write_text(ORPHAN_SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path)], env=env)
    deadline = time.time() + 60
    while len(list(tmp_path.glob("*.pid"))) < 2 and time.time() < deadline:
        time.sleep(0.1)
    pids = [int(p.stem) for p in tmp_path.glob("*.pid")]
    assert len(pids) == 2
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    def alive(pid):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        with open(f"/proc/{pid}/stat") as fh:  # a zombie waiting for its reaper counts as gone
            return fh.read().split()[2] != "Z"

    deadline = time.time() + 20
    while any(alive(p) for p in pids) and time.time() < deadline:
        time.sleep(0.1)
    assert not any(alive(p) for p in pids)

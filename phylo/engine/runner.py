"""The stage runner shared by every pipeline (news, mlp, wavelet).

A pipeline is a list of ``Stage``s. A stage is a plain function; the runner passes it
the results of earlier stages and run inputs it names in ``inputs`` and the run
parameters it names in ``params``, as keyword arguments. Each result is stored under a
content key::

    key = sha256(stage name, stage version, its parameter values, its inputs' keys)

so a rerun finds every finished result and recomputes nothing; changing a parameter
recomputes exactly the stages that read it and those downstream. A stage with ``map``
set fans out over the items of that input: the function is called once per item, and
each item's result is stored the moment it finishes, under a key built from that item's
own key, so killing a run mid-stage loses at most the items in flight, and adding an
entry to a list computes only the new entry. Items that fail (``Failure``) are never
stored: the next run retries them.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any, Callable

from phylo.engine.executors import Failure, SerialExecutor, call_item

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stage:
    """One step of a pipeline.

    name:      the name other stages use to ask for its result
    func:      a plain function; called as ``func(**inputs, **params)``, or
               ``func(item, **other_inputs, **params)`` for each item when ``map`` is set
    inputs:    names of earlier stages or run inputs to pass as keyword arguments
    params:    names of run parameters to pass (they are part of the key)
    map:       the input to fan out over (a list); the result is a list in the same order
    version:   bump when the function's output changes for the same inputs
    io_bound:  fan out on threads (network) instead of processes
    persist:   False for cheap stages that must always run (e.g. writing output files)
    """

    name: str
    func: Callable
    inputs: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    map: str | None = None
    version: int = 1
    io_bound: bool = False
    persist: bool = True


@dataclass
class RunResult:
    values: dict[str, Any]
    timings: dict[str, dict] = field(default_factory=dict)
    failures: dict[str, list[dict]] = field(default_factory=dict)


def _item_keys(value: Any, key: str, item_keys: dict[str, list[str]], name: str) -> list[str]:
    """Keys of the items of a list input: kept from a fan-out upstream, else hashed."""
    from phylo.engine.store import digest

    if name in item_keys:
        return item_keys[name]
    return [digest(item) for item in value]


def run_stages(
    stages: list[Stage],
    inputs: dict[str, Any],
    params: dict[str, Any],
    store,
    executor=None,
    force: bool = False,
    progress: bool | None = None,
    result: RunResult | None = None,
) -> RunResult:
    """Run ``stages`` in order and return every value, with timings and failures.

    ``force`` recomputes (and overwrites) every stored result. ``progress`` None shows
    bars only on a terminal. Pass ``result`` to see partial progress if a stage raises.
    ``store`` is a ``phylo.engine.store.Store``.
    """
    from phylo.engine.store import digest

    executor = executor or SerialExecutor()
    result = result if result is not None else RunResult({})
    values = result.values
    values.update(inputs)
    keys: dict[str, str] = {name: digest(value) for name, value in inputs.items()}
    item_keys: dict[str, list[str]] = {}

    for stage in stages:
        missing = [n for n in stage.inputs if n not in values] + [p for p in stage.params if p not in params]
        if missing:
            raise KeyError(f"stage {stage.name!r} needs {missing} which nothing provides")
        stage_params = {p: params[p] for p in stage.params}
        base = {"stage": stage.name, "version": stage.version, "params": stage_params}
        started = time.perf_counter()

        if stage.map is None:
            key = digest({**base, "inputs": {n: keys[n] for n in stage.inputs}})
            kwargs = {n: values[n] for n in stage.inputs} | stage_params
            cached = stage.persist and not force and store.has(key)
            if cached:
                value = store.load(key)
            else:
                log.info("running %s", stage.name)
                value = stage.func(**kwargs)
                if stage.persist:
                    store.save(key, value)
            counts = {"items": 1, "cached": int(cached), "computed": int(not cached), "failed": 0}
            if not stage.persist:
                key = digest(value)  # downstream keys follow what was produced
        else:
            value, key, ikeys, counts, failures = _run_map(
                stage, base, values, keys, item_keys, stage_params, store, executor, force, progress
            )
            item_keys[stage.name] = ikeys
            if failures:
                result.failures[stage.name] = failures

        values[stage.name] = value
        keys[stage.name] = key
        result.timings[stage.name] = {"seconds": round(time.perf_counter() - started, 3), **counts}
    return result


def _run_map(stage, base, values, keys, item_keys, stage_params, store, executor, force, progress):
    """Fan ``stage`` out over the items of its ``map`` input; see the module docstring."""
    # here, not at the top: every pipeline imports this module to declare its stages
    from tqdm import tqdm

    from phylo.engine.store import digest

    items = values[stage.map]
    other = [n for n in stage.inputs if n != stage.map]
    shared = {"other_inputs": {n: keys[n] for n in other}, **base}
    in_keys = _item_keys(items, keys[stage.map], item_keys, stage.map)
    out_keys = [digest({"item": k, **shared}) for k in in_keys]
    kwargs = {n: values[n] for n in other} | stage_params

    out: list[Any] = [None] * len(items)
    todo: list[int] = []
    cached = 0
    for i, (item, key) in enumerate(zip(items, out_keys)):
        if isinstance(item, Failure):
            out[i] = item  # failed upstream: pass the reason along, do not call
        elif stage.persist and not force and store.has(key):
            out[i] = store.load(key)
            cached += 1
        else:
            todo.append(i)

    bar = tqdm(total=len(items), initial=len(items) - len(todo), desc=stage.name, unit="item",
               disable=(None if progress is None else not progress), leave=False)
    try:
        work = [items[i] for i in todo]
        if len(work) == 1:  # no pool start-up for a single item
            runs = [(0, call_item(stage.func, work[0], kwargs))]
        else:
            runs = executor.map(stage.func, work, kwargs, io_bound=stage.io_bound)
        for j, res in runs:
            i = todo[j]
            out[i] = res
            if stage.persist and not isinstance(res, Failure):
                store.save(out_keys[i], res)  # saved now: a kill later loses nothing done
            bar.update(1)
    finally:
        bar.close()

    failures = []
    final_keys = []
    for i, (res, key) in enumerate(zip(out, out_keys)):
        if isinstance(res, Failure):
            # a failure's key differs from any result's, so downstream never mistakes it
            final_keys.append(digest({"failure": [res.status, res.message], "key": key}))
            if not isinstance(items[i], Failure):
                failures.append({"item": i, "status": res.status, "message": res.message})
        else:
            final_keys.append(key)
    counts = {"items": len(items), "cached": cached, "computed": len(todo) - len(failures),
              "failed": len(failures)}
    return out, digest(final_keys), final_keys, counts, failures


def package_versions(names: list[str]) -> dict[str, str | None]:
    """Installed versions of the packages a run depends on, for run.json."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def run_pipeline(name: str, stages: list[Stage], inputs: dict, params: dict, out_dir: str | Path, *,
                 store_dir: str | Path | None = None, executor=None, force: bool = False,
                 progress: bool | None = None, packages: list[str] = (), extra: dict | None = None) -> RunResult:
    """Run a pipeline into the output folder ``out_dir``; ``run.json`` is written even on failure.

    Stages that write files take the input ``out_dir``, which the runner provides: a
    staging folder published into ``out_dir`` when the run ends, so the folder holds one
    run's set of files, never a mix of two (``phylo.engine.output_folder``; a second run
    into the same folder is refused while one runs). The store defaults to
    ``out_dir/.phylo/store``: rerunning the same command resumes.
    """
    import platform
    import sys
    from datetime import datetime, timezone

    from phylo import __version__
    from phylo.engine.files import write_json
    from phylo.engine.output_folder import output_folder
    from phylo.engine.store import Store

    out_dir = Path(out_dir)
    record = {
        "pipeline": name,
        "phylo_version": __version__,
        "command": sys.argv,
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "executor": getattr(executor, "name", "serial"),
        "parameters": params,
        "inputs": {k: v for k, v in {**inputs, "out_dir": str(out_dir.resolve())}.items()
                   if isinstance(v, (str, int, float, bool, type(None)))},
        "versions": {"python": platform.python_version(), **package_versions(["phylo", *packages])},
        **(extra or {}),
    }
    try:
        with output_folder(out_dir) as staging:
            store = Store(store_dir or out_dir / ".phylo" / "store")
            result = RunResult({})
            status = "failed"
            try:
                result = run_stages(stages, {**inputs, "out_dir": str(staging)}, params, store, executor,
                                    force=force, progress=progress, result=result)
                status = "ok"
                return result
            except BaseException as exc:
                record["error"] = f"{type(exc).__name__}: {exc}"
                status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
                raise
            finally:
                if executor is not None:
                    executor.close()
                    executor = None
                record |= {"finished": datetime.now(timezone.utc).isoformat(timespec="seconds"), "status": status,
                           "timings": result.timings, "failures": result.failures,
                           "files": sorted(p.name for p in staging.iterdir()) + ["run.json"]}
                write_json(staging / "run.json", record)
    finally:
        if executor is not None:  # the folder was refused before the run started
            executor.close()

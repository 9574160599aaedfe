"""Time training steps of the three wavelet-study models on the CPU.

Answers two questions for a machine: how long a training step takes per model at a
given tile size, batch and weight budget, and whether two trainings side by side on
one thread each beat one training at a time on every thread (``--parallel``).

    python bench/wavelet.py --tile 128 --batch 8 --params 30000 --steps 10
    python bench/wavelet.py --tile 128 --batch 8 --params 30000 --steps 10 --parallel
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time

import numpy as np
import torch

from phylo.studies.wavelet.models import size_models
from phylo.studies.wavelet.training import train_model

KINDS = ["fcn", "atrous", "unet"]


def time_training(spec: dict, settings: dict, threads: int) -> float:
    """Seconds per training step (after one warm-up step) on ``threads`` threads."""
    torch.set_num_threads(threads)
    images = [np.random.default_rng(0).random((512, 512), dtype=np.float32)]
    train_model(spec, images, None, {**settings, "steps": 1})
    started = time.perf_counter()
    train_model(spec, images, None, settings)
    return (time.perf_counter() - started) / settings["steps"]


def _one_thread(job):
    return time_training(*job, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tile", type=int, default=128)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--params", type=int, default=30000)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--parallel", action="store_true", help="also time two trainings side by side")
    args = parser.parse_args()
    settings = {"mode": "autoencoder", "tile": args.tile, "steps": args.steps, "batch": args.batch,
                "lr": 1e-3, "seed": 0, "checkpoint_every": 10**9, "augment": True}
    specs = size_models(KINDS, args.params, args.depth)
    cores = os.cpu_count() or 1
    print(f"tile {args.tile}, batch {args.batch}, depth {args.depth}, {cores} cores, torch {torch.__version__}")
    for spec in specs:
        one = time_training(spec, settings, 1)
        every = time_training(spec, settings, cores)
        print(f"{spec['name']:8s} {spec['params']:7d} weights: {one:6.3f} s/step on 1 thread, "
              f"{every:6.3f} s/step on {cores}")
    if args.parallel:
        jobs = [(spec, settings) for spec in specs]
        started = time.perf_counter()
        with multiprocessing.get_context("forkserver").Pool(cores) as pool:
            pool.map(_one_thread, jobs)
        side = time.perf_counter() - started
        torch.set_num_threads(cores)
        started = time.perf_counter()
        for job in jobs:
            time_training(*job, cores)
        serial = time.perf_counter() - started
        print(f"all three models, {args.steps} steps each: {side:.1f} s side by side on {cores} processes "
              f"of 1 thread, {serial:.1f} s one after another on {cores} threads")


if __name__ == "__main__":
    main()

"""The wavelet pipeline: three conv autoencoders with equal weight counts, compared by Haar spectra.

Train a fully convolutional net, an atrous net and a U-Net (optionally a U-Net without
its skips) on EM tiles, then measure where the information of their outputs on other
EM tiles lives: the normalised power per level of a db1 wavelet decomposition. Each
stage below is a thin adapter over ``phylo.studies.wavelet``; training fans out, one model per
item, and resumes from checkpoints in the store folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

from phylo.errors import InputError
from phylo.engine.executors import Failure
from phylo.engine.runner import Stage

PACKAGES = ["numpy", "torch", "PyWavelets", "scikit-image", "tifffile", "matplotlib"]


# --- stages ---------------------------------------------------------------------------

def _one_thread_in_workers() -> None:
    """In a worker process other items run beside this one: one thread each is faster.

    Measured on 2 cores (bench/wavelet.py): three trainings side by side on one thread
    each took 13.6 s against 32.6 s one after another on two threads.
    """
    import multiprocessing

    if multiprocessing.parent_process() is not None:
        import torch

        torch.set_num_threads(1)


def _load(files: list, mask_files: list, tile: int) -> tuple[list, list | None]:
    """The slices (and masks) of ``[path, size, mtime]`` file lists, checked against the tile size."""
    from phylo.studies.wavelet.images import read_masks, read_slices

    images = []
    for path, *_ in files:
        slices = read_slices(path)
        if any(min(s.shape) < tile for s in slices):
            raise InputError(f"{path}: smaller than the {tile}-pixel tile; lower data.tile or use larger images")
        images += slices
    masks = read_masks([f[0] for f in mask_files]) if mask_files else None
    if masks is not None and [m.shape for m in masks] != [i.shape for i in images]:
        raise InputError(f"{len(masks)} mask slices do not pair with {len(images)} image slices of the same "
                         f"sizes; give one mask per slice, in the same order")
    return images, masks


def train_one(model: dict, train_files: list, train_mask_files: list, checkpoint_dir: str, train: dict,
              tile: int, mode: str, device: str) -> dict:
    """Train one model; its checkpoint is named by everything that shapes the training but ``steps``."""
    from phylo.engine.store import digest
    from phylo.studies.wavelet.training import train_model

    _one_thread_in_workers()
    images, masks = _load(train_files, train_mask_files, tile)
    identity = [model, {k: v for k, v in train.items() if k not in ("steps", "checkpoint_every")},
                tile, mode, train_files, train_mask_files]
    checkpoint = Path(checkpoint_dir) / f"{model['name']}-{digest(identity)[:12]}.pt"
    return train_model(model, images, masks, {**train, "tile": tile, "mode": mode}, checkpoint, device)


def cut_test_tiles(test_files: list, test_mask_files: list, tile: int, test_tiles: int, tile_seed: int) -> dict:
    from phylo.studies.wavelet.tiles import fixed_tiles

    images, masks = _load(test_files, test_mask_files, tile)
    return fixed_tiles(images, masks, tile, test_tiles, tile_seed)


def evaluate_one(trained: dict, tiles: dict, mode: str, levels: int, device: str) -> dict:
    from phylo.studies.wavelet.evaluate import evaluate

    _one_thread_in_workers()
    return evaluate(trained, tiles, mode, levels, device)


def reference_powers(tiles: dict, mode: str, levels: int) -> dict:
    from phylo.studies.wavelet.evaluate import reference

    return reference(tiles, mode, levels)


def write_outputs(out_dir: str, tensorboard: str | None, trained: list, evaluated: list, reference: dict,
                  tiles: dict, levels: int) -> dict:
    """Table, figures and final weights of the models that trained; returns the table rows."""
    from phylo.studies.wavelet import figures, tables
    from phylo.studies.wavelet.training import save_checkpoint

    out = Path(out_dir)
    done = [t for t in trained if not isinstance(t, Failure)]
    results = [e for e in evaluated if not isinstance(e, Failure)]
    (out / "models").mkdir(exist_ok=True)
    for t in done:
        save_checkpoint(out / "models" / f"{t['name']}.pt", {"spec": t["spec"], "state_dict": t["state_dict"]})
    rows = tables.table_rows(reference, results, {t["name"]: t for t in done}, levels)
    tables.write_csv(out / "wavelet_table.csv", rows)
    tables.write_markdown(out / "wavelet_table.md", rows, levels)
    figures.reconstructions(out / "reconstructions.png", tiles, results)
    figures.first_level(out / "decomposition_level1.png", reference, results)
    figures.power_per_level(out / "power_per_level.png", reference, results, levels)
    figures.training_loss(out / "training_loss.png", done)
    if tensorboard:
        _write_tensorboard(tensorboard, done)
    return {"rows": rows}


def _write_tensorboard(folder: str, trained: list) -> None:
    from torch.utils.tensorboard import SummaryWriter

    for t in trained:
        with SummaryWriter(str(Path(folder) / t["name"])) as writer:
            for step, loss in enumerate(t["losses"], start=1):
                writer.add_scalar("train/loss", loss, step)


STAGES = [
    Stage("trained", train_one, inputs=("models", "train_files", "train_mask_files", "checkpoint_dir"),
          params=("train", "tile", "mode", "device"), map="models"),
    Stage("tiles", cut_test_tiles, inputs=("test_files", "test_mask_files"),
          params=("tile", "test_tiles", "tile_seed")),
    Stage("evaluated", evaluate_one, inputs=("trained", "tiles"), params=("mode", "levels", "device"),
          map="trained"),
    Stage("reference", reference_powers, inputs=("tiles",), params=("mode", "levels")),
    Stage("outputs", write_outputs, inputs=("out_dir", "tensorboard", "trained", "evaluated", "reference", "tiles"),
          params=("levels",), persist=False),
]


# --- command line -----------------------------------------------------------------------

def register(parser) -> None:
    """The wavelet study reads a TOML config (INPUT) and ``--set``; it shares ``--device``/``--tensorboard``."""
    from pipelines.options import add_study_options

    add_study_options(parser)


def main(args) -> int:
    from phylo.engine.config import load_config
    from phylo.engine.executors import make_executor
    from phylo.engine.runner import run_pipeline
    from phylo.studies.devices import resolve_device
    from phylo.studies.wavelet.config import DEFAULTS, run_settings
    from phylo.studies.wavelet.images import file_stamps, find_images

    config = load_config(DEFAULTS, args.input, args.set)
    run = run_settings(config)
    data = config["data"]
    files = {}
    for name in ("train", "train_masks", "test", "test_masks"):  # images are required, masks optional
        given = data[name] or not name.endswith("masks")
        files[name] = file_stamps(find_images(data[name], f"data.{name}")) if given else []
    if args.tensorboard:
        try:
            import torch.utils.tensorboard  # noqa: F401
        except ImportError:
            raise InputError("--tensorboard needs the tensorboard package: pip install tensorboard")
    models = run.pop("models")
    out = Path(args.out)
    store = Path(args.store) if args.store else out / ".phylo" / "store"
    inputs = {
        "models": models,
        "train_files": files["train"], "train_mask_files": files["train_masks"],
        "test_files": files["test"], "test_mask_files": files["test_masks"],
        # in the store's folder, so a shared --store shares (and resumes) the trainings too
        "checkpoint_dir": str(store.resolve() / "wavelet-checkpoints"),
        "tensorboard": str(Path(args.tensorboard).resolve()) if args.tensorboard else None,
    }
    params = {**run, "device": resolve_device(args.device)}
    budget = config["model"]["params"]
    counts = ", ".join(f"{m['name']} {m['params']:,}" for m in models)
    print(f"weights per model (budget {budget:,}, within 2%): {counts}", file=sys.stderr)
    extra = {"config": config, "models": models, "weights": {m["name"]: m["params"] for m in models}}
    result = run_pipeline("wavelet", STAGES, inputs, params, out, store_dir=store, executor=make_executor(args.executor, args.workers, args.scheduler),
                          force=args.force, progress=False if args.no_progress else None, packages=PACKAGES,
                          extra=extra)
    failed = [(m["name"], r) for m, r in zip(models, result.values["evaluated"]) if isinstance(r, Failure)]
    for name, failure in failed:
        print(f"left out: {name}: {failure}", file=sys.stderr)
    print((out / "wavelet_table.md").read_text(encoding="utf-8"), end="")
    print(f"{len(models) - len(failed)} of {len(models)} models trained and evaluated; outputs in {out}/",
          file=sys.stderr)
    return 1 if failed else 0

"""The wavelet study's configuration: the defaults (the study's full run) and their checks.

Paths are relative to the folder phylo runs in; the real data is in ``../shared/data/em``
seen from the project root (see its README.md).
"""

from __future__ import annotations

from phylo.errors import InputError

EM = "../shared/data/em"

DEFAULTS = {
    "mode": "autoencoder",  # or "segmentation": predict the masks, report Dice / IoU
    "unet_noskip": False,  # also train the U-Net with its skip connections removed
    "data": {
        "train": [f"{EM}/isbi2012/train/image"],
        "train_masks": [],  # segmentation mode: masks paired with `train` slice by slice
        "test": [f"{EM}/epfl/test/slices", f"{EM}/epfl/train/slices"],
        "test_masks": [],
        "tile": 256,
        "test_tiles": 100,
        "seed": 0,  # where the test tiles are cut
    },
    "model": {"params": 120_000, "depth": 3},  # weight budget of every model; poolings
    "train": {"steps": 2000, "batch": 16, "lr": 1e-3, "seed": 0, "checkpoint_every": 100, "augment": True},
    "analysis": {"levels": 0},  # wavelet levels; 0 = as deep as the tile allows (8 for 256)
}


def run_settings(config: dict) -> dict:
    """Check a loaded config and turn it into the run's parameters (plain values)."""
    from phylo.studies.wavelet.models import size_models
    from phylo.studies.wavelet.spectra import max_level

    mode, data, tile = config["mode"], config["data"], config["data"]["tile"]
    if mode not in ("autoencoder", "segmentation"):
        raise InputError(f"mode = {mode!r}: use autoencoder or segmentation")
    depth = config["model"]["depth"]
    if tile < 2 ** depth or tile & (tile - 1):
        raise InputError(f"data.tile = {tile}: use a power of two of at least {2 ** depth} (2**model.depth)")
    levels = config["analysis"]["levels"] or max_level(tile)
    if not 1 <= levels <= max_level(tile):
        raise InputError(f"analysis.levels = {levels}: use 1 to {max_level(tile)} for {tile}-pixel tiles (0 = all)")
    if mode == "segmentation" and not (data["train_masks"] and data["test_masks"]):
        raise InputError("segmentation mode needs data.train_masks and data.test_masks (folders of mask images)")
    train = config["train"]
    if train["steps"] < 1 or train["batch"] < 1 or train["checkpoint_every"] < 1 or data["test_tiles"] < 1:
        raise InputError("train.steps, train.batch, train.checkpoint_every and data.test_tiles must be at least 1")
    kinds = ["fcn", "atrous", "unet"] + (["unet_noskip"] if config["unet_noskip"] else [])
    try:
        models = size_models(kinds, config["model"]["params"], depth)
    except ValueError as exc:
        raise InputError(f"model.params = {config['model']['params']}: {exc}")
    return {"mode": mode, "tile": tile, "levels": levels, "test_tiles": data["test_tiles"],
            "tile_seed": data["seed"], "train": train, "models": models}

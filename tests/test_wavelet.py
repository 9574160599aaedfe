"""The wavelet pipeline: model sizes, wavelet powers, training, checkpoints, and a tiny end-to-end run.

The images are generated here: EM-like tiles made of blurred random blobs (membranes,
organelles) plus noise, written as PNGs (grey and grey + alpha) and a multi-page TIFF.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from phylo.errors import InputError
from phylo.studies.wavelet.images import find_images, read_images
from phylo.studies.wavelet.models import build_model, count_params, size_models, weights_formula
from phylo.studies.wavelet.spectra import level_names, level_powers, max_level, mean_interval, powers_of
from phylo.studies.wavelet.tiles import fixed_tiles, sample_batch
from phylo.studies.wavelet.training import train_model

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "fixtures" / "wavelet" / "tiny.toml"
KINDS = ["fcn", "atrous", "unet", "unet_noskip"]


def em_like(size: int, seed: int) -> np.ndarray:
    """A grey image in [0, 1]: smooth random blobs (cells, organelles) plus pixel noise."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    blobs = gaussian_filter(rng.random((size, size)), sigma=size / 24)
    blobs = (blobs - blobs.min()) / (np.ptp(blobs) or 1)
    return np.clip(0.2 + 0.6 * blobs + rng.normal(0, 0.05, (size, size)), 0, 1).astype(np.float32)


def to_uint8(image: np.ndarray) -> np.ndarray:
    return (image * 255).round().astype(np.uint8)


def write_em_folders(root: Path) -> None:
    """train/ (grey PNGs + a 2-page TIFF stack) and test/ (grey + alpha PNGs) under ``root``."""
    import tifffile

    (root / "train").mkdir()
    (root / "test").mkdir()
    for i in range(2):
        Image.fromarray(to_uint8(em_like(64, i))).save(root / "train" / f"slice{i}.png")
    tifffile.imwrite(root / "train" / "stack.tif", np.stack([to_uint8(em_like(64, 10 + i)) for i in range(2)]))
    for i in range(2):
        grey = to_uint8(em_like(48, 20 + i))
        Image.fromarray(np.dstack([grey, np.full_like(grey, 255)]), mode="LA").save(root / "test" / f"t{i}.png")


TRAIN = {"mode": "autoencoder", "tile": 16, "steps": 4, "batch": 2, "lr": 1e-2, "seed": 0,
         "checkpoint_every": 2, "augment": True}


def small_spec():
    return size_models(["fcn"], 5000, 2)[0]


# --- models -----------------------------------------------------------------------------

@pytest.mark.parametrize("budget,depth", [(5000, 2), (30000, 3), (120000, 3)])
def test_every_model_has_the_budget_within_two_percent(budget, depth):
    specs = size_models(KINDS, budget, depth)
    counts = [count_params(s) for s in specs]
    assert [s["params"] for s in specs] == counts
    assert max(counts) / min(counts) - 1 < 0.02
    assert all(abs(c - budget) <= 0.02 * budget for c in counts)


def test_the_weights_formula_counts_like_torch():
    for kind in KINDS:
        for width, middle, depth in [(1, 2, 1), (3, 9, 2), (8, 64, 3), (5, 17, 4)]:
            spec = {"kind": kind, "width": width, "middle": middle, "depth": depth}
            assert weights_formula(spec) == count_params(spec), spec


def test_models_keep_the_image_size():
    x = torch.zeros(1, 1, 32, 32)
    for spec in size_models(KINDS, 5000, 2):
        assert build_model(spec)(x).shape == x.shape


def test_unet_without_skips_ignores_the_encoder_features():
    unet, noskip = size_models(["unet", "unet_noskip"], 5000, 2)
    a, b = build_model(unet), build_model(noskip)
    b.load_state_dict(a.state_dict())  # same weights
    x = torch.from_numpy(em_like(32, 0))[None, None]
    assert not torch.allclose(a(x), b(x))


def test_a_budget_too_small_is_a_clear_error():
    with pytest.raises(ValueError, match="weights within"):
        size_models(["fcn"], 100, 3)


# --- wavelet powers ---------------------------------------------------------------------

def test_constant_image_has_all_power_at_the_coarsest_level():
    p = level_powers(np.full((256, 256), 0.4), max_level(256))
    assert max_level(256) == 8
    assert level_names(8)[-1] == "a8" and p[-1] == pytest.approx(1.0)
    assert np.allclose(p[:-1], 0, atol=1e-12)


def test_fine_checkerboard_has_all_power_at_level_1():
    board = np.indices((64, 64)).sum(axis=0) % 2 * 2.0 - 1  # +1/-1, zero mean
    p = level_powers(board, max_level(64))
    assert p[0] == pytest.approx(1.0)
    assert np.allclose(p[1:], 0, atol=1e-12)


def test_powers_sum_to_one():
    powers = powers_of(np.stack([em_like(64, s) for s in range(3)]), 6)
    assert powers.shape == (3, 7)
    assert np.allclose(powers.sum(axis=1), 1.0)


def test_mean_interval_contains_the_mean():
    stats = mean_interval(np.array([[1.0, 2.0], [3.0, 2.0], [2.0, 2.0]]))
    assert np.allclose(stats["mean"], [2.0, 2.0])
    assert stats["low"][0] < 2 < stats["high"][0] and stats["low"][1] == stats["high"][1] == 2


# --- tiles ------------------------------------------------------------------------------

def test_batches_and_test_tiles_are_reproducible():
    images = [em_like(40, 0), em_like(48, 1)]
    a = sample_batch(images, None, 16, 3, np.random.default_rng(5))[0]
    b = sample_batch(images, None, 16, 3, np.random.default_rng(5))[0]
    assert a.shape == (3, 1, 16, 16) and np.array_equal(a, b)
    tiles = fixed_tiles(images, images, 16, 5, seed=1)
    assert tiles["images"].shape == (5, 16, 16) and [w[0] for w in tiles["where"]] == [0, 1, 0, 1, 0]
    assert np.array_equal(tiles["images"], tiles["masks"])  # masks are cut at the same places


# --- training ---------------------------------------------------------------------------

def test_a_short_training_lowers_the_loss():
    torch.set_num_threads(1)
    images = [em_like(64, 0)]
    result = train_model(small_spec(), images, None, {**TRAIN, "steps": 30, "augment": False, "tile": 32})
    first, last = np.mean(result["losses"][:3]), np.mean(result["losses"][-3:])
    assert last < first


def test_resumed_training_equals_an_uninterrupted_one(tmp_path):
    torch.set_num_threads(1)
    images = [em_like(32, 0)]
    whole = train_model(small_spec(), images, None, TRAIN, tmp_path / "a.pt")
    # "killed" after step 2: the checkpoint holds step 2; the rerun continues from it
    first = train_model(small_spec(), images, None, {**TRAIN, "steps": 2}, tmp_path / "b.pt")
    resumed = train_model(small_spec(), images, None, TRAIN, tmp_path / "b.pt")
    assert first["resumed_from"] == 0 and resumed["resumed_from"] == 2
    assert resumed["losses"] == whole["losses"]
    for k, v in whole["state_dict"].items():
        assert torch.equal(v, resumed["state_dict"][k]), k


def test_segmentation_mode_reports_dice_and_iou():
    from phylo.studies.wavelet.evaluate import evaluate, reference
    from phylo.studies.wavelet.metrics import dice_iou
    from phylo.studies.wavelet.tables import markdown, table_rows

    assert dice_iou(np.array([1, 1, 0, 0]), np.array([1, 0, 1, 0])) == {"dice": 0.5, "iou": 1 / 3}
    images = [em_like(32, 0)]
    masks = [(images[0] > 0.5).astype(np.float32)]
    trained = train_model(small_spec(), images, masks, {**TRAIN, "mode": "segmentation", "steps": 2})
    tiles = fixed_tiles(images, masks, 16, 4, seed=0)
    result = evaluate(trained, tiles, "segmentation", 4)
    assert 0 <= result["iou"] <= result["dice"] <= 1
    rows = table_rows(reference(tiles, "segmentation", 4), [result], {"fcn": trained}, 4)
    assert rows[0]["model"] == "true masks" and "DICE" in markdown(rows, 4)


# --- images -----------------------------------------------------------------------------

def test_reads_png_grey_alpha_and_tiff_pages(tmp_path):
    write_em_folders(tmp_path)
    train = read_images(find_images([str(tmp_path / "train")], "data.train"))
    test = read_images(find_images([str(tmp_path / "test")], "data.test"))
    assert len(train) == 4 and all(s.shape == (64, 64) and s.dtype == np.float32 for s in train)
    assert len(test) == 2 and test[0].shape == (48, 48) and 0 <= test[0].min() and test[0].max() <= 1


def test_a_folder_without_images_is_a_usage_error(tmp_path):
    with pytest.raises(InputError, match="no PNG or TIFF"):
        find_images([str(tmp_path)], "data.train")


# --- end to end -------------------------------------------------------------------------

def phylo(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "phylo", "run", "--pipeline", "wavelet", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_tiny_run_end_to_end(tmp_path):
    write_em_folders(tmp_path)
    done = phylo(str(TINY), "--out", "out", "--no-progress", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out"
    for name in ["run.json", "wavelet_table.csv", "wavelet_table.md", "reconstructions.png",
                 "decomposition_level1.png", "power_per_level.png", "training_loss.png", "models/unet.pt"]:
        assert (out / name).exists(), name
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "ok" and set(run["weights"]) == set(KINDS)
    assert max(run["weights"].values()) / min(run["weights"].values()) < 1.02
    assert "weights per model" in done.stderr
    table = (out / "wavelet_table.csv").read_text().splitlines()
    assert len(table) == 1 + 1 + len(KINDS)  # header, original, one row per model
    assert len(list((out / ".phylo" / "store" / "wavelet-checkpoints").glob("*.pt"))) == len(KINDS)

    # everything is stored: a rerun trains nothing (serial: no worker start-up to wait for)
    again = phylo(str(TINY), "--out", "out", "--no-progress", "--executor", "serial", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads((out / "run.json").read_text())["timings"]["trained"]["cached"] == len(KINDS)


def test_bad_image_folder_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "train").mkdir()
    done = phylo(str(TINY), "--out", "out", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("ERROR: data.train:")
    assert "no PNG or TIFF images" in done.stderr

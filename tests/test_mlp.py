"""The mlp study: the command end to end, and that each switch does what it says."""

import doctest
import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import torch

from phylo.studies.mlp import ablation, factors, models, schedule, scoring
from phylo.studies.mlp.factors import DEFAULTS, make_variants, preset_factors  # noqa: E402
from phylo.studies.mlp.fit import train_fit  # noqa: E402
from phylo.studies.mlp.loop import train_loop  # noqa: E402
from phylo.studies.mlp.train import prepare, train_item  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "fixtures" / "mlp" / "tiny.toml"


def phylo_run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "phylo", "run", "--pipeline", "mlp", "--no-progress", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=120)


def variant(name="layers_fit", **changes):
    return {**preset_factors(DEFAULTS, name), **changes}


def iris_fold(factors, seed=0):
    rng = np.random.default_rng(seed)
    item = {"dataset": "iris", "seed": seed, "folds": 5, "fold": 0, "factors": factors}
    return prepare(item, "cpu", rng), rng


# --- the command ---------------------------------------------------------------------

def test_tiny_grid_runs_end_to_end_then_resumes_from_the_store(tmp_path):
    out = tmp_path / "out"
    done = phylo_run(str(TINY), "--out", str(out), "--set", "study.ablation=true")
    assert done.returncode == 0, done.stderr
    for name in ["summary.csv", "summary.md", "ablation.csv", "ablation.md", "run.json",
                 *(f"curves_iris_{m}_{p}.png" for m in ("matmul", "layers") for p in ("loop", "fit"))]:
        assert (out / name).stat().st_size > 0, name
    record = json.loads((out / "run.json").read_text())
    assert record["status"] == "ok" and record["pipeline"] == "mlp"
    # 4 presets + a knock-out and a rescue per differing factor, x 1 seed x 2 folds
    n_variants = 4 + 2 * len(factors.differing(variant("layers_fit"), variant("matmul_loop")))
    assert record["timings"]["runs"] == {**record["timings"]["runs"], "items": 2 * n_variants,
                                         "computed": 2 * n_variants, "cached": 0}
    rows = (out / "summary.csv").read_text().splitlines()
    assert len(rows) == 1 + n_variants and rows[0].startswith("dataset,variant,kind,factor,model,path")
    assert "| iris | batch_coverage | all → first |" in (out / "ablation.md").read_text()

    board = ["--tensorboard", str(tmp_path / "tb")] if importlib.util.find_spec("tensorboard") else []
    again = phylo_run(str(TINY), "--out", str(out), "--set", "study.ablation=true", "--executor", "serial", *board)
    assert again.returncode == 0, again.stderr
    if board:  # written from the stored curves, though nothing was trained
        assert len(list((tmp_path / "tb").glob("iris/*/seed0_fold*/events.out.tfevents.*"))) == 2 * n_variants
    timings = json.loads((out / "run.json").read_text())["timings"]
    assert timings["runs"]["cached"] == timings["runs"]["items"] == 2 * n_variants
    assert timings["runs"]["computed"] == 0 and timings["summary"]["cached"] == 1


@pytest.mark.parametrize("setting, message", [
    ("study.nope=1", "unknown setting 'study.nope'"),
    ("presets.layers_fit.path=jog", "presets.layers_fit.path = 'jog'"),
    ("train.steps=0", "steps = 0"),
])
def test_bad_config_is_a_one_line_error_with_exit_2(tmp_path, setting, message):
    done = phylo_run(str(TINY), "--out", str(tmp_path / "out"), "--set", setting)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ERROR:") and message in lines[0], done.stderr


# --- what the study is about -----------------------------------------------------------

def test_layers_fit_preset_learns_iris_in_a_short_run():
    item = {"dataset": "iris", "seed": 0, "folds": 5, "fold": 0, "factors": variant("layers_fit", steps=300)}
    result = train_item(item)
    assert result["val_acc"] >= 0.9 and result["train_acc"] >= 0.9
    assert result["curve"][-1, 0] == 300 and result["rows_trained"] == result["rows_total"] == 120


class RowSpy(torch.nn.Module):
    """Wraps a model; remembers which rows (by their id, put in column 0) it trained on."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.rows, self.updates = set(), 0

    def forward(self, x):
        if self.training:
            self.rows |= set(x[:, 0].long().tolist())
            self.updates += 1
        return self.model(x)


def spy_run(path, coverage, steps=12, shuffle=False):
    f = variant("matmul_loop", path=path, batch_coverage=coverage, shuffle=shuffle, steps=steps)
    data, rng = iris_fold(f)
    ids = torch.arange(len(data["y_train"]), dtype=torch.float32)
    for key in ("X_train", "X_all"):  # column 0 = row id (X_all starts with the training rows)
        data[key] = data[key].clone()
        data[key][: len(ids), 0] = ids
    spy = RowSpy(models.build_model(f, 4, 3))
    plan = schedule.batch_schedule(len(ids), f["batch_size"], steps, coverage, shuffle, rng)
    curve = {"loop": train_loop, "fit": train_fit}[path](spy, data, f, plan)
    return spy, curve


@pytest.mark.parametrize("path", ["loop", "fit"])
def test_first_batch_only_trains_on_the_first_batch_and_all_covers_every_row(path):
    spy, curve = spy_run(path, "first")
    assert spy.rows == set(range(64))  # 120 training rows, batch size 64: only the first batch
    assert spy.updates == 12 and len(curve) == 12  # one update per epoch
    spy, curve = spy_run(path, "all")
    assert spy.rows == set(range(120))
    assert spy.updates == 12 and len(curve) == 6 and curve[-1][0] == 12


@pytest.mark.parametrize("path", ["loop", "fit"])
def test_steps_are_exact_updates_even_mid_epoch(path):
    spy, curve = spy_run(path, "all", steps=7, shuffle=True)  # 2 batches an epoch: 3.5 epochs
    assert spy.updates == 7 and [c[0] for c in curve] == [2, 4, 6, 7]


def test_training_is_deterministic_given_the_seed():
    f = variant("layers_fit", steps=20, scaling="standard")
    item = {"dataset": "wine", "seed": 42, "folds": 3, "fold": 1, "factors": f}
    a, b = train_item(item), train_item(item)
    assert np.array_equal(a["curve"], b["curve"])
    c = train_item({**item, "seed": 1337})
    assert not np.array_equal(a["curve"], c["curve"])


# --- each switch changes the model or the training ------------------------------------

def weights(model):
    return torch.cat([p.detach().flatten() for n, p in model.named_parameters() if p.dim() == 2])


@pytest.mark.parametrize("kind", ["matmul", "layers"])
def test_init_switch(kind):
    torch.manual_seed(0)
    w = weights(models.build_model(variant(model=kind, init="truncated_normal"), 64, 10))
    assert w.abs().max() <= 0.1 + 1e-6 and 0.04 < w.std() < 0.05  # sd 0.05 cut at 2 sd: sd ~0.044
    torch.manual_seed(0)
    w = weights(models.build_model(variant(model=kind, init="glorot_uniform"), 64, 10))
    assert w.abs().max() > 0.15 and w.std() > 0.1  # 64 x 64: uniform within +-0.217, sd 0.125


@pytest.mark.parametrize("kind", ["matmul", "layers"])
def test_bias_switch(kind):
    scalar = models.build_model(variant(model=kind, bias="scalar"), 4, 3)
    biases = [p for n, p in scalar.named_parameters() if "bias" in n]
    assert len(biases) == 7 and all(p.numel() == 1 and p.item() == pytest.approx(1e-3) for p in biases)
    vector = models.build_model(variant(model=kind, bias="vector"), 4, 3)
    biases = [p for n, p in vector.named_parameters() if "bias" in n]
    assert [p.numel() for p in biases] == [64] * 6 + [3] and all(p.abs().sum() == 0 for p in biases)


def test_model_switch_same_size_different_code():
    a = models.build_model(variant(model="matmul"), 13, 3)
    b = models.build_model(variant(model="layers"), 13, 3)
    assert isinstance(a, models.MatmulMLP) and isinstance(b, models.LayersMLP)
    assert sum(p.numel() for p in a.parameters()) == sum(p.numel() for p in b.parameters())
    assert not any(isinstance(m, torch.nn.Linear) for m in a.modules())


def test_loss_on_switch():
    logits = torch.tensor([[8.0, -4.0, 0.0], [0.0, 5.0, -5.0]])
    target = torch.tensor([0, 1])
    right = scoring.make_criterion("logits")(logits, target)
    wrong = scoring.make_criterion("probabilities")(logits, target)
    assert right < 0.01
    # probabilities passed as logits: even a confident, correct model keeps a loss near log(3) - 1 + ...
    assert wrong > math.log(3) - 1 and wrong > 50 * right


def test_dropout_switch():
    x = torch.randn(16, 4)
    for kind in ("matmul", "layers"):
        torch.manual_seed(0)
        model = models.build_model(variant(model=kind, dropout=0.5, init="glorot_uniform"), 4, 3).train()
        assert not torch.equal(model(x), model(x))  # a different mask each call
        assert torch.equal(model.eval()(x), model(x))
        model = models.build_model(variant(model=kind, dropout=0.0), 4, 3).train()
        assert torch.equal(model(x), model(x))


def test_schedule_switches_shuffle_batch_size_and_coverage():
    rng = np.random.default_rng(0)
    fixed = schedule.batch_schedule(100, 30, 8, "all", False, rng)
    assert [len(b) for b in fixed[0]] == [30, 30, 30, 10]
    assert all(np.array_equal(a, b) for a, b in zip(fixed[0], fixed[1]))
    shuffled = schedule.batch_schedule(100, 30, 8, "all", True, rng)
    assert not np.array_equal(shuffled[0][0], shuffled[1][0])
    first = schedule.batch_schedule(100, 30, 8, "first", False, rng)
    assert len(first) == 8 and all(np.array_equal(e[0], np.arange(30)) for e in first)
    assert doctest.testmod(schedule).failed == 0


def test_learning_rate_switch_changes_training():
    def trained(lr):
        f = variant("layers_fit", learning_rate=lr, steps=5)
        data, rng = iris_fold(f)
        torch.manual_seed(0)
        model = models.build_model(f, 4, 3)
        plan = schedule.batch_schedule(120, 64, 5, "all", True, rng)
        train_loop(model, data, f, plan)
        return weights(model)

    assert not torch.allclose(trained(1e-3), trained(1e-2))


def test_scaling_switch():
    data, _ = iris_fold(variant(scaling="standard"))
    assert data["X_train"].mean(0).abs().max() < 1e-5
    assert torch.allclose(data["X_train"].std(0, unbiased=False), torch.ones(4), atol=1e-4)
    raw, _ = iris_fold(variant(scaling="none"))
    assert raw["X_train"].mean() > 1  # centimetres, as the originals fed them


# --- the ablation ---------------------------------------------------------------------

def test_ablation_variants_change_one_factor_at_a_time():
    variants = make_variants({**DEFAULTS["study"], "ablation": True}, DEFAULTS["train"], DEFAULTS["presets"])
    best, worst = preset_factors(DEFAULTS, "layers_fit"), preset_factors(DEFAULTS, "matmul_loop")
    changed = factors.differing(best, worst)
    assert changed == ["model", "path", "init", "bias", "loss_on", "batch_coverage", "shuffle"]
    for v in variants:
        if v["kind"] == "knockout":
            assert factors.differing(v["factors"], best) == [v["factor"]]
        if v["kind"] == "rescue":
            assert factors.differing(v["factors"], worst) == [v["factor"]]
    assert len(variants) == 4 + 2 * len(changed)


def test_effects_are_paired_differences_with_an_interval():
    def runs(name, accs):
        return [{"dataset": "iris", "seed": 0, "fold": i, "val_acc": a, "train_acc": a, "factors": {"v": name},
                 "rows_trained": 1, "rows_total": 1} for i, a in enumerate(accs)]

    index = ablation.index_runs(runs("a", [0.9, 0.8, 0.7]) + runs("b", [0.5, 0.5, 0.6]))
    key = lambda n: (ablation.digest({"v": n}), "iris")  # noqa: E731
    diffs = ablation.paired_differences([index[key("a")]], [index[key("b")]])
    assert np.allclose(diffs, [0.4, 0.3, 0.1])
    low, high = ablation.bootstrap_interval(diffs)
    assert 0.1 - 1e-9 <= low <= diffs.mean() <= high <= 0.4 + 1e-9


def test_tensorboard_event_files(tmp_path):
    from phylo.studies.mlp.report import write_tensorboard

    f = variant(steps=4)
    run = {"dataset": "iris", "seed": 0, "fold": 0, "factors": f, "curve": np.array([[2, 0.5, 0.4], [4, 0.7, 0.6]])}
    v = [{"name": "knockout:path", "kind": "knockout", "factor": "path", "factors": f}]
    assert write_tensorboard(tmp_path, v, [run], ["iris"]) == 1
    assert write_tensorboard(tmp_path, v, [run], ["iris"]) == 1  # a rerun replaces, not adds
    events = list((tmp_path / "iris" / "knockout-path" / "seed0_fold0").glob("events.out.tfevents.*"))
    assert len(events) == 1

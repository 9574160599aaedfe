"""The study's switches, the four presets that reproduce the original scripts, and the
variants a run trains (the presets, plus the knock-out/rescue variants of the ablation).

A *variant* is a full dict of factor values: the ``[train]`` settings shared by every
script, overlaid with one preset's own settings. Everything a model's training depends
on is in that dict, so it (with the data set, seed and fold) keys the stored result.

What the four original scripts did (facts from the study's public scripts):

- ``matmul`` scripts: truncated-normal weights (sd 0.05), one shared scalar bias per
  layer (1e-3); ``layers`` scripts: Glorot-uniform kernels, zero bias vectors.
- Three of the four scripts pass softmax probabilities to a loss that expects logits;
  only ``layers`` + ``fit`` (the one that reached ~100%) passes logits.
- The hand-written loops iterate ``range(0, batch_size, len(train_X))``, which yields
  only 0: every epoch trains on the first batch, in the same order (no reshuffling).
  ``Estimator.fit(batch_size=64, steps=N)`` draws shuffled mini-batches over all rows.
- Batch size 64, except one script with 50. The study does not say which in the
  material we have; we give 50 to ``layers_loop`` (change ``presets.layers_loop.batch_size``
  to move it). It cannot explain the gap either way: the ablation measures it.
"""

from __future__ import annotations

import copy

from phylo.errors import InputError

DATASETS = ("iris", "wine", "digits")

# Each switch and its allowed values (a type for numeric ones).
CHOICES = {
    "model": ("matmul", "layers"),
    "path": ("loop", "fit"),
    "init": ("truncated_normal", "glorot_uniform"),
    "bias": ("scalar", "vector"),
    "loss_on": ("logits", "probabilities"),
    "batch_coverage": ("first", "all"),
    "shuffle": (True, False),
    "scaling": ("none", "standard"),
}
NUMBERS = {"dropout": float, "learning_rate": float, "steps": int, "batch_size": int,
           "hidden_layers": int, "units": int, "eps": float}
# The order factors appear in tables.
FACTORS = ("model", "path", "init", "bias", "loss_on", "batch_coverage", "shuffle", "batch_size",
           "dropout", "learning_rate", "steps", "scaling")

# Defaults of ``phylo run --pipeline mlp``; a TOML config and ``--set`` override them.
DEFAULTS = {
    "study": {
        "datasets": list(DATASETS),
        "presets": ["matmul_loop", "matmul_fit", "layers_loop", "layers_fit"],
        "seeds": [0, 42, 1337],
        "folds": 5,
        # Knock each differing factor out of ``best`` and rescue it into ``worst``: 14 more
        # variants, 4.5 times the preset grid's work; fixtures/mlp/study.toml turns it on.
        "ablation": False,
        "best": "layers_fit",
        "worst": "matmul_loop",
    },
    # Shared by every preset (the original scripts agree on these).
    "train": {
        # The originals ran 150 steps by default and 20,000 in the batch runs; 600 keeps
        # the default grid (3 data sets x 4 presets x 3 seeds x 5 folds) well within
        # 15 minutes on 2 cores, measured by bench/mlp.py (see docs/mlp.md).
        "steps": 600,
        "learning_rate": 1e-3,
        "betas": [0.9, 0.999],
        "eps": 1e-8,
        "dropout": 0.0,
        "scaling": "none",  # the originals fed raw features
        "hidden_layers": 6,
        "units": 64,
    },
    # The four original scripts: model x training path, with what each did differently.
    "presets": {
        "matmul_loop": {"model": "matmul", "path": "loop", "init": "truncated_normal", "bias": "scalar",
                        "loss_on": "probabilities", "batch_coverage": "first", "shuffle": False,
                        "batch_size": 64},
        "matmul_fit": {"model": "matmul", "path": "fit", "init": "truncated_normal", "bias": "scalar",
                       "loss_on": "probabilities", "batch_coverage": "all", "shuffle": True,
                       "batch_size": 64},
        "layers_loop": {"model": "layers", "path": "loop", "init": "glorot_uniform", "bias": "vector",
                        "loss_on": "probabilities", "batch_coverage": "first", "shuffle": False,
                        "batch_size": 50},
        "layers_fit": {"model": "layers", "path": "fit", "init": "glorot_uniform", "bias": "vector",
                       "loss_on": "logits", "batch_coverage": "all", "shuffle": True,
                       "batch_size": 64},
    },
}


def preset_factors(config: dict, name: str) -> dict:
    """The full factor dict of preset ``name``: ``[train]`` overlaid with the preset."""
    return {**copy.deepcopy(config["train"]), **config["presets"][name]}


def make_variants(study: dict, train: dict, presets: dict) -> list[dict]:
    """Every variant the run trains, in table order.

    Each is ``{"name", "kind", "factor", "factors"}``; ``kind`` is ``preset``, ``knockout``
    (``best`` with one factor set to ``worst``'s value) or ``rescue`` (the reverse), and
    ``factor`` names the factor changed (None for presets).
    """
    config = {"train": train, "presets": presets}
    names = list(study["presets"])
    if study["ablation"]:
        names += [n for n in (study["best"], study["worst"]) if n not in names]
    variants = [{"name": n, "kind": "preset", "factor": None, "factors": preset_factors(config, n)}
                for n in names]
    if study["ablation"]:
        best, worst = preset_factors(config, study["best"]), preset_factors(config, study["worst"])
        for factor in differing(best, worst):
            variants.append({"name": f"knockout:{factor}", "kind": "knockout", "factor": factor,
                             "factors": {**best, factor: worst[factor]}})
            variants.append({"name": f"rescue:{factor}", "kind": "rescue", "factor": factor,
                             "factors": {**worst, factor: best[factor]}})
    return variants


def differing(a: dict, b: dict) -> list[str]:
    """The factors on which two variants differ, in table order."""
    return [f for f in FACTORS if a[f] != b[f]]


def check_config(config: dict) -> None:
    """Raise a one-line InputError for any value the study cannot run."""
    study = config["study"]
    unknown = [d for d in study["datasets"] if d not in DATASETS]
    if unknown or not study["datasets"]:
        raise InputError(f"study.datasets: {unknown or 'empty'}; choose from {', '.join(DATASETS)}")
    bad = [p for p in study["presets"] if p not in config["presets"]]
    if bad:
        raise InputError(f"study.presets: unknown preset(s) {bad}; known: {', '.join(config['presets'])}")
    for key in ("best", "worst"):
        if study[key] not in config["presets"]:
            raise InputError(f"study.{key}: unknown preset {study[key]!r}; known: {', '.join(config['presets'])}")
    if not isinstance(study["folds"], int) or study["folds"] < 2:
        raise InputError(f"study.folds must be an integer >= 2, not {study['folds']!r}")
    if not study["seeds"] or not all(isinstance(s, int) and s >= 0 for s in study["seeds"]):
        raise InputError(f"study.seeds must be a list of non-negative integers, not {study['seeds']!r}")
    if not isinstance(study["ablation"], bool):
        raise InputError(f"study.ablation must be true or false, not {study['ablation']!r}")
    for name in config["presets"]:
        _check_factors(preset_factors(config, name), f"presets.{name}")


def _check_factors(factors: dict, where: str) -> None:
    for key, allowed in CHOICES.items():
        if factors[key] not in allowed or (key == "shuffle") != isinstance(factors[key], bool):
            raise InputError(f"{where}.{key} = {factors[key]!r}; choose from {', '.join(map(str, allowed))}")
    for key, kind in NUMBERS.items():
        value = factors[key]
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or (kind is int and not isinstance(value, int)) or value < 0 or (value == 0 and key != "dropout"):
            raise InputError(f"{where}.{key} = {value!r}; expected a positive {kind.__name__}")
    if factors["dropout"] >= 1:
        raise InputError(f"{where}.dropout = {factors['dropout']!r}; expected 0 <= dropout < 1")
    betas = factors["betas"]
    if not (isinstance(betas, list) and len(betas) == 2 and all(0 <= b < 1 for b in betas)):
        raise InputError(f"{where}.betas = {betas!r}; expected two numbers in [0, 1)")

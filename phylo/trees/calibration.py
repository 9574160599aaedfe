"""Calibrated confidence: the probability that a lineage verdict and its source are both right.

Each verdict has its own logistic model over the measures behind it (``FEATURES``; the
measures are those ``phylo.trees.lineage.infer_lineage`` reports per article): how much
prose and how many sentences the article shares with its source, how far the source is
ahead of the next candidate, how much text it agrees on with other articles against its
source, how often its sentences enter the story a second time, the size of a group that
shares a missing source, and so on. The models are fitted by ``bench/calibrate_lineage.py``
on simulated stories of mixed shapes (``phylo.sim.story.coverage_story``; seeds disjoint
from those ``bench/accuracy.py`` evaluates on), and the fitted parameters ship in
``lineage_calibration.json`` beside this module.

What the number means: among answers given at 0.8, about 80% were right on stories of that
mix. On coverage whose mix of shapes differs (many more missing originals, say), read it
as a ranking of how sure the evidence is rather than as an exact probability.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import numpy as np

PARAMETERS = Path(__file__).with_name("lineage_calibration.json")

#: The measures each verdict's model reads (names of ``infer_lineage`` facts; ``log_`` = log(1 + value)).
FEATURES = {
    "copied": ["prose", "sentences", "containment", "margin", "log_candidates", "secondary", "agreement",
               "log_reentered", "log_copies", "near_unseen", "undated"],
    "independent": ["prose", "sentences", "containment", "quotes", "log_candidates", "undated"],
    "unseen-source": ["log_group_size", "log_group_gain", "log_reentered", "prose", "sentences", "log_candidates",
                      "log_copies"],
    "earliest": ["log_reentered", "log_copies", "near_unseen", "undated"],
}


def feature_vector(verdict: str, fact: dict) -> list[float]:
    """The model's inputs for one answer, in ``FEATURES[verdict]`` order."""
    out = []
    for name in FEATURES[verdict]:
        if name.startswith("log_"):
            out.append(math.log1p(max(float(fact.get(name[4:], 0.0)), 0.0)))
        else:
            out.append(float(fact.get(name, 0.0)))
    return out


@lru_cache(maxsize=1)
def _models() -> dict:
    return json.loads(PARAMETERS.read_text())["models"] if PARAMETERS.exists() else {}


def confidence(verdict: str, fact: dict) -> float | None:
    """P(verdict and source right | the measures), or None where no model is fitted."""
    model = _models().get(verdict)
    if model is None:
        return None
    return round(predict(model, [feature_vector(verdict, fact)])[0], 4)


def predict(model: dict, rows: list[list[float]]) -> list[float]:
    x = (np.asarray(rows, dtype=float) - np.asarray(model["mean"])) / np.asarray(model["scale"])
    z = x @ np.asarray(model["coef"]) + model["intercept"]
    return (1.0 / (1.0 + np.exp(-z))).tolist()


def fit(rows: list[list[float]], right: list[bool], l2: float = 1.0, iterations: int = 50) -> dict:
    """A logistic model of ``right`` on standardised ``rows`` (Newton-Raphson, ridge ``l2``
    on the coefficients, not on the intercept)."""
    x = np.asarray(rows, dtype=float)
    y = np.asarray(right, dtype=float)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        grad = z.T @ (p - y) + penalty * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return {"mean": mean.tolist(), "scale": scale.tolist(), "intercept": float(w[0]), "coef": w[1:].tolist()}

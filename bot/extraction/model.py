"""Logistic regression over hashed features: numpy training, JSON weights, fast scoring."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.extraction.features import DIMENSIONS

WEIGHTS_PATH = Path(__file__).with_name("weights.json")
LABELS = ("blocker", "next_step", "decision", "resolution")


@dataclass
class BinaryModel:
    """One yes/no classifier: a bias and a dense weight vector over hashed features."""

    bias: float
    weights: np.ndarray

    def probability(self, features: Sequence[int]) -> float:
        score = self.bias + float(self.weights[list(features)].sum()) if features else self.bias
        return float(1.0 / (1.0 + np.exp(-score)))


def fit_binary(
    rows: Sequence[Sequence[int]],
    targets: Sequence[int],
    *,
    sample_weights: Sequence[float] | None = None,
    l2: float = 3e-3,
    iterations: int = 300,
    learning_rate: float = 0.3,
) -> BinaryModel:
    """Full-batch Adagrad on the L2-regularised log loss; deterministic."""
    lengths = np.array([len(r) for r in rows], dtype=np.int64)
    used, indices = np.unique(np.concatenate([np.asarray(r, dtype=np.int64) for r in rows]), return_inverse=True)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    y = np.asarray(targets, dtype=np.float64)
    weight = np.ones_like(y) if sample_weights is None else np.asarray(sample_weights, dtype=np.float64)
    positives = max((y * weight).sum(), 1.0)
    weight = weight * np.where(y > 0, ((1 - y) * weight).sum() / positives, 1.0) ** 0.5
    weight = weight / weight.mean()
    w = np.zeros(len(used))
    bias = 0.0
    grad_sq = np.full(len(used), 1e-8)
    bias_sq = 1e-8
    for _ in range(iterations):
        scores = bias + np.add.reduceat(w[indices], starts)
        residual = (1.0 / (1.0 + np.exp(-scores)) - y) * weight / len(y)
        grad = np.bincount(indices, weights=np.repeat(residual, lengths), minlength=len(used)) + l2 * w
        grad_sq += grad * grad
        w -= learning_rate * grad / np.sqrt(grad_sq)
        bias_grad = residual.sum()
        bias_sq += bias_grad * bias_grad
        bias -= learning_rate * bias_grad / np.sqrt(bias_sq)
    dense = np.zeros(DIMENSIONS)
    dense[used] = w
    return BinaryModel(bias, dense)


@dataclass
class ClauseModel:
    """The four classifiers of the extractor, by label."""

    models: dict[str, BinaryModel]
    _stacked: tuple[tuple[str, ...], np.ndarray, np.ndarray] | None = field(default=None, repr=False, compare=False)

    def probability(self, label: str, features: Sequence[int]) -> float:
        return self.models[label].probability(features)

    def probabilities(self, labels: Sequence[str], features: Sequence[int]) -> dict[str, float]:
        """Several labels at once: one gather over a stacked weight matrix (the hot path)."""
        key = tuple(labels)
        if self._stacked is None or self._stacked[0] != key:
            matrix = np.stack([self.models[label].weights for label in key], axis=1)
            biases = np.array([self.models[label].bias for label in key])
            self._stacked = (key, matrix, biases)
        _, matrix, biases = self._stacked
        scores = biases + (matrix[list(features)].sum(axis=0) if features else 0.0)
        return dict(zip(key, (1.0 / (1.0 + np.exp(-scores))).tolist(), strict=True))

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"dimensions": DIMENSIONS}
        for label, model in self.models.items():
            nonzero = np.flatnonzero(np.abs(model.weights) >= 1e-3)
            out[label] = {
                "bias": round(model.bias, 5),
                "weights": {str(i): round(float(model.weights[i]), 4) for i in nonzero},
            }
        return out

    def save(self, path: Path = WEIGHTS_PATH) -> None:
        path.write_text(json.dumps(self.to_json(), separators=(",", ":"), sort_keys=True) + "\n")

    @classmethod
    def load(cls, path: Path = WEIGHTS_PATH) -> ClauseModel:
        data = json.loads(path.read_text())
        if data.get("dimensions") != DIMENSIONS:
            raise ValueError(f"{path} was trained with other feature dimensions; retrain it")
        models = {}
        for label in LABELS:
            weights = np.zeros(DIMENSIONS)
            for index, value in data[label]["weights"].items():
                weights[int(index)] = value
            models[label] = BinaryModel(float(data[label]["bias"]), weights)
        return cls(models)

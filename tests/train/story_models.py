"""The training stories of the watch: small NumPy models written the way learners write them.

Each model marks the statement the watch should name with a ``# <- origin`` comment (found by
:func:`line_of`, so moving code never breaks a test). This module is not a test module: it is the
"user file" the origin finder reads. The truth the tests compare with is taken independently:
:func:`first_bad_step` trains the same model unwatched, step by step, and finds the first step
whose cost or arrays are non-finite.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve()


def line_of(marker: str) -> int:
    for i, text in enumerate(HERE.read_text().splitlines(), 1):
        if marker in text and "line_of(" not in text and "marker" not in text:
            return i
    raise AssertionError(marker)


def first_bad_step(
    loss: Callable[[Mapping[str, np.ndarray]], Any],
    grads: Callable[[Mapping[str, np.ndarray]], Mapping[str, np.ndarray]],
    params: Mapping[str, np.ndarray],
    lr: float,
    steps: int,
) -> int | None:
    """Plain gradient descent, unwatched, on a copy: the first step (1 = the first update) whose
    cost, computed before that update, or whose gradients are non-finite."""
    p = {k: v.copy() for k, v in params.items()}
    with np.errstate(all="ignore"):
        for step in range(1, steps + 1):
            cost = float(loss(p))
            g = grads(p)
            if not math.isfinite(cost) or not all(np.isfinite(g[k]).all() for k in p):
                return step
            for k in p:
                p[k] -= lr * g[k]
    return None


# --------------------------------------------------------------------------------------------------
# Softmax regression on raw pixel values: the cost goes inf (log of a probability that underflowed
# to exactly 0) while every array stays finite.


class SoftmaxOnPixels:
    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.X = rng.uniform(0, 255, size=(60, 4))  # never scaled
        self.y = rng.integers(0, 3, size=60)
        self.params = {"W": rng.standard_normal((4, 3)) * 0.01, "b": np.zeros(3)}

    def probs(self, params: Mapping[str, np.ndarray]) -> np.ndarray:
        scores = self.X @ params["W"] + params["b"]
        exps = np.exp(scores - scores.max(axis=1, keepdims=True))
        return exps / exps.sum(axis=1, keepdims=True)

    def loss(self, params: Mapping[str, np.ndarray]) -> Any:
        probs = self.probs(params)
        correct = probs[np.arange(len(self.y)), self.y]
        return -np.mean(np.log(correct))  # <- origin: softmax log

    def grads(self, params: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        dscores = self.probs(params)
        dscores[np.arange(len(self.y)), self.y] -= 1
        dscores /= len(self.y)
        return {"W": self.X.T @ dscores, "b": dscores.sum(axis=0)}


# --------------------------------------------------------------------------------------------------
# Linear regression whose squared residual overflows long before its gradients do.


class LinearRegression:
    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.X = rng.uniform(0, 100, size=(50, 3))
        self.y = self.X @ np.array([1.0, -2.0, 0.5]) + rng.standard_normal(50)
        self.params = {"w": np.zeros(3), "b": np.zeros(1)}

    def loss(self, params: Mapping[str, np.ndarray]) -> Any:
        residual = self.X @ params["w"] + params["b"] - self.y
        squared = residual**2
        return np.mean(squared)  # <- origin: squared residual

    def grads(self, params: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        residual = self.X @ params["w"] + params["b"] - self.y
        m = len(self.y)
        return {"w": 2 * self.X.T @ residual / m, "b": np.array([2 * residual.sum() / m])}


# --------------------------------------------------------------------------------------------------
# Linear regression whose cost is summed in Python floats: NumPy never sees the overflow.


class FloatCost(LinearRegression):
    def loss(self, params: Mapping[str, np.ndarray]) -> float:
        residual = self.X @ params["w"] + params["b"] - self.y
        total = 0.0
        for r in residual.tolist():
            total += r * r  # <- origin: float cost
        return total / len(self.y)

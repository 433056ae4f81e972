"""The common numerical stories, written the way learners write them, for the advice catalogue.

Each function marks the statement that should be named with ``# <- origin: <story>`` (found by
:func:`line_of`). This module is not a test module: it is the "user file" the origin finder reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve()


def line_of(story: str) -> int:
    for i, text in enumerate(HERE.read_text().splitlines(), 1):
        if f"# <- origin: {story}" in text:
            return i
    raise AssertionError(story)


def entropy_bonus(logits: np.ndarray) -> Any:
    """The entropy of a policy whose probabilities reached exactly 0: 0 * log 0."""
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    plogp = p * np.log(p)  # <- origin: xlogy
    return -np.sum(plogp, axis=1).mean()


def masked_attention(q: np.ndarray, k: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Scaled dot-product attention whose mask hides every key of one query."""
    scores = q @ k.T / np.sqrt(q.shape[1])
    scores = np.where(mask, scores, -np.inf)
    shifted = scores - scores.max(axis=1, keepdims=True)  # <- origin: masked row
    weights = np.exp(shifted)
    return weights / weights.sum(axis=1, keepdims=True)


def softplus_cost(z: np.ndarray, y: np.ndarray) -> Any:
    """Logistic loss through a softplus, in float32."""
    softplus = np.log(1 + np.exp(z))  # <- origin: float32 softplus
    return np.mean(softplus - y * z)


def layer_norm(x: np.ndarray) -> np.ndarray:
    """A variance computed as E[x^2] - E[x]^2, which cancels below zero for large, nearly equal x."""
    mu = x.mean(axis=1, keepdims=True)
    var = (x**2).mean(axis=1, keepdims=True) - mu**2
    std = np.sqrt(var)  # <- origin: cancelled variance
    return (x - mu) / (std + 1e-5)


def standardise(x: np.ndarray) -> np.ndarray:
    """Features to mean 0 / std 1, when one feature is constant."""
    return (x - x.mean(axis=0)) / x.std(axis=0)  # <- origin: constant feature


def adam_step(w: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, t: int) -> np.ndarray:
    """Adam whose second moment averages the gradient, not its square."""
    beta1, beta2, lr, eps = 0.9, 0.999, 1e-3, 1e-8
    m[:] = beta1 * m + (1 - beta1) * g
    v[:] = beta2 * v + (1 - beta2) * g
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps)  # <- origin: adam


def class_means(X: np.ndarray, y: np.ndarray, classes: int) -> np.ndarray:
    """Per-class feature means, when one class has no example in the batch."""
    sums = np.zeros((classes, X.shape[1]))
    counts = np.zeros((classes, 1))
    for c in range(classes):
        sums[c] = X[y == c].sum(axis=0)
        counts[c] = np.sum(y == c)
    return sums / counts  # <- origin: zero count


def exp_weights(z: np.ndarray) -> np.ndarray:
    """Unnormalised attention weights in float32."""
    weights = np.exp(z)  # <- origin: float32 exp
    return weights


class LogisticOnData:
    """Logistic regression on a data set two of whose rows hold NaN (a missing measurement)."""

    def __init__(self) -> None:
        rng = np.random.default_rng(0)
        self.X = rng.standard_normal((10, 3))
        self.X[3, 1] = np.nan
        self.X[7, 0] = np.nan
        self.y = (rng.random(10) > 0.5).astype(np.float64)
        self.params = {"w": np.zeros(3)}

    def loss(self, params: dict[str, np.ndarray]) -> Any:
        z = self.X @ params["w"]  # <- origin: nan input
        p = 1 / (1 + np.exp(-z))
        return -np.mean(self.y * np.log(p) + (1 - self.y) * np.log(1 - p))

    def grads(self, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        p = 1 / (1 + np.exp(-(self.X @ params["w"])))
        return {"w": self.X.T @ (p - self.y) / len(self.y)}

"""The user's code under test: small NumPy models written the way users write them.

Each model marks the statement that should be named with a ``# <- origin`` comment; the tests find
that line in this file, so moving code around never breaks them. This module is not a test module:
it is the "user file" the tracer reads, and the file the origins are reported in.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve()


def line_of(marker: str, fn: Any = None) -> int:
    """The line number of the line carrying ``marker`` (inside ``fn`` when given)."""
    if fn is not None:
        lines, start = inspect.getsourcelines(fn)
        for i, text in enumerate(lines):
            if marker in text:
                return start + i
        raise AssertionError(f"{marker!r} not in {fn.__name__}")
    for i, text in enumerate(HERE.read_text().splitlines(), 1):
        if marker in text and "line_of(" not in text:
            return i
    raise AssertionError(marker)


# ----------------------------------------------------------------------------------------------
# The models


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def softmax_loss_naive(W: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    scores = X @ W
    exp_scores = np.exp(scores)  # <- softmax origin
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    return float(-np.mean(np.log(probs[np.arange(len(y)), y])))


def softmax_loss_stable(W: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    scores = X @ W
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp_scores = np.exp(shifted)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    return float(-np.mean(np.log(probs[np.arange(len(y)), y])))


def logistic_cost(w: np.ndarray, X: np.ndarray, Y: np.ndarray) -> float:
    Z = w @ X
    A = sigmoid(Z)
    m = Y.shape[1]
    cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))  # <- log origin
    return float(cost)


def normalise_features(X: np.ndarray, w: np.ndarray) -> float:
    mu = X.mean(axis=0)
    std = X.std(axis=0)
    Xn = (X - mu) / std  # <- zero over zero
    return float(np.sum((Xn @ w) ** 2))


def layer_norm_naive(x: np.ndarray) -> np.ndarray:
    mu = np.mean(x, axis=1, keepdims=True)
    var = np.mean(x**2, axis=1, keepdims=True) - mu**2
    std = np.sqrt(var)  # <- sqrt origin
    return (x - mu) / (std + 1e-5)


def forward_relu(params: dict[str, np.ndarray], X: np.ndarray) -> float:
    Z1 = params["W1"] @ X + params["b1"]  # <- input origin
    A1 = np.maximum(Z1, 0)
    return float(np.sum(params["W2"] @ A1))


def guarded_log_loss(a: np.ndarray) -> float:
    safe = np.where(a > 0, np.log(a), 0.0)  # guarded: fires, result finite
    return float(np.sum(safe))


def guarded_then_broken(a: np.ndarray, b: np.ndarray) -> float:
    safe = np.where(a > 0, np.log(a), 0.0)  # the guard
    ratio = safe / b  # <- after the guard
    return float(np.sum(ratio))


class BinaryClassifier:
    """Seed 001, shortened: dicts W, b, A, Z, dA keyed by layer; sigmoid output; the divide in backprop."""

    def __init__(self, X: np.ndarray, Y: np.ndarray, scale: float) -> None:
        rng = np.random.default_rng(1)
        self.X, self.Y = X, Y
        self.m = Y.shape[1]
        self.W = {1: rng.standard_normal((4, 2)) * scale, 2: rng.standard_normal((1, 4)) * scale}
        self.b = {1: np.zeros((4, 1)), 2: np.zeros((1, 1))}
        self.A: dict[int, np.ndarray] = {}
        self.Z: dict[int, np.ndarray] = {}
        self.dA: dict[int, np.ndarray] = {}
        self.dW: dict[int, np.ndarray] = {}
        self.L = 2

    def sigmoid_function(self, Z: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-Z))

    def forward_propagation(self) -> np.ndarray:
        self.A[0] = np.copy(self.X)
        for l in range(1, self.L + 1):
            self.Z[l] = np.dot(self.W[l], self.A[l - 1]) + self.b[l]
            if l < self.L:
                self.A[l] = np.maximum(self.Z[l], 0)
            else:
                self.A[l] = self.sigmoid_function(self.Z[l])
        return self.A[self.L]

    def backward_propagation(self) -> None:
        self.forward_propagation()
        for l in reversed(range(1, self.L + 1)):
            if l == self.L:
                self.dA[l] = -(  # <- seed 001 (a statement over three lines)
                    np.divide(self.Y, self.A[l]) - np.divide(1 - self.Y, 1 - self.A[l])
                )
                dZ = self.dA[l] * self.A[l] * (1 - self.A[l])
            else:
                dZ = self.dA[l] * (self.Z[l] > 0)
            self.dW[l] = dZ @ self.A[l - 1].T / self.m
            self.dA[l - 1] = self.W[l].T @ dZ


def seed001_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 40))
    Y = (X[0:1] + X[1:2] > 0).astype(float)
    return X, Y


def masked_attention(scores: np.ndarray, mask: np.ndarray) -> float:
    masked = np.where(mask, scores, -np.inf)  # intentional -inf
    shifted = masked - masked.max(axis=1, keepdims=True)
    weights = np.exp(shifted)
    weights = weights / weights.sum(axis=1, keepdims=True)  # <- all masked row
    return float(weights.sum())


def python_float_overflow(x: float) -> float:
    big = x * 1e300  # <- python float
    return big - big


def helper_divides(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a / b  # <- in helper


def caller_of_helper(a: np.ndarray, b: np.ndarray) -> float:
    r = helper_divides(a, b)
    return float(r.sum())


def inplace_divide(a: np.ndarray, b: np.ndarray) -> float:
    out = np.ones_like(a)
    np.divide(a, b, out=out)  # <- in place
    return float(out.sum())


def train_step(net: BinaryClassifier, lr: float) -> None:
    net.backward_propagation()
    for l in (1, 2):
        net.W[l] -= lr * net.dW[l]


def course_forward(params: dict[str, np.ndarray], X: np.ndarray, L: int) -> float:
    cache = {"A0": X}
    for l in range(1, L + 1):
        cache["Z" + str(l)] = (
            np.dot(params["W" + str(l)], cache["A" + str(l - 1)]) + params["b" + str(l)]
        )
        cache["A" + str(l)] = np.exp(cache["Z" + str(l)])  # <- keys built with str()
    return float(cache["A" + str(L)].sum())

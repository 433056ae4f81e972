"""Small NumPy networks for the health tests, written the way users write them.

Not a test module: the tests trace these functions (this file is user code to the tracer).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(0, z)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


class MLP:
    """Course layout: W[l] is (n_out, n_in), examples in columns; hidden activation of choice."""

    def __init__(
        self,
        sizes: list[int],
        act: str,
        scale: Callable[[int], float],
        seed: int = 0,
        bias: float = 0.0,
    ) -> None:
        rng = np.random.default_rng(seed)
        self.params: dict[str, np.ndarray] = {}
        for l in range(1, len(sizes)):
            self.params[f"W{l}"] = rng.standard_normal((sizes[l], sizes[l - 1])) * scale(
                sizes[l - 1]
            )
            self.params[f"b{l}"] = np.full((sizes[l], 1), bias)
        self.L = len(sizes) - 1
        self.act = act

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        cache: dict[str, np.ndarray] = {"A0": X}
        A = X
        for l in range(1, self.L + 1):
            Z = self.params[f"W{l}"] @ A + self.params[f"b{l}"]
            if l == self.L:
                A = sigmoid(Z)
            elif self.act == "relu":
                A = relu(Z)
            elif self.act == "tanh":
                A = np.tanh(Z)
            else:
                A = sigmoid(Z)
            cache[f"Z{l}"] = Z
            cache[f"A{l}"] = A
        return A, cache

    def loss(self, X: np.ndarray, Y: np.ndarray) -> float:
        A, _ = self.forward(X)
        A = np.clip(A, 1e-12, 1 - 1e-12)
        return float(-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)))

    def grads(self, X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
        A, cache = self.forward(X)
        m = X.shape[1]
        dZ = A - Y
        grads: dict[str, np.ndarray] = {}
        for l in range(self.L, 0, -1):
            grads[f"dW{l}"] = dZ @ cache[f"A{l - 1}"].T / m
            grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
            if l > 1:
                dA = self.params[f"W{l}"].T @ dZ
                Ap = cache[f"A{l - 1}"]
                if self.act == "relu":
                    dZ = dA * (cache[f"Z{l - 1}"] > 0)
                elif self.act == "tanh":
                    dZ = dA * (1 - Ap**2)
                else:
                    dZ = dA * Ap * (1 - Ap)
        return grads


def he(n_in: int) -> float:
    return float(np.sqrt(2 / n_in))


def xavier(n_in: int) -> float:
    return float(np.sqrt(1 / n_in))


def binary_data(n_in: int = 20, m: int = 64, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_in, m))
    Y = (X[:1] + 0.5 * X[1:2] > 0).astype(float)
    return X, Y


def softmax_classifier_loss(W: np.ndarray, b: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """CS231n layout: X is (N, D), W is (D, C)."""
    scores = X.dot(W) + b
    scores = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
    return float(-np.mean(np.log(probs[np.arange(len(y)), y])))


def tanh_softmax_loss(p: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> float:
    """A tanh hidden layer (rows are examples) and a softmax output."""
    h = np.tanh(X @ p["W1"] + p["b1"])
    scores = h @ p["W2"] + p["b2"]
    scores -= scores.max(axis=1, keepdims=True)
    log_probs = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(y)), y].mean())


def conv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """'valid' convolution, NCHW input, (F, C, kh, kw) filters."""
    windows = sliding_window_view(x, w.shape[2:], axis=(2, 3))  # N, C, H', W', kh, kw
    return np.einsum("nchwij,fcij->nfhw", windows, w) + b[None, :, None, None]


def conv_net_loss(p: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> float:
    conv = conv_forward(X, p["conv1"], p["b1"])
    act = np.maximum(conv, 0)
    n, f, h, w = act.shape
    pooled = act.reshape(n, f, h // 2, 2, w // 2, 2).max(axis=(3, 5))
    flat = pooled.reshape(n, -1)
    scores = flat @ p["W2"] + p["b2"]
    scores = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(probs[np.arange(n), y])))


def batchnorm_net_loss(p: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> float:
    z1 = X @ p["W1"]
    mu = z1.mean(axis=0)
    var = z1.var(axis=0)
    z1_hat = (z1 - mu) / np.sqrt(var + 1e-5)
    bn1 = p["gamma1"] * z1_hat + p["beta1"]
    a1 = np.maximum(bn1, 0)
    scores = a1 @ p["W2"] + p["b2"]
    scores = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(probs[np.arange(len(y)), y])))


def numeric_grads(
    loss: Callable[[], float], params: dict[str, np.ndarray], h: float = 1e-5
) -> dict[str, np.ndarray]:
    """Centered differences, for the networks whose backward is beside the point here."""
    out = {}
    for name, p in params.items():
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + h
            fp = loss()
            p[idx] = old - h
            fm = loss()
            p[idx] = old
            g[idx] = (fp - fm) / (2 * h)
        out["d" + name] = g
    return out


# Seed 002, as written: loose functions, np.random.rand initialisation, digits-like inputs 0..16.
def init_param(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    w1 = rng.random((10, 64))
    b1 = rng.random((10, 1))
    w2 = rng.random((10, 10))
    b2 = rng.random((10, 1))
    return w1, b1, w2, b2


def ReLU(z: np.ndarray) -> np.ndarray:
    return np.maximum(0, z)


def dReLU(z: np.ndarray) -> np.ndarray:
    return z > 0


def tanh(z: np.ndarray) -> np.ndarray:
    return np.tanh(z)


def forward_prop(
    w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: np.ndarray, x: np.ndarray
) -> tuple[np.ndarray, ...]:
    z1 = w1.dot(x).reshape(-1, 1) + b1
    a1 = ReLU(z1)
    z2 = w2.dot(a1) + b2
    a2 = tanh(z2)
    return z1, a1, z2, a2


def kinds(warnings: list[Any]) -> list[tuple[str, str]]:
    return [(w.kind, w.where) for w in warnings]


def layer(A: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    Z = W @ A + b
    return np.maximum(0, Z)

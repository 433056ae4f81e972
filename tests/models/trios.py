"""Two trios the models tests bind: the course's and seed 002's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

# ----------------------------------------------------------------------------------------------
# The trio, course style: forward(X, parameters) -> (AL, caches), cost(AL, Y), backward(AL, Y, caches)
# ----------------------------------------------------------------------------------------------


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def course_forward(X: np.ndarray, parameters: Mapping[str, np.ndarray]) -> tuple[Any, list[Any]]:
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L + 1):
        W, b = parameters["W" + str(l)], parameters["b" + str(l)]
        Z = W @ A + b
        caches.append((A, W, b, Z))
        A = np.tanh(Z) if l < L else _sigmoid(Z)
    return A, caches


def course_cost(AL: np.ndarray, Y: np.ndarray) -> float:
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m)


def course_backward(AL: np.ndarray, Y: np.ndarray, caches: list[Any]) -> dict[str, np.ndarray]:
    grads = {}
    m = Y.shape[1]
    L = len(caches)
    dZ = AL - Y
    for l in range(L, 0, -1):
        A_prev, W, _b, Z = caches[l - 1]
        if l < L:
            dZ = grads["dA" + str(l)] * (1 - np.tanh(Z) ** 2)
        grads["dW" + str(l)] = dZ @ A_prev.T / m
        grads["db" + str(l)] = dZ.sum(axis=1, keepdims=True) / m
        grads["dA" + str(l - 1)] = W.T @ dZ
    return grads


def course_data(seed: int = 3, m: int = 9) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    params = {
        "W1": rng.standard_normal((4, 3)) * 0.5,
        "b1": np.zeros((4, 1)),
        "W2": rng.standard_normal((1, 4)) * 0.5,
        "b2": np.zeros((1, 1)),
    }
    X = rng.standard_normal((3, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    return params, X, Y


# ----------------------------------------------------------------------------------------------
# The trio, seed-002 style: forward_prop(w1, b1, w2, b2, x), back_prop(z1, a1, z2, a2, w2, x, y)
# ----------------------------------------------------------------------------------------------


def forward_prop(w1: Any, b1: Any, w2: Any, b2: Any, x: Any) -> tuple[Any, Any, Any, Any]:
    z1 = w1.dot(x).reshape(-1, 1) + b1
    a1 = np.maximum(0, z1)
    z2 = w2.dot(a1) + b2
    a2 = np.tanh(z2)
    return z1, a1, z2, a2


def squared_error(a2: Any, y: Any) -> float:
    one_hot_y = np.zeros((a2.shape[0], 1))
    one_hot_y[y, 0] = 1
    return float(0.5 * np.sum((a2 - one_hot_y) ** 2))


def back_prop(z1: Any, a1: Any, z2: Any, a2: Any, w2: Any, x: Any, y: Any) -> Any:
    one_hot_y = np.zeros((a2.shape[0], 1))
    one_hot_y[y, 0] = 1
    dz2 = (a2 - one_hot_y) * (1 - np.tanh(z2) ** 2)
    dw2 = dz2.dot(a1.T)
    db2 = np.sum(dz2, 1, keepdims=True)
    dz1 = w2.T.dot(dz2) * (z1 > 0)
    dw1 = dz1.dot(x.T)
    db1 = np.sum(dz1, 1, keepdims=True)
    return dw1, db1, dw2, db2


def seed002_params(seed: int = 5) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "w1": rng.standard_normal((5, 6)) * 0.4,
        "b1": rng.standard_normal((5, 1)) * 0.1,
        "w2": rng.standard_normal((3, 5)) * 0.4,
        "b2": rng.standard_normal((3, 1)) * 0.1,
    }

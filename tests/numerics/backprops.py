"""Backward functions written the way learners write them, for the provenance tests (user code)."""

from __future__ import annotations

from typing import Any

import numpy as np

rng = np.random.default_rng(0)
X = rng.standard_normal((4, 6))
Y = np.eye(3)[:, rng.integers(0, 3, 6)]
m = X.shape[1]


def make_params() -> dict[str, np.ndarray]:
    r = np.random.default_rng(1)
    return {
        "W1": r.standard_normal((5, 4)) * 0.5,
        "b1": np.zeros((5, 1)),
        "W2": r.standard_normal((3, 5)) * 0.5,
        "b2": np.zeros((3, 1)),
    }


def forward(p: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    A1 = np.tanh(p["W1"] @ X + p["b1"])
    Z2 = p["W2"] @ A1 + p["b2"]
    E = np.exp(Z2 - Z2.max(axis=0))
    return A1, E / E.sum(axis=0)


def loss(p: dict[str, np.ndarray]) -> float:
    _, A2 = forward(p)
    return float(-np.sum(Y * np.log(A2)) / m)


def grads_missing_m(p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    A1, A2 = forward(p)
    dZ2 = (A2 - Y) / m
    dW2 = dZ2 @ A1.T * m
    db2 = np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = (p["W2"].T @ dZ2) * (1 - A1**2)
    dW1 = dZ1 @ X.T
    db1 = np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def linear_backward(dZ: np.ndarray, A_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dW = dZ @ A_prev.T
    db = np.sum(dZ, axis=1, keepdims=True)
    return dW, db


def grads_by_layer_loop(p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    A1, A2 = forward(p)
    grads: dict[str, Any] = {}
    caches = {1: X, 2: A1}
    dZ = (A2 - Y) / m
    for l in (2, 1):
        dW, db = linear_backward(dZ, caches[l])
        grads["dW" + str(l)] = dW
        grads["db" + str(l)] = db
        if l == 2:
            dZ = (p["W2"].T @ dZ) * (1 - A1**2)
    return grads


def back_prop(x: np.ndarray, y: np.ndarray, p: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    """One example at a time, as seed 002 does; the caller sums over the examples."""
    a1 = np.tanh(p["W1"] @ x + p["b1"])
    z2 = p["W2"] @ a1 + p["b2"]
    e = np.exp(z2 - z2.max())
    dz2 = (e / e.sum() - y) / m
    dw2 = dz2 @ a1.T
    db2 = dz2
    dz1 = (p["W2"].T @ dz2) * (1 - a1**2)
    dw1 = 2 * dz1 @ x.T
    db1 = dz1
    return dw1, db1, dw2, db2


def grads_summed(p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    total = None
    for j in range(m):
        step = back_prop(X[:, j : j + 1], Y[:, j : j + 1], p)
        total = list(step) if total is None else [t + s for t, s in zip(total, step)]
    assert total is not None
    dw1, db1, dw2, db2 = total
    return {"dW1": dw1, "db1": db1, "dW2": dw2, "db2": db2}


def grads_regularized_in_place(p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    A1, A2 = forward(p)
    dZ2 = (A2 - Y) / m
    dW2 = dZ2 @ A1.T
    dW2 += 0.1 * p["W2"]
    db2 = np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = (p["W2"].T @ dZ2) * (1 - A1**2)
    return {"dW1": dZ1 @ X.T, "db1": np.sum(dZ1, axis=1, keepdims=True), "dW2": dW2, "db2": db2}

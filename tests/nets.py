"""Small NumPy networks with hand-written backprop, correct and with planted bugs, for the tests.

Each ``make_*`` returns ``(params, loss, grads)`` in the loose form: ``loss(params) -> float`` and
``grads(params) -> {"dW1": ...}``. ``bug`` names a planted mistake; ``None`` is the correct model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Params = dict[str, np.ndarray]
LooseModel = tuple[Params, Callable[[Params], float], Callable[[Params], dict[str, np.ndarray]]]


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def make_mlp(
    sizes: tuple[int, ...] = (4, 5, 3),
    m: int = 6,
    *,
    bug: str | None = None,
    seed: int = 0,
    dtype: Any = np.float64,
    activation: str = "tanh",
    scale: float = 1.0,
    l2: float = 0.0,
) -> LooseModel:
    """A softmax classifier with hidden layers; columns are examples (course layout).

    bugs: "missing_1/m", "sign", "transpose" (square hidden layers), "derivative" (uses tanh for dtanh in
    ``bug_layer``), "bias_axis", "missing_key", "regulariser" (drops the L2 term from dW), "row" (one row of
    dW1 wrong), "scale2" (dW of the last layer doubled), "percent" (all dW scaled by 1.02).
    """
    rng = np.random.default_rng(seed)
    L = len(sizes) - 1
    params: Params = {}
    for l in range(1, L + 1):
        params[f"W{l}"] = (
            rng.standard_normal((sizes[l], sizes[l - 1])) / np.sqrt(sizes[l - 1])
        ).astype(dtype)
        params[f"b{l}"] = (0.1 * rng.standard_normal((sizes[l], 1))).astype(dtype)
    X = rng.standard_normal((sizes[0], m)).astype(dtype)
    labels = rng.integers(0, sizes[-1], m)
    Y = np.zeros((sizes[-1], m), dtype=dtype)
    Y[labels, np.arange(m)] = 1

    def act(z: np.ndarray) -> np.ndarray:
        return np.tanh(z) if activation == "tanh" else np.maximum(z, 0)

    def dact(z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return 1 - a**2 if activation == "tanh" else (z > 0).astype(z.dtype)

    def forward(p: Params) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        A = X
        caches = []
        for l in range(1, L + 1):
            Z = p[f"W{l}"] @ A + p[f"b{l}"]
            caches.append((A, Z))
            A = _softmax(Z) if l == L else act(Z)
        return A, caches

    def loss(p: Params) -> float:
        AL, _ = forward(p)
        data = -np.sum(Y * np.log(AL)) / m
        reg = 0.5 * l2 * sum(np.sum(p[f"W{l}"] ** 2) for l in range(1, L + 1)) / m
        return scale * (data + reg)

    def grads(p: Params) -> dict[str, np.ndarray]:
        AL, caches = forward(p)
        g: dict[str, np.ndarray] = {}
        dZ = (AL - Y) / m
        if bug == "missing_1/m":
            dZ = AL - Y
        for l in range(L, 0, -1):
            A_prev, _ = caches[l - 1]
            dW = dZ @ A_prev.T + l2 * p[f"W{l}"] / m
            if bug == "regulariser":
                dW = dZ @ A_prev.T
            db = np.sum(dZ, axis=1, keepdims=True)
            if bug == "bias_axis" and l == L:
                db = np.sum(dZ, axis=0, keepdims=True)
            if bug == "sign" and l == L:
                dW = -dW
            if bug == "transpose" and l == 2:
                dW = dW.T
            if bug == "row" and l == 1:
                dW = dW.copy()
                dW[1] *= 1.5
            if bug == "scale2" and l == L:
                dW = 2 * dW
            if bug == "percent":
                dW = dW * 1.02
            g[f"dW{l}"] = scale * dW
            g[f"db{l}"] = scale * db
            if l > 1:
                dA = p[f"W{l}"].T @ dZ
                A_prev_act = A_prev
                _, Z_prev = caches[l - 2]
                if bug == "derivative" and l - 1 == bug_layer(L):
                    dZ = dA * np.tanh(Z_prev)
                else:
                    dZ = dA * dact(Z_prev, A_prev_act)
        if bug == "missing_key":
            del g["db1"]
        return {k: v.astype(dtype) for k, v in g.items()}

    return params, loss, grads


def bug_layer(L: int) -> int:
    """The layer whose activation derivative the "derivative" bug gets wrong: the middle one."""
    return max(1, L // 2) if L > 2 else 1


def make_batchnorm(m: int = 8, seed: int = 0, bug: str | None = None) -> LooseModel:
    """Linear layer -> batch norm -> squared loss. The bias b1 feeds batch norm: its true gradient is 0."""
    rng = np.random.default_rng(seed)
    params: Params = {
        "W1": rng.standard_normal((3, 4)),
        "b1": rng.standard_normal((3, 1)),
        "gamma": 1 + 0.1 * rng.standard_normal((3, 1)),
        "beta": 0.1 * rng.standard_normal((3, 1)),
    }
    X = rng.standard_normal((4, m))
    T = rng.standard_normal((3, m))
    eps = 1e-5

    def forward(p: Params) -> tuple[np.ndarray, tuple[Any, ...]]:
        Z = p["W1"] @ X + p["b1"]
        mu = Z.mean(axis=1, keepdims=True)
        var = Z.var(axis=1, keepdims=True)
        Zh = (Z - mu) / np.sqrt(var + eps)
        out = p["gamma"] * Zh + p["beta"]
        return out, (Z, mu, var, Zh)

    def loss(p: Params) -> float:
        out, _ = forward(p)
        return 0.5 * float(np.sum((out - T) ** 2)) / m

    def grads(p: Params) -> dict[str, np.ndarray]:
        out, (_, _, var, Zh) = forward(p)
        dout = (out - T) / m
        dgamma = np.sum(dout * Zh, axis=1, keepdims=True)
        dbeta = np.sum(dout, axis=1, keepdims=True)
        dZh = dout * p["gamma"]
        inv = 1 / np.sqrt(var + eps)
        dZ = inv * (
            dZh - dZh.mean(axis=1, keepdims=True) - Zh * (dZh * Zh).mean(axis=1, keepdims=True)
        )
        if bug == "bn_mean":
            dZ = inv * (dZh - Zh * (dZh * Zh).mean(axis=1, keepdims=True))
        return {
            "dW1": dZ @ X.T,
            "db1": np.sum(dZ, axis=1, keepdims=True),
            "dgamma": dgamma,
            "dbeta": dbeta,
        }

    return params, loss, grads


def make_relu_kinks(seed: int = 0, dtype: Any = np.float64, bug: str | None = None) -> LooseModel:
    """ReLU at exactly 0, |x| at 0 and a max with ties: the loss has corners at the checked point."""
    rng = np.random.default_rng(seed)
    params: Params = {
        "w": np.array([0.0, 1.5, -2.0, 0.0, 0.7], dtype=dtype),
        "v": np.array([[1.0, 1.0, 0.5], [2.0, 0.0, 2.0]], dtype=dtype),
    }
    c = rng.standard_normal(5).astype(dtype)

    def loss(p: Params) -> float:
        relu = np.maximum(p["w"], 0)
        pooled = p["v"].max(axis=1)  # ties in both rows
        return float(np.sum(c * relu) + np.sum(np.abs(p["w"])) + np.sum(pooled**2))

    def grads(p: Params) -> dict[str, np.ndarray]:
        dw = c * (p["w"] > 0) + np.sign(p["w"])
        if bug == "relu_sign":
            dw = -c * (p["w"] > 0) + np.sign(p["w"])
        dv = np.zeros_like(p["v"])
        arg = p["v"].argmax(axis=1)
        rows = np.arange(p["v"].shape[0])
        dv[rows, arg] = 2 * p["v"][rows, arg]
        return {"dw": dw, "dv": dv}

    return params, loss, grads

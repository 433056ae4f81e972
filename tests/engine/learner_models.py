"""Correct models written the way learners write them, with the corners and dtypes that trip checkers.

Each ``make_*`` returns ``(params, loss, grads)`` in the loose form; ``bug`` plants a mistake.
- `make_course_relu`: the deep-learning course's L-layer ReLU net (zero biases, sigmoid output,
  cross-entropy, examples in columns). When every layer-1 ReLU is dead for an example, Z2 of that
  example is exactly b2 = 0: a true kink, and the analytic db2 is the left derivative.
- `make_maxpool_ties`: affine -> ReLU -> max over windows of two identical units -> softmax.
- `make_svm`: CS231n's multiclass SVM on integer data, so margins land exactly on 0.
- `make_abs_clip`: an L1 penalty with exact zeros and a clip with values exactly at its bounds.
- `make_bn_net`: CS231n's affine -> batch norm -> ReLU -> affine -> softmax, float32, batch 4.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tests.nets import LooseModel, Params


def init_scale(kind: str, fan_in: int) -> float:
    """The initialisations learners use: 0.01, Xavier-like 1/sqrt(n), He sqrt(2/n), or 1.0."""
    return {"0.01": 0.01, "xavier": 1 / np.sqrt(fan_in), "he": np.sqrt(2 / fan_in), "1.0": 1.0}[
        kind
    ]


def course_relu_draws(
    dims: Sequence[int], m: int, seed: int, init: str
) -> tuple[Params, np.ndarray, np.ndarray]:
    """The course net's parameters (zero biases), inputs X (examples in columns) and labels Y."""
    rng = np.random.default_rng(seed)
    params: Params = {}
    for l in range(1, len(dims)):
        scale = init_scale(init, dims[l - 1])
        params[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * scale
        params[f"b{l}"] = np.zeros((dims[l], 1))
    X = rng.standard_normal((dims[0], m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    return params, X, Y


def course_relu_forward(
    p: Params, X: np.ndarray
) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """L_model_forward: [LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID; (AL, caches of (A_prev, Z))."""
    L = len(p) // 2
    A = X
    caches = []
    for l in range(1, L):
        Z = p[f"W{l}"] @ A + p[f"b{l}"]
        caches.append((A, Z))
        A = np.maximum(0, Z)
    Z = p[f"W{L}"] @ A + p[f"b{L}"]
    caches.append((A, Z))
    return 1 / (1 + np.exp(-Z)), caches


def make_course_relu(
    dims: Sequence[int], m: int, seed: int = 0, init: str = "he", bug: str | None = None
) -> LooseModel:
    """bugs: "db_sum" (db1 forgets 1/m), "dZ_mask" (layer 1 uses Z >= 0 wrongly as 1 everywhere)."""
    params, X, Y = course_relu_draws(dims, m, seed, init)
    L = len(dims) - 1

    def forward(p: Params) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        return course_relu_forward(p, X)

    def loss(p: Params) -> float:
        AL, _ = forward(p)
        return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m)

    def grads(p: Params) -> dict[str, np.ndarray]:
        AL, caches = forward(p)
        g: dict[str, np.ndarray] = {}
        dA = -(Y / AL - (1 - Y) / (1 - AL))
        dZ = dA * AL * (1 - AL)
        for l in range(L, 0, -1):
            A_prev, _ = caches[l - 1]
            g[f"dW{l}"] = dZ @ A_prev.T / m
            g[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True) / (
                1 if bug == "db_sum" and l == 1 else m
            )
            if l > 1:
                dA = p[f"W{l}"].T @ dZ
                _, Z_prev = caches[l - 2]
                dZ = np.array(dA, copy=True)
                if not (bug == "dZ_mask" and l == 2):
                    dZ[Z_prev <= 0] = 0
        return g

    return params, loss, grads


def _softmax_loss(scores: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """CS231n's softmax loss over rows: (loss, dscores)."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = scores.shape[0]
    probs = np.exp(logp)
    probs[np.arange(n), y] -= 1
    return float(-logp[np.arange(n), y].mean()), probs / n


def make_maxpool_ties(
    seed: int = 0, n: int = 5, d: int = 4, units: int = 3, classes: int = 3, bug: str | None = None
) -> LooseModel:
    """Each window pools two identical hidden units (W1's columns come in equal pairs).

    The backward routes each window's gradient to its first maximum, a valid subgradient.
    bug: "route_both" sends the gradient to both tied units (twice the true slope).
    """
    rng = np.random.default_rng(seed)
    half = rng.standard_normal((d, units)) * 0.5
    params: Params = {
        "W1": np.repeat(half, 2, axis=1),
        "b1": np.zeros(2 * units),
        "W2": rng.standard_normal((units, classes)) * 0.5,
        "b2": np.zeros(classes),
    }
    X = rng.standard_normal((n, d))
    y = rng.integers(0, classes, n)

    def forward(p: Params) -> tuple[np.ndarray, ...]:
        h = np.maximum(0, X @ p["W1"] + p["b1"])
        windows = h.reshape(n, units, 2)
        pooled = windows.max(axis=2)
        return h, windows, pooled, pooled @ p["W2"] + p["b2"]

    def loss(p: Params) -> float:
        return _softmax_loss(forward(p)[3], y)[0]

    def grads(p: Params) -> dict[str, np.ndarray]:
        h, windows, pooled, scores = forward(p)
        _, ds = _softmax_loss(scores, y)
        dpooled = ds @ p["W2"].T
        arg = windows.argmax(axis=2)
        dwin = np.zeros_like(windows)
        rows, cols = np.indices(arg.shape)
        dwin[rows, cols, arg] = dpooled
        if bug == "route_both":
            dwin = np.repeat(dpooled[:, :, None], 2, axis=2)
        dh = dwin.reshape(h.shape) * (h > 0)
        return {
            "dW1": X.T @ dh,
            "db1": dh.sum(axis=0),
            "dW2": pooled.T @ ds,
            "db2": ds.sum(axis=0),
        }

    return params, loss, grads


def make_svm(
    seed: int = 0,
    n: int = 6,
    d: int = 4,
    classes: int = 3,
    reg: float = 0.1,
    bug: str | None = None,
) -> LooseModel:
    """CS231n's svm_loss_naive on integer data: many margins are exactly 0, true kinks.

    bug: "no_reg" drops the regulariser's 2 reg W from dW.
    """
    rng = np.random.default_rng(seed)
    params: Params = {"W": rng.integers(-2, 3, (d, classes)) * 0.5}
    X = rng.integers(-2, 3, (n, d)).astype(float)
    y = rng.integers(0, classes, n)

    def loss(p: Params) -> float:
        W = p["W"]
        total = 0.0
        for i in range(n):
            scores = X[i] @ W
            for j in range(classes):
                if j != y[i]:
                    total += max(0.0, float(scores[j] - scores[y[i]] + 1))
        return total / n + reg * float(np.sum(W * W))

    def grads(p: Params) -> dict[str, np.ndarray]:
        W = p["W"]
        dW = np.zeros_like(W)
        for i in range(n):
            scores = X[i] @ W
            for j in range(classes):
                if j != y[i] and scores[j] - scores[y[i]] + 1 > 0:
                    dW[:, j] += X[i]
                    dW[:, y[i]] -= X[i]
        dW = dW / n + (0 if bug == "no_reg" else 2 * reg * W)
        return {"dW": dW}

    return params, loss, grads


def make_abs_clip(seed: int = 0, bug: str | None = None) -> LooseModel:
    """An L1 penalty whose weights hold exact zeros, and a clip whose inputs sit at its bounds.

    bug: "abs_sign" takes the L1 gradient as -sign(w).
    """
    rng = np.random.default_rng(seed)
    params: Params = {
        "w": np.array([0.0, 0.5, -1.0, 0.0, 2.0, 0.0]),
        "u": np.array([1.0, -1.0, 0.25, 1.0, -0.5]),
    }
    c = rng.standard_normal(5)

    def loss(p: Params) -> float:
        return float(0.3 * np.sum(np.abs(p["w"])) + np.sum(c * np.clip(p["u"], -1.0, 1.0)))

    def grads(p: Params) -> dict[str, np.ndarray]:
        dw = 0.3 * np.sign(p["w"]) * (-1 if bug == "abs_sign" else 1)
        du = c * ((p["u"] > -1.0) & (p["u"] < 1.0))
        return {"dw": dw, "du": du}

    return params, loss, grads


def make_bn_net(
    seed: int = 0,
    n: int = 4,
    d: int = 5,
    hidden: int = 6,
    classes: int = 3,
    dtype: Any = np.float32,
    bug: str | None = None,
) -> LooseModel:
    """CS231n's FullyConnectedNet with batch norm: affine -> BN -> ReLU -> affine -> softmax.

    Weights drawn with weight_scale 1e-2 as in the assignment, data in ``dtype``.
    bug: "dgamma_scale" multiplies dgamma by 1.02; "dW1_percent" multiplies dW1 by 1.02.
    """
    rng = np.random.default_rng(seed)
    params: Params = {
        "W1": (rng.standard_normal((d, hidden)) * 5e-2).astype(dtype),
        "b1": np.zeros(hidden, dtype=dtype),
        "gamma1": np.ones(hidden, dtype=dtype),
        "beta1": np.zeros(hidden, dtype=dtype),
        "W2": (rng.standard_normal((hidden, classes)) * 5e-2).astype(dtype),
        "b2": np.zeros(classes, dtype=dtype),
    }
    X = rng.standard_normal((n, d)).astype(dtype)
    y = rng.integers(0, classes, n)
    eps = 1e-5

    def forward(p: Params) -> tuple[np.ndarray, ...]:
        a = X @ p["W1"] + p["b1"]
        mu = a.mean(axis=0)
        var = a.var(axis=0)
        xhat = (a - mu) / np.sqrt(var + eps)
        bn = p["gamma1"] * xhat + p["beta1"]
        h = np.maximum(0, bn)
        return a, var, xhat, bn, h, h @ p["W2"] + p["b2"]

    def loss(p: Params) -> float:
        scores = forward(p)[5]
        shifted = scores - scores.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -logp[np.arange(n), y].mean()  # type: ignore[no-any-return]

    def grads(p: Params) -> dict[str, np.ndarray]:
        _, var, xhat, bn, h, scores = forward(p)
        shifted = scores - scores.max(axis=1, keepdims=True)
        probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        probs[np.arange(n), y] -= 1
        ds = probs / n
        dh = ds @ p["W2"].T
        dbn = dh * (bn > 0)
        dgamma = (dbn * xhat).sum(axis=0) * (1.02 if bug == "dgamma_scale" else 1)
        dxhat = dbn * p["gamma1"]
        inv = 1 / np.sqrt(var + eps)
        da = inv / n * (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0))
        dW1 = (X.T @ da) * (1.02 if bug == "dW1_percent" else 1)
        return {
            "dW1": dW1.astype(dtype),
            "db1": da.sum(axis=0).astype(dtype),
            "dgamma1": dgamma.astype(dtype),
            "dbeta1": dbn.sum(axis=0).astype(dtype),
            "dW2": (h.T @ ds).astype(dtype),
            "db2": ds.sum(axis=0).astype(dtype),
        }

    return params, loss, grads

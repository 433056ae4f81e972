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


# --------------------------------------------------------------------------------------------------
# CS231n-style two-layer net trained with minibatch SGD: each cost is of another batch, so it jitters.


class TwoLayerNet:
    def __init__(self, seed: int = 0, hidden: int = 32, n: int = 600, classes: int = 3) -> None:
        rng = np.random.default_rng(seed)
        self.rng = np.random.default_rng(seed + 1)
        self.X = rng.standard_normal((n, 2))
        angle = np.arctan2(self.X[:, 1], self.X[:, 0])
        self.y = ((angle + np.pi) / (2 * np.pi) * classes).astype(int) % classes
        self.params = {
            "W1": rng.standard_normal((2, hidden)) * np.sqrt(2 / 2),
            "b1": np.zeros(hidden),
            "W2": rng.standard_normal((hidden, classes)) * np.sqrt(1 / hidden),
            "b2": np.zeros(classes),
        }
        self.batch_size = 32
        self.learning_rate = 0.1
        self.loss_history: list[float] = []

    def loss(self, X: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        p = self.params
        h = np.maximum(0, X @ p["W1"] + p["b1"])
        scores = h @ p["W2"] + p["b2"]
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        N = X.shape[0]
        loss = -log_probs[np.arange(N), y].mean()
        dscores = np.exp(log_probs)
        dscores[np.arange(N), y] -= 1
        dscores /= N
        dh = dscores @ p["W2"].T
        dh[h <= 0] = 0
        grads = {
            "W1": X.T @ dh,
            "b1": dh.sum(axis=0),
            "W2": h.T @ dscores,
            "b2": dscores.sum(axis=0),
        }
        return float(loss), grads

    def train_step(self) -> float:
        idx = self.rng.choice(len(self.y), self.batch_size)
        loss, grads = self.loss(self.X[idx], self.y[idx])
        for k in self.params:
            self.params[k] -= self.learning_rate * grads[k]
        self.loss_history.append(loss)
        return loss

    def full_loss(self, params: Mapping[str, np.ndarray]) -> float:
        return self.loss(self.X, self.y)[0]

    def full_grads(self, params: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        return self.loss(self.X, self.y)[1]


# --------------------------------------------------------------------------------------------------
# A deep ReLU net, course style, whose hidden activations are one conditional expression; a learning
# rate far too high drives every hidden unit dead without a single NaN.


def sigmoid(Z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-Z))


class DeepNet:
    def __init__(self, layers: tuple[int, ...] = (4, 16, 16, 1), seed: int = 0, m: int = 128):
        rng = np.random.default_rng(seed)
        self.X = rng.standard_normal((layers[0], m))
        self.Y = (self.X[0:1] * self.X[1:2] > 0).astype(np.float64)
        self.L = len(layers) - 1
        self.parameters: dict[str, np.ndarray] = {}
        for l in range(1, self.L + 1):
            self.parameters["W" + str(l)] = rng.standard_normal(
                (layers[l], layers[l - 1])
            ) * np.sqrt(2 / layers[l - 1])
            self.parameters["b" + str(l)] = np.zeros((layers[l], 1))
        self.caches: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.learning_rate = 0.05

    def forward(self) -> np.ndarray:
        A = self.X
        self.caches["A0"] = A
        L = self.L
        for l in range(1, L + 1):
            Z = self.parameters["W" + str(l)] @ A + self.parameters["b" + str(l)]
            A = sigmoid(Z) if l == L else np.maximum(0, Z)
            self.caches["Z" + str(l)] = Z
            self.caches["A" + str(l)] = A
        return A

    def cost(self) -> Any:
        AL = np.clip(self.caches["A" + str(self.L)], 1e-12, 1 - 1e-12)
        return -np.mean(self.Y * np.log(AL) + (1 - self.Y) * np.log(1 - AL))

    def backward(self) -> None:
        m = self.X.shape[1]
        dZ = self.caches["A" + str(self.L)] - self.Y
        for l in range(self.L, 0, -1):
            self.grads["dW" + str(l)] = dZ @ self.caches["A" + str(l - 1)].T / m
            self.grads["db" + str(l)] = dZ.sum(axis=1, keepdims=True) / m
            if l > 1:
                dA = self.parameters["W" + str(l)].T @ dZ
                dZ = dA * (self.caches["Z" + str(l - 1)] > 0)

    def train_step(self) -> Any:
        self.forward()
        cost = self.cost()
        self.backward()
        for key in self.parameters:
            self.parameters[key] -= self.learning_rate * self.grads["d" + key]
        return cost

    def dead_hidden_units(self) -> int:
        """The truth, taken by hand: hidden units that are not positive for any example."""
        self.forward()
        return sum(
            int(np.sum(~(self.caches["A" + str(l)] > 0).any(axis=1))) for l in range(1, self.L)
        )


# --------------------------------------------------------------------------------------------------
# Logistic regression trained with Adam, written the way a learner silences warnings: the second
# moment averages g instead of g ** 2 and its sqrt goes NaN inside np.errstate(invalid="ignore").


class AdamLogistic:
    def __init__(self, seed: int = 0, m: int = 64) -> None:
        rng = np.random.default_rng(seed)
        self.X = rng.standard_normal((m, 3))
        self.y = (self.X @ np.array([1.0, -1.0, 0.5]) > 0).astype(np.float64)
        self.params = {"w": rng.standard_normal(3) * 0.01, "b": np.zeros(1)}
        self.m = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.v = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.t = 0
        self.lr, self.beta1, self.beta2, self.eps = 0.01, 0.9, 0.999, 1e-8

    def loss(self) -> Any:
        z = self.X @ self.params["w"] + self.params["b"]
        p = 1 / (1 + np.exp(-z))
        return -np.mean(self.y * np.log(p + 1e-12) + (1 - self.y) * np.log(1 - p + 1e-12))

    def gradients(self) -> dict[str, np.ndarray]:
        z = self.X @ self.params["w"] + self.params["b"]
        p = 1 / (1 + np.exp(-z))
        return {"w": self.X.T @ (p - self.y) / len(self.y), "b": np.array([np.mean(p - self.y)])}

    def train_step(self) -> Any:
        cost = self.loss()
        g = self.gradients()
        self.t += 1
        with np.errstate(invalid="ignore"):
            for k in self.params:
                self.m[k] = self.beta1 * self.m[k] + (1 - self.beta1) * g[k]
                self.v[k] = self.beta2 * self.v[k] + (1 - self.beta2) * g[k]
                m_hat = self.m[k] / (1 - self.beta1**self.t)
                v_hat = self.v[k] / (1 - self.beta2**self.t)
                self.params[k] -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)  # <- origin: adam
        return cost

    def first_bad_step(self, steps: int) -> int | None:
        """The truth, unwatched: the first step after which a parameter is non-finite."""
        for step in range(1, steps + 1):
            self.train_step()
            if not all(np.isfinite(v).all() for v in self.params.values()):
                return step
        return None


# --------------------------------------------------------------------------------------------------
# A backward pass that silences NumPy: dA divides by a sigmoid output that rounded to exactly 1.0.


class SilencedBackward:
    def __init__(self, seed: int = 0, m: int = 40) -> None:
        rng = np.random.default_rng(seed)
        self.X = rng.standard_normal((2, m)) * 4
        self.Y = (self.X[0:1] > 0).astype(np.float64)
        self.params = {"W": rng.standard_normal((1, 2)), "b": np.zeros((1, 1))}

    def loss(self, params: Mapping[str, np.ndarray]) -> Any:
        A = 1 / (1 + np.exp(-(params["W"] @ self.X + params["b"])))
        with np.errstate(all="ignore"):
            return -np.mean(self.Y * np.log(A) + (1 - self.Y) * np.log(1 - A))

    def grads(self, params: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        with np.errstate(all="ignore"):
            A = 1 / (1 + np.exp(-(params["W"] @ self.X + params["b"])))
            dA = -(self.Y / A - (1 - self.Y) / (1 - A))  # <- origin: silenced divide
            dZ = dA * A * (1 - A)
        m = self.X.shape[1]
        return {"W": dZ @ self.X.T / m, "b": dZ.sum(axis=1, keepdims=True) / m}


# --------------------------------------------------------------------------------------------------
# The softmax story as a course-style object whose backward is decorated with @gradcheck.watch.


class SoftmaxNet:
    def __init__(self, seed: int = 0) -> None:
        inner = SoftmaxOnPixels(seed)
        self.X, self.y, self.params = inner.X, inner.y, inner.params
        self.learning_rate = 0.5
        self.grads: dict[str, np.ndarray] = {}

    def forward(self) -> None:
        scores = self.X @ self.params["W"] + self.params["b"]
        exps = np.exp(scores - scores.max(axis=1, keepdims=True))
        self.probs = exps / exps.sum(axis=1, keepdims=True)

    def compute_cost(self) -> None:
        correct = self.probs[np.arange(len(self.y)), self.y]
        self.cost = -np.mean(np.log(correct))  # <- origin: stored cost

    def backward(self) -> None:
        dscores = self.probs.copy()
        dscores[np.arange(len(self.y)), self.y] -= 1
        dscores /= len(self.y)
        self.grads = {"dW": self.X.T @ dscores, "db": dscores.sum(axis=0)}

    def update(self) -> None:
        self.params["W"] -= self.learning_rate * self.grads["dW"]
        self.params["b"] -= self.learning_rate * self.grads["db"]

    def train(self, steps: int) -> None:
        for _ in range(steps):
            self.forward()
            self.compute_cost()
            self.backward()
            self.update()


# --------------------------------------------------------------------------------------------------
# A tanh net whose hidden units saturate as a too-large learning rate grows the first layer's weights.


class TanhNet:
    def __init__(self, seed: int = 0, n_h: int = 12, m: int = 100) -> None:
        rng = np.random.default_rng(seed)
        self.X = rng.standard_normal((3, m))
        self.Y = (np.sin(2 * self.X[0:1]) + self.X[1:2] > 0).astype(np.float64)
        self.W1 = rng.standard_normal((n_h, 3)) * np.sqrt(1 / 3)
        self.b1 = np.zeros((n_h, 1))
        self.W2 = rng.standard_normal((1, n_h)) * np.sqrt(1 / n_h)
        self.b2 = np.zeros((1, 1))
        self.learning_rate = 0.1

    def forward_propagation(self) -> np.ndarray:
        self.Z1 = self.W1 @ self.X + self.b1
        self.A1 = np.tanh(self.Z1)
        self.Z2 = self.W2 @ self.A1 + self.b2
        self.A2 = 1 / (1 + np.exp(-self.Z2))
        return self.A2

    def compute_cost(self) -> Any:
        A2 = np.clip(self.A2, 1e-12, 1 - 1e-12)
        self.cost = -np.mean(self.Y * np.log(A2) + (1 - self.Y) * np.log(1 - A2))
        return self.cost

    def backward_propagation(self) -> None:
        m = self.X.shape[1]
        dZ2 = self.A2 - self.Y
        self.dW2 = dZ2 @ self.A1.T / m
        self.db2 = dZ2.sum(axis=1, keepdims=True) / m
        dZ1 = (self.W2.T @ dZ2) * (1 - self.A1**2)
        self.dW1 = dZ1 @ self.X.T / m
        self.db1 = dZ1.sum(axis=1, keepdims=True) / m

    def train_step(self) -> Any:
        self.forward_propagation()
        cost = self.compute_cost()
        self.backward_propagation()
        for name in ("W1", "b1", "W2", "b2"):
            setattr(
                self, name, getattr(self, name) - self.learning_rate * getattr(self, "d" + name)
            )
        return cost

    def saturated_share(self) -> float:
        """The truth by hand: the share of hidden outputs with |tanh| > 0.97."""
        self.forward_propagation()
        return float(np.mean(np.abs(self.A1) > 0.97))

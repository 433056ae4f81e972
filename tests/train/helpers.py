"""Shared by the train room's tests: a small course-style network, and where a line of a file is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import gradcheck

SAMPLES = Path(__file__).resolve().parent.parent.parent / "sample_models"


# --------------------------------------------------------------------------------------------------
# A small course-style network: dicts params / grads / cache, backward returns None


class Net:
    def __init__(self, seed: int = 0, n_in: int = 5, n_h: int = 16, m: int = 64, bug: bool = False):
        rng = np.random.default_rng(seed)
        self.X = rng.standard_normal((n_in, m))
        self.Y = (rng.random((1, m)) > 0.5).astype(np.float64)
        self.params = {
            "W1": rng.standard_normal((n_h, n_in)) * np.sqrt(2 / n_in),
            "b1": np.zeros((n_h, 1)),
            "W2": rng.standard_normal((1, n_h)) * np.sqrt(1 / n_h),
            "b2": np.zeros((1, 1)),
        }
        self.grads: dict[str, np.ndarray] = {}
        self.cache: dict[str, np.ndarray] = {}
        self.bug = bug

    def forward(self) -> np.ndarray:
        p = self.params
        Z1 = p["W1"] @ self.X + p["b1"]
        A1 = np.maximum(Z1, 0)
        Z2 = p["W2"] @ A1 + p["b2"]
        A2 = 1 / (1 + np.exp(-Z2))
        self.cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
        return A2

    def compute_cost(self) -> Any:
        A2 = self.cache["A2"]
        self.cost = -np.mean(self.Y * np.log(A2) + (1 - self.Y) * np.log(1 - A2))
        return self.cost

    def backward(self) -> None:
        m = self.X.shape[1]
        c, p = self.cache, self.params
        dZ2 = c["A2"] - self.Y
        dW2 = dZ2 @ c["A1"].T / m
        if self.bug:
            dW2 = 2 * dW2
        dA1 = p["W2"].T @ dZ2
        dZ1 = dA1 * (c["Z1"] > 0)
        self.grads = {
            "dW1": dZ1 @ self.X.T / m,
            "db1": dZ1.sum(axis=1, keepdims=True) / m,
            "dW2": dW2,
            "db2": dZ2.sum(axis=1, keepdims=True) / m,
        }

    def update(self, lr: float) -> None:
        for k in self.params:
            self.params[k] -= lr * self.grads["d" + k]


def watched(**options: Any) -> type[Net]:
    """Net with ``backward`` decorated by ``gradcheck.watch(**options)``."""

    class WatchedNet(Net):
        @gradcheck.watch(**options)
        def backward(self) -> None:
            Net.backward(self)

    return WatchedNet


def run_training(net: Net, steps: int, lr: float = 0.5) -> list[float]:
    costs = []
    for _ in range(steps):
        net.forward()
        costs.append(float(net.compute_cost()))
        net.backward()
        net.update(lr)
    return costs


def source_line(path: Path | str, needle: str) -> int:
    lines = Path(path).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def kinds(ws: list[gradcheck.ReportWarning]) -> list[str]:
    return [w.kind for w in ws]

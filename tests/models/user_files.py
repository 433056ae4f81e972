"""User files the loader tests write: a loose model, a trio, an object; and a numeric check."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np

from gradcheck import Model

LOOSE = """
import numpy as np

X = np.array([[1.0, 2.0, -1.0], [0.5, -0.5, 2.0]])
Y = np.array([[1.0, 0.0, 1.0]])
params = {"W": np.array([[0.1, -0.2]]), "b": np.zeros((1, 1))}


def loss(p):
    return float(0.5 * np.sum((p["W"] @ X + p["b"] - Y) ** 2) / X.shape[1])


def grads(p):
    r = (p["W"] @ X + p["b"] - Y) / X.shape[1]
    return {"dW": r @ X.T, "db": r.sum(axis=1, keepdims=True)}
"""


TRIO = """
import numpy as np

X = np.array([[1.0, 2.0, -1.0], [0.5, -0.5, 2.0]])
Y = np.array([[1.0, 0.0, 1.0]])
parameters = {"W1": np.array([[0.1, -0.2]]), "b1": np.zeros((1, 1))}


def forward(X, parameters):
    Z = parameters["W1"] @ X + parameters["b1"]
    return Z, (X, Z)


def cost(AL, Y):
    return float(0.5 * np.sum((AL - Y) ** 2) / Y.shape[1])


def backward(AL, Y, caches):
    X, Z = caches
    dZ = (AL - Y) / Y.shape[1]
    return {"dW1": dZ @ X.T, "db1": dZ.sum(axis=1, keepdims=True), "dA0": None}
"""


OBJECT = """
import numpy as np


class Net:
    def __init__(self):
        self.X = np.array([[1.0, 2.0, -1.0], [0.5, -0.5, 2.0]])
        self.Y = np.array([[1.0, 0.0, 1.0]])
        self.W = {1: np.array([[0.1, -0.2]])}
        self.dW = {}

    def forward(self):
        self.Z = self.W[1] @ self.X
        return self.Z

    def compute_cost(self, AL):
        return float(0.5 * np.sum((AL - self.Y) ** 2))

    def backward(self):
        self.dW[1] = (self.Z - self.Y) @ self.X.T


net = Net()
"""


def write(tmp_path: Path, text: str, name: str = "model.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def numeric_matches(model: Model) -> bool:
    """The model's analytic gradients agree with centered differences (h = 1e-6)."""
    grads = model.grads()
    for name, arr in model.params.items():
        g = next(grads[k] for k in (name, "d" + name) if k in grads)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + 1e-6
            plus = float(model.loss())
            arr[idx] = old - 1e-6
            minus = float(model.loss())
            arr[idx] = old
            if abs((plus - minus) / 2e-6 - g[idx]) > 1e-6 * (1 + abs(g[idx])):
                return False
    return True

"""Notebooks the notebook tests write: nbformat 4 JSON by hand, in the forms learners use.

Each model is a list of cells, (cell_type, source) with source a string or a list of lines, as
Jupyter writes either. A correct version and one with a planted bug of each form.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

Cells = list[tuple[str, Any]]

IMPORTS = ["import numpy as np\n"]

DATA = """rng = np.random.default_rng(0)
X = rng.standard_normal((3, 6))
Y = (rng.random((1, 6)) > 0.5).astype(float)"""

# Loose functions: a linear model under squared error. The bug: the 2 of d(x^2)/dx kept under a 1/2.
LOOSE_MODEL = """params = {"W": rng.standard_normal((1, 3)), "b": np.zeros((1, 1))}

def loss(p):
    Z = p["W"] @ X + p["b"]
    return float(0.5 * np.sum((Z - Y) ** 2) / X.shape[1])

def grads(p):
    r = (p["W"] @ X + p["b"] - Y) / X.shape[1]
    return {"dW": r @ X.T, "db": r.sum(axis=1, keepdims=True)}"""
LOOSE_BUG = LOOSE_MODEL.replace('"dW": r @ X.T', '"dW": 2 * r @ X.T')

# The course trio: a tanh hidden layer, a sigmoid output, cross-entropy. The bug: db1's sign.
TRIO_PARAMS = """parameters = {
    "W1": rng.standard_normal((4, 3)) * 0.5, "b1": np.zeros((4, 1)),
    "W2": rng.standard_normal((1, 4)) * 0.5, "b2": np.zeros((1, 1)),
}"""
TRIO_FUNCTIONS = """def forward(X, parameters):
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = 1 / (1 + np.exp(-Z2))
    return A2, (Z1, A1, Z2, A2)


def cost(A2, Y):
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m)


def backward(parameters, cache, X, Y):
    m = X.shape[1]
    Z1, A1, Z2, A2 = cache
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = parameters["W2"].T @ dZ2 * (1 - A1 ** 2)
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}"""
TRIO_BUG = TRIO_FUNCTIONS.replace(
    "db1 = np.sum(dZ1, axis=1, keepdims=True) / m", "db1 = -np.sum(dZ1, axis=1, keepdims=True) / m"
)

# An object like seed000's NeuralNetwork: dicts params/cache/grads, methods named as in the course.
# The bug: dW without the 1/m.
NETWORK_CLASS = """class NeuralNetwork:
    def __init__(self, X, Y, dimensions):
        self.X, self.Y, self.dimensions = X, Y, dimensions
        self.params, self.cache, self.grads = {}, {}, {}
        self.cost = 1.0

    def initialize(self, seed=3):
        rng = np.random.default_rng(seed)
        for l in range(1, len(self.dimensions)):
            fan_in = self.dimensions[l - 1]
            self.params["W" + str(l)] = rng.standard_normal((self.dimensions[l], fan_in)) * np.sqrt(2 / fan_in)
            self.params["b" + str(l)] = np.full((self.dimensions[l], 1), 0.01)

    def forward_propagation(self):
        L = len(self.dimensions) - 1
        self.cache["A0"] = self.X
        for l in range(1, L + 1):
            Z = self.params["W" + str(l)] @ self.cache["A" + str(l - 1)] + self.params["b" + str(l)]
            self.cache["Z" + str(l)] = Z
            self.cache["A" + str(l)] = np.tanh(Z) if l < L else 1 / (1 + np.exp(-Z))

    def compute_cost(self):
        m = self.Y.shape[1]
        A = self.cache["A" + str(len(self.dimensions) - 1)]
        self.cost = float(-np.sum(self.Y * np.log(A) + (1 - self.Y) * np.log(1 - A)) / m)

    def backward_propagation(self):
        L = len(self.dimensions) - 1
        m = self.X.shape[1]
        dZ = self.cache["A" + str(L)] - self.Y
        for l in range(L, 0, -1):
            if l < L:
                dZ = self.grads["dA" + str(l)] * (1 - self.cache["A" + str(l)] ** 2)
            self.grads["dW" + str(l)] = dZ @ self.cache["A" + str(l - 1)].T / m
            self.grads["db" + str(l)] = np.sum(dZ, axis=1, keepdims=True) / m
            self.grads["dA" + str(l - 1)] = self.params["W" + str(l)].T @ dZ

    def update_parameters(self, alpha=0.5):
        for l in range(1, len(self.dimensions)):
            self.params["W" + str(l)] -= alpha * self.grads["dW" + str(l)]
            self.params["b" + str(l)] -= alpha * self.grads["db" + str(l)]"""
NETWORK_BUG = NETWORK_CLASS.replace(
    'self.grads["dW" + str(l)] = dZ @ self.cache["A" + str(l - 1)].T / m',
    'self.grads["dW" + str(l)] = dZ @ self.cache["A" + str(l - 1)].T',
)
NETWORK_USE = """clf = NeuralNetwork(X, Y, [3, 4, 1])
clf.initialize()
gradcheck_model = clf  # as in sample_models/seed000"""
TRAIN_STEP = """def train_step():
    clf.forward_propagation()
    clf.compute_cost()
    clf.backward_propagation()
    clf.update_parameters()
    return clf.cost"""


def code(source: Any) -> tuple[str, Any]:
    return ("code", source)


def markdown(source: Any) -> tuple[str, Any]:
    return ("markdown", source)


def lines(text: str) -> list[str]:
    """A cell's source as Jupyter usually stores it: a list of lines, each but the last with \\n."""
    return text.splitlines(keepends=True)


def loose(bug: bool = False) -> Cells:
    return [
        markdown("# Linear regression, by hand"),
        code(IMPORTS),
        code(DATA),
        code(lines(LOOSE_BUG if bug else LOOSE_MODEL)),
    ]


def trio(bug: bool = False) -> Cells:
    return [
        code(IMPORTS),
        code(DATA + "\n" + TRIO_PARAMS),
        markdown(["## Forward and backward\n", "The three functions of the assignment."]),
        code(lines(TRIO_BUG if bug else TRIO_FUNCTIONS)),
    ]


def network(bug: bool = False) -> Cells:
    return [
        code(IMPORTS),
        code(lines(NETWORK_BUG if bug else NETWORK_CLASS)),
        code(DATA),
        code(NETWORK_USE),
        code(TRAIN_STEP),
    ]


def notebook_json(cells: Cells) -> dict[str, Any]:
    """An nbformat 4 document, with the fields Jupyter writes (outputs, execution counts, metadata)."""
    written = []
    for n, (kind, source) in enumerate(cells, start=1):
        cell: dict[str, Any] = {"cell_type": kind, "metadata": {}, "source": source}
        if kind == "code":
            cell["execution_count"] = n
            cell["outputs"] = []
        written.append(cell)
    return {
        "cells": written,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write_notebook(directory: Path, cells: Cells, name: str = "model.ipynb") -> Path:
    path = directory / name
    path.write_text(json.dumps(notebook_json(cells), indent=1))
    return path

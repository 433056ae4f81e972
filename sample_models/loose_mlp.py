"""A loose-function model with a planted bug: ``dW2`` is missing its 1/m.

``params`` maps names to arrays, ``loss(params) -> float`` and ``grads(params) -> {"dW1": ...}``:
the core form. A two-layer softmax classifier (tanh hidden layer), examples in columns, m = 24.
Every gradient is divided by m except ``dW2``, so ``dW2`` is m = 24 times too large.

What ``gradcheck check sample_models/loose_mlp.py`` should say: fail (exit 1) in W2 only, pattern
"scale" with factor 24 (analytic = 24 x numeric), the suspect layer 2; W1, b1 and b2 pass.
"""

import numpy as np

rng = np.random.default_rng(7)
n_x, n_h, n_y, m = 5, 8, 3, 24
X = rng.standard_normal((n_x, m))
labels = rng.integers(0, n_y, m)
Y = np.eye(n_y)[:, labels]  # one-hot, classes x examples

params = {
    "W1": rng.standard_normal((n_h, n_x)) / np.sqrt(n_x),
    "b1": np.zeros((n_h, 1)),
    "W2": rng.standard_normal((n_y, n_h)) / np.sqrt(n_h),
    "b2": np.zeros((n_y, 1)),
}


def softmax(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def forward(p):
    A1 = np.tanh(p["W1"] @ X + p["b1"])
    A2 = softmax(p["W2"] @ A1 + p["b2"])
    return A1, A2


def loss(p):
    _, A2 = forward(p)
    return float(-np.sum(Y * np.log(A2)) / m)


def grads(p):
    A1, A2 = forward(p)
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T  # BUG: the 1/m is missing here
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = (p["W2"].T @ dZ2) * (1 - A1**2)
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dZ2": dZ2}

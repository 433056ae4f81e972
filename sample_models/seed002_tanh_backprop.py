"""Seed 002, as the user wrote it: "the model does not learn".

Loose functions ``forward_prop(w1, b1, w2, b2, x)`` and ``back_prop(z1, a1, z2, a2, w2, x, y)``
for 8x8 digit images, one example at a time. ``back_prop`` multiplies by ``tanh(z2)`` where
``dtanh(z2)`` belongs. Also: ``np.random.rand`` initialisation (all weights positive, up to 1)
with pixel values up to 16, so z1 and z2 are in the hundreds and tanh is saturated at exactly 1.

The cost this back_prop implies (its output delta is ``a2 - one_hot_y``) is the squared error
0.5 * sum((a2 - one_hot_y)^2), summed over the examples as ``gradient_descent`` sums the
gradients; ``loss`` and ``grads`` below are that sum, computed with the user's own functions.
A correct back_prop passes against it (seed002_tanh_backprop_fixed.py).

The user's data were sklearn's digits; sklearn is not needed here: ``make_digits`` draws a
seeded stand-in with the same layout (rows of 64 pixel values 0..16, labels 0..9).

What ``gradcheck check sample_models/seed002_tanh_backprop.py`` should say: fail (exit 1), the
output layer first: w2 and b2 disagree with finite differences (the suspect layer is 2), and the
initialisation saturates tanh.
"""
# The user's functions below are kept as written: no linting, no reformatting.
# ruff: noqa
# fmt: off

import numpy as np


def init_param():
    w1 = np.random.rand(10, 64)
    b1 = np.random.rand(10, 1)
    w2 = np.random.rand(10, 10)
    b2 = np.random.rand(10, 1)
    return w1, b1, w2, b2

def ReLU(z):
    return np.maximum(0, z)

def dReLU(z):
    return z > 0

def dtanh(z):
    return 1 - np.tanh(z)**2

def tanh(z):
    return np.tanh(z)

def forward_prop(w1, b1, w2, b2, x):
    z1 = w1.dot(x).reshape(-1,1) + b1
    a1 = ReLU(z1)
    z2 = w2.dot(a1) + b2
    a2 = tanh(z2)
    return z1, a1, z2, a2

def one_hot(y):
    one_hot_y = np.zeros((y.size, 10))
    one_hot_y[np.arange(y.size), y] = 1
    return one_hot_y.T

def back_prop(z1, a1, z2, a2, w2, x, y):
    one_hot_y = one_hot(y)
    dz2 = (a2 - one_hot_y) * tanh(z2)
    dw2 = dz2.dot(a1.T)
    db2 = np.sum(dz2, 1, keepdims=True)
    dz1 = w2.T.dot(dz2) * dReLU(z1)
    dw1 = dz1.dot(x.T)
    db1 = np.sum(dz1, 1, keepdims=True)
    return dw1, db1, dw2, db2

def update_param(w1, b1, w2, b2, dw1, db1, dw2, db2, lr):
    w1 = w1 - lr*dw1
    b1 = b1 - lr*db1
    w2 = w2 - lr*dw2
    b2 = b2 - lr*db2
    return w1, b1, w2, b2

def gradient_descent(X, Y, max_iter, lr):
    w1, b1, w2, b2 = init_param()
    m = len(X)
    for _ in range(max_iter):
        y_hat = []
        dw1, db1, dw2, db2 = None, None, None, None
        for x, y in zip(X, Y):
            x = x.reshape(-1,1)
            z1, a1, z2, a2 = forward_prop(w1, b1, w2, b2, x)
            if dw1 is None:
                dw1, db1, dw2, db2 = back_prop(z1, a1, z2, a2, w2, x, y)
            else:
                _dw1, _db1, _dw2, _db2 = back_prop(z1, a1, z2, a2, w2, x, y)
                dw1 += _dw1
                db1 += _db1
                dw2 += _dw2
                db2 += _db2
            y_hat.append(np.argmax(a2))
        w1, b1, w2, b2 = update_param(w1, b1, w2, b2, dw1, db1, dw2, db2, lr*(1/m))
        print(accuracy_score(Y, y_hat), end='\r')
    return w1, b1, w2, b2

# fmt: on


# --- Not the user's: what the file needs to run without sklearn, and the model for gradcheck ---


def accuracy_score(y_true, y_pred):
    """sklearn.metrics.accuracy_score for two label sequences."""
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def make_digits(n_per_class=4, seed=0):
    """A seeded stand-in for sklearn's digits: 10 classes of 8x8 images, pixels 0..16.

    Each class has a fixed random stroke pattern; examples are that pattern with noise, rounded
    and clipped like the real data. Returns X (examples x 64) and integer labels Y."""
    rng = np.random.default_rng(seed)
    prototypes = (rng.random((10, 64)) < 0.35) * 16.0
    labels = np.repeat(np.arange(10), n_per_class)
    noisy = prototypes[labels] + rng.normal(0.0, 3.0, (labels.size, 64))
    return np.clip(np.round(noisy), 0, 16), labels


X, Y = make_digits()

np.random.seed(0)  # init_param draws from NumPy's global generator, as the user wrote it
w1, b1, w2, b2 = init_param()
params = {"w1": w1, "b1": b1, "w2": w2, "b2": b2}


def loss(params):
    """The squared error back_prop differentiates, summed over the examples."""
    total = 0.0
    for x, y in zip(X, Y):
        x = x.reshape(-1, 1)
        z1, a1, z2, a2 = forward_prop(params["w1"], params["b1"], params["w2"], params["b2"], x)
        total += 0.5 * np.sum((a2 - one_hot(y)) ** 2)
    return total


def grads(params):
    """The user's back_prop, summed over the examples exactly as gradient_descent sums it."""
    total = None
    for x, y in zip(X, Y):
        x = x.reshape(-1, 1)
        z1, a1, z2, a2 = forward_prop(params["w1"], params["b1"], params["w2"], params["b2"], x)
        step = back_prop(z1, a1, z2, a2, params["w2"], x, y)
        total = list(step) if total is None else [t + s for t, s in zip(total, step)]
    dw1, db1, dw2, db2 = total
    return {"dw1": dw1, "db1": db1, "dw2": dw2, "db2": db2}


if __name__ == "__main__":
    gradient_descent(X, Y, 20, 0.1)
    print()

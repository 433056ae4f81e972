"""Seed 002, corrected: the same functions with the derivative of tanh, a sane start and scaled inputs.

Changes to the user's code (marked CHANGED):

* ``back_prop``: ``dz2 = (a2 - one_hot_y) * dtanh(z2)``, the derivative of tanh, where the
  original multiplied by ``tanh(z2)`` itself;
* ``init_param``: small zero-mean weights (normal, scaled by 1/sqrt(fan-in)) and zero biases
  instead of ``np.random.rand`` (all positive, up to 1), which drove z2 into the hundreds and
  saturated tanh at exactly 1;
* the pixels are scaled to [0, 1] (``X / 16``).

The loss is the same squared error, summed over the examples, that back_prop differentiates.

What ``gradcheck check sample_models/seed002_tanh_backprop_fixed.py`` should say: every gradient
passes (exit 0).
"""
# Apart from the lines marked CHANGED, the user's functions are kept as written.
# ruff: noqa
# fmt: off

import numpy as np


def init_param():
    # CHANGED: zero-mean weights scaled by 1/sqrt(fan-in), zero biases.
    w1 = np.random.randn(10, 64) / np.sqrt(64)
    b1 = np.zeros((10, 1))
    w2 = np.random.randn(10, 10) / np.sqrt(10)
    b2 = np.zeros((10, 1))
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
    dz2 = (a2 - one_hot_y) * dtanh(z2)  # CHANGED: dtanh, the derivative, not tanh
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
X = X / 16  # CHANGED: pixels in [0, 1]

np.random.seed(0)  # init_param draws from NumPy's global generator
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

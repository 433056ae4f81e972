"""Real small NumPy models with planted bugs, and what the diagnosis tests need to read them.

Every model here is written the way course code writes it (Andrew Ng's layout: W of shape
(units, inputs), examples in columns, mean cross-entropy). The numeric gradient is a plain centered
difference in float64, computed in the test; the bug is planted in the analytic backward. The
tolerance passed to ``classify`` is what a centered difference can promise: round-off
eps * |loss| / h plus a relative 1e-6.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gradcheck.diagnose.diagnosis import Diagnosis
from gradcheck.diagnose.patterns import classify

Params = dict[str, np.ndarray]

STEP = 1e-6


# --------------------------------------------------------------------------------------------------
# Helpers: the numeric gradient, its tolerance, and a verdict.


def numeric_gradient(loss: Callable[[], float], x: np.ndarray) -> np.ndarray:
    """Centered difference, one coordinate at a time, restoring the exact value."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        try:
            x[i] = old + STEP
            up = loss()
            x[i] = old - STEP
            down = loss()
        finally:
            x[i] = old
        grad[i] = (up - down) / (2 * STEP)
    return grad


def tolerance(loss_value: float, numeric: np.ndarray) -> np.ndarray:
    """What a centered difference in float64 can promise: round-off of the two loss values divided
    by the step, with a safety factor, plus a relative allowance for truncation."""
    eps = np.finfo(np.float64).eps
    return 8 * eps * max(abs(loss_value), 1.0) / STEP + 1e-6 * np.abs(numeric)


def diagnose(
    analytic: np.ndarray, numeric: np.ndarray, loss_value: float, batch_size: int | None = None
) -> Diagnosis:
    return classify(
        analytic.ravel(),
        numeric.ravel(),
        shape=numeric.shape,
        tolerance=tolerance(loss_value, numeric).ravel(),
        batch_size=batch_size,
    )


# --------------------------------------------------------------------------------------------------
# Model 1: a tanh MLP with a softmax output, sizes 4 -> 5 -> 5 -> 3 (W2 is square).


class MLP:
    def __init__(
        self, sizes: tuple[int, ...] = (4, 5, 5, 3), m: int = 8, seed: int = 0, l2: float = 0.0
    ) -> None:
        rng = np.random.default_rng(seed)
        self.l2 = l2  # lambda of an L2 penalty (lambda / 2m) * sum(W**2) in the loss
        self.sizes = sizes
        self.L = len(sizes) - 1
        self.m = m
        self.params: Params = {}
        for k in range(1, self.L + 1):
            self.params[f"W{k}"] = rng.normal(size=(sizes[k], sizes[k - 1])) * 0.8
            self.params[f"b{k}"] = rng.normal(size=(sizes[k], 1)) * 0.1
        self.X = rng.normal(size=(sizes[0], m))
        labels = rng.integers(0, sizes[-1], size=m)
        self.Y = np.eye(sizes[-1])[:, labels]

    def forward(self) -> dict[str, np.ndarray]:
        cache = {"A0": self.X}
        A = self.X
        for k in range(1, self.L + 1):
            Z = self.params[f"W{k}"] @ A + self.params[f"b{k}"]
            if k < self.L:
                A = np.tanh(Z)
            else:
                E = np.exp(Z - Z.max(axis=0, keepdims=True))
                A = E / E.sum(axis=0, keepdims=True)
            cache[f"Z{k}"], cache[f"A{k}"] = Z, A
        return cache

    def loss(self) -> float:
        A = self.forward()[f"A{self.L}"]
        penalty = sum(np.sum(self.params[f"W{k}"] ** 2) for k in range(1, self.L + 1))
        return float(-np.sum(self.Y * np.log(A)) / self.m + self.l2 / (2 * self.m) * penalty)

    def backward(self, bug: str | None = None) -> Params:
        cache = self.forward()
        m = self.m
        grads: Params = {}
        dZ = cache[f"A{self.L}"] - self.Y
        if bug == "sign":
            dZ = self.Y - cache[f"A{self.L}"]
        for k in range(self.L, 0, -1):
            A_prev = cache[f"A{k - 1}"]
            dW = dZ @ A_prev.T / m
            db = np.sum(dZ, axis=1, keepdims=True) / m
            if k == 2 and bug == "missing_mean":
                dW = dZ @ A_prev.T
            if k == 2 and bug == "mean_twice":
                dW = (dZ / m) @ A_prev.T / m
            if k == 2 and bug == "transpose":
                dW = A_prev @ dZ.T / m
            if k == 2 and bug == "bias_axis":
                db = np.sum(dZ, axis=0, keepdims=True) / m
            if k == 2 and bug == "dW_formula":
                dW = dZ @ cache[f"Z{k - 1}"].T / m  # Z_prev where A_prev belongs; delta untouched
            if bug != "l2_missing":
                dW = dW + self.l2 / m * self.params[f"W{k}"]
            if bug == "l2_extra":
                dW = dW + 0.7 / m * self.params[f"W{k}"]  # a term the loss does not have
            grads[f"dW{k}"], grads[f"db{k}"] = dW, db
            if k > 1:
                dA = self.params[f"W{k}"].T @ dZ
                A = cache[f"A{k - 1}"]
                derivative = 1 - A**2
                if k - 1 == 2 and bug == "tanh_derivative":
                    derivative = 1 - A  # the derivative of layer 2's activation is wrong
                dZ = dA * derivative
        if bug == "never_written":
            # grads initialised with zeros; the result went to a mistyped key.
            grads["dw2"] = grads["dW2"]
            grads["dW2"] = np.zeros_like(self.params["W2"])
        if bug == "missing_key":
            grads["dw2"] = grads.pop("dW2")
        if bug == "layer_index":
            # A loop over l = 0 .. L-1 storing layer l + 1's gradients under 'dW' + str(l).
            grads = {key[:2] + str(int(key[2:]) - 1): value for key, value in grads.items()}
        return grads

    def numeric(self) -> Params:
        return {k: numeric_gradient(self.loss, v) for k, v in self.params.items()}


# --------------------------------------------------------------------------------------------------
# Model 3: a one-hidden-layer net whose backward loops over units (and inputs), by hand.


class LoopNet:
    """tanh hidden layer (6 units, 4 inputs), linear output, mean squared error."""

    def __init__(self, seed: int = 4) -> None:
        rng = np.random.default_rng(seed)
        self.m = 10
        self.W1 = rng.normal(size=(6, 4))
        self.w2 = rng.normal(size=(1, 6))
        self.X = rng.normal(size=(4, self.m))
        self.y = rng.normal(size=(1, self.m))

    def loss(self) -> float:
        return float(0.5 * np.mean((self.w2 @ np.tanh(self.W1 @ self.X) - self.y) ** 2))

    def dW1(self, bug: str | None = None) -> np.ndarray:
        Z1 = self.W1 @ self.X
        A1 = np.tanh(Z1)
        dZ1 = self.w2.T @ (self.w2 @ A1 - self.y) * (1 - A1**2)
        dW1 = np.zeros_like(self.W1)
        units = range(1, 6) if bug == "skip_first_unit" else range(6)
        for j in units:
            if bug == "one_unit" and j == 3:
                # Unit 3's derivative taken from Z instead of A: a typo in one branch.
                dZ_j = (self.w2.T @ (self.w2 @ A1 - self.y))[j] * (1 - Z1[j] ** 2)
                dW1[j] = dZ_j @ self.X.T / self.m
            else:
                dW1[j] = dZ1[j] @ self.X.T / self.m
        if bug == "skip_last_input":
            for k in range(4 - 1):
                dW1[:, k] = dZ1 @ self.X[k] / self.m
            dW1[:, 3] = 0.0
        return dW1


# --------------------------------------------------------------------------------------------------
# Random gradients for the properties.

finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)
shapes = st.sampled_from([(3,), (7,), (4, 1), (3, 5), (6, 6), (2, 3, 4)])


@st.composite
def gradients(draw: st.DrawFn) -> np.ndarray:
    shape = draw(shapes)
    n = draw(arrays(np.float64, shape, elements=finite))
    # At least MIN_SUPPORT entries clear of the noise, so that a factor can be fitted at all.
    assume(np.count_nonzero(np.abs(n) > 1e-3) >= 3)
    return n

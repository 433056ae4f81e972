"""Activation, initialisation and gradient-norm health on small NumPy networks.

Healthy networks of every common shape get no warning at all; each unhealthy one gets the warning
that names its layer and says what usually fixes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from gradcheck.health import (
    DEAD_RELU_SHARE,
    EXPLODING_ABS,
    GRAD_NORM_SPREAD,
    LARGE_INIT_RATIO,
    activation_health,
    gradient_norm_health,
    input_health,
    parameter_health,
    trace_activations,
)

# ----------------------------------------------------------------------------------------------
# Networks, written the way users write them


def relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(0, z)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


class MLP:
    """Course layout: W[l] is (n_out, n_in), examples in columns; hidden activation of choice."""

    def __init__(
        self,
        sizes: list[int],
        act: str,
        scale: Callable[[int], float],
        seed: int = 0,
        bias: float = 0.0,
    ) -> None:
        rng = np.random.default_rng(seed)
        self.params: dict[str, np.ndarray] = {}
        for l in range(1, len(sizes)):
            self.params[f"W{l}"] = rng.standard_normal((sizes[l], sizes[l - 1])) * scale(
                sizes[l - 1]
            )
            self.params[f"b{l}"] = np.full((sizes[l], 1), bias)
        self.L = len(sizes) - 1
        self.act = act

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        cache: dict[str, np.ndarray] = {"A0": X}
        A = X
        for l in range(1, self.L + 1):
            Z = self.params[f"W{l}"] @ A + self.params[f"b{l}"]
            if l == self.L:
                A = sigmoid(Z)
            elif self.act == "relu":
                A = relu(Z)
            elif self.act == "tanh":
                A = np.tanh(Z)
            else:
                A = sigmoid(Z)
            cache[f"Z{l}"] = Z
            cache[f"A{l}"] = A
        return A, cache

    def loss(self, X: np.ndarray, Y: np.ndarray) -> float:
        A, _ = self.forward(X)
        A = np.clip(A, 1e-12, 1 - 1e-12)
        return float(-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)))

    def grads(self, X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
        A, cache = self.forward(X)
        m = X.shape[1]
        dZ = A - Y
        grads: dict[str, np.ndarray] = {}
        for l in range(self.L, 0, -1):
            grads[f"dW{l}"] = dZ @ cache[f"A{l - 1}"].T / m
            grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
            if l > 1:
                dA = self.params[f"W{l}"].T @ dZ
                Ap = cache[f"A{l - 1}"]
                if self.act == "relu":
                    dZ = dA * (cache[f"Z{l - 1}"] > 0)
                elif self.act == "tanh":
                    dZ = dA * (1 - Ap**2)
                else:
                    dZ = dA * Ap * (1 - Ap)
        return grads


def he(n_in: int) -> float:
    return float(np.sqrt(2 / n_in))


def xavier(n_in: int) -> float:
    return float(np.sqrt(1 / n_in))


def binary_data(n_in: int = 20, m: int = 64, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_in, m))
    Y = (X[:1] + 0.5 * X[1:2] > 0).astype(float)
    return X, Y


def softmax_classifier_loss(W: np.ndarray, b: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """CS231n layout: X is (N, D), W is (D, C)."""
    scores = X.dot(W) + b
    scores = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
    return float(-np.mean(np.log(probs[np.arange(len(y)), y])))


def tanh_softmax_loss(p: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> float:
    """A tanh hidden layer (rows are examples) and a softmax output."""
    h = np.tanh(X @ p["W1"] + p["b1"])
    scores = h @ p["W2"] + p["b2"]
    scores -= scores.max(axis=1, keepdims=True)
    log_probs = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(y)), y].mean())


def conv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """'valid' convolution, NCHW input, (F, C, kh, kw) filters."""
    windows = sliding_window_view(x, w.shape[2:], axis=(2, 3))  # N, C, H', W', kh, kw
    return np.einsum("nchwij,fcij->nfhw", windows, w) + b[None, :, None, None]


def conv_net_loss(p: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> float:
    conv = conv_forward(X, p["conv1"], p["b1"])
    act = np.maximum(conv, 0)
    n, f, h, w = act.shape
    pooled = act.reshape(n, f, h // 2, 2, w // 2, 2).max(axis=(3, 5))
    flat = pooled.reshape(n, -1)
    scores = flat @ p["W2"] + p["b2"]
    scores = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(probs[np.arange(n), y])))


def batchnorm_net_loss(p: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> float:
    z1 = X @ p["W1"]
    mu = z1.mean(axis=0)
    var = z1.var(axis=0)
    z1_hat = (z1 - mu) / np.sqrt(var + 1e-5)
    bn1 = p["gamma1"] * z1_hat + p["beta1"]
    a1 = np.maximum(bn1, 0)
    scores = a1 @ p["W2"] + p["b2"]
    scores = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(probs[np.arange(len(y)), y])))


def numeric_grads(
    loss: Callable[[], float], params: dict[str, np.ndarray], h: float = 1e-5
) -> dict[str, np.ndarray]:
    """Centered differences, for the networks whose backward is beside the point here."""
    out = {}
    for name, p in params.items():
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + h
            fp = loss()
            p[idx] = old - h
            fm = loss()
            p[idx] = old
            g[idx] = (fp - fm) / (2 * h)
        out["d" + name] = g
    return out


# Seed 002, as written: loose functions, np.random.rand initialisation, digits-like inputs 0..16.
def init_param(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    w1 = rng.random((10, 64))
    b1 = rng.random((10, 1))
    w2 = rng.random((10, 10))
    b2 = rng.random((10, 1))
    return w1, b1, w2, b2


def ReLU(z: np.ndarray) -> np.ndarray:
    return np.maximum(0, z)


def dReLU(z: np.ndarray) -> np.ndarray:
    return z > 0


def tanh(z: np.ndarray) -> np.ndarray:
    return np.tanh(z)


def forward_prop(
    w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: np.ndarray, x: np.ndarray
) -> tuple[np.ndarray, ...]:
    z1 = w1.dot(x).reshape(-1, 1) + b1
    a1 = ReLU(z1)
    z2 = w2.dot(a1) + b2
    a2 = tanh(z2)
    return z1, a1, z2, a2


def kinds(warnings: list[Any]) -> list[tuple[str, str]]:
    return [(w.kind, w.where) for w in warnings]


# ----------------------------------------------------------------------------------------------
# Healthy networks: no warnings at all


def test_a_relu_mlp_with_he_init_is_healthy() -> None:
    X, Y = binary_data()
    net = MLP([20, 32, 32, 1], "relu", he)
    assert activation_health(lambda: net.loss(X, Y)) == []
    assert parameter_health(net.params) == []
    assert gradient_norm_health(net.grads(X, Y)) == []
    # and the pass saw what it should have: three pre-activations, two ReLUs, one sigmoid
    stats = trace_activations(lambda: net.loss(X, Y))
    assert [s.kind for s in stats] == [
        "pre-activation",
        "relu",
        "pre-activation",
        "relu",
        "pre-activation",
        "sigmoid",
    ]


def test_a_tanh_net_with_xavier_init_is_healthy() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((128, 10))
    y = rng.integers(0, 5, 128)
    p = {
        "W1": rng.standard_normal((10, 64)) * np.sqrt(1 / 10),
        "b1": np.zeros(64),
        "W2": rng.standard_normal((64, 5)) * np.sqrt(1 / 64),
        "b2": np.zeros(5),
    }
    assert activation_health(lambda: tanh_softmax_loss(p, X, y)) == []
    assert parameter_health(p) == []
    assert gradient_norm_health(numeric_grads(lambda: tanh_softmax_loss(p, X, y), p)) == []
    # the pre-activation inside np.tanh(...) has no name; h and the scores do
    assert [(s.name, s.kind) for s in trace_activations(lambda: tanh_softmax_loss(p, X, y))] == [
        ("h", "tanh"),
        ("scores", "pre-activation"),
    ]


def test_a_softmax_classifier_with_small_init_is_healthy() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 8))
    y = rng.integers(0, 3, 50)
    W, b = 0.01 * rng.standard_normal((8, 3)), np.zeros(3)
    assert activation_health(lambda: softmax_classifier_loss(W, b, X, y)) == []
    assert parameter_health({"W": W, "b": b}) == []


def test_a_small_conv_pool_net_is_healthy() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((16, 1, 8, 8))
    y = rng.integers(0, 3, 16)
    p = {
        "conv1": rng.standard_normal((4, 1, 3, 3)) * np.sqrt(2 / 9),
        "b1": np.zeros(4),
        "W2": rng.standard_normal((36, 3)) * np.sqrt(2 / 36),
        "b2": np.zeros(3),
    }
    stats = trace_activations(lambda: conv_net_loss(p, X, y))
    assert [(s.name, s.kind) for s in stats][:2] == [("conv", "pre-activation"), ("act", "relu")]
    assert stats[1].units == 4 and stats[1].dead_units == 0
    assert activation_health(lambda: conv_net_loss(p, X, y)) == []
    assert parameter_health(p) == []
    assert gradient_norm_health(numeric_grads(lambda: conv_net_loss(p, X, y), p)) == []


def test_a_batch_norm_net_is_healthy() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 6)) * 40 + 7  # unscaled inputs: batch norm takes care of them
    y = rng.integers(0, 3, 32)
    p = {
        "W1": rng.standard_normal((6, 16)) * np.sqrt(2 / 6),
        "gamma1": np.ones(16),
        "beta1": np.zeros(16),
        "W2": rng.standard_normal((16, 3)) * np.sqrt(2 / 16),
        "b2": np.zeros(3),
    }
    assert activation_health(lambda: batchnorm_net_loss(p, X, y)) == []
    assert parameter_health(p) == []  # gamma = 1 everywhere is not a symmetric weight
    grads = numeric_grads(lambda: batchnorm_net_loss(p, X, y), p)
    assert gradient_norm_health(grads) == []


# ----------------------------------------------------------------------------------------------
# Seed 002: np.random.rand and unscaled inputs


def test_seed_002_gets_exploding_saturation_and_initialisation_warnings() -> None:
    rng = np.random.default_rng(0)
    w1, b1, w2, b2 = init_param(rng)
    x = rng.integers(0, 17, (64, 1)).astype(float)
    found = activation_health(lambda: forward_prop(w1, b1, w2, b2, x))
    assert kinds(found) == [
        ("exploding_activations", "z1"),
        ("exploding_activations", "z2"),
        ("tanh_saturation", "a2"),
    ]
    z1 = found[0]
    assert z1.details["share_large"] == 1.0 and z1.details["max_abs"] > EXPLODING_ABS
    assert "He/Xavier" in z1.message and "Scale the inputs" in z1.message
    assert "100% of the tanh outputs have |a| > 0.97, 10 exactly +-1.0" in found[2].message

    init = parameter_health({"w1": w1, "b1": b1, "w2": w2, "b2": b2})
    assert kinds(init) == [
        ("all_positive_init", "w1"),
        ("large_init", "w1"),
        ("all_positive_init", "w2"),
    ]
    assert "looks like np.random.rand" in init[0].message
    assert "np.random.randn(n_out, n_in) * np.sqrt(2 / n_in)" in init[0].message
    assert init[1].details["fan_in"] == 64  # the bias (10, 1) says rows are the layer's outputs
    assert init[1].details["scale_ratio"] >= LARGE_INIT_RATIO


def test_seed_002_one_example_at_a_time_is_pooled_over_the_calls() -> None:
    # The user's loop calls forward_prop once per example with the same weights: one summary per
    # layer, over all the examples, not one warning per call.
    rng = np.random.default_rng(0)
    w1, b1, w2, b2 = init_param(rng)
    X = rng.integers(0, 17, (40, 64)).astype(float)

    def loss() -> float:
        total = 0.0
        for x in X:
            _z1, _a1, _z2, a2 = forward_prop(w1, b1, w2, b2, x.reshape(-1, 1))
            total += float(np.sum(a2**2))
        return total

    stats = trace_activations(loss)
    assert [(s.name, s.kind, s.calls) for s in stats] == [
        ("z1", "pre-activation", 40),
        ("a1", "relu", 40),
        ("z2", "pre-activation", 40),
        ("a2", "tanh", 40),
    ]
    assert (
        stats[1].batch == 40 and stats[1].units == 10
    )  # now the ReLU can be judged over 40 examples
    found = activation_health(loss)
    assert kinds(found) == [
        ("exploding_activations", "z1"),
        ("exploding_activations", "z2"),
        ("tanh_saturation", "a2"),
    ]
    assert found[0].message.startswith("z1 (pooled over 40 calls): 100% of the pre-activations")


def layer(A: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    Z = W @ A + b
    return np.maximum(0, Z)


def test_a_helper_called_once_per_layer_keeps_the_layers_apart() -> None:
    rng = np.random.default_rng(0)
    Ws = [rng.standard_normal((16, 16)) * s for s in (0.35, 0.35, 40.0)]
    X = rng.standard_normal((16, 32))

    def forward() -> np.ndarray:
        A = X
        for W in Ws:
            A = layer(A, W, np.zeros((16, 1)))
        return A

    stats = trace_activations(forward)
    assert [(s.name, s.calls) for s in stats if s.kind == "pre-activation"] == [
        ("Z #1", 1),
        ("Z #2", 1),
        ("Z #3", 1),
    ]
    assert kinds(activation_health(forward)) == [("exploding_activations", "Z #3")]


# ----------------------------------------------------------------------------------------------
# Unhealthy activations next to healthy ones


@pytest.mark.filterwarnings("ignore:overflow encountered in exp:RuntimeWarning")
def test_unscaled_inputs_with_unit_normal_weights_explode() -> None:
    X, Y = binary_data()
    net = MLP([20, 32, 32, 1], "relu", lambda n: 1.0)
    found = activation_health(lambda: net.loss(X * 30, Y))
    assert ("exploding_activations", "cache['Z1']") in kinds(found)
    # the same network on the same data, He-initialised, is quiet
    assert activation_health(lambda: MLP([20, 32, 32, 1], "relu", he).loss(X, Y)) == []


def test_a_sigmoid_output_rounded_to_exactly_one_is_named_with_its_log_hazard() -> None:
    X, _Y = binary_data()
    net = MLP([20, 8, 1], "relu", he)
    net.params["W2"] *= 200
    found = activation_health(lambda: net.forward(X))
    sat = [w for w in found if w.kind == "sigmoid_saturation"]
    assert len(sat) == 1 and sat[0].where == "cache['A2']"
    assert "exactly 0.0 or 1.0" in sat[0].message and "log(1 - A)" in sat[0].message


def test_dead_relu_units_are_counted_over_the_batch() -> None:
    X, _Y = binary_data()
    net = MLP([20, 32, 1], "relu", he)
    net.params["b1"][:8] = -50.0  # a quarter of the units can never fire
    found = activation_health(lambda: net.forward(X))
    assert kinds(found) == [("dead_relu", "cache['A1']")]
    assert "8 of 32 ReLU units (25%) never fire on this batch of 64" in found[0].message
    assert found[0].details["dead_share"] >= DEAD_RELU_SHARE
    net.params["b1"][:8] = 0.0
    assert activation_health(lambda: net.forward(X)) == []


def test_one_example_at_a_time_is_too_small_a_batch_to_call_units_dead() -> None:
    rng = np.random.default_rng(0)
    w1, b1 = rng.standard_normal((10, 4)) * 0.5, np.zeros((10, 1))
    x = rng.standard_normal((4, 1))
    stats = trace_activations(lambda: ReLU(w1.dot(x) + b1))
    assert all(s.dead_units in (None, 0) for s in stats)


def test_a_tanh_layer_on_huge_inputs_saturates_and_a_scaled_one_does_not() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((128, 10))
    y = rng.integers(0, 5, 128)
    p = {
        "W1": rng.standard_normal((10, 64)) * np.sqrt(1 / 10),
        "b1": np.zeros(64),
        "W2": rng.standard_normal((64, 5)) * np.sqrt(1 / 64),
        "b2": np.zeros(5),
    }
    found = activation_health(lambda: tanh_softmax_loss(p, X * 20, y))
    assert ("tanh_saturation", "h") in kinds(found)
    assert activation_health(lambda: tanh_softmax_loss(p, X, y)) == []


def test_object_attributes_are_named_by_layer() -> None:
    class Net:
        def __init__(self) -> None:
            rng = np.random.default_rng(0)
            self.W = {1: rng.standard_normal((4, 2)) * 30, 2: rng.standard_normal((1, 4))}
            self.b = {1: np.zeros((4, 1)), 2: np.zeros((1, 1))}
            self.Z: dict[int, np.ndarray] = {}
            self.A: dict[int, np.ndarray] = {}

        def forward_propagation(self, X: np.ndarray) -> np.ndarray:
            self.A[0] = np.copy(X)
            for l in (1, 2):
                self.Z[l] = np.dot(self.W[l], self.A[l - 1]) + self.b[l]
                self.A[l] = np.maximum(self.Z[l], 0) if l == 1 else 1 / (1 + np.exp(-self.Z[l]))
            return self.A[2]

    X, _ = binary_data(n_in=2, m=40)
    found = activation_health(lambda: Net().forward_propagation(X * 10))
    assert ("exploding_activations", "self.Z[1]") in kinds(found)


# ----------------------------------------------------------------------------------------------
# Parameters


def test_all_zero_or_constant_weights_never_break_symmetry() -> None:
    found = parameter_health(
        {"W1": np.zeros((8, 4)), "b1": np.zeros(8), "W2": np.full((1, 8), 0.5)}
    )
    assert kinds(found) == [("symmetric_init", "W1"), ("symmetric_init", "W2")]
    assert "never become different" in found[0].message


def test_large_init_is_judged_against_fan_in_whatever_the_layout() -> None:
    rng = np.random.default_rng(0)
    # (n_in, n_out) layout with biases of length n_out: unit normal weights on 256 inputs
    p = {"W1": rng.standard_normal((256, 32)), "b1": np.zeros(32)}
    found = parameter_health(p)
    assert kinds(found) == [("large_init", "W1")] and found[0].details["fan_in"] == 256
    # the same weights at He scale are fine, and so is an (n_out, n_in) matrix with a column bias
    assert parameter_health({"W1": p["W1"] * np.sqrt(2 / 256), "b1": np.zeros(32)}) == []
    assert (
        parameter_health({"W1": rng.standard_normal((32, 256)) * 0.05, "b1": np.zeros((32, 1))})
        == []
    )


def test_biases_and_batch_norm_scales_are_not_weights() -> None:
    rng = np.random.default_rng(0)
    found = parameter_health(
        {
            "b1": rng.random((64, 1)),
            "gamma": np.ones((1, 64)),
            "beta": np.ones((1, 64)),
            "bias2": rng.random((32, 32)),
        }
    )
    assert found == []


# ----------------------------------------------------------------------------------------------
# Gradient norms


def test_a_deep_sigmoid_net_with_tiny_weights_has_vanishing_gradients() -> None:
    X, Y = binary_data()
    net = MLP([20] + [16] * 7 + [1], "sigmoid", lambda n: 0.01)
    found = gradient_norm_health(net.grads(X, Y))
    assert [w.kind for w in found] == ["vanishing_gradients"]
    assert found[0].where == "dW1" and found[0].details["spread"] >= GRAD_NORM_SPREAD
    assert "shrink" in found[0].message and "He initialisation" in found[0].message
    # the same depth with ReLU and He init keeps its gradients within range
    assert gradient_norm_health(MLP([20] + [16] * 7 + [1], "relu", he).grads(X, Y)) == []


def test_gradients_that_grow_toward_the_input_are_exploding() -> None:
    grads = {
        "dW1": np.full((4, 4), 10.0),
        "db1": np.zeros(4),
        "dW2": np.full((4, 4), 1e-1),
        "dW3": np.full((1, 4), 1e-3),
    }
    found = gradient_norm_health(grads)
    assert [(w.kind, w.where) for w in found] == [("exploding_gradients", "dW1")]
    assert "lower the learning rate" in found[0].message


def test_a_zero_weight_gradient_is_named() -> None:
    X, Y = binary_data()
    net = MLP([20, 8, 1], "relu", he)
    net.params["b1"][:] = -100.0  # every hidden unit dead: nothing flows back to W1
    found = gradient_norm_health(net.grads(X, Y))
    assert [(w.kind, w.where) for w in found] == [
        ("zero_gradient", "dW1"),
        ("zero_gradient", "dW2"),
    ]
    assert "no signal reaches layer 1" in found[0].message


def test_gradient_names_in_every_form_are_understood() -> None:
    g = {"dW[1]": np.ones((3, 3)) * 1e-6, "dW[2]": np.ones((3, 3)), "db[1]": np.zeros(3)}
    assert [w.kind for w in gradient_norm_health(g)] == ["vanishing_gradients"]
    g2 = {"params['W1']": np.ones((3, 3)) * 1e-6, "params['W2']": np.ones((3, 3))}
    assert [w.kind for w in gradient_norm_health(g2)] == ["vanishing_gradients"]


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_gradients_are_left_to_the_numerics_report(bad: float) -> None:
    g = {"dW1": np.full((2, 2), bad), "dW2": np.ones((2, 2))}
    assert gradient_norm_health(g) == []


def test_unscaled_inputs_are_named_and_standardised_ones_are_not() -> None:
    seed000_X = np.array([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]])
    found = input_health({"X": seed000_X})
    assert kinds(found) == [("unscaled_inputs", "X")]
    assert "RMS 6.2" in found[0].message and "X = (X - mean) / std" in found[0].message
    rng = np.random.default_rng(0)
    assert input_health({"X": rng.standard_normal((5, 100)), "pixels": rng.random((28, 28))}) == []

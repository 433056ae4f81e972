"""Activation health: each unhealthy layer gets the warning that names it and says what usually
fixes it, next to healthy layers that get none; intermediates are pooled and named by layer.
"""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck.health.activations import activation_health
from gradcheck.health.initialisation import parameter_health
from gradcheck.health.layers import trace_activations
from gradcheck.health.thresholds import DEAD_RELU_SHARE, EXPLODING_ABS, LARGE_INIT_RATIO
from tests.health.networks import (
    MLP,
    ReLU,
    binary_data,
    forward_prop,
    he,
    init_param,
    kinds,
    layer,
    tanh_softmax_loss,
)

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
    assert "(He)" in z1.message and "(Xavier)" in z1.message and "Scale the inputs" in z1.message
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
        ("Z (pass 1 of 3)", 1),
        ("Z (pass 2 of 3)", 1),
        ("Z (pass 3 of 3)", 1),
    ]
    assert kinds(activation_health(forward)) == [("exploding_activations", "Z (pass 3 of 3)")]


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

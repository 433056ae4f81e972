"""Healthy networks of every common shape get no warning at all: activations, initialisation and
gradient norms.
"""

from __future__ import annotations

import numpy as np

from gradcheck.health.activations import activation_health
from gradcheck.health.gradients import gradient_norm_health
from gradcheck.health.initialisation import parameter_health
from gradcheck.health.layers import trace_activations
from tests.health.networks import (
    MLP,
    batchnorm_net_loss,
    binary_data,
    conv_net_loss,
    he,
    numeric_grads,
    softmax_classifier_loss,
    tanh_softmax_loss,
)

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

"""Gradient-norm health: vanishing, exploding and zero weight gradients, in every naming form."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck.health.gradients import gradient_norm_health
from gradcheck.health.thresholds import GRAD_NORM_SPREAD
from tests.health.networks import MLP, binary_data, he

# ----------------------------------------------------------------------------------------------
# Gradient norms


def test_a_deep_sigmoid_net_with_tiny_weights_has_vanishing_gradients() -> None:
    X, Y = binary_data()
    net = MLP([20] + [16] * 7 + [1], "sigmoid", lambda n: 0.01)
    found = gradient_norm_health(net.grads(X, Y))
    assert [w.kind for w in found] == ["vanishing_gradients"]
    assert found[0].where == "dW1" and found[0].details["spread"] >= GRAD_NORM_SPREAD
    assert "shrink" in found[0].message and "He initialisation" in found[0].message
    assert "first layers barely learn" in (found[0].summary or "")
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
    assert "gradients grow toward the input" in (found[0].summary or "")


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
    assert found[0].summary == (
        "dW1 is exactly zero, so layer 1 never learns (dead ReLUs, saturated units, or a "
        "gradient never written back)"
    )


def test_gradient_names_in_every_form_are_understood() -> None:
    g = {"dW[1]": np.ones((3, 3)) * 1e-6, "dW[2]": np.ones((3, 3)), "db[1]": np.zeros(3)}
    assert [w.kind for w in gradient_norm_health(g)] == ["vanishing_gradients"]
    g2 = {"params['W1']": np.ones((3, 3)) * 1e-6, "params['W2']": np.ones((3, 3))}
    assert [w.kind for w in gradient_norm_health(g2)] == ["vanishing_gradients"]


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_gradients_are_left_to_the_numerics_report(bad: float) -> None:
    g = {"dW1": np.full((2, 2), bad), "dW2": np.ones((2, 2))}
    assert gradient_norm_health(g) == []

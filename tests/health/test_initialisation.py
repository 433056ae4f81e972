"""Initialisation health, read from the parameters alone."""

from __future__ import annotations

import numpy as np

from gradcheck.health.initialisation import parameter_health
from tests.health.networks import kinds

# ----------------------------------------------------------------------------------------------
# Parameters


def test_all_zero_or_constant_weights_never_break_symmetry() -> None:
    found = parameter_health(
        {"W1": np.zeros((8, 4)), "b1": np.zeros(8), "W2": np.full((1, 8), 0.5)}
    )
    assert kinds(found) == [("symmetric_init", "W1"), ("symmetric_init", "W2")]
    assert "never become different" in found[0].message
    assert (
        found[0].summary == "all weights equal 0, so every unit stays the same: initialise randomly"
    )


def test_zeros_are_the_right_start_for_one_layer_and_one_random_layer_breaks_symmetry() -> None:
    # logistic regression as course 1 week 2 initialises it: w = np.zeros((dim, 1)), b = 0
    assert parameter_health({"w": np.zeros((12, 1)), "b": np.zeros((1, 1))}) == []
    assert parameter_health({"W": np.zeros((3, 5)), "b": np.zeros((3, 1))}) == []
    rng = np.random.default_rng(0)
    p = {"W1": np.zeros((8, 4)), "W2": rng.standard_normal((1, 8)) * 0.3}
    assert "symmetric_init" not in [w.kind for w in parameter_health(p)]


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

"""Causes and fixes: each planted numerical bug is named with the sentence and the cure it needs."""

from __future__ import annotations

import numpy as np

from gradcheck.numerics.origin import locate_nonfinite
from tests.numerics.user_code import (
    HERE,
    BinaryClassifier,
    layer_norm_naive,
    line_of,
    logistic_cost,
    normalise_features,
    seed001_data,
    softmax_loss_naive,
    softmax_loss_stable,
)


def test_softmax_without_the_max_trick_names_the_exp_line_and_the_max_trick() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 5)) * 100
    W = rng.standard_normal((5, 3)) * 10
    y = rng.integers(0, 3, 8)
    nf = locate_nonfinite(lambda: softmax_loss_naive(W, X, y), phase="loss")
    assert nf is not None
    assert (nf.file, nf.line, nf.function) == (
        str(HERE),
        line_of("<- softmax origin"),
        "softmax_loss_naive",
    )
    assert nf.variable == "exp_scores"
    assert nf.kind == "overflow"
    assert nf.phase == "loss"
    assert nf.source_line == "exp_scores = np.exp(scores)  # <- softmax origin"
    exp_arg = next(o for o in nf.operands if o.get("role") == "exp argument")
    assert exp_arg["expr"] == "scores" and exp_arg["max"] > 709.78
    assert "softmax without the max trick" in (nf.cause or "")
    assert "Subtract the maximum before exponentiating" in (nf.fix or "")
    assert "overflow at user_code.py" in nf.message and "`exp_scores` became" in nf.message


def test_a_stable_softmax_on_the_same_data_is_clean() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 5)) * 100
    W = rng.standard_normal((5, 3)) * 10
    y = rng.integers(0, 3, 8)
    # Large logits push probabilities of wrong classes to 0, so pick the predicted class as label.
    y = np.argmax(X @ W, axis=1)
    assert locate_nonfinite(lambda: softmax_loss_stable(W, X, y), phase="loss") is None


def test_log_of_a_saturated_sigmoid_names_the_cost_line_and_the_exact_ones() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 50))
    w = np.array([[60.0, 0.0, 0.0]])
    Y = (rng.random((1, 50)) > 0.5).astype(float)
    nf = locate_nonfinite(lambda: logistic_cost(w, X, Y), phase="loss")
    assert nf is not None
    assert nf.line == line_of("<- log origin") and nf.function == "logistic_cost"
    assert nf.variable == "cost"
    assert nf.kind == "divide"
    a = next(o for o in nf.operands if o.get("expr") == "A")
    assert a["ones"] > 0 and a["max"] == 1.0
    assert "saturated sigmoid" in (nf.cause or "") and "exactly 1.0" in (nf.cause or "")
    assert "np.logaddexp(0, -Z)" in (nf.fix or "") and "np.clip" in (nf.fix or "")


def test_zero_over_zero_in_a_normalisation_is_invalid_with_both_zeros_named() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((10, 4))
    X[:, 2] = 3.0  # a constant feature: std 0 and x - mu 0
    w = np.ones(4)
    nf = locate_nonfinite(lambda: normalise_features(X, w), phase="loss")
    assert nf is not None
    assert nf.line == line_of("<- zero over zero") and nf.variable == "Xn"
    assert nf.kind == "invalid"
    assert "0/0 in 10 entries" in (nf.cause or "")
    assert "std + 1e-8" in (nf.fix or "")
    den = next(o for o in nf.operands if o.get("role") == "denominator")
    assert den["expr"] == "std" and den["zeros"] == 1


def test_sqrt_of_a_variance_that_cancelled_below_zero_is_invalid_and_blames_round_off() -> None:
    x = np.full((1, 3), 0.1)  # a constant row: the true variance is 0
    var = np.mean(x**2, axis=1, keepdims=True) - np.mean(x, axis=1, keepdims=True) ** 2
    assert var[0, 0] < 0  # the premise: E[x^2] - E[x]^2 cancels to a tiny negative number
    nf = locate_nonfinite(lambda: layer_norm_naive(x), phase="forward")
    assert nf is not None
    assert nf.line == line_of("<- sqrt origin") and nf.variable == "std" and nf.kind == "invalid"
    assert "np.sqrt got 1 negative entry in var" in (nf.cause or "")
    assert "round-off" in (nf.cause or "")
    assert "np.sqrt(np.maximum(var, 0) + 1e-8)" in (nf.fix or "")


def test_seed_001_divide_by_one_minus_a_names_the_line_and_suggests_dz_equals_a_minus_y() -> None:
    X, Y = seed001_data()
    net = BinaryClassifier(
        X, Y, scale=60.0
    )  # big weights: the sigmoid output rounds to exactly 1.0
    nf = locate_nonfinite(net.backward_propagation, phase="grads")
    assert nf is not None
    assert nf.line == line_of("<- seed 001")
    assert nf.function == "BinaryClassifier.backward_propagation"
    assert nf.variable == "self.dA[l]"
    assert nf.details["index_values"] == {"l": 2}
    assert nf.kind == "divide"
    assert "self.A[l]" in (nf.cause or "") and "exactly 1.0" in (nf.cause or "")
    assert "dZ = A - Y" in (nf.fix or "")
    assert "(l = 2)" in nf.message
    assert nf.source_line is not None and nf.source_line.count("\n") == 2
    den = [o for o in nf.operands if o.get("role") == "denominator"]
    assert {d["expr"] for d in den} == {"self.A[l]", "1 - self.A[l]"}
    assert next(d for d in den if d["expr"] == "1 - self.A[l]")["zeros"] > 0


def test_seed_001_with_healthy_weights_is_clean() -> None:
    X, Y = seed001_data()
    net = BinaryClassifier(X, Y, scale=0.5)
    assert locate_nonfinite(net.backward_propagation, phase="grads") is None

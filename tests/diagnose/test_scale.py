"""zero, sign and scale: the analytic gradient is a constant times the numeric one, and the factor
is named when it has a name."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gradcheck.diagnose.patterns import classify
from tests.diagnose.planted import MLP, Params, diagnose, gradients, numeric_gradient


def test_a_missing_one_over_m_is_a_scale_by_the_batch_size(mlp: MLP, mlp_numeric: Params) -> None:
    d = diagnose(mlp.backward("missing_mean")["dW2"], mlp_numeric["W2"], mlp.loss(), batch_size=8)
    assert d.pattern == "scale"
    assert d.factor == pytest.approx(8, rel=1e-6)
    assert "8 times the numeric one" in d.message
    assert "the 1/m of the mean is missing" in d.message
    assert d.details["hints"] == ["missing_mean"]


def test_without_the_batch_size_a_whole_factor_is_still_read_as_a_missing_mean(
    mlp: MLP, mlp_numeric: Params
) -> None:
    d = diagnose(mlp.backward("missing_mean")["dW2"], mlp_numeric["W2"], mlp.loss())
    assert d.pattern == "scale"
    assert "if the batch holds 8 examples, the 1/m of the mean is missing" in d.message


def test_averaging_twice_is_a_scale_by_one_over_m(mlp: MLP, mlp_numeric: Params) -> None:
    d = diagnose(mlp.backward("mean_twice")["dW2"], mlp_numeric["W2"], mlp.loss(), batch_size=8)
    assert d.pattern == "scale"
    assert d.factor == pytest.approx(1 / 8, rel=1e-6)
    assert "averaged twice" in d.message


def test_a_flipped_sign_is_named_in_every_layer(mlp: MLP, mlp_numeric: Params) -> None:
    grads = mlp.backward("sign")
    for name in ("W3", "b3", "W1"):
        d = diagnose(grads["d" + name], mlp_numeric[name], mlp.loss())
        assert d.pattern == "sign", name
        assert d.factor == pytest.approx(-1, rel=1e-6)
        assert "sign flipped" in d.message
        assert "Y - A" in d.message


def test_a_gradient_never_written_back_is_zero(mlp: MLP, mlp_numeric: Params) -> None:
    d = diagnose(mlp.backward("never_written")["dW2"], mlp_numeric["W2"], mlp.loss())
    assert d.pattern == "zero"
    assert "exactly zero" in d.message
    assert "never written back" in d.message
    assert d.details["exact_zero"] is True


# --------------------------------------------------------------------------------------------------
# Model 2: linear regression with half a mean squared error, where the stray 2 lives.


def test_the_two_of_a_square_kept_is_a_stray_factor_of_two() -> None:
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    w = rng.normal(size=3)

    def loss() -> float:
        return float(0.5 * np.mean((X @ w - y) ** 2))

    analytic = 2 * X.T @ (X @ w - y) / len(y)  # the 2 of d(r^2) kept despite the 1/2 in the loss
    d = diagnose(analytic, numeric_gradient(loss, w), loss())
    assert d.pattern == "scale"
    assert d.factor == pytest.approx(2, rel=1e-6)
    assert "stray factor of two" in d.message


def test_a_named_factor_survives_a_few_kinked_coordinates_and_says_so() -> None:
    rng = np.random.default_rng(14)
    n = rng.normal(size=(10, 10))
    a = 32 * n
    a.ravel()[[3, 47, 88]] = rng.normal(size=3)  # kinks the engine did not screen out
    d = classify(a.ravel(), n.ravel(), shape=n.shape, tolerance=1e-9, batch_size=32)
    assert d.pattern == "scale" and d.factor == pytest.approx(32)
    assert "at 97 of 100 coordinates (the other 3 deviate further, perhaps at kinks)" in d.message
    # An unnamed factor needs MIN_EXPLAINED (99 %): three strays in a hundred are too many.
    d = classify(a.ravel() * 3.7 / 32, n.ravel(), shape=n.shape, tolerance=1e-9)
    assert d.pattern is None


def test_a_sparse_gradient_does_not_make_any_factor_fit() -> None:
    # 90 % of both gradients are zero (unused embedding rows): any factor "explains" those, so
    # they must not count toward a fit.
    rng = np.random.default_rng(15)
    n = np.zeros(200)
    used = rng.choice(200, size=20, replace=False)
    n[used] = rng.normal(size=20)
    a = n.copy()
    a[used] = rng.normal(size=20)
    d = classify(a, n, shape=n.shape, tolerance=1e-9, batch_size=2)
    assert d.pattern not in ("scale", "sign")


def test_a_named_factor_is_claimed_on_a_single_coordinate_but_an_odd_one_is_not() -> None:
    assert classify(np.array([-0.7]), np.array([0.7]), shape=(), tolerance=1e-9).pattern == "sign"
    d = classify(np.array([2.59]), np.array([0.7]), shape=(), tolerance=1e-9)
    assert d.pattern is None


@settings(max_examples=200, deadline=None)
@given(n=gradients(), c=st.floats(0.01, 100) | st.floats(-100, -0.01))
def test_any_constant_factor_is_a_scale_or_a_sign(n: np.ndarray, c: float) -> None:
    assume(abs(c - 1) > 1e-3)
    d = classify(c * n.ravel(), n.ravel(), shape=n.shape)
    if abs(c + 1) < 0.009:  # FACTOR_MATCH_RTOL = 0.01, with a margin for rounding
        assert d.pattern == "sign"
    elif abs(c + 1) > 0.011:
        assert d.pattern == "scale", d.message
    else:
        assert d.pattern in ("sign", "scale")
    assert d.factor == pytest.approx(c, rel=1e-9)

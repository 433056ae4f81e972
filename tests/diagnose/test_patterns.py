"""classify as a whole: agreement, borderline noise, bad input, the tolerance it is given, and that
every disagreement gets a known pattern and a message."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcheck.diagnose.patterns import classify
from tests.diagnose.planted import MLP, Params, gradients, tolerance


def test_a_correct_model_gets_no_pattern(mlp: MLP, mlp_numeric: Params) -> None:
    grads = mlp.backward()
    rng = np.random.default_rng(1)
    for name, numeric in mlp_numeric.items():
        tol = tolerance(mlp.loss(), numeric)
        # The centered difference's own error, plus realistic noise inside the tolerance.
        analytic = grads["d" + name] + rng.uniform(-0.9, 0.9, size=numeric.shape) * tol
        d = classify(analytic.ravel(), numeric.ravel(), shape=numeric.shape, tolerance=tol.ravel())
        assert d.pattern is None, (name, d.message)
        assert "agree" in d.message
        assert d.factor is None


def test_a_tolerance_for_the_whole_tensor_is_taken_at_the_sampled_coordinates() -> None:
    n = np.random.default_rng(12).normal(size=(10, 10))
    idx = np.arange(0, 100, 3)
    tol = np.full(n.shape, 1e-9)
    d = classify(-n.ravel()[idx], n.ravel()[idx], shape=n.shape, flat_index=idx, tolerance=tol)
    assert d.pattern == "sign"
    assert "all 34 sampled coordinates" in d.message


def test_rtol_lets_truncation_error_count_as_agreement() -> None:
    # A round-off-only error bar is too tight for the rows that are right: with a relative
    # floor at the engine's pass threshold they agree and the one wrong row stands out.
    n = np.random.default_rng(13).normal(size=(6, 8))
    a = n * (1 + 1e-8)  # truncation-sized differences everywhere
    a[2] *= 2
    loose = classify(a.ravel(), n.ravel(), shape=n.shape, tolerance=1e-12)
    assert loose.pattern != "row"
    d = classify(a.ravel(), n.ravel(), shape=n.shape, tolerance=1e-12, rtol=1e-6)
    assert d.pattern == "row" and d.details["indices"] == [2]


def test_a_gap_just_above_the_noise_is_called_borderline_not_a_bug() -> None:
    n = np.linspace(-1, 1, 30)
    d = classify(n + 1.5e-8, n, shape=n.shape, tolerance=1e-8)
    assert d.pattern is None
    assert "borderline" in d.message


def test_non_finite_values_are_reported_not_fitted() -> None:
    d = classify(np.array([1.0, np.nan]), np.array([1.0, 2.0]), shape=(2,))
    assert d.pattern is None
    assert "1 analytic value is NaN or Inf" in d.message


def test_misaligned_input_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="flat_index"):
        classify(np.ones(3), np.ones(3), shape=(2, 2))
    with pytest.raises(ValueError, match="tolerance"):
        classify(np.ones(4), np.ones(4), shape=(2, 2), tolerance=np.ones(3))


@settings(max_examples=200, deadline=None)
@given(n=gradients(), seed=st.integers(0, 2**32 - 1), level=st.floats(0, 0.99))
def test_noise_within_the_tolerance_gives_no_pattern(
    n: np.ndarray, seed: int, level: float
) -> None:
    rng = np.random.default_rng(seed)
    tol = 1e-7 * (1 + np.abs(n))
    a = n + level * rng.uniform(-1, 1, size=n.shape) * tol
    d = classify(a.ravel(), n.ravel(), shape=n.shape, tolerance=tol.ravel())
    assert d.pattern is None
    assert "agree" in d.message


PATTERNS = {
    None,
    "scale",
    "sign",
    "transpose",
    "shift",
    "zero",
    "row",
    "column",
    "slice",
    "partial",
}


@settings(max_examples=200, deadline=None)
@given(n=gradients(), seed=st.integers(0, 2**32 - 1), keep=st.floats(0.1, 1.0))
def test_any_disagreement_gets_a_known_pattern_and_a_message(
    n: np.ndarray, seed: int, keep: float
) -> None:
    rng = np.random.default_rng(seed)
    a = np.where(rng.random(n.shape) < 0.5, n, rng.normal(size=n.shape))
    idx = np.sort(rng.choice(n.size, size=max(1, int(keep * n.size)), replace=False))
    d = classify(a.ravel()[idx], n.ravel()[idx], shape=n.shape, flat_index=idx)
    assert d.pattern in PATTERNS
    assert d.message and d.message.endswith(".")

"""transpose and shift: each analytic entry holds the numeric value of another coordinate."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcheck.diagnose.patterns import classify
from tests.diagnose.planted import MLP, Params, diagnose


def test_a_transposed_weight_gradient_is_named(mlp: MLP, mlp_numeric: Params) -> None:
    d = diagnose(mlp.backward("transpose")["dW2"], mlp_numeric["W2"], mlp.loss())
    assert d.pattern == "transpose"
    assert d.factor is None
    assert "transposed" in d.message
    assert "[i, j] holds the value of [j, i]" in d.message
    assert d.details["discriminating"] == 20  # the 5 x 5 matrix's off-diagonal entries


def test_a_transpose_is_found_from_a_large_enough_sample() -> None:
    rng = np.random.default_rng(8)
    n = rng.normal(size=(12, 12))
    idx = np.sort(rng.choice(n.size, size=100, replace=False))
    d = classify(n.T.ravel()[idx], n.ravel()[idx], shape=n.shape, flat_index=idx, tolerance=1e-9)
    assert d.pattern == "transpose"
    assert "sampled entries whose mirror was also checked" in d.message


def test_a_transpose_is_not_claimed_from_too_few_pairs() -> None:
    rng = np.random.default_rng(9)
    n = rng.normal(size=(12, 12))
    idx = np.array([1, 12, 30, 50, 77, 90, 101])  # (0,1)/(1,0) is the only mirrored pair
    d = classify(n.T.ravel()[idx], n.ravel()[idx], shape=n.shape, flat_index=idx, tolerance=1e-9)
    assert d.pattern != "transpose"


@settings(max_examples=100, deadline=None)
@given(size=st.integers(3, 9), seed=st.integers(0, 2**32 - 1))
def test_a_transposed_square_matrix_is_a_transpose(size: int, seed: int) -> None:
    n = np.random.default_rng(seed).normal(size=(size, size))
    d = classify(n.T.ravel(), n.ravel(), shape=n.shape, tolerance=1e-9)
    assert d.pattern == "transpose"


def test_a_shifted_write_is_named() -> None:
    n = np.random.default_rng(10).normal(size=(6, 4))
    a = np.zeros_like(n)
    a[1:] = n[:-1]  # dW[i + 1] = g[i]
    d = classify(a.ravel(), n.ravel(), shape=n.shape, tolerance=1e-9)
    assert d.pattern == "shift"
    assert "holds the numeric gradient of row i - 1" in d.message

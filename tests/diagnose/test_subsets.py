"""row, column and partial: part of the tensor is wrong and the rest agrees."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcheck.diagnose.patterns import classify
from tests.diagnose.planted import LoopNet, diagnose, numeric_gradient


@pytest.fixture(scope="module")
def loopnet() -> tuple[LoopNet, np.ndarray]:
    net = LoopNet()
    return net, numeric_gradient(net.loss, net.W1)


def test_one_wrong_unit_is_a_row(loopnet: tuple[LoopNet, np.ndarray]) -> None:
    net, numeric = loopnet
    np.testing.assert_allclose(net.dW1(), numeric, rtol=1e-6, atol=1e-9)
    d = diagnose(net.dW1("one_unit"), numeric, net.loss())
    assert d.pattern == "row"
    assert d.details["indices"] == [3]
    assert "Only row 3 of 6 disagrees" in d.message
    assert "One row alone is wrong" in d.message


def test_an_off_by_one_loop_over_units_leaves_row_0_zero(
    loopnet: tuple[LoopNet, np.ndarray],
) -> None:
    net, numeric = loopnet
    d = diagnose(net.dW1("skip_first_unit"), numeric, net.loss())
    assert d.pattern == "row"
    assert d.details["indices"] == [0]
    assert "zero there (never written)" in d.message
    assert "off-by-one loop" in d.message and "range(1, n)" in d.message


def test_an_off_by_one_loop_over_inputs_leaves_the_last_column_zero(
    loopnet: tuple[LoopNet, np.ndarray],
) -> None:
    net, numeric = loopnet
    d = diagnose(net.dW1("skip_last_input"), numeric, net.loss())
    assert d.pattern == "column"
    assert d.details["indices"] == [3]
    assert "Only column 3 of 4 disagrees" in d.message
    assert "the last column (3)" in d.message


def test_one_wrong_element_of_a_bias_vector_is_a_row() -> None:
    n = np.array([0.3, -0.2, 0.5, 0.1, -0.4, 0.25])
    a = n.copy()
    a[4] = 0.0
    d = classify(a, n, shape=n.shape, tolerance=1e-9)
    assert d.pattern == "row"
    assert "Only element 4 of 6 disagrees" in d.message


@settings(max_examples=100, deadline=None)
@given(
    rows=st.integers(4, 12),
    cols=st.integers(3, 12),
    seed=st.integers(0, 2**32 - 1),
    factor=st.sampled_from([0.0, -1.0, 2.0, 5.0]),
)
def test_one_spoiled_row_is_found_by_its_index(
    rows: int, cols: int, seed: int, factor: float
) -> None:
    rng = np.random.default_rng(seed)
    n = rng.normal(size=(rows, cols))
    bad = int(rng.integers(rows))
    a = n.copy()
    a[bad] *= factor
    d = classify(a.ravel(), n.ravel(), shape=n.shape, tolerance=1e-9)
    assert d.pattern == "row"
    assert d.details["indices"] == [bad]


# --------------------------------------------------------------------------------------------------
# Model 4: an embedding whose backward assigns where it should add (duplicate tokens).


def test_duplicate_indices_assigned_instead_of_added_are_a_few_wrong_rows() -> None:
    rng = np.random.default_rng(5)
    E = rng.normal(size=(12, 3))
    tokens = np.array([1, 4, 4, 7, 9, 9, 9, 2])
    v = rng.normal(size=(len(tokens), 3))

    def loss() -> float:
        return float(np.sum(np.tanh(E[tokens]) * v))

    dh = (1 - np.tanh(E[tokens]) ** 2) * v
    dE = np.zeros_like(E)
    dE[tokens] = dh  # the bug: duplicates overwrite; np.add.at(dE, tokens, dh) is right
    d = diagnose(dE, numeric_gradient(loss, E), loss())
    assert d.pattern == "row"
    assert d.details["indices"] == [4, 9]
    assert "Only rows 4 and 9 of 12 disagree" in d.message
    assert "np.add.at" in d.message


# --------------------------------------------------------------------------------------------------
# Model 5: a pruned layer whose backward forgets the mask.


def test_a_forgotten_pruning_mask_is_partial() -> None:
    rng = np.random.default_rng(6)
    W = rng.normal(size=(6, 5))
    mask = rng.random(size=W.shape) < 0.8  # keep 80 % of the weights
    X = rng.normal(size=(5, 7))

    def loss() -> float:
        return float(np.mean(np.tanh((W * mask) @ X) ** 2))

    A = np.tanh((W * mask) @ X)
    dW_eff = (2 * A * (1 - A**2) / A.size) @ X.T
    numeric = numeric_gradient(loss, W)
    np.testing.assert_allclose(dW_eff * mask, numeric, rtol=1e-5, atol=1e-10)
    d = diagnose(dW_eff, numeric, loss())  # the bug: no "* mask"
    assert d.pattern == "partial"
    assert d.details["rule"] == "numeric_zero"
    assert d.details["disagree"] == int((~mask).sum())
    assert "misses a mask the forward applies" in d.message


def test_a_block_of_wrong_values_is_partial() -> None:
    rng = np.random.default_rng(7)
    n = rng.normal(size=(8, 8))
    a = n.copy()
    a[2:5, 3:7] *= 3
    d = classify(a.ravel(), n.ravel(), shape=n.shape, tolerance=1e-9)
    assert d.pattern == "partial"
    assert d.details["block"] == [[2, 4], [3, 6]]
    assert "3 times the numeric one there" in d.message

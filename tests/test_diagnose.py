"""Diagnosis on real small NumPy models with planted bugs.

Every model here is written the way course code writes it (Andrew Ng's layout: W of shape
(units, inputs), examples in columns, mean cross-entropy). The numeric gradient is a plain centered
difference in float64, computed in the test; the bug is planted in the analytic backward. The
tolerance passed to ``classify`` is what a centered difference can promise: round-off
eps * |loss| / h plus a relative 1e-6.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gradcheck.diagnose import (
    Diagnosis,
    borrowed,
    classify,
    error_grid,
    grid_blocks,
    layer_of,
    missing,
    order_tensors,
    shape_mismatch,
    suspect_layer,
)
from gradcheck.result import FAIL, PASS, TensorResult

Params = dict[str, np.ndarray]

STEP = 1e-6


# --------------------------------------------------------------------------------------------------
# Helpers: the numeric gradient, its tolerance, and a verdict.


def numeric_gradient(loss: Callable[[], float], x: np.ndarray) -> np.ndarray:
    """Centered difference, one coordinate at a time, restoring the exact value."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        try:
            x[i] = old + STEP
            up = loss()
            x[i] = old - STEP
            down = loss()
        finally:
            x[i] = old
        grad[i] = (up - down) / (2 * STEP)
    return grad


def tolerance(loss_value: float, numeric: np.ndarray) -> np.ndarray:
    """What a centered difference in float64 can promise: round-off of the two loss values divided
    by the step, with a safety factor, plus a relative allowance for truncation."""
    eps = np.finfo(np.float64).eps
    return 8 * eps * max(abs(loss_value), 1.0) / STEP + 1e-6 * np.abs(numeric)


def diagnose(
    analytic: np.ndarray, numeric: np.ndarray, loss_value: float, batch_size: int | None = None
) -> Diagnosis:
    return classify(
        analytic.ravel(),
        numeric.ravel(),
        shape=numeric.shape,
        tolerance=tolerance(loss_value, numeric).ravel(),
        batch_size=batch_size,
    )


# --------------------------------------------------------------------------------------------------
# Model 1: a tanh MLP with a softmax output, sizes 4 -> 5 -> 5 -> 3 (W2 is square).


class MLP:
    def __init__(
        self, sizes: tuple[int, ...] = (4, 5, 5, 3), m: int = 8, seed: int = 0, l2: float = 0.0
    ) -> None:
        rng = np.random.default_rng(seed)
        self.l2 = l2  # lambda of an L2 penalty (lambda / 2m) * sum(W**2) in the loss
        self.sizes = sizes
        self.L = len(sizes) - 1
        self.m = m
        self.params: Params = {}
        for k in range(1, self.L + 1):
            self.params[f"W{k}"] = rng.normal(size=(sizes[k], sizes[k - 1])) * 0.8
            self.params[f"b{k}"] = rng.normal(size=(sizes[k], 1)) * 0.1
        self.X = rng.normal(size=(sizes[0], m))
        labels = rng.integers(0, sizes[-1], size=m)
        self.Y = np.eye(sizes[-1])[:, labels]

    def forward(self) -> dict[str, np.ndarray]:
        cache = {"A0": self.X}
        A = self.X
        for k in range(1, self.L + 1):
            Z = self.params[f"W{k}"] @ A + self.params[f"b{k}"]
            if k < self.L:
                A = np.tanh(Z)
            else:
                E = np.exp(Z - Z.max(axis=0, keepdims=True))
                A = E / E.sum(axis=0, keepdims=True)
            cache[f"Z{k}"], cache[f"A{k}"] = Z, A
        return cache

    def loss(self) -> float:
        A = self.forward()[f"A{self.L}"]
        penalty = sum(np.sum(self.params[f"W{k}"] ** 2) for k in range(1, self.L + 1))
        return float(-np.sum(self.Y * np.log(A)) / self.m + self.l2 / (2 * self.m) * penalty)

    def backward(self, bug: str | None = None) -> Params:
        cache = self.forward()
        m = self.m
        grads: Params = {}
        dZ = cache[f"A{self.L}"] - self.Y
        if bug == "sign":
            dZ = self.Y - cache[f"A{self.L}"]
        for k in range(self.L, 0, -1):
            A_prev = cache[f"A{k - 1}"]
            dW = dZ @ A_prev.T / m
            db = np.sum(dZ, axis=1, keepdims=True) / m
            if k == 2 and bug == "missing_mean":
                dW = dZ @ A_prev.T
            if k == 2 and bug == "mean_twice":
                dW = (dZ / m) @ A_prev.T / m
            if k == 2 and bug == "transpose":
                dW = A_prev @ dZ.T / m
            if k == 2 and bug == "bias_axis":
                db = np.sum(dZ, axis=0, keepdims=True) / m
            if k == 2 and bug == "dW_formula":
                dW = dZ @ cache[f"Z{k - 1}"].T / m  # Z_prev where A_prev belongs; delta untouched
            if bug != "l2_missing":
                dW = dW + self.l2 / m * self.params[f"W{k}"]
            if bug == "l2_extra":
                dW = dW + 0.7 / m * self.params[f"W{k}"]  # a term the loss does not have
            grads[f"dW{k}"], grads[f"db{k}"] = dW, db
            if k > 1:
                dA = self.params[f"W{k}"].T @ dZ
                A = cache[f"A{k - 1}"]
                derivative = 1 - A**2
                if k - 1 == 2 and bug == "tanh_derivative":
                    derivative = 1 - A  # the derivative of layer 2's activation is wrong
                dZ = dA * derivative
        if bug == "never_written":
            # grads initialised with zeros; the result went to a mistyped key.
            grads["dw2"] = grads["dW2"]
            grads["dW2"] = np.zeros_like(self.params["W2"])
        if bug == "missing_key":
            grads["dw2"] = grads.pop("dW2")
        if bug == "layer_index":
            # A loop over l = 0 .. L-1 storing layer l + 1's gradients under 'dW' + str(l).
            grads = {key[:2] + str(int(key[2:]) - 1): value for key, value in grads.items()}
        return grads

    def numeric(self) -> Params:
        return {k: numeric_gradient(self.loss, v) for k, v in self.params.items()}


@pytest.fixture(scope="module")
def mlp() -> MLP:
    return MLP()


@pytest.fixture(scope="module")
def mlp_numeric(mlp: MLP) -> Params:
    return mlp.numeric()


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


def test_a_transposed_weight_gradient_is_named(mlp: MLP, mlp_numeric: Params) -> None:
    d = diagnose(mlp.backward("transpose")["dW2"], mlp_numeric["W2"], mlp.loss())
    assert d.pattern == "transpose"
    assert d.factor is None
    assert "transposed" in d.message
    assert "[i, j] holds the value of [j, i]" in d.message
    assert d.details["discriminating"] == 20  # the 5 x 5 matrix's off-diagonal entries


def test_a_gradient_never_written_back_is_zero(mlp: MLP, mlp_numeric: Params) -> None:
    d = diagnose(mlp.backward("never_written")["dW2"], mlp_numeric["W2"], mlp.loss())
    assert d.pattern == "zero"
    assert "exactly zero" in d.message
    assert "never written back" in d.message
    assert d.details["exact_zero"] is True


def test_a_bias_summed_over_the_wrong_axis_is_a_shape_pattern(mlp: MLP) -> None:
    db2 = mlp.backward("bias_axis")["db2"]
    d = shape_mismatch(mlp.params["b2"].shape, db2.shape)
    assert d.pattern == "shape"
    assert "(1, 8)" in d.message and "(5, 1)" in d.message
    assert "summed over axis 0 instead of axis 1" in d.message
    assert d.details["summed_axis"] == 0 and d.details["expected_axis"] == 1


def test_a_missing_key_names_the_closest_key_on_offer(mlp: MLP) -> None:
    grads = mlp.backward("missing_key")
    d = missing("W2", list(grads))
    assert d.pattern == "missing"
    assert "No gradient for W2" in d.message
    assert "'dw2' differs only in upper/lower case" in d.message
    assert d.details["closest"] == ["dw2"]


def test_a_wrong_activation_derivative_fits_no_simple_pattern(
    mlp: MLP, mlp_numeric: Params
) -> None:
    d = diagnose(mlp.backward("tanh_derivative")["dW2"], mlp_numeric["W2"], mlp.loss())
    assert d.pattern is None
    assert d.message.startswith("No simple pattern fits")
    assert "have cosine" in d.message
    assert "roughly the right direction with the wrong amounts" in d.message


def test_an_l2_term_missing_from_the_backward_is_named_with_its_lambda() -> None:
    net = MLP(l2=0.7)
    numeric = net.numeric()
    analytic = net.backward("l2_missing")["dW3"]
    d = classify(
        analytic.ravel(),
        numeric["W3"].ravel(),
        shape=numeric["W3"].shape,
        tolerance=tolerance(net.loss(), numeric["W3"]).ravel(),
        batch_size=net.m,
        values=net.params["W3"].ravel(),
    )
    assert d.pattern == "regularization"
    assert d.details["coefficient"] == pytest.approx(-0.7 / 8, rel=1e-6)
    assert "is missing from the backward" in d.message
    assert "lambda = 0.7 with m = 8" in d.message


def test_an_l2_term_the_loss_lacks_is_named(mlp: MLP, mlp_numeric: Params) -> None:
    d = classify(
        mlp.backward("l2_extra")["dW1"].ravel(),
        mlp_numeric["W1"].ravel(),
        shape=mlp_numeric["W1"].shape,
        tolerance=tolerance(mlp.loss(), mlp_numeric["W1"]).ravel(),
        values=mlp.params["W1"].ravel(),
    )
    assert d.pattern == "regularization"
    assert "that the loss does not contain" in d.message


def test_without_the_parameter_values_an_l2_gap_fits_no_pattern(
    mlp: MLP, mlp_numeric: Params
) -> None:
    d = diagnose(mlp.backward("l2_extra")["dW1"], mlp_numeric["W1"], mlp.loss())
    assert d.pattern is None


def test_a_layer_index_off_by_one_is_told_from_the_shapes_keys_and_values() -> None:
    net = MLP(sizes=(4, 5, 5, 5, 3))  # W2 and W3 are both 5 x 5
    numeric = net.numeric()
    grads = net.backward("layer_index")
    # W2 received layer 3's gradient: same shape, so only the values tell.
    d = borrowed("W2", grads["dW2"], numeric)
    assert d is not None and d.pattern == "swapped"
    assert d.details["other"] == "W3"
    assert "The analytic gradient of W2 is the numeric gradient of W3" in d.message
    assert "off by one" in d.message and "str(l - 1)" in d.message
    # W3 received layer 4's gradient, of another shape.
    shapes = {k: v.shape for k, v in net.params.items()}
    s = shape_mismatch(shapes["W3"], grads["dW3"].shape, others=shapes)
    assert s.details["same_shape_as"] == ["W4"]
    assert "(3, 5) is the shape of W4" in s.message
    # W4 got nothing.
    assert missing("W4", list(grads)).pattern == "missing"
    # A correct gradient borrows from nobody.
    assert borrowed("W2", net.backward()["dW2"], numeric) is None


# --------------------------------------------------------------------------------------------------
# The suspect layer.


def verdicts(mlp: MLP, numeric: Params, bug: str | None) -> list[TensorResult]:
    """Per-tensor verdicts the way an engine would give them (max relative error vs 1e-6)."""
    grads = mlp.backward(bug)
    out = []
    for name, n in numeric.items():
        a = grads["d" + name]
        rel = float(np.max(np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-12)))
        status = FAIL if rel > 1e-6 else PASS
        out.append(TensorResult(name, n.shape, "float64", status, rel, 0.0, n.size, 0))
    return out


def test_a_wrong_derivative_in_the_middle_layer_makes_layer_2_the_suspect(
    mlp: MLP, mlp_numeric: Params
) -> None:
    results = verdicts(mlp, mlp_numeric, "tanh_derivative")
    assert [r.name for r in results if r.status == FAIL] == ["W1", "b1", "W2", "b2"]
    layer, message = suspect_layer(results)
    assert layer == "2"
    assert message == (
        "Layer 2 is the suspect: W2 and b2 fail while W3 and b3, closer to the output, pass; an "
        "error in layer 2's backward also spoils layer 1, so fix layer 2 first."
    )


def test_a_wrong_weight_formula_that_leaves_the_delta_alone_says_so(
    mlp: MLP, mlp_numeric: Params
) -> None:
    results = verdicts(mlp, mlp_numeric, "dW_formula")
    layer, message = suspect_layer(results)
    assert layer == "2"
    assert message is not None
    assert "Layer 1 below passes" in message
    assert "the mistake is in the formula for W2 itself" in message
    assert "Within layer 2, b2 passes" in message


def test_when_every_layer_fails_the_output_layer_is_the_suspect(
    mlp: MLP, mlp_numeric: Params
) -> None:
    layer, message = suspect_layer(verdicts(mlp, mlp_numeric, "sign"))
    assert layer == "3"
    assert message is not None and "every layer fails" in message


def test_a_correct_model_has_no_suspect(mlp: MLP, mlp_numeric: Params) -> None:
    assert suspect_layer(verdicts(mlp, mlp_numeric, None)) == (None, None)


def _result(name: str, status: str) -> TensorResult:
    return TensorResult(name, (2, 2), "float64", status, 0.0, 0.0, 4, 0)


def test_a_passing_layer_between_two_failures_points_at_a_second_mistake() -> None:
    results = [
        _result(n, FAIL if n[-1] in "13" else PASS) for n in ("W1", "b1", "W2", "b2", "W3", "b3")
    ]
    layer, message = suspect_layer(results)
    assert layer == "3"
    assert message is not None
    assert "it is the layer nearest the output" in message
    assert "Layer 1 fails too, but layer 2 between passes" in message
    assert "separate mistake" in message


def test_unnumbered_names_use_the_order_given() -> None:
    results = [
        _result("W_in", FAIL),
        _result("b_in", FAIL),
        _result("W_out", PASS),
        _result("b_out", PASS),
    ]
    layer, message = suspect_layer(results)
    assert layer == "in"
    assert message == (
        "Layer 'in' is the suspect: W_in and b_in fail while W_out and b_out, closer to the "
        "output, pass."
    )


def test_an_adapter_supplied_layer_wins_over_the_name() -> None:
    results = [
        TensorResult("enc", (2,), "float64", FAIL, 1.0, 1.0, 2, 0, layer="1"),
        TensorResult("dec", (2,), "float64", PASS, 0.0, 0.0, 2, 0, layer="2"),
    ]
    assert suspect_layer(results)[0] == "1"


@pytest.mark.parametrize(
    ("name", "layer"),
    [
        ("W1", "1"),
        ("b1", "1"),
        ("W[2]", "2"),
        ("params['W2']", "2"),
        ("w2", "2"),
        ("dW2", "2"),
        ("conv1.weight", "1"),
        ("block2.conv1.weight", "2.1"),
        ("W", None),
        ("gamma", None),
    ],
)
def test_layer_of_reads_the_digits_in_a_name(name: str, layer: str | None) -> None:
    assert layer_of(name) == layer


def test_order_tensors_sorts_by_layer_and_keeps_the_rest_in_place() -> None:
    assert order_tensors(["W3", "b3", "W1", "b1", "W2", "b2"]) == [
        "W1",
        "b1",
        "W2",
        "b2",
        "W3",
        "b3",
    ]
    assert order_tensors(["W10", "W2"]) == ["W2", "W10"]
    assert order_tensors(["W1", "b1", "gamma", "W2"]) == ["W1", "b1", "gamma", "W2"]
    assert order_tensors(["emb", "W_out", "b_out"]) == ["emb", "W_out", "b_out"]


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


# --------------------------------------------------------------------------------------------------
# Model 3: a one-hidden-layer net whose backward loops over units (and inputs), by hand.


class LoopNet:
    """tanh hidden layer (6 units, 4 inputs), linear output, mean squared error."""

    def __init__(self, seed: int = 4) -> None:
        rng = np.random.default_rng(seed)
        self.m = 10
        self.W1 = rng.normal(size=(6, 4))
        self.w2 = rng.normal(size=(1, 6))
        self.X = rng.normal(size=(4, self.m))
        self.y = rng.normal(size=(1, self.m))

    def loss(self) -> float:
        return float(0.5 * np.mean((self.w2 @ np.tanh(self.W1 @ self.X) - self.y) ** 2))

    def dW1(self, bug: str | None = None) -> np.ndarray:
        Z1 = self.W1 @ self.X
        A1 = np.tanh(Z1)
        dZ1 = self.w2.T @ (self.w2 @ A1 - self.y) * (1 - A1**2)
        dW1 = np.zeros_like(self.W1)
        units = range(1, 6) if bug == "skip_first_unit" else range(6)
        for j in units:
            if bug == "one_unit" and j == 3:
                # Unit 3's derivative taken from Z instead of A: a typo in one branch.
                dZ_j = (self.w2.T @ (self.w2 @ A1 - self.y))[j] * (1 - Z1[j] ** 2)
                dW1[j] = dZ_j @ self.X.T / self.m
            else:
                dW1[j] = dZ1[j] @ self.X.T / self.m
        if bug == "skip_last_input":
            for k in range(4 - 1):
                dW1[:, k] = dZ1 @ self.X[k] / self.m
            dW1[:, 3] = 0.0
        return dW1


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


# --------------------------------------------------------------------------------------------------
# Sampled coverage, tiny tensors, bad input.


def test_a_transpose_is_found_from_a_large_enough_sample() -> None:
    rng = np.random.default_rng(8)
    n = rng.normal(size=(12, 12))
    idx = np.sort(rng.choice(n.size, size=100, replace=False))
    d = classify(n.T.ravel()[idx], n.ravel()[idx], shape=n.shape, flat_index=idx, tolerance=1e-9)
    assert d.pattern == "transpose"
    assert "sampled entries whose mirror was also checked" in d.message


def test_a_tolerance_for_the_whole_tensor_is_taken_at_the_sampled_coordinates() -> None:
    n = np.random.default_rng(12).normal(size=(10, 10))
    idx = np.arange(0, 100, 3)
    tol = np.full(n.shape, 1e-9)
    d = classify(-n.ravel()[idx], n.ravel()[idx], shape=n.shape, flat_index=idx, tolerance=tol)
    assert d.pattern == "sign"
    assert "all 34 sampled coordinates" in d.message


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


def test_saturated_units_with_a_derivative_that_does_not_vanish_are_explained() -> None:
    # Seed 002: tanh(z) where 1 - tanh(z)**2 belongs, on units saturated by large positive inputs.
    rng = np.random.default_rng(16)
    w = rng.random(size=(3, 8))
    x = rng.random(size=(8, 1)) * 40

    def loss() -> float:
        return float(0.5 * np.sum((np.tanh(w @ x) - 0.5) ** 2))

    z = w @ x
    analytic = ((np.tanh(z) - 0.5) * np.tanh(z)) @ x.T
    d = diagnose(analytic, numeric_gradient(loss, w), loss())
    assert d.pattern is None
    assert d.details["numeric_all_zero"] is True
    assert d.message.startswith("The numeric gradient is zero within the noise")
    assert "saturated" in d.message and "1 - tanh(z)**2" in d.message


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


def test_a_transpose_is_not_claimed_from_too_few_pairs() -> None:
    rng = np.random.default_rng(9)
    n = rng.normal(size=(12, 12))
    idx = np.array([1, 12, 30, 50, 77, 90, 101])  # (0,1)/(1,0) is the only mirrored pair
    d = classify(n.T.ravel()[idx], n.ravel()[idx], shape=n.shape, flat_index=idx, tolerance=1e-9)
    assert d.pattern != "transpose"


def test_one_wrong_element_of_a_bias_vector_is_a_row() -> None:
    n = np.array([0.3, -0.2, 0.5, 0.1, -0.4, 0.25])
    a = n.copy()
    a[4] = 0.0
    d = classify(a, n, shape=n.shape, tolerance=1e-9)
    assert d.pattern == "row"
    assert "Only element 4 of 6 disagrees" in d.message


def test_a_named_factor_is_claimed_on_a_single_coordinate_but_an_odd_one_is_not() -> None:
    assert classify(np.array([-0.7]), np.array([0.7]), shape=(), tolerance=1e-9).pattern == "sign"
    d = classify(np.array([2.59]), np.array([0.7]), shape=(), tolerance=1e-9)
    assert d.pattern is None


def test_a_gap_just_above_the_noise_is_called_borderline_not_a_bug() -> None:
    n = np.linspace(-1, 1, 30)
    d = classify(n + 1.5e-8, n, shape=n.shape, tolerance=1e-8)
    assert d.pattern is None
    assert "borderline" in d.message


def test_a_shifted_write_is_named() -> None:
    n = np.random.default_rng(10).normal(size=(6, 4))
    a = np.zeros_like(n)
    a[1:] = n[:-1]  # dW[i + 1] = g[i]
    d = classify(a.ravel(), n.ravel(), shape=n.shape, tolerance=1e-9)
    assert d.pattern == "shift"
    assert "holds the numeric gradient of row i - 1" in d.message


def test_non_finite_values_are_reported_not_fitted() -> None:
    d = classify(np.array([1.0, np.nan]), np.array([1.0, 2.0]), shape=(2,))
    assert d.pattern is None
    assert "1 analytic value is NaN or Inf" in d.message


def test_misaligned_input_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="flat_index"):
        classify(np.ones(3), np.ones(3), shape=(2, 2))
    with pytest.raises(ValueError, match="tolerance"):
        classify(np.ones(4), np.ones(4), shape=(2, 2), tolerance=np.ones(3))


# --------------------------------------------------------------------------------------------------
# shape_mismatch and missing.


@pytest.mark.parametrize(
    ("param", "grad", "words"),
    [
        ((10, 1), (1,), "summed over axis 0 instead of axis 1"),
        ((10, 1), (32,), "summed over axis 0 instead of axis 1"),
        ((10, 1), (), "the sum ran over every axis"),
        ((10, 1), (10,), "use keepdims=True"),
        ((10, 1), (10, 32), "never summed: reduce over axis 1"),
        ((1, 10), (32, 1), "summed over axis 1 instead of axis 0"),
        ((10, 5), (5, 10), "it looks transposed"),
        ((10, 5), (10, 6), "axis 1 has length 6 instead of 5"),
        ((3, 4), (7, 2, 9), "no single transposition or reduction"),
    ],
)
def test_shape_mismatch_reads_the_likely_mistake(
    param: tuple[int, ...], grad: tuple[int, ...], words: str
) -> None:
    d = shape_mismatch(param, grad)
    assert d.pattern == "shape"
    assert words in d.message
    assert str(tuple(param)) in d.message and str(tuple(grad)) in d.message


def test_missing_lists_the_keys_when_none_is_close() -> None:
    d = missing("W2", ["alpha", "beta"])
    assert "none is close; the keys on offer are 'alpha' and 'beta'" in d.message
    assert missing("W2", ["dW_2", "dW1"]).details["closest"][0] == "dW_2"


# --------------------------------------------------------------------------------------------------
# The heat-map grid.


def test_error_grid_is_zero_within_tolerance_and_one_for_a_flipped_row() -> None:
    n = np.random.default_rng(11).normal(size=(4, 6)) + 3.0
    a = n + 1e-10
    a[2] = -n[2]
    grid = error_grid(a, n, 1e-8)
    assert grid.shape == (4, 6)
    np.testing.assert_array_equal(grid[[0, 1, 3]], 0.0)
    np.testing.assert_allclose(grid[2], 1.0)


def test_error_grid_max_pools_so_one_bad_coordinate_stays_visible() -> None:
    n = np.ones((100, 300))
    a = n.copy()
    a[57, 211] = 3.0
    grid = error_grid(a, n, 1e-9)
    assert grid.shape == (16, 32)
    rows, cols = grid_blocks(n.shape)
    r = np.searchsorted(rows, 57, side="right") - 1
    c = np.searchsorted(cols, 211, side="right") - 1
    assert grid[r, c] == pytest.approx(0.5)
    assert np.count_nonzero(grid) == 1


def test_error_grid_views_a_vector_as_one_row_and_keeps_unchecked_cells_nan() -> None:
    n = np.arange(1.0, 11.0)
    a = n.copy()
    a[:3] = np.nan
    grid = error_grid(a, n, None, max_cols=5)
    assert grid.shape == (1, 5)
    assert np.isnan(grid[0, 0])  # coordinates 0 and 1: neither checked
    np.testing.assert_array_equal(grid[0, 1:], 0.0)  # cell 1 holds coordinate 3, which was


# --------------------------------------------------------------------------------------------------
# Properties.

finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)
shapes = st.sampled_from([(3,), (7,), (4, 1), (3, 5), (6, 6), (2, 3, 4)])


@st.composite
def gradients(draw: st.DrawFn) -> np.ndarray:
    shape = draw(shapes)
    n = draw(arrays(np.float64, shape, elements=finite))
    # At least MIN_SUPPORT entries clear of the noise, so that a factor can be fitted at all.
    assume(np.count_nonzero(np.abs(n) > 1e-3) >= 3)
    return n


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


@settings(max_examples=100, deadline=None)
@given(size=st.integers(3, 9), seed=st.integers(0, 2**32 - 1))
def test_a_transposed_square_matrix_is_a_transpose(size: int, seed: int) -> None:
    n = np.random.default_rng(seed).normal(size=(size, size))
    d = classify(n.T.ravel(), n.ravel(), shape=n.shape, tolerance=1e-9)
    assert d.pattern == "transpose"


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


@settings(max_examples=100, deadline=None)
@given(
    names=st.lists(
        st.sampled_from(["W1", "b1", "W2", "b2", "W3", "gamma", "W_out", "W10"]), unique=True
    )
)
def test_order_tensors_is_a_stable_permutation(names: list[str]) -> None:
    ordered = order_tensors(names)
    assert sorted(ordered) == sorted(names)
    numbered = [n for n in ordered if layer_of(n) is not None]
    assert numbered == sorted(numbered, key=lambda n: int(layer_of(n) or 0))

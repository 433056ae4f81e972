"""Every reading the diagnose room can give has a plain summary (issue 16): one or two sentences a
learner acts on, naming the likely cause in their terms and the fix, without the evidence's terms
of art. The readings come from the planted bugs of :mod:`tests.diagnose.planted` where one exists,
and from small arrays otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck.diagnose.keys import borrowed, missing
from gradcheck.diagnose.patterns import classify
from gradcheck.diagnose.shape import shape_mismatch
from tests.diagnose.planted import MLP, LoopNet, Params, diagnose, numeric_gradient
from tests.plain_words import assert_plain, problems, sentences


def test_the_plain_words_rules_catch_what_they_should() -> None:
    assert problems(None) == ["no summary"]
    assert problems("The cosine is low.") == ["uses 'cosine'"]
    assert problems("One. Two. Three.") == ["3 sentences"]
    assert len(sentences("Use np.sum(dZ, axis=1), e.g. dW = dZ @ A.T. Then check again.")) == 2


# --------------------------------------------------------------------------------------------------
# patterns: nothing to fit, agreement, borderline.


def test_nothing_checked_and_non_finite_values_have_summaries() -> None:
    empty = classify(np.array([]), np.array([]), shape=(0,))
    assert_plain(empty.summary, "nothing")
    nan = classify(np.array([1.0, np.nan]), np.array([1.0, 2.0]), shape=(2,))
    assert_plain(nan.summary, "NaN", "log of 0")


def test_agreement_and_a_borderline_gap_have_summaries() -> None:
    n = np.linspace(-1, 1, 30)
    assert_plain(classify(n, n, shape=n.shape, tolerance=1e-8).summary, "matches")
    borderline = classify(n + 1.5e-8, n, shape=n.shape, tolerance=1e-8)
    assert_plain(borderline.summary, "rounding", "--eps")


# --------------------------------------------------------------------------------------------------
# mapped: transpose, shift.


def test_a_transposed_dw_names_the_transpose_and_the_fix(mlp: MLP, mlp_numeric: Params) -> None:
    d = diagnose(mlp.backward("transpose")["dW2"], mlp_numeric["W2"], mlp.loss())
    assert d.pattern == "transpose"
    assert_plain(d.summary, "transposed", "dZ @ A_prev.T")


def test_a_scaled_transpose_says_the_factor_too() -> None:
    n = np.random.default_rng(3).normal(size=(5, 5))
    d = classify(2 * n.T.ravel(), n.ravel(), shape=n.shape, tolerance=1e-9)
    assert d.pattern == "transpose"
    assert_plain(d.summary, "transposed", "multiplied by 2")


def test_a_shifted_write_names_the_index_off_by_one() -> None:
    n = np.random.default_rng(10).normal(size=(6, 4))
    a = np.zeros_like(n)
    a[1:] = n[:-1]
    d = classify(a.ravel(), n.ravel(), shape=n.shape, tolerance=1e-9)
    assert d.pattern == "shift"
    assert_plain(d.summary, "off by one", "row before it")


# --------------------------------------------------------------------------------------------------
# regularization: an L2 term on one side only.


@pytest.mark.parametrize(
    ("bug", "words"), [("l2_missing", "lacks its part"), ("l2_extra", "does not have")]
)
def test_an_l2_term_on_one_side_names_the_penalty(bug: str, words: str) -> None:
    net = MLP(l2=0.3)
    numeric = net.numeric()
    dW2 = net.backward(bug)["dW2"]
    d = classify(
        dW2.ravel(),
        numeric["W2"].ravel(),
        shape=dW2.shape,
        tolerance=1e-7,
        values=net.params["W2"].ravel(),
    )
    assert d.pattern == "regularization"
    assert_plain(d.summary, "L2", "lambda", words)


# --------------------------------------------------------------------------------------------------
# subsets: rows, columns, partial.


@pytest.fixture(scope="module")
def loopnet() -> tuple[LoopNet, np.ndarray]:
    net = LoopNet()
    return net, numeric_gradient(net.loss, net.W1)


@pytest.mark.parametrize(
    ("bug", "pattern", "words"),
    [
        ("one_unit", "row", ("Only row 3", "treats that index specially")),
        ("skip_first_unit", "row", ("Only row 0", "never written", "range(1, n)")),
        ("skip_last_input", "column", ("Only column 3", "never written", "range(n - 1)")),
    ],
)
def test_wrong_rows_and_columns_are_named_with_the_loop_that_made_them(
    loopnet: tuple[LoopNet, np.ndarray], bug: str, pattern: str, words: tuple[str, ...]
) -> None:
    net, numeric = loopnet
    d = diagnose(net.dW1(bug), numeric, net.loss())
    assert d.pattern == pattern
    assert_plain(d.summary, *words)


def test_duplicate_indices_assigned_name_np_add_at() -> None:
    rng = np.random.default_rng(5)
    n = rng.normal(size=(12, 3))
    a = n.copy()
    a[[4, 9]] *= 0.5
    d = classify(a.ravel(), n.ravel(), shape=n.shape, tolerance=1e-9)
    assert d.pattern == "row" and d.details["indices"] == [4, 9]
    assert_plain(d.summary, "rows 4 and 9", "np.add.at")


def test_partial_readings_name_the_mask_the_block_and_the_factor() -> None:
    rng = np.random.default_rng(7)
    n = rng.normal(size=(8, 8))
    mask = rng.random(size=n.shape) < 0.7
    never = classify((n * mask).ravel(), n.ravel(), shape=n.shape, tolerance=1e-9)
    assert never.details.get("rule") == "analytic_zero"
    assert_plain(never.summary, "zero where the true one is not", "mask")
    ignored = classify(n.ravel(), (n * mask).ravel(), shape=n.shape, tolerance=1e-9)
    assert ignored.details.get("rule") == "numeric_zero"
    assert_plain(ignored.summary, "misses a mask", "dZ[Z <= 0] = 0")
    a = n.copy()
    a[2:5, 3:7] *= 3
    block = classify(a.ravel(), n.ravel(), shape=n.shape, tolerance=1e-9)
    assert block.details.get("rule") == "block"
    assert_plain(block.summary, "block [2..4, 3..6]", "3 times the true value")
    scattered = n.copy()
    picked = rng.random(size=n.shape) < 0.4
    scattered[picked] *= 2
    factor = classify(scattered.ravel(), n.ravel(), shape=n.shape, tolerance=1e-9)
    assert factor.details.get("rule") == "factor"
    assert_plain(factor.summary, "2 times the true one", "part of the computation")


# --------------------------------------------------------------------------------------------------
# no pattern.


def test_a_wrong_activation_derivative_names_the_derivative(mlp: MLP, mlp_numeric: Params) -> None:
    d = diagnose(mlp.backward("tanh_derivative")["dW2"], mlp_numeric["W2"], mlp.loss())
    assert d.pattern is None and d.details["cosine"] > 0
    assert_plain(d.summary, "no simple mistake", "wrong derivative", "1 - A**2")


def test_one_wrong_entry_names_the_entry_and_a_corner() -> None:
    n = np.random.default_rng(1).normal(size=(4, 5))
    a = n.copy()
    a[2, 3] += 1.0
    d = classify(a.ravel(), n.ravel(), shape=n.shape, tolerance=1e-9)
    assert d.pattern is None
    assert_plain(d.summary, "Only entry [2, 3]", "ReLU at exactly 0")
    last = classify(
        np.array([1.0, 2.0, 5.0]), np.array([1.0, 2.0, 3.0]), shape=(3,), tolerance=1e-9
    )
    assert last.pattern == "row"
    assert_plain(last.summary, "Only element 2", "off by one", "range(n - 1)")


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda n, r: -n + 0.8 * r, ("mostly flipped", "dZ = Y - A")),
        (lambda n, r: r, ("unrelated", "another tensor's gradient")),
    ],
    ids=["opposite", "unrelated"],
)
def test_no_pattern_readings_name_their_likely_causes(make, words) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(11)
    n = rng.normal(size=(7, 6))
    r = rng.normal(size=(7, 6))
    d = classify(make(n, r).ravel(), n.ravel(), shape=n.shape, tolerance=1e-9)
    assert d.pattern is None
    assert_plain(d.summary, "no simple mistake", *words)


def test_a_gradient_where_the_loss_is_flat_names_the_saturated_derivative() -> None:
    rng = np.random.default_rng(16)
    w = rng.random(size=(3, 8))
    x = rng.random(size=(8, 1)) * 40

    def loss() -> float:
        return float(0.5 * np.sum((np.tanh(w @ x) - 0.5) ** 2))

    analytic = ((np.tanh(w @ x) - 0.5) * np.tanh(w @ x)) @ x.T
    d = diagnose(analytic, numeric_gradient(loss, w), loss())
    assert_plain(d.summary, "saturated", "1 - tanh(z)**2")


# --------------------------------------------------------------------------------------------------
# shape, keys.


@pytest.mark.parametrize(
    ("param", "grad", "words"),
    [
        ((10, 1), (1,), ("wrong axis", "np.sum(dZ, axis=1, keepdims=True)")),
        ((10, 1), (1, 32), ("wrong axis", "np.sum(dZ, axis=1, keepdims=True)")),
        ((10, 1), (), ("added up everything", "axis=1")),
        ((10, 1), (10,), ("lost an axis", "keepdims=True")),
        ((10, 1), (10, 32), ("never summed", "axis=1")),
        ((10, 5), (5, 10), ("transposed", "dZ @ A_prev.T")),
        ((10, 5), (10, 6), ("axis 1 is 6 long instead of 5",)),
        ((4, 5), (4, 5, 8), ("extra axis of length 8", "Sum over it")),
        ((3, 4), (7, 2, 9), ("no transpose or sum explains it",)),
    ],
)
def test_every_shape_reading_has_a_summary(
    param: tuple[int, ...], grad: tuple[int, ...], words: tuple[str, ...]
) -> None:
    d = shape_mismatch(param, grad)
    assert d.pattern == "shape"
    assert_plain(d.summary, str(grad), str(param), *words)


def test_a_gradient_with_another_parameters_shape_names_the_key_off_by_one() -> None:
    d = shape_mismatch((5, 4), (5, 5), others={"W2": (5, 5), "b1": (5, 1)})
    assert_plain(d.summary, "shape of W2", "off by one")


@pytest.mark.parametrize(
    ("offered", "words"),
    [
        (["dW1", "db1", "dw2"], ("'dw2'", "upper/lower case", "'dW2'")),
        (["dW1", "db1", "dW3"], ("closest keys", "grads['dW2']")),
        (["alpha", "beta"], ("grads['dW2']",)),
        ([], ("no gradients at all",)),
    ],
)
def test_a_missing_gradient_says_which_key_to_store(
    offered: list[str], words: tuple[str, ...]
) -> None:
    d = missing("W2", offered)
    assert_plain(d.summary, "no gradient for W2", *words)


def test_a_borrowed_gradient_names_the_other_tensor_and_the_index() -> None:
    net = MLP(sizes=(4, 5, 5, 5, 3))
    numeric = net.numeric()
    d = borrowed("W2", net.backward("layer_index")["dW2"], numeric)
    assert d is not None
    assert_plain(d.summary, "gradient of W3", "off by one", "str(l - 1)")
    rng = np.random.default_rng(0)
    W, b = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    same_layer = borrowed("W1", b, {"W1": W, "b1": b})
    assert same_layer is not None
    assert_plain(same_layer.summary, "gradient of b1", "swapped (dW and db")

"""A layer that cannot be checked is refused in one sentence that names the layer and says what was
expected (GradcheckError), before anything is perturbed; and an unseeded dropout is named as not
repeatable, with the fix.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import gradcheck
from tests.layers import cs231n as L
from tests.layers.cases import BY_NAME

AFFINE = BY_NAME["affine"].args()


def refusal(forward, backward, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(gradcheck.GradcheckError) as info:
        gradcheck.check_layer(forward, backward, *args, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_an_unseeded_dropout_is_not_repeatable_and_the_fix_is_a_seed_in_dropout_param() -> None:
    x = np.random.default_rng(0).standard_normal((4, 5))
    message = refusal(L.dropout_forward, L.dropout_backward, x, {"p": 0.5, "mode": "train"})
    assert message.startswith("dropout: dropout_forward is not repeatable")
    assert "global random generator without a fixed seed" in message
    assert "put a seed in dropout_param (dropout_param['seed'] = 0" in message


def test_the_same_dropout_with_a_seed_passes() -> None:
    x = np.random.default_rng(0).standard_normal((4, 5))
    params = {"p": 0.5, "mode": "train", "seed": 0}
    assert gradcheck.check_layer(L.dropout_forward, L.dropout_backward, x, params).ok


def test_too_few_gradients_are_counted_against_the_checked_arguments() -> None:
    def backward(dout, cache):
        dx, dw, _ = L.affine_backward(dout, cache)
        return dx, dw

    message = refusal(L.affine_forward, backward, *AFFINE)
    assert message == (
        "affine: backward returned 2 gradients, but affine_forward has 3 checked arguments (x, w, b): "
        "return one gradient per argument, in forward's order (dx, dw, db), or name the ones to "
        "check with wrt="
    )


def test_too_many_gradients_are_refused() -> None:
    def backward(dout, cache):
        return (*L.affine_backward(dout, cache), dout)

    message = refusal(L.affine_forward, backward, *AFFINE)
    assert "returned 4 gradients, but affine_forward has 3 checked arguments (x, w, b)" in message


def test_a_gradient_of_the_wrong_shape_names_the_argument_it_belongs_to() -> None:
    def backward(dout, cache):
        dx, dw, db = L.affine_backward(dout, cache)
        return dx.reshape(4, 6), dw, db  # not reshaped back to x's shape

    message = refusal(L.affine_forward, backward, *AFFINE)
    assert message.startswith("affine: the 1st gradient ")
    assert "(for x, shape (4, 2, 3)) has shape (4, 6): dx must have the shape of x" in message


def test_gradients_in_another_order_are_named_by_the_shape_they_have() -> None:
    x, w, b = BY_NAME["affine"].args()
    w = np.random.default_rng(1).standard_normal((6, 3))

    def backward(dout, cache):
        dx, dw, db = L.affine_backward(dout, cache)
        return dw, dx, db

    message = refusal(L.affine_forward, backward, x, w, b[:3])
    assert "the 1st gradient" in message and "(for x, shape (4, 2, 3)) has shape (6, 3)" in message
    assert "which is the shape of w: return the gradients in forward's argument order" in message


def test_a_gradient_that_is_none_is_named() -> None:
    def backward(dout, cache):
        dx, dw, _ = L.affine_backward(dout, cache)
        return dx, dw, None

    message = refusal(L.affine_forward, backward, *AFFINE)
    assert "the 3rd gradient" in message and "(for b) is None" in message


def test_a_forward_that_returns_no_cache_while_a_backward_is_given() -> None:
    def forward(x):
        return np.maximum(0, x)

    message = refusal(forward, L.relu_backward, AFFINE[0])
    assert message.startswith("forward: forward returned ndarray, not its outputs and a cache")
    assert "return (out, cache)" in message and "pass backward=None" in message


def test_a_loss_layer_given_a_backward_is_told_about_backward_none() -> None:
    x, y = BY_NAME["softmax_loss"].args()
    message = refusal(L.softmax_loss, L.relu_backward, x, y)
    assert message == (
        "softmax_loss: softmax_loss returned a number and an array, which reads as a loss layer's "
        "(loss, dx): pass backward=None to check the loss directly"
    )


def test_nothing_float_to_check() -> None:
    x = np.arange(12).reshape(3, 4)
    message = refusal(L.relu_forward, L.relu_backward, x)
    assert message == (
        "relu: no argument of relu_forward is a float NumPy array, so there is nothing to check "
        "(arguments: x (an int64 array)); pass the inputs and weights as float arrays "
        "(e.g. x.astype(np.float64))"
    )


def test_a_dout_of_the_wrong_shape() -> None:
    message = refusal(L.affine_forward, L.affine_backward, *AFFINE, dout=np.ones((6, 4)))
    assert message == (
        "affine: the upstream gradient for out has shape (6, 4), but out (an output of "
        "affine_forward) has shape (4, 6): dout must match the output it multiplies"
    )


def test_two_outputs_need_two_upstream_gradients() -> None:
    case = BY_NAME["lstm_step"]
    message = refusal(case.forward, case.backward, *case.args(), dout=np.ones((3, 5)))
    assert message.startswith(
        "lstm_step: lstm_step_forward returns 2 outputs (next_h, next_c), so dout must be a tuple"
    )


def test_wrt_naming_no_argument_or_a_label() -> None:
    message = refusal(L.affine_forward, L.affine_backward, *AFFINE, wrt="z")
    assert message.startswith("affine: wrt names 'z', which is not an argument given")
    x, y = BY_NAME["softmax_loss"].args()
    message = refusal(L.softmax_loss, None, x, y, wrt=("y",))
    assert "wrt names 'y', which is an int64 array, not a float NumPy array" in message


def test_arguments_that_forward_cannot_take() -> None:
    message = refusal(L.affine_forward, L.affine_backward, *AFFINE[:2])
    assert message.startswith("affine: affine_forward(x, w, b) cannot be called with the arguments")
    assert "missing a required argument: 'b'" in message


def test_a_forward_that_changes_its_input_in_place() -> None:
    def centering_forward(x):
        x -= x.mean(axis=0)
        return x.copy(), None

    def centering_backward(dout, cache):
        return dout - dout.mean(axis=0)

    message = refusal(centering_forward, centering_backward, AFFINE[0].reshape(4, 6).copy())
    assert re.search(r"centering_forward changed its argument x in place", message)
    assert "x = x - m, not x -= m" in message


def test_a_backward_that_is_not_a_function() -> None:
    message = refusal(L.affine_forward, "affine_backward", *AFFINE)
    assert message.startswith("affine: backward must be a function")


def test_the_callers_arrays_are_unchanged_after_a_refusal() -> None:
    x, w, b = (a.copy() for a in AFFINE)
    refusal(L.affine_forward, L.affine_backward, x, w, b, dout=np.ones((1, 1)))
    assert all(a.tobytes() == c.tobytes() for a, c in zip((x, w, b), AFFINE))


def test_a_layer_with_outputs_given_no_backward_is_told_to_give_it() -> None:
    message = refusal(L.relu_forward, None, AFFINE[0])
    assert message == (
        "relu: with backward=None, relu_forward is checked as a loss layer returning (loss, dx), "
        "but the first value it returned is not one number: give the layer's backward function, "
        "or return the loss first"
    )

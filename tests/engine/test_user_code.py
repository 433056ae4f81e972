"""User code the engine refuses or reports: bad loss values, non-finite values, exceptions and
interrupts (parameters restored), code that changes its parameters, a random loss, shared memory."""

from __future__ import annotations

import numpy as np
import pytest

import gradcheck
from tests.engine.helpers import snapshot
from tests.nets import make_mlp


def test_a_loss_returning_an_array_is_rejected_with_its_shape() -> None:
    params = {"w": np.ones(3)}
    with pytest.raises(gradcheck.GradcheckError, match=r"shape \(3,\)"):
        gradcheck.check(
            loss=lambda p: p["w"] ** 2, grads=lambda p: {"w": 2 * p["w"]}, params=params
        )


def test_a_loss_returning_none_is_rejected() -> None:
    with pytest.raises(gradcheck.GradcheckError, match="None"):
        gradcheck.check(
            loss=lambda p: None, grads=lambda p: {"w": p["w"]}, params={"w": np.ones(2)}
        )


def test_a_size_one_array_loss_is_accepted() -> None:
    params = {"w": np.array([1.0, 2.0])}
    report = gradcheck.check(
        loss=lambda p: np.sum(p["w"] ** 2).reshape(1, 1),
        grads=lambda p: {"dw": 2 * p["w"]},
        params=params,
    )
    assert report.ok


def test_a_non_finite_base_loss_is_reported_not_raised() -> None:
    params = {"w": np.array([-1.0, 2.0])}
    with np.errstate(all="ignore"):
        report = gradcheck.check(
            loss=lambda p: float(np.sum(np.log(p["w"]))),
            grads=lambda p: {"dw": 1 / p["w"]},
            params=params,
        )
    assert not report.ok
    assert report.nonfinite is not None and report.nonfinite.phase == "loss"


def test_nan_in_a_parameter_is_reported_as_input() -> None:
    params = {"w": np.array([np.nan, 2.0])}
    report = gradcheck.check(
        loss=lambda p: float(np.sum(p["w"] ** 2)), grads=lambda p: {"dw": 2 * p["w"]}, params=params
    )
    assert report.nonfinite is not None
    assert report.nonfinite.kind == "input" and report.nonfinite.variable == "w"


def test_an_exception_in_user_code_propagates_with_its_type_and_restores_parameters() -> None:
    params, loss, grads = make_mlp((4, 5, 3))
    before = snapshot(params)
    calls = {"n": 0}

    def flaky(p):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 40:
            raise ZeroDivisionError("boom on call 40")
        return loss(p)

    with pytest.raises(ZeroDivisionError, match="call 40"):
        gradcheck.check(loss=flaky, grads=grads, params=params)
    assert snapshot(params) == before


def test_keyboard_interrupt_restores_parameters() -> None:
    params, loss, grads = make_mlp((4, 5, 3))
    before = snapshot(params)
    calls = {"n": 0}

    def interrupted(p):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 60:
            raise KeyboardInterrupt
        return loss(p)

    with pytest.raises(KeyboardInterrupt) as info:
        gradcheck.check(loss=interrupted, grads=grads, params=params)
    assert snapshot(params) == before
    partial = info.value.report  # type: ignore[attr-defined]
    assert partial.stats.interrupted
    assert not partial.ok  # an unfinished check is never "ok", even if what it did passed
    assert [t.name for t in partial.tensors] == [
        "W1"
    ]  # W1 finished (40 calls in), the rest did not


def test_a_loss_that_changes_a_parameter_in_place_is_named() -> None:
    params, loss, grads = make_mlp((4, 5, 3))

    def sneaky(p):  # type: ignore[no-untyped-def]
        p["b2"] *= 0.5
        return loss(p)

    with pytest.raises(gradcheck.GradcheckError, match="the loss changed parameter 'b2' in place"):
        gradcheck.check(loss=sneaky, grads=grads, params=params)


def test_a_gradient_function_that_updates_the_parameters_is_named() -> None:
    params, loss, grads = make_mlp((4, 5, 3))

    def backward_with_update(p):  # type: ignore[no-untyped-def]
        g = grads(p)
        p["W1"] -= 0.1 * g["dW1"]
        return g

    with pytest.raises(
        gradcheck.GradcheckError, match="gradient function changed parameter 'W1'.*update"
    ):
        gradcheck.check(loss=loss, grads=backward_with_update, params=params)


def test_a_loss_that_replaces_a_parameter_is_named() -> None:
    params, loss, grads = make_mlp((4, 5, 3))

    def replacing(p):  # type: ignore[no-untyped-def]
        p["W2"] = p["W2"].copy()
        return loss(p)

    with pytest.raises(gradcheck.GradcheckError, match="replaced parameter 'W2'"):
        gradcheck.check(loss=replacing, grads=grads, params=params)


def test_a_nondeterministic_loss_is_refused_with_the_two_values() -> None:
    params, loss, grads = make_mlp((4, 5, 3))
    rng = np.random.default_rng()

    def dropout_loss(p):  # type: ignore[no-untyped-def]
        return loss(p) * (1 + 0.01 * rng.random())

    with pytest.raises(gradcheck.GradcheckError, match="not deterministic.*fix the random seed"):
        gradcheck.check(loss=dropout_loss, grads=grads, params=params)


def test_two_names_for_one_array_are_refused() -> None:
    w = np.ones(3)
    with pytest.raises(gradcheck.GradcheckError, match="'a' and 'b' are the same array"):
        gradcheck.check(
            loss=lambda p: float(np.sum(p["a"] ** 2)),
            grads=lambda p: {"a": 2 * p["a"], "b": 0 * p["a"]},
            params={"a": w, "b": w},
        )
    v = np.ones((2, 3))
    with pytest.raises(gradcheck.GradcheckError, match="share memory"):
        gradcheck.check(
            loss=lambda p: float(np.sum(p["a"] ** 2)),
            grads=lambda p: {"a": 2 * p["a"], "b": p["b"]},
            params={"a": v, "b": v[0]},
        )

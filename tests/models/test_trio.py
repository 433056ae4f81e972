"""The trio: forward, cost and backward with the user's own signatures, bound to params, X, Y."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gradcheck import GradcheckError
from gradcheck.models.make import make_model
from tests.models.reference import max_rel_error, numeric_grad
from tests.models.trios import (
    back_prop,
    course_backward,
    course_cost,
    course_data,
    course_forward,
    forward_prop,
    seed002_params,
    squared_error,
)

# ----------------------------------------------------------------------------------------------
# The trio, course style: forward(X, parameters) -> (AL, caches), cost(AL, Y), backward(AL, Y, caches)
# ----------------------------------------------------------------------------------------------


def test_the_course_trio_works_with_no_glue() -> None:
    params, X, Y = course_data()
    model = make_model(
        forward=course_forward, cost=course_cost, backward=course_backward, params=params, X=X, Y=Y
    )
    assert model.form == "trio"
    assert model.params["W1"] is params["W1"]
    assert model.extra["batch_size"] == 9
    assert model.trace_targets == (course_forward, course_cost, course_backward)
    assert model.source is not None and model.source.endswith(
        f"trios.py:{course_forward.__code__.co_firstlineno}"
    )
    errors = max_rel_error(model)
    assert max(errors.values()) < 1e-6, errors
    assert "dA0" in model.grads()  # extra keys are passed through and ignored by the engine


def test_the_trio_reads_parameters_live() -> None:
    params, X, Y = course_data()
    model = make_model(
        forward=course_forward, cost=course_cost, backward=course_backward, params=params, X=X, Y=Y
    )
    base = model.loss()
    params["W2"][0, 0] += 1.0
    assert model.loss() != base


def test_a_missing_one_over_m_in_the_trio_is_a_factor_of_m() -> None:
    params, X, Y = course_data(m=9)

    def backward(AL: np.ndarray, Y: np.ndarray, caches: list[Any]) -> dict[str, np.ndarray]:
        grads = course_backward(AL, Y, caches)
        grads["dW2"] = grads["dW2"] * Y.shape[1]
        return grads

    model = make_model(
        forward=course_forward, cost=course_cost, backward=backward, params=params, X=X, Y=Y
    )
    ratio = model.grads()["dW2"] / numeric_grad(model.loss, params["W2"])
    np.testing.assert_allclose(ratio, 9.0, rtol=1e-5)


# ----------------------------------------------------------------------------------------------
# The trio, seed-002 style: forward_prop(w1, b1, w2, b2, x), back_prop(z1, a1, z2, a2, w2, x, y)
# ----------------------------------------------------------------------------------------------


def test_the_seed_002_trio_binds_parameters_and_returned_names() -> None:
    params = seed002_params()
    x = np.random.default_rng(0).standard_normal((6, 1))
    model = make_model(
        forward=forward_prop, cost=squared_error, backward=back_prop, params=params, x=x, y=2
    )
    assert set(model.grads()) == {"dw1", "db1", "dw2", "db2"}
    errors = max_rel_error(model)
    assert max(errors.values()) < 1e-6, errors


def test_X_and_Y_keywords_bind_lower_case_arguments() -> None:
    params = seed002_params()
    x = np.random.default_rng(0).standard_normal((6, 1))
    model = make_model(
        forward=forward_prop, cost=squared_error, backward=back_prop, params=params, X=x, Y=1
    )
    assert max(max_rel_error(model).values()) < 1e-6


def test_the_tanh_bug_of_seed_002_shows_in_w2_first() -> None:
    def back_prop_as_written(z1: Any, a1: Any, z2: Any, a2: Any, w2: Any, x: Any, y: Any) -> Any:
        one_hot_y = np.zeros((a2.shape[0], 1))
        one_hot_y[y, 0] = 1
        dz2 = (a2 - one_hot_y) * np.tanh(z2)
        dw2 = dz2.dot(a1.T)
        db2 = np.sum(dz2, 1, keepdims=True)
        dz1 = w2.T.dot(dz2) * (z1 > 0)
        dw1 = dz1.dot(x.T)
        db1 = np.sum(dz1, 1, keepdims=True)
        return dw1, db1, dw2, db2

    params = seed002_params()
    x = np.random.default_rng(0).standard_normal((6, 1))
    model = make_model(
        forward=forward_prop,
        cost=squared_error,
        backward=back_prop_as_written,
        params=params,
        x=x,
        y=2,
    )
    errors = max_rel_error(model)
    assert errors["w2"] > 1e-2 and errors["b2"] > 1e-2


# ----------------------------------------------------------------------------------------------
# What the trio needs
# ----------------------------------------------------------------------------------------------


def test_missing_trio_pieces_are_listed() -> None:
    with pytest.raises(GradcheckError) as err:
        make_model(forward=course_forward, params=course_data()[0])
    assert str(err.value) == "the trio needs forward, cost and backward; missing: cost, backward"


def test_the_trio_needs_params() -> None:
    with pytest.raises(GradcheckError, match=r"^the trio needs params"):
        make_model(forward=course_forward, cost=course_cost, backward=course_backward)


def test_a_non_callable_cost_is_named() -> None:
    with pytest.raises(
        GradcheckError, match=r"^cost must be callable \(cost\(...\) -> float\); got a str"
    ):
        make_model(
            forward=course_forward, cost="cost", backward=course_backward, params=course_data()[0]
        )


def test_user_exceptions_in_forward_keep_their_type() -> None:
    def forward(params: Any, X: Any) -> Any:
        raise ZeroDivisionError("boom")

    with pytest.raises(ZeroDivisionError):
        make_model(
            forward=forward,
            cost=course_cost,
            backward=course_backward,
            params=course_data()[0],
            X=1,
        )

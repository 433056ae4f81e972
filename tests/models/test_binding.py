"""Binding the trio's arguments by name, rule by rule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from gradcheck import GradcheckError
from gradcheck.models.make import make_model
from tests.models.reference import max_rel_error
from tests.models.trios import (
    course_backward,
    course_cost,
    course_data,
    course_forward,
    forward_prop,
    seed002_params,
    squared_error,
)

# ----------------------------------------------------------------------------------------------
# Binding rules one by one
# ----------------------------------------------------------------------------------------------


def _quad_params() -> dict[str, np.ndarray]:
    return {"W": np.array([[1.0, -2.0], [0.5, 3.0]])}


def test_a_returned_dict_offers_its_keys() -> None:
    X = np.array([[1.0], [2.0]])

    def forward(params: Mapping[str, np.ndarray], inputs: np.ndarray) -> dict[str, np.ndarray]:
        z = params["W"] @ inputs
        return {"z": z, "h": z**2}

    def cost(h: np.ndarray) -> float:
        return float(h.sum())

    def backward(z: np.ndarray, inputs: np.ndarray) -> dict[str, np.ndarray]:
        return {"dW": 2 * z @ inputs.T}

    model = make_model(forward=forward, cost=cost, backward=backward, params=_quad_params(), X=X)
    assert max(max_rel_error(model).values()) < 1e-6


def test_output_aliases_bind_the_last_element_of_a_tuple() -> None:
    X = np.array([[1.0], [2.0]])

    def forward(parameters: Mapping[str, np.ndarray], x: np.ndarray) -> tuple[Any, Any]:
        z = parameters["W"] @ x
        return z, z**2  # the second element is an array, so this is not an (output, cache) pair

    def cost(out: np.ndarray) -> float:
        return float(out.sum())

    def backward(z: np.ndarray, x: np.ndarray) -> np.ndarray:
        dW = 2 * z @ x.T
        return dW

    model = make_model(forward=forward, cost=cost, backward=backward, params=_quad_params(), X=X)
    assert set(model.grads()) == {"dW"}  # a single array named by `return dW`
    assert max(max_rel_error(model).values()) < 1e-6


def test_a_name_forward_returned_wins_over_an_alias() -> None:
    X = np.array([[1.0], [2.0]])

    def forward(params: Mapping[str, np.ndarray], X: np.ndarray) -> tuple[Any, Any, Any]:
        Z = params["W"] @ X
        A = Z**2
        extra = Z * 0
        return Z, A, extra

    seen: dict[str, Any] = {}

    def cost(A: np.ndarray) -> float:
        seen["A"] = A
        return float(A.sum())

    def backward(Z: np.ndarray, X: np.ndarray) -> dict[str, Any]:
        return {"dW": 2 * Z @ X.T}

    model = make_model(forward=forward, cost=cost, backward=backward, params=_quad_params(), X=X)
    model.loss()
    np.testing.assert_array_equal(seen["A"], (_quad_params()["W"] @ X) ** 2)


def test_cache_keys_and_keyword_inputs_are_on_offer() -> None:
    X = np.array([[1.0], [2.0]])

    def forward(params: Mapping[str, np.ndarray], X: np.ndarray) -> tuple[Any, dict[str, Any]]:
        Z = params["W"] @ X
        return Z**2, {"Z": Z}

    def cost(AL: np.ndarray, lambd: float, params: Mapping[str, np.ndarray]) -> float:
        return float(AL.sum() + lambd / 2 * np.sum(params["W"] ** 2))

    def backward(Z: np.ndarray, X: np.ndarray, W: np.ndarray, lambd: float) -> dict[str, Any]:
        return {"dW": 2 * Z @ X.T + lambd * W}

    model = make_model(
        forward=forward, cost=cost, backward=backward, params=_quad_params(), X=X, lambd=0.3
    )
    assert max(max_rel_error(model).values()) < 1e-6
    assert model.owned_arrays is not None and set(model.owned_arrays()) == {"X"}


def test_defaults_are_used_when_nothing_is_on_offer() -> None:
    X = np.array([[1.0], [2.0]])

    def forward(params: Mapping[str, np.ndarray], X: np.ndarray, scale: float = 2.0) -> Any:
        return scale * (params["W"] @ X)

    def cost(out: np.ndarray, /, power: int = 2) -> float:
        return float(np.sum(out**power))

    def backward(out: np.ndarray, X: np.ndarray, *, scale: float = 2.0) -> dict[str, Any]:
        return {"W": 2 * out @ X.T * scale}

    model = make_model(forward=forward, cost=cost, backward=backward, params=_quad_params(), X=X)
    assert max(max_rel_error(model).values()) < 1e-6


def test_an_unbindable_argument_names_function_argument_and_offer() -> None:
    params = seed002_params()
    x = np.zeros((6, 1))

    def back_prop_typo(z1: Any, a1: Any, z2: Any, a2: Any, w_2: Any, x: Any, y: Any) -> Any:
        return {}

    with pytest.raises(GradcheckError) as err:
        make_model(
            forward=forward_prop,
            cost=squared_error,
            backward=back_prop_typo,
            params=params,
            x=x,
            y=0,
        )
    assert str(err.value) == (
        "cannot bind argument 'w_2' of the backward function "
        "back_prop_typo(z1, a1, z2, a2, w_2, x, y): "
        "nothing on offer is called 'w_2'. Names on offer: x, y, params, parameters, "
        "params_values, z1, a1, z2, a2, AL, output, out, y_hat, yhat, Y_hat, Yhat, A, probs, "
        "scores, w1, b1, w2, b2. Did you mean 'w2'? Rename the argument to it. If forward computes "
        "it, return it from forward under that name; if it is a fixed value (a hyperparameter), "
        "give it: a module-level w_2 = ..., --set w_2=VALUE, or gradcheck.check(..., w_2=...)."
    )


def test_forward_cannot_bind_its_own_outputs() -> None:
    with pytest.raises(GradcheckError) as err:
        make_model(
            forward=lambda W, z1: W, cost=lambda out: 0.0, backward=dict, params=_quad_params()
        )
    message = str(err.value)
    assert message.startswith("cannot bind argument 'z1' of the forward function")
    assert "(W, z1)" in message
    assert message.endswith(
        "Names on offer: params, parameters, params_values, W. If forward computes it, return it "
        "from forward under that name; if it is a fixed value (a hyperparameter), give it: a "
        "module-level z1 = ..., --set z1=VALUE, or gradcheck.check(..., z1=...)."
    )


def test_a_missing_X_is_not_on_offer() -> None:
    with pytest.raises(GradcheckError, match=r"cannot bind argument 'X' of the forward function"):
        make_model(
            forward=course_forward,
            cost=course_cost,
            backward=course_backward,
            params=course_data()[0],
        )


def test_an_unnamed_tuple_from_backward_is_an_error() -> None:
    X = np.array([[1.0], [2.0]])

    def forward(params: Mapping[str, np.ndarray], X: np.ndarray) -> Any:
        return params["W"] @ X

    def backward(out: np.ndarray, X: np.ndarray) -> tuple[Any]:
        return (2 * out @ X.T,)

    model = make_model(
        forward=forward,
        cost=lambda out: float(np.sum(out**2)),
        backward=backward,
        params=_quad_params(),
        X=X,
    )
    with pytest.raises(
        GradcheckError,
        match=r"returned a tuple of 1 values that its return statement does not name",
    ):
        model.grads()

"""The loose form and the validation at the boundary: loss/grads/params become a Model whose
closures read the user's live arrays."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from gradcheck import GradcheckError
from gradcheck.models.make import make_model
from tests.models.reference import max_rel_error, numeric_grad


def softmax_data(seed: int = 0, m: int = 7) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    params = {
        "W1": rng.standard_normal((4, 3)) * 0.5,
        "b1": rng.standard_normal((4, 1)) * 0.1,
        "W2": rng.standard_normal((2, 4)) * 0.5,
        "b2": rng.standard_normal((2, 1)) * 0.1,
    }
    X = rng.standard_normal((3, m))
    Y = np.eye(2)[:, rng.integers(0, 2, m)]
    return params, X, Y


def loose_pair(X: np.ndarray, Y: np.ndarray, *, scale: float = 1.0) -> tuple[Any, Any]:
    m = X.shape[1]

    def forward(p: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        a1 = np.tanh(p["W1"] @ X + p["b1"])
        z2 = p["W2"] @ a1 + p["b2"]
        e = np.exp(z2 - z2.max(axis=0))
        return a1, e / e.sum(axis=0)

    def loss(p: Mapping[str, np.ndarray]) -> float:
        _, a2 = forward(p)
        return float(-np.sum(Y * np.log(a2)) / m)

    def grads(p: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        a1, a2 = forward(p)
        dz2 = (a2 - Y) / m * scale
        dz1 = (p["W2"].T @ dz2) * (1 - a1**2)
        return {
            "dW2": dz2 @ a1.T,
            "db2": dz2.sum(axis=1, keepdims=True),
            "dW1": dz1 @ X.T,
            "db1": dz1.sum(axis=1, keepdims=True),
            "dZ2": dz2,
        }

    return loss, grads


# ----------------------------------------------------------------------------------------------
# The loose form
# ----------------------------------------------------------------------------------------------


def test_the_loose_form_keeps_the_users_own_arrays() -> None:
    params, X, Y = softmax_data()
    loss, grads = loose_pair(X, Y)
    model = make_model(loss=loss, grads=grads, params=params)
    assert model.form == "loose"
    assert list(model.params) == ["W1", "b1", "W2", "b2"]
    for name in params:
        assert model.params[name] is params[name]


def test_the_loose_form_sees_in_place_perturbations() -> None:
    params, X, Y = softmax_data()
    loss, grads = loose_pair(X, Y)
    model = make_model(loss=loss, grads=grads, params=params)
    base = model.loss()
    model.params["W1"][0, 0] += 0.5
    assert model.loss() != base


def test_correct_loose_gradients_agree_with_finite_differences() -> None:
    params, X, Y = softmax_data()
    loss, grads = loose_pair(X, Y)
    errors = max_rel_error(make_model(loss=loss, grads=grads, params=params))
    assert max(errors.values()) < 1e-6


def test_a_missing_one_over_m_shows_as_a_constant_ratio() -> None:
    params, X, Y = softmax_data(m=7)
    loss, grads = loose_pair(X, Y, scale=7.0)
    model = make_model(loss=loss, grads=grads, params=params)
    g = model.grads()
    ratio = g["dW2"] / numeric_grad(model.loss, model.params["W2"])
    np.testing.assert_allclose(ratio, 7.0, rtol=1e-5)


def test_layer_number_keys_are_reported_as_strings() -> None:
    rng = np.random.default_rng(1)
    W = {1: rng.standard_normal((2, 2)), 2: rng.standard_normal((1, 2))}

    def loss(p: Mapping[int, np.ndarray]) -> float:
        return float(np.sum(p[2] @ np.tanh(p[1])))

    def grads(p: Mapping[int, np.ndarray]) -> dict[int, np.ndarray]:
        t = np.tanh(p[1])
        return {1: (p[2].T @ np.ones((1, 2))) * (1 - t**2), 2: np.ones((1, 2)) @ t.T}

    model = make_model(loss=loss, grads=grads, params=W)
    assert list(model.params) == ["1", "2"]
    assert set(model.grads()) == {"1", "2"}
    assert max(max_rel_error(model).values()) < 1e-6


def test_grads_that_return_a_tuple_are_rejected_by_name() -> None:
    params, X, Y = softmax_data()
    loss, _ = loose_pair(X, Y)
    model = make_model(loss=loss, grads=lambda p: (1, 2), params=params)
    with pytest.raises(GradcheckError, match=r"grads\(params\) returned a tuple, not a mapping"):
        model.grads()


# ----------------------------------------------------------------------------------------------
# Validation at the boundary
# ----------------------------------------------------------------------------------------------


def _ok_loss(p: Any) -> float:
    return 0.0


def _ok_grads(p: Any) -> dict[str, Any]:
    return {}


def test_an_integer_parameter_is_named() -> None:
    params = {"W1": np.ones((2, 2)), "b1": np.zeros((2, 1), dtype=np.int64)}
    with pytest.raises(GradcheckError) as err:
        make_model(loss=_ok_loss, grads=_ok_grads, params=params)
    assert str(err.value) == (
        "parameter 'b1' has dtype int64, not a floating-point dtype: a small step cannot be "
        "represented in it; convert it with .astype(np.float64)"
    )


def test_a_read_only_parameter_is_named() -> None:
    W = np.ones((2, 2))
    W.flags.writeable = False
    with pytest.raises(
        GradcheckError, match=r"^parameter 'W' is read-only \(flags.writeable is False\)"
    ):
        make_model(loss=_ok_loss, grads=_ok_grads, params={"W": W})


def test_a_list_parameter_is_named() -> None:
    with pytest.raises(GradcheckError, match=r"^parameter 'W' is a list, not a NumPy array"):
        make_model(loss=_ok_loss, grads=_ok_grads, params={"W": [1.0, 2.0]})


def test_params_that_are_not_a_mapping_are_rejected() -> None:
    with pytest.raises(GradcheckError) as err:
        make_model(loss=_ok_loss, grads=_ok_grads, params=[np.ones(2)])
    assert str(err.value) == (
        "params must be a mapping of name -> NumPy array (e.g. {'W1': W1, 'b1': b1}); got a list"
    )


def test_empty_params_are_rejected() -> None:
    with pytest.raises(GradcheckError, match="params is empty"):
        make_model(loss=_ok_loss, grads=_ok_grads, params={})


def test_a_non_callable_loss_is_named() -> None:
    with pytest.raises(GradcheckError) as err:
        make_model(loss=0.5, grads=_ok_grads, params={"W": np.ones(2)})
    assert str(err.value) == "loss must be callable (loss(params) -> float); got a float"


def test_a_non_callable_grads_is_named() -> None:
    with pytest.raises(GradcheckError, match=r"^grads must be callable"):
        make_model(loss=_ok_loss, grads={"dW": 1}, params={"W": np.ones(2)})


def test_missing_loose_pieces_are_listed() -> None:
    with pytest.raises(GradcheckError) as err:
        make_model(loss=_ok_loss)
    assert str(err.value) == "the loose form needs loss, grads and params; missing: grads, params"


def test_mixing_loose_and_trio_is_rejected() -> None:
    with pytest.raises(GradcheckError, match="not both; got loss, grads, forward"):
        make_model(loss=_ok_loss, grads=_ok_grads, forward=_ok_loss, params={"W": np.ones(2)})


def test_the_loose_form_learns_its_batch_size_from_X_and_Y() -> None:
    params, X, Y = softmax_data(m=7)
    loss, grads = loose_pair(X, Y)
    model = make_model(loss=loss, grads=grads, params=params, X=X, Y=Y)
    assert model.extra["batch_size"] == 7
    assert model.owned_arrays is not None
    assert model.owned_arrays()["X"] is X


def test_the_loose_form_rejects_other_keywords_by_name() -> None:
    with pytest.raises(GradcheckError, match=r"unexpected: lambd"):
        make_model(loss=_ok_loss, grads=_ok_grads, params={"W": np.ones(2)}, lambd=0.1)

"""Adapters: every model form becomes a Model whose closures read the user's live arrays."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest

from gradcheck import GradcheckError, Model
from gradcheck.adapters import from_object, infer_batch_size, make_model, returned_names
from gradcheck.model import gradient_key_candidates

# ----------------------------------------------------------------------------------------------
# Helpers: a tiny reference finite-difference check, independent of the engine
# ----------------------------------------------------------------------------------------------


def numeric_grad(loss: Callable[[], Any], array: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Centered differences, perturbing ``array`` in place (as the engine does)."""
    out = np.zeros_like(array, dtype=np.float64)
    for idx in np.ndindex(array.shape):
        old = array[idx]
        array[idx] = old + h
        plus = float(loss())
        array[idx] = old - h
        minus = float(loss())
        array[idx] = old
        out[idx] = (plus - minus) / (2 * h)
    return out


def lookup(model: Model, grads: Mapping[str, Any], name: str) -> np.ndarray:
    key = model.grad_keys.get(name)
    if key is not None:
        return np.asarray(grads[key])
    for cand in gradient_key_candidates(name):
        if cand in grads:
            return np.asarray(grads[cand])
    raise KeyError(name)


def max_rel_error(model: Model) -> dict[str, float]:
    grads = model.grads()
    out = {}
    for name, arr in model.params.items():
        num = numeric_grad(model.loss, arr)
        ana = lookup(model, grads, name)
        denom = np.maximum(np.abs(num) + np.abs(ana), 1e-12)
        out[name] = float(np.max(np.abs(num - ana) / denom))
    return out


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


# ----------------------------------------------------------------------------------------------
# Reading return statements
# ----------------------------------------------------------------------------------------------


def _four() -> tuple[int, int, int, int]:
    z1, a1, z2, a2 = 1, 2, 3, 4
    return z1, a1, z2, a2


def _mixed(flag: bool) -> Any:
    def inner() -> int:
        q = 1
        return q

    if flag:
        return 1, 2
    a, b = inner(), 2
    return a, b + 1


def _two_returns(flag: bool) -> tuple[int, int]:
    dw, db = 1, 2
    if flag:
        return dw, db
    return dw, db


def test_return_names_are_read_from_the_source() -> None:
    assert returned_names(_four) == ("z1", "a1", "z2", "a2")


def test_return_names_keep_only_what_every_return_agrees_on() -> None:
    # Nested functions' returns are not ours; `b + 1` is not a name; `1, 2` disagrees with `a, b+1`.
    assert returned_names(_mixed) == (None, None)
    assert returned_names(_two_returns) == ("dw", "db")


def test_return_names_of_a_builtin_are_unknown() -> None:
    assert returned_names(len) is None


def test_return_names_of_a_bound_method_and_a_partial() -> None:
    import functools

    class Net:
        def backward(self, x: int) -> tuple[int, int]:
            dW1, db1 = x, x
            return dW1, db1

    assert returned_names(Net().backward) == ("dW1", "db1")
    assert returned_names(functools.partial(_two_returns, True)) == ("dw", "db")


# ----------------------------------------------------------------------------------------------
# The trio, course style: forward(X, parameters) -> (AL, caches), cost(AL, Y), backward(AL, Y, caches)
# ----------------------------------------------------------------------------------------------


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def course_forward(X: np.ndarray, parameters: Mapping[str, np.ndarray]) -> tuple[Any, list[Any]]:
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L + 1):
        W, b = parameters["W" + str(l)], parameters["b" + str(l)]
        Z = W @ A + b
        caches.append((A, W, b, Z))
        A = np.tanh(Z) if l < L else _sigmoid(Z)
    return A, caches


def course_cost(AL: np.ndarray, Y: np.ndarray) -> float:
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m)


def course_backward(AL: np.ndarray, Y: np.ndarray, caches: list[Any]) -> dict[str, np.ndarray]:
    grads = {}
    m = Y.shape[1]
    L = len(caches)
    dZ = AL - Y
    for l in range(L, 0, -1):
        A_prev, W, _b, Z = caches[l - 1]
        if l < L:
            dZ = grads["dA" + str(l)] * (1 - np.tanh(Z) ** 2)
        grads["dW" + str(l)] = dZ @ A_prev.T / m
        grads["db" + str(l)] = dZ.sum(axis=1, keepdims=True) / m
        grads["dA" + str(l - 1)] = W.T @ dZ
    return grads


def course_data(seed: int = 3, m: int = 9) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    params = {
        "W1": rng.standard_normal((4, 3)) * 0.5,
        "b1": np.zeros((4, 1)),
        "W2": rng.standard_normal((1, 4)) * 0.5,
        "b2": np.zeros((1, 1)),
    }
    X = rng.standard_normal((3, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    return params, X, Y


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
        f"test_adapters.py:{course_forward.__code__.co_firstlineno}"
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


def forward_prop(w1: Any, b1: Any, w2: Any, b2: Any, x: Any) -> tuple[Any, Any, Any, Any]:
    z1 = w1.dot(x).reshape(-1, 1) + b1
    a1 = np.maximum(0, z1)
    z2 = w2.dot(a1) + b2
    a2 = np.tanh(z2)
    return z1, a1, z2, a2


def squared_error(a2: Any, y: Any) -> float:
    one_hot_y = np.zeros((a2.shape[0], 1))
    one_hot_y[y, 0] = 1
    return float(0.5 * np.sum((a2 - one_hot_y) ** 2))


def back_prop(z1: Any, a1: Any, z2: Any, a2: Any, w2: Any, x: Any, y: Any) -> Any:
    one_hot_y = np.zeros((a2.shape[0], 1))
    one_hot_y[y, 0] = 1
    dz2 = (a2 - one_hot_y) * (1 - np.tanh(z2) ** 2)
    dw2 = dz2.dot(a1.T)
    db2 = np.sum(dz2, 1, keepdims=True)
    dz1 = w2.T.dot(dz2) * (z1 > 0)
    dw1 = dz1.dot(x.T)
    db1 = np.sum(dz1, 1, keepdims=True)
    return dw1, db1, dw2, db2


def seed002_params(seed: int = 5) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "w1": rng.standard_normal((5, 6)) * 0.4,
        "b1": rng.standard_normal((5, 1)) * 0.1,
        "w2": rng.standard_normal((3, 5)) * 0.4,
        "b2": rng.standard_normal((3, 1)) * 0.1,
    }


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
        "z1, a1, z2, a2, AL, output, out, y_hat, yhat, Y_hat, Yhat, A, probs, scores, w1, b1, w2, b2. "
        "Pass it as a keyword (w_2=...) or rename the argument."
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
        "Names on offer: params, parameters, W. Pass it as a keyword (z1=...) or rename the argument."
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


@pytest.mark.parametrize(
    ("X_shape", "Y_shape", "expected"),
    [
        ((3, 9), (1, 9), 9),  # course layout, examples in columns
        ((9, 3), (9,), 9),  # rows, integer labels
        ((9, 3), (9, 2), 9),  # rows, one-hot
        ((3, 9), (2, 9), 9),  # columns, one-hot
        ((4, 4), (4, 4), None),  # no way to tell
        ((3, 1), (1, 1), 1),
    ],
)
def test_the_batch_size_is_read_from_shapes(
    X_shape: tuple[int, ...], Y_shape: tuple[int, ...], expected: int | None
) -> None:
    assert infer_batch_size(np.zeros(X_shape), np.zeros(Y_shape)) == expected


# ----------------------------------------------------------------------------------------------
# Stateful objects
# ----------------------------------------------------------------------------------------------


def _sig(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


class DictNet:
    """Seed 000's shape: dicts params/cache/grads keyed 'W1', a cost stored on self.cost."""

    def __init__(self, X: np.ndarray, Y: np.ndarray, dims: list[int], *, forget_db2: bool = False):
        self.X, self.Y, self.dims = X, Y, dims
        self.params: dict[str, np.ndarray] = {}
        self.cache: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.cost: Any = 1
        self.forget_db2 = forget_db2

    def initialize(self) -> None:
        rng = np.random.default_rng(3)
        for l in range(1, len(self.dims)):
            self.params["W" + str(l)] = rng.standard_normal((self.dims[l], self.dims[l - 1])) * 0.5
            self.params["b" + str(l)] = np.zeros((self.dims[l], 1))

    def forward_propagation(self) -> None:
        self.cache["A0"] = self.X
        self.cache["Z1"] = self.params["W1"] @ self.X + self.params["b1"]
        self.cache["A1"] = np.tanh(self.cache["Z1"])
        self.cache["Z2"] = self.params["W2"] @ self.cache["A1"] + self.params["b2"]
        self.cache["A2"] = _sig(self.cache["Z2"])

    def compute_cost(self) -> None:
        m = self.Y.shape[1]
        A = self.cache["A2"]
        self.cost = np.squeeze(-np.sum(self.Y * np.log(A) + (1 - self.Y) * np.log(1 - A)) / m)

    def backward_propagation(self) -> None:
        m = self.X.shape[1]
        dZ2 = self.cache["A2"] - self.Y
        self.grads["dZ2"] = dZ2
        self.grads["dW2"] = dZ2 @ self.cache["A1"].T / m
        if not self.forget_db2:
            self.grads["db2"] = dZ2.sum(axis=1, keepdims=True) / m
        dZ1 = (self.params["W2"].T @ dZ2) * (1 - self.cache["A1"] ** 2)
        self.grads["dW1"] = dZ1 @ self.X.T / m
        self.grads["db1"] = dZ1.sum(axis=1, keepdims=True) / m
        self.grads["dA0"] = self.params["W1"].T @ dZ1

    def update_parameters(self, lr: float = 0.1) -> None:
        for l in range(1, len(self.dims)):
            self.params["W" + str(l)] = self.params["W" + str(l)] - lr * self.grads["dW" + str(l)]
            self.params["b" + str(l)] = self.params["b" + str(l)] - lr * self.grads["db" + str(l)]


class LayerNet:
    """Seed 001's shape: dicts W, b, dW, db keyed by layer number; compute_cost(Y_hat) returns."""

    def __init__(self, X: np.ndarray, Y: np.ndarray, hidden: int = 3) -> None:
        rng = np.random.default_rng(1)
        self.X, self.Y, self.m = X, Y, Y.shape[1]
        self.W = {1: rng.standard_normal((hidden, X.shape[0])), 2: rng.standard_normal((1, hidden))}
        self.b = {1: np.zeros((hidden, 1)), 2: np.zeros((1, 1))}
        self.Z: dict[int, np.ndarray] = {}
        self.A: dict[int, np.ndarray] = {}
        self.dW: dict[int, np.ndarray] = {}
        self.db: dict[int, np.ndarray] = {}

    def forward_propagation(self) -> np.ndarray:
        self.A[0] = np.copy(self.X)
        for l in (1, 2):
            self.Z[l] = self.W[l] @ self.A[l - 1] + self.b[l]
            self.A[l] = np.tanh(self.Z[l]) if l == 1 else _sig(self.Z[l])
        AL = self.A[2]
        return AL

    def compute_cost(self, Y_hat: np.ndarray) -> Any:
        return np.squeeze(
            -np.sum(self.Y * np.log(Y_hat) + (1 - self.Y) * np.log(1 - Y_hat)) / self.m
        )

    def backward_propagation(self) -> None:
        dZ = self.A[2] - self.Y
        for l in (2, 1):
            self.dW[l] = dZ @ self.A[l - 1].T / self.m
            self.db[l] = dZ.sum(axis=1, keepdims=True) / self.m
            if l == 2:
                dZ = (self.W[2].T @ dZ) * (1 - self.A[1] ** 2)


def binary_data(m: int = 8) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(4)
    X = rng.standard_normal((2, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    return X, Y


def dict_net(**kw: Any) -> DictNet:
    X, Y = binary_data()
    net = DictNet(X, Y, [2, 3, 1], **kw)
    net.initialize()
    return net


def test_a_dict_network_is_found_and_named_like_its_code() -> None:
    net = dict_net()
    model = from_object(net)
    assert model.form == "object"
    assert list(model.params) == ["params['W1']", "params['b1']", "params['W2']", "params['b2']"]
    assert model.params["params['W1']"] is net.params["W1"]
    assert set(model.grads()) == set(model.params)
    assert model.extra["batch_size"] == 8
    assert model.extra["notes"] == ("the cost is read from self.cost after compute_cost()",)
    assert max(max_rel_error(model).values()) < 1e-6


def test_the_object_model_owns_inputs_caches_and_gradients() -> None:
    model = from_object(dict_net())
    assert model.owned_arrays is not None
    owned = model.owned_arrays()
    assert {"X", "Y", "cache['Z1']", "grads['dA0']"} <= set(owned)
    assert not set(owned) & set(model.params)


def test_trace_targets_are_the_users_methods() -> None:
    model = from_object(dict_net())
    names = [getattr(fn, "__name__", "") for fn in model.trace_targets]
    assert names[:3] == ["forward_propagation", "compute_cost", "backward_propagation"]
    assert "update_parameters" in names


def test_parameters_replaced_by_a_training_step_are_read_afresh() -> None:
    net = dict_net()
    model = from_object(net)
    model.grads()
    net.update_parameters()  # assigns new arrays into net.params
    assert model.params["params['W1']"] is net.params["W1"]
    assert max(max_rel_error(model).values()) < 1e-6


def test_a_forgotten_gradient_leaves_the_parameter_in_place() -> None:
    model = from_object(dict_net(forget_db2=True))
    assert "params['b2']" in model.params
    assert "params['b2']" not in model.grads()


def test_a_layer_numbered_network_is_found() -> None:
    X, Y = binary_data()
    net = LayerNet(X, Y)
    model = from_object(net)
    assert list(model.params) == ["W[1]", "b[1]", "W[2]", "b[2]"]
    assert model.params["W[2]"] is net.W[2]
    assert model.extra["batch_size"] == 8
    assert model.extra["notes"] == ()
    assert max(max_rel_error(model).values()) < 1e-6


class AttrNet:
    """Parameters as bare attributes W1, b1 and gradients dW1, db1; forward takes X by argument."""

    def __init__(self) -> None:
        rng = np.random.default_rng(2)
        self.W1 = rng.standard_normal((3, 2))
        self.b1 = rng.standard_normal((3, 1))
        self.Y = np.array([[0.5, -1.0, 2.0, 0.0]])
        self.scale = np.array([2.0])  # a float array that is neither parameter nor input

    def forward(self, X: np.ndarray) -> np.ndarray:
        self.X = X
        self.Z = self.W1 @ X + self.b1
        return self.Z

    def loss(self, out: np.ndarray) -> float:
        return float(0.5 * np.sum((out.sum(axis=0, keepdims=True) * self.scale - self.Y) ** 2))

    def backward(self) -> None:
        r = (self.Z.sum(axis=0, keepdims=True) * self.scale - self.Y) * self.scale
        dZ = np.ones((3, 1)) @ r
        self.dW1 = dZ @ self.X.T
        self.db1 = dZ.sum(axis=1, keepdims=True)


def test_bare_attributes_pair_with_their_d_names_and_inputs_bind_by_keyword() -> None:
    X = np.random.default_rng(0).standard_normal((2, 4))
    model = from_object(AttrNet(), X=X)
    assert list(model.params) == ["W1", "b1"]
    assert max(max_rel_error(model).values()) < 1e-6


class ListNet:
    """Nielsen's layout: lists weights/biases, backprop returns (nabla_b, nabla_w)."""

    def __init__(self) -> None:
        rng = np.random.default_rng(6)
        self.sizes = [2, 3, 1]
        self.weights = [rng.standard_normal((3, 2)), rng.standard_normal((1, 3))]
        self.biases = [rng.standard_normal((3, 1)), rng.standard_normal((1, 1))]
        self.x = np.array([[0.3], [-0.7]])
        self.y = np.array([[0.25]])

    def feedforward(self) -> list[np.ndarray]:
        a = self.x
        activations = [a]
        for w, b in zip(self.weights, self.biases):
            a = _sig(w @ a + b)
            activations.append(a)
        return activations

    def cost(self, activations: list[np.ndarray]) -> float:
        return float(0.5 * np.sum((activations[-1] - self.y) ** 2))

    def backprop(self, activations: list[np.ndarray]) -> tuple[list[Any], list[Any]]:
        nabla_b: list[Any] = [None, None]
        nabla_w: list[Any] = [None, None]
        delta = (activations[-1] - self.y) * activations[-1] * (1 - activations[-1])
        for l in (1, 0):
            nabla_b[l] = delta
            nabla_w[l] = delta @ activations[l].T
            delta = (self.weights[l].T @ delta) * activations[l] * (1 - activations[l])
        return (nabla_b, nabla_w)


def test_lists_pair_with_returned_lists_by_shape() -> None:
    model = from_object(ListNet(), forward="feedforward")
    assert list(model.params) == ["weights[0]", "biases[0]", "weights[1]", "biases[1]"]
    assert model.extra["notes"] == (
        "weights paired with nabla_w by shape",
        "biases paired with nabla_b by shape",
    )
    assert max(max_rel_error(model).values()) < 1e-6


def test_explicit_params_and_grads_keywords_settle_everything() -> None:
    net = ListNet()
    model = from_object(net, params=["weights"], grads="nabla_w", forward="feedforward")
    assert list(model.params) == ["weights[0]", "weights[1]"]
    assert max(max_rel_error(model).values()) < 1e-6


def test_several_forward_methods_are_an_ambiguity_naming_the_keyword() -> None:
    class Two(DictNet):
        def forward(self) -> None:
            self.forward_propagation()

    X, Y = binary_data()
    with pytest.raises(GradcheckError) as err:
        from_object(Two(X, Y, [2, 3, 1]))
    assert str(err.value) == (
        "Two has several methods that look like its forward: forward, forward_propagation; "
        "say which with forward='forward' (CLI: --forward forward)"
    )
    net = Two(X, Y, [2, 3, 1])
    net.initialize()
    assert from_object(net, forward="forward").form == "object"


def test_two_different_gradients_for_one_parameter_are_an_ambiguity() -> None:
    class Both(DictNet):
        def backward_propagation(self) -> None:
            super().backward_propagation()
            self.dW1 = self.grads["dW1"] * 2

    X, Y = binary_data()
    net = Both(X, Y, [2, 3, 1])
    net.initialize()
    with pytest.raises(GradcheckError) as err:
        from_object(net)
    assert str(err.value) == (
        "the gradient of params['W1'] could be any of grads['dW1'], dW1; say which with "
        "grads='grads' (the attribute or dict holding the gradients)"
    )
    assert len(from_object(net, grads="grads").params) == 4


def test_an_uninitialised_network_is_told_to_initialise() -> None:
    X, Y = binary_data()
    with pytest.raises(GradcheckError) as err:
        from_object(DictNet(X, Y, [2, 3, 1]))
    assert str(err.value) == (
        "found no floating-point arrays on DictNet that could be parameters (empty: params, "
        "cache, grads; has its initialisation run? e.g. call the method that fills them before "
        "checking); name them with params='...'"
    )


def test_a_network_without_backward_is_rejected() -> None:
    class NoBack:
        def __init__(self) -> None:
            self.W = np.ones((2, 2))

        def forward(self) -> float:
            return float(self.W.sum())

    with pytest.raises(
        GradcheckError, match=r"^NoBack has no method that looks like backpropagation"
    ):
        from_object(NoBack())


def test_a_cost_neither_returned_nor_stored_is_an_error() -> None:
    class Silent(DictNet):
        def compute_cost(self) -> None:
            pass

    X, Y = binary_data()
    net = Silent(X, Y, [2, 3, 1])
    net.initialize()
    del net.cost
    with pytest.raises(GradcheckError) as err:
        from_object(net)
    assert str(err.value).startswith(
        "forward_propagation() and compute_cost() returned no cost and stored none on Silent "
        "(looked at self.cost, self.loss, self.J,"
    )


def test_unknown_names_in_keywords_are_reported_with_what_exists() -> None:
    net = dict_net()
    with pytest.raises(GradcheckError) as err:
        from_object(net, params="parms")
    assert str(err.value) == (
        "DictNet has no attribute 'parms' (params='parms'); attributes holding arrays: "
        "X, Y, cache, grads, params"
    )
    with pytest.raises(
        GradcheckError, match=r"^DictNet has no method 'fwd' \(forward='fwd'\); its methods: "
    ):
        from_object(net, forward="fwd")


def test_an_integer_parameter_named_explicitly_is_rejected() -> None:
    net = dict_net()
    net.params["b1"] = np.zeros((3, 1), dtype=np.int32)
    with pytest.raises(GradcheckError, match=r"^parameter \"params\['b1'\]\" has dtype int32"):
        from_object(net, params="params")


def test_from_object_refuses_a_plain_dict() -> None:
    with pytest.raises(GradcheckError, match=r"^from_object needs a model object .* got a dict"):
        from_object({"W": np.ones(2)})


def test_the_same_array_under_two_names_is_checked_once() -> None:
    net = dict_net()
    net.W1 = net.params["W1"]  # type: ignore[attr-defined]
    model = from_object(net)
    assert list(model.params) == ["params['W1']", "params['b1']", "params['W2']", "params['b2']"]
    assert "W1 is the same array as params['W1']; checked once" in model.extra["notes"]


def test_from_object_asks_for_an_instance_not_the_class() -> None:
    with pytest.raises(GradcheckError) as err:
        from_object(DictNet)
    assert str(err.value) == (
        "from_object needs an instance of DictNet, not the class itself: create it (and "
        "initialise its parameters) first, e.g. net = DictNet(...)"
    )


def test_from_object_refuses_a_function() -> None:
    with pytest.raises(GradcheckError, match=r"got a function$"):
        from_object(course_forward)

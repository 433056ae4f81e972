"""The object form: a stateful network's methods, parameters and gradients found on ``self``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gradcheck import GradcheckError
from gradcheck.models.make import from_object
from tests.models.reference import max_rel_error
from tests.models.trios import course_forward

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

"""The named values at hand (Model.extra["named_values"] and what the traced functions read): the
scalar hyperparameters a factor can be named after, by the user's names."""

from __future__ import annotations

import numpy as np

from gradcheck.models.make import make_model
from gradcheck.models.named import named_values, scalar_inputs

lambd = 0.7
epochs = 3


def _backward(X: np.ndarray, keep_prob: float = 0.5, eps: float = 1e-7) -> float:
    return float(np.sum(X)) * lambd * keep_prob * eps * epochs


class _Net:
    def __init__(self) -> None:
        self.reg = 0.05
        self.sizes = 4

    @property
    def lr(self) -> float:
        raise AssertionError("a property is user code: never run to name a factor")

    def loss(self) -> float:
        return self.reg * self.sizes * self.lr


def test_keywords_come_first_then_defaults_module_values_and_attributes() -> None:
    given = scalar_inputs({"keep_prob": 0.86, "X": np.ones(2), "flag": True, "n": 3, "one": 1.0})
    assert given == {"keep_prob": 0.86}
    found = named_values([_backward, _Net().loss], given)
    assert found == {"keep_prob": 0.86, "eps": 1e-7, "lambd": 0.7, "reg": 0.05}


def test_a_trio_given_a_keyword_keeps_it_in_the_model() -> None:
    X, Y = np.ones((2, 3)), np.ones((1, 3))
    model = make_model(
        forward=lambda X, params, keep_prob: params["W"] @ X * keep_prob,
        cost=lambda output, Y: float(np.sum((output - Y) ** 2)),
        backward=lambda X, Y, output, keep_prob: {"dW": 2 * (output - Y) @ X.T * keep_prob},
        params={"W": np.ones((1, 2))},
        X=X,
        Y=Y,
        keep_prob=0.86,
    )
    assert model.extra["named_values"] == {"keep_prob": 0.86}

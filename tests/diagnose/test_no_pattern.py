"""No simple pattern: what the message says the numbers do show."""

from __future__ import annotations

import numpy as np

from tests.diagnose.planted import MLP, Params, diagnose, numeric_gradient


def test_a_wrong_activation_derivative_fits_no_simple_pattern(
    mlp: MLP, mlp_numeric: Params
) -> None:
    d = diagnose(mlp.backward("tanh_derivative")["dW2"], mlp_numeric["W2"], mlp.loss())
    assert d.pattern is None
    assert d.message.startswith("No simple pattern fits")
    assert "have cosine" in d.message
    assert "roughly the right direction with the wrong amounts" in d.message


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

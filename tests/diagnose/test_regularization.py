"""regularization: an L2 term on one side only, told from the parameter's own values."""

from __future__ import annotations

import pytest

from gradcheck.diagnose.patterns import classify
from tests.diagnose.planted import MLP, Params, diagnose, tolerance


def test_an_l2_term_missing_from_the_backward_is_named_with_its_lambda() -> None:
    net = MLP(l2=0.7)
    numeric = net.numeric()
    analytic = net.backward("l2_missing")["dW3"]
    d = classify(
        analytic.ravel(),
        numeric["W3"].ravel(),
        shape=numeric["W3"].shape,
        tolerance=tolerance(net.loss(), numeric["W3"]).ravel(),
        batch_size=net.m,
        values=net.params["W3"].ravel(),
    )
    assert d.pattern == "regularization"
    assert d.details["coefficient"] == pytest.approx(-0.7 / 8, rel=1e-6)
    assert "is missing from the backward" in d.message
    assert "lambda = 0.7 with m = 8" in d.message


def test_an_l2_term_the_loss_lacks_is_named(mlp: MLP, mlp_numeric: Params) -> None:
    d = classify(
        mlp.backward("l2_extra")["dW1"].ravel(),
        mlp_numeric["W1"].ravel(),
        shape=mlp_numeric["W1"].shape,
        tolerance=tolerance(mlp.loss(), mlp_numeric["W1"]).ravel(),
        values=mlp.params["W1"].ravel(),
    )
    assert d.pattern == "regularization"
    assert "that the loss does not contain" in d.message


def test_without_the_parameter_values_an_l2_gap_fits_no_pattern(
    mlp: MLP, mlp_numeric: Params
) -> None:
    d = diagnose(mlp.backward("l2_extra")["dW1"], mlp_numeric["W1"], mlp.loss())
    assert d.pattern is None

"""The suspect layer: the failing layer nearest the output, and why."""

from __future__ import annotations

import numpy as np

from gradcheck.diagnose.suspect import suspect_layer
from gradcheck.report.result import FAIL, PASS, TensorResult
from tests.diagnose.planted import MLP, Params


def verdicts(mlp: MLP, numeric: Params, bug: str | None) -> list[TensorResult]:
    """Per-tensor verdicts the way an engine would give them (max relative error vs 1e-6)."""
    grads = mlp.backward(bug)
    out = []
    for name, n in numeric.items():
        a = grads["d" + name]
        rel = float(np.max(np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-12)))
        status = FAIL if rel > 1e-6 else PASS
        out.append(TensorResult(name, n.shape, "float64", status, rel, 0.0, n.size, 0))
    return out


def test_a_wrong_derivative_in_the_middle_layer_makes_layer_2_the_suspect(
    mlp: MLP, mlp_numeric: Params
) -> None:
    results = verdicts(mlp, mlp_numeric, "tanh_derivative")
    assert [r.name for r in results if r.status == FAIL] == ["W1", "b1", "W2", "b2"]
    layer, message = suspect_layer(results)
    assert layer == "2"
    assert message == (
        "Layer 2 is the suspect: W2 and b2 fail while W3 and b3, closer to the output, pass; an "
        "error in layer 2's backward also spoils layer 1, so fix layer 2 first."
    )


def test_a_wrong_weight_formula_that_leaves_the_delta_alone_says_so(
    mlp: MLP, mlp_numeric: Params
) -> None:
    results = verdicts(mlp, mlp_numeric, "dW_formula")
    layer, message = suspect_layer(results)
    assert layer == "2"
    assert message is not None
    assert "Layer 1 below passes" in message
    assert "the mistake is in the formula for W2 itself" in message
    assert "Within layer 2, b2 passes" in message


def test_when_every_layer_fails_the_output_layer_is_the_suspect(
    mlp: MLP, mlp_numeric: Params
) -> None:
    layer, message = suspect_layer(verdicts(mlp, mlp_numeric, "sign"))
    assert layer == "3"
    assert message is not None and "every layer fails" in message


def test_a_correct_model_has_no_suspect(mlp: MLP, mlp_numeric: Params) -> None:
    assert suspect_layer(verdicts(mlp, mlp_numeric, None)) == (None, None)


def _result(name: str, status: str) -> TensorResult:
    return TensorResult(name, (2, 2), "float64", status, 0.0, 0.0, 4, 0)


def test_a_passing_layer_between_two_failures_points_at_a_second_mistake() -> None:
    results = [
        _result(n, FAIL if n[-1] in "13" else PASS) for n in ("W1", "b1", "W2", "b2", "W3", "b3")
    ]
    layer, message = suspect_layer(results)
    assert layer == "3"
    assert message is not None
    assert "it is the layer nearest the output" in message
    assert "Layer 1 fails too, but layer 2 between passes" in message
    assert "separate mistake" in message


def test_unnumbered_names_use_the_order_given() -> None:
    results = [
        _result("W_in", FAIL),
        _result("b_in", FAIL),
        _result("W_out", PASS),
        _result("b_out", PASS),
    ]
    layer, message = suspect_layer(results)
    assert layer == "in"
    assert message == (
        "Layer 'in' is the suspect: W_in and b_in fail while W_out and b_out, closer to the "
        "output, pass."
    )


def test_an_adapter_supplied_layer_wins_over_the_name() -> None:
    results = [
        TensorResult("enc", (2,), "float64", FAIL, 1.0, 1.0, 2, 0, layer="1"),
        TensorResult("dec", (2,), "float64", PASS, 0.0, 0.0, 2, 0, layer="2"),
    ]
    assert suspect_layer(results)[0] == "1"

"""The suspect layer: the failing layer nearest the output, and why."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# --------------------------------------------------------------------------------------------------
# Evidence that holds (issue 13): blank passes, separate mistakes, names that say no order.


def _blank(name: str) -> TensorResult:
    """A pass whose numeric gradient is within the noise of zero (a bias in front of batch norm)."""
    return TensorResult(
        name, (2, 1), "float64", PASS, 0.0, 0.0, 2, 0, details={"numeric_to_noise": 0.3}
    )


def test_two_failing_layers_over_a_passing_one_are_two_mistakes() -> None:
    results = [
        _result(n, PASS if n.endswith("1") else FAIL) for n in ("W1", "b1", "W2", "b2", "W3", "b3")
    ]
    layer, message = suspect_layer(results)
    assert layer == "3"
    assert message == (
        "Layer 3 is the suspect: W3 and b3 fail, and it is the layer nearest the output. Further "
        "down, layer 1 passes, so the error signal layer 3 hands down is right (a wrong delta would "
        "have spoiled it too): the mistake is in the formulas for W3 and b3 themselves. Layer 2 "
        "fails too (W2 and b2), but layer 1 passes below it, so a wrong delta from layer 2 would "
        "have shown there: that is a second mistake, in the formulas for W2 and b2 themselves. "
        "Fix both, then check again."
    )


def test_a_failure_under_a_layer_with_a_right_delta_is_a_separate_mistake() -> None:
    status = {"W1": FAIL, "b1": FAIL, "W2": PASS, "b2": FAIL, "W3": PASS, "b3": PASS}
    layer, message = suspect_layer([_result(n, s) for n, s in status.items()])
    assert layer == "2"
    assert message is not None
    assert "Within layer 2, W2 passes, which points at the formula for b2" in message
    assert (
        "Layer 1 fails too, but W2 in layer 2 passes, so the error signal reaching layer 2 is "
        "right and cannot explain it: that is probably a separate mistake. Fix both" in message
    )


def test_a_blank_pass_between_two_failures_does_not_separate_them() -> None:
    results = [
        _result("W1", FAIL),
        _result("b1", FAIL),
        _blank("W2"),
        _blank("b2"),
        _result("W3", FAIL),
        _result("b3", FAIL),
    ]
    layer, message = suspect_layer(results)
    assert layer == "3"
    # With W2 and b2 as evidence this would be "probably a separate mistake" (see above).
    assert message == (
        "Layer 3 is the suspect: W3 and b3 fail, and it is the layer nearest the output; an error "
        "in layer 3's backward also spoils layer 1, so fix layer 3 first."
    )


def test_a_blank_pass_above_is_not_cited_as_evidence() -> None:
    results = [_result("W1", FAIL), _result("b1", FAIL), _blank("b2"), _result("W3", PASS)]
    layer, message = suspect_layer(results)
    assert layer == "1"
    assert message == (
        "Layer 1 is the suspect: W1 and b1 fail while W3, closer to the output, passes."
    )


def test_failures_only_in_unplaced_names_are_not_ordered() -> None:
    results = [_result("emb", FAIL), _result("enc", FAIL), _result("dec", PASS)]
    assert suspect_layer(results) == (
        None,
        (
            "Layer 'emb' and layer 'enc' fail, and their names do not say which of them is nearer "
            "the output, so whether this is one mistake or several, the evidence does not settle: "
            "check each."
        ),
    )


def test_one_failing_unplaced_name_is_the_suspect_without_an_order() -> None:
    results = [_result("W_emb", FAIL), _result("b_emb", FAIL), _result("dec", PASS)]
    assert suspect_layer(results) == (
        "emb",
        (
            "Layer 'emb' is the suspect: W_emb and b_emb fail, and nothing else does. Its name does "
            "not say where it sits in the network, so whether its delta or the formulas for W_emb "
            "and b_emb are wrong, the evidence does not settle."
        ),
    )


def test_an_unplaced_failure_beside_a_numbered_suspect_is_left_open() -> None:
    status = {"W1": PASS, "b1": PASS, "W2": FAIL, "b2": PASS, "gamma": FAIL, "beta": PASS}
    layer, message = suspect_layer([_result(n, s) for n, s in status.items()])
    assert layer == "2"
    assert message is not None
    assert message.endswith(
        "gamma fails too, but its name does not say where it sits in the network, so whether "
        "that is the same mistake or another, the evidence does not settle."
    )


@pytest.mark.parametrize(
    "names",
    [
        ("Wxh", "Whh", "Why", "bh", "by"),
        ("params['Wxh']", "params['Whh']", "params['Why']", "params['bh']", "params['by']"),
        ("W_xh", "W_hh", "W_hy", "b_h", "b_y"),
    ],
)
def test_rnn_names_make_a_hidden_and_an_output_layer(names: tuple[str, ...]) -> None:
    wxh, whh, why, bh, by = names
    results = [_result(wxh, FAIL), _result(whh, FAIL), _result(why, PASS)]
    results += [_result(bh, FAIL), _result(by, PASS)]
    layer, message = suspect_layer(results)
    assert layer == "h"
    assert message is not None
    assert message.startswith(
        f"The hidden layer is the suspect: {wxh}, {whh} and {bh} fail while {why} and {by}, "
        "closer to the output, pass."
    )


def test_gate_names_at_the_same_depth_are_not_ordered() -> None:
    # An LSTM's gates all read x and h: nothing in the names orders them or the output.
    status = {"Wxi": FAIL, "Whi": FAIL, "Wxf": PASS, "Whf": PASS, "Why": FAIL}
    layer, message = suspect_layer([_result(n, s) for n, s in status.items()])
    assert layer is None
    assert message is not None and "do not say which of them is nearer the output" in message


def test_a_layers_batch_norm_sits_after_its_affine_part() -> None:
    status = {"W1": FAIL, "b1": FAIL, "gamma1": PASS, "beta1": PASS, "W2": PASS, "b2": PASS}
    layer, message = suspect_layer([_result(n, s) for n, s in status.items()])
    assert layer == "1"
    assert message == (
        "Layer 1 is the suspect: W1 and b1 fail while gamma1, beta1, W2 and b2, closer to the "
        "output, pass. Batch norm 1 right above passes, so the error signal reaching it is right: "
        "the mistake is most likely in its backward (the delta it hands to W1 and b1)."
    )


_NAMES = [f"{kind}{layer}" for layer in range(1, 5) for kind in ("W", "b")]


@settings(max_examples=200, deadline=None)
@given(kinds=st.lists(st.sampled_from(["fail", "pass", "blank"]), min_size=8, max_size=8))
def test_the_suspect_is_the_highest_failing_layer_and_blank_passes_are_never_evidence(
    kinds: list[str],
) -> None:
    results = [
        _blank(n) if k == "blank" else _result(n, FAIL if k == "fail" else PASS)
        for n, k in zip(_NAMES, kinds, strict=True)
    ]
    layer, message = suspect_layer(results)
    failing = [n for n, k in zip(_NAMES, kinds, strict=True) if k == "fail"]
    if not failing:
        assert (layer, message) == (None, None)
        return
    assert layer == max(failing, key=lambda n: int(n[1:]))[1:]
    assert message is not None
    for name in failing:  # the suspect's failures are named, unless every layer fails
        if name[1:] == layer and "every layer fails" not in message:
            assert re.search(rf"\b{name}\b", message)
    for name, kind in zip(_NAMES, kinds, strict=True):
        if kind != "blank":
            continue
        for sentence in message.split(". "):
            if re.search(rf"\b{name}\b", sentence):
                assert "no evidence" in sentence, (name, sentence)


def test_a_lone_failing_tensor_whose_name_places_nothing_is_the_suspect() -> None:
    # Two independent tensors (a ReLU's input w and a max-pool's v): no order, no delta to argue.
    assert suspect_layer([_result("w", FAIL), _result("v", PASS)]) == (
        "w",
        "Layer 'w' is the suspect: w fails, and nothing else does.",
    )


def test_a_tensor_checked_only_on_kinks_is_no_evidence() -> None:
    # Every checked coordinate of b2 sat on a ReLU corner: nothing was compared off it.
    on_kinks = TensorResult("b2", (2, 1), "float64", PASS, None, None, 2, 2)
    results = [_result("W1", PASS), _result("b1", PASS), _result("W2", FAIL), on_kinks]
    layer, message = suspect_layer(results)
    assert layer == "2"
    assert message is not None
    assert "Within layer 2" not in message
    assert "the mistake is in the formula for W2 itself" in message  # layer 1 below says so

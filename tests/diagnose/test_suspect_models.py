"""The suspect layer on real course models, checked end to end: localisation from evidence that
holds (issue 13). Two independent bugs are two mistakes; an RNN's names are grouped by role; a
bias in front of batch norm (true gradient 0) is no evidence; one bug in one layer of an MLP is
named exactly as before."""

from __future__ import annotations

import pytest

import gradcheck
from gradcheck.report.result import FAIL, Report
from tests.diagnose.course_models import (
    LooseModel,
    make_bn_net,
    make_deep_mlp,
    make_gradient_checking_assignment,
    make_min_char_rnn,
)
from tests.nets import make_batchnorm, make_mlp


def check(model: LooseModel) -> Report:
    params, loss, grads = model
    return gradcheck.check(loss=loss, grads=grads, params=params)


def failing(report: Report) -> list[str]:
    return [t.name for t in report.tensors if t.status == FAIL]


# --------------------------------------------------------------------------------------------------
# The gradient checking assignment: dW2 doubled and db1 quadrupled.


def test_the_assignments_two_planted_bugs_are_two_mistakes_to_fix() -> None:
    report = check(make_gradient_checking_assignment(("dW2", "db1")))
    assert failing(report) == ["b1", "W2"]
    assert report.suspect_layer == "2"
    # Before: "...; an error in layer 2's backward also spoils layer 1, so fix layer 2 first."
    assert report.suspect_message == (
        "Layer 2 is the suspect: W2 fails while W3 and b3, closer to the output, pass. Within "
        "layer 2, b2 passes, which points at the formula for W2 rather than at the layer's delta. "
        "In layer 1, b1 fails too, but W1 beside it passes, so the error signal reaching layer 1 "
        "is right and cannot explain it: that is a second mistake, in the formula for b1 itself. "
        "Fix both, then check again."
    )


def test_each_of_the_assignments_bugs_alone_is_one_mistake() -> None:
    alone_w2 = check(make_gradient_checking_assignment(("dW2",)))
    alone_b1 = check(make_gradient_checking_assignment(("db1",)))
    assert (alone_w2.suspect_layer, alone_b1.suspect_layer) == ("2", "1")
    for report in (alone_w2, alone_b1):
        assert "second mistake" not in (report.suspect_message or "")
        assert "Fix both" not in (report.suspect_message or "")
    assert "the mistake is in the formula for W2 itself" in (alone_w2.suspect_message or "")
    assert "Within layer 1, W1 passes, which points at the formula for b1" in (
        alone_b1.suspect_message or ""
    )


def test_the_assignment_without_its_bugs_has_no_suspect() -> None:
    report = check(make_gradient_checking_assignment(()))
    assert report.ok
    assert (report.suspect_layer, report.suspect_message) == (None, None)


# --------------------------------------------------------------------------------------------------
# min-char-rnn: Wxh, Whh, bh feed the hidden state; Why, by the output.


def test_the_correct_rnn_passes_with_no_suspect() -> None:
    report = check(make_min_char_rnn())
    assert report.ok
    assert report.suspect_layer is None


@pytest.mark.parametrize("bug", ["truncated", "no_dhnext", "tanh"])
def test_a_wrong_hidden_delta_in_bptt_makes_the_hidden_layer_the_suspect(bug: str) -> None:
    report = check(make_min_char_rnn((bug,)))
    assert failing(report) == ["Wxh", "Whh", "bh"]
    # Before: "Layer 'bh' is the suspect: bh fails while by, closer to the output, passes. Layer
    # 'Wxh' and layer 'Whh' fail too, but layer 'Why' between passes, so that is probably a
    # separate mistake: fix layer 'bh' first, then check again."
    assert report.suspect_layer == "h"
    assert report.suspect_message == (
        "The hidden layer is the suspect: Wxh, Whh and bh fail while Why and by, closer to the "
        "output, pass. Wxh, Whh and bh all take their gradient from the hidden state's delta, so "
        "look there first, the part carried back through time (through Whh) included."
    )


def test_a_wrong_recurrent_weight_formula_points_at_that_formula() -> None:
    report = check(make_min_char_rnn(("Whh_operand",)))
    assert failing(report) == ["Whh"]
    assert report.suspect_layer == "h"
    assert report.suspect_message == (
        "The hidden layer is the suspect: Whh fails while Why and by, closer to the output, pass. "
        "Within the hidden layer, Wxh and bh pass, which points at the formula for Whh rather than "
        "at the layer's delta."
    )


def test_a_wrong_output_weight_formula_leaves_the_hidden_layer_as_evidence() -> None:
    report = check(make_min_char_rnn(("Why_operand",)))
    assert report.suspect_layer == "y"
    message = report.suspect_message or ""
    assert message.startswith(
        "The output layer is the suspect: Why fails, and it is the layer nearest the output. The "
        "hidden layer below passes, so the error signal the output layer hands down is right"
    )
    assert "Within the output layer, by passes" in message


# --------------------------------------------------------------------------------------------------
# Batch norm: the bias in front of it has a true gradient of exactly 0.


def test_the_bias_in_front_of_batch_norm_is_recorded_as_below_the_noise() -> None:
    report = check(make_bn_net())
    assert report.ok and report.suspect_layer is None
    assert report.tensor("b1").details["numeric_to_noise"] < 1
    assert report.tensor("b2").details["numeric_to_noise"] < 1
    for name in ("W1", "gamma1", "beta1", "W3", "b3"):
        assert report.tensor(name).details["numeric_to_noise"] > 1e6


def test_a_passing_bias_in_front_of_batch_norm_is_no_evidence_for_the_delta() -> None:
    report = check(make_bn_net(bugs=("bn_gamma",), bug_layer=1))
    assert failing(report) == ["W1"]
    assert report.suspect_layer == "1"
    # Before: "... Within layer 1, b1, gamma1 and beta1 pass, which points at the formula for W1
    # rather than at the layer's delta." (b1's pass is 0 = 0, gamma1/beta1 sit above the norm.)
    assert report.suspect_message == (
        "Layer 1 is the suspect: W1 fails while gamma1, beta1, W2, gamma2, beta2, W3 and b3, "
        "closer to the output, pass. The pass of b1 is no evidence about layer 1's delta (its true "
        "gradient is about zero, as for a bias in front of batch norm, so it passes whatever the "
        "delta is): the mistake is in batch norm 1's backward (the delta it hands to W1 and b1) "
        "or in the formula for W1, and the evidence does not settle which."
    )


@pytest.mark.parametrize("bug", ["bn_gamma", "bn_mean"])
def test_a_wrong_batch_norm_backward_in_layer_2_spoils_the_layers_below(bug: str) -> None:
    report = check(make_bn_net(bugs=(bug,), bug_layer=2))
    assert {"W2", "W1", "gamma1", "beta1"} <= set(failing(report))
    assert report.suspect_layer == "2"
    message = report.suspect_message or ""
    assert "an error in layer 2's backward also spoils layer 1 and batch norm 1, so fix" in message
    assert "Batch norm 2 right above passes, so the error signal reaching it is right" in message
    assert "Within" not in message  # gamma2/beta2 sit above the norm, b2's pass is 0 = 0


def test_a_doubled_weight_gradient_beside_batch_norm_is_still_its_own_formula() -> None:
    report = check(make_bn_net(bugs=("dW_scale",), bug_layer=2))
    assert failing(report) == ["W2"]
    assert report.suspect_layer == "2"
    assert report.suspect_message == (
        "Layer 2 is the suspect: W2 fails while gamma2, beta2, W3 and b3, closer to the output, "
        "pass. Layer 1 and batch norm 1 below pass, so the error signal layer 2 hands down is "
        "right (a wrong delta would have spoiled them too): the mistake is in the formula for W2 "
        "itself (a missing factor or a wrong operand)."
    )


def test_plain_gamma_and_beta_are_not_placed_and_not_cited() -> None:
    report = check(make_bn_net((4, 6, 3), bugs=("bn_gamma",), numbered_bn=False))
    assert failing(report) == ["W1"]
    assert report.suspect_layer == "1"
    # Before: "Layer 1 is the suspect: W1 fails while gamma, beta, W2 and b2, closer to the
    # output, pass. Within layer 1, b1 passes, which points at the formula for W1 ..."
    assert report.suspect_message == (
        "Layer 1 is the suspect: W1 fails while W2 and b2, closer to the output, pass. The pass of "
        "b1 is no evidence about layer 1's delta (its true gradient is about zero, as for a bias "
        "in front of batch norm, so it passes whatever the delta is): the mistake is in layer 1's "
        "delta or in the formula for W1, and the evidence does not settle which."
    )


def test_correct_batch_norm_nets_pass() -> None:
    assert check(make_bn_net()).ok
    assert check(make_bn_net((4, 6, 3), numbered_bn=False)).ok


# --------------------------------------------------------------------------------------------------
# The L-layer model with one bug in one layer: the suspect is named as before.


@pytest.mark.parametrize(
    ("bug", "layer", "suspect"),
    [
        *((bug, layer, str(layer)) for bug in ("dW_scale", "db_scale", "sign") for layer in (1, 4)),
        *(("derivative", layer, str(layer)) for layer in (1, 2, 3)),
        *(("dA_prev", layer, str(layer - 1)) for layer in (2, 3, 4)),
    ],
)
def test_one_bug_in_one_layer_names_that_layer(bug: str, layer: int, suspect: str) -> None:
    report = check(make_deep_mlp(bug=bug, bug_layer=layer))
    assert report.suspect_layer == suspect
    message = report.suspect_message or ""
    assert message.startswith(f"Layer {suspect} is the suspect: ")
    for more in ("second mistake", "separate mistake", "Fix both", "does not settle"):
        assert more not in message


def test_a_doubled_dw_in_the_middle_of_the_mlp_reads_as_before() -> None:
    report = check(make_deep_mlp(bug="dW_scale", bug_layer=3))
    assert report.suspect_message == (
        "Layer 3 is the suspect: W3 fails while W4 and b4, closer to the output, pass. Layers 1 "
        "and 2 below pass, so the error signal layer 3 hands down is right (a wrong delta would "
        "have spoiled them too): the mistake is in the formula for W3 itself (a missing factor or "
        "a wrong operand). Within layer 3, b3 passes, which points at the formula for W3 rather "
        "than at the layer's delta."
    )


def test_a_wrong_relu_derivative_in_the_mlp_reads_as_before() -> None:
    report = check(make_deep_mlp(bug="derivative", bug_layer=3))
    assert report.suspect_message == (
        "Layer 3 is the suspect: W3 and b3 fail while W4 and b4, closer to the output, pass; an "
        "error in layer 3's backward also spoils layers 1 and 2, so fix layer 3 first."
    )


# --------------------------------------------------------------------------------------------------
# Failures that look alike, and names that place nothing.


@pytest.mark.parametrize(
    ("bug", "how"), [("percent", "scale 1.02"), ("regulariser", "regularization")]
)
def test_the_same_mistake_in_every_layers_dw_is_called_one_mistake(bug: str, how: str) -> None:
    report = check(make_mlp(bug=bug, l2=0.1))
    assert failing(report) == ["W1", "W2"]
    assert report.suspect_layer == "2"
    # Before: "Layer 2 is the suspect: every layer fails, ... an error in the output layer's
    # backward (often dZ = A - Y ...) reaches every layer below it, so start there. Within layer
    # 2, b2 passes ..." (b2 passing says the output delta is right).
    assert report.suspect_message == (
        "Layer 2 is the suspect: W2 fails, and it is the layer nearest the output. Within layer 2, "
        "b2 passes, which points at the formula for W2 rather than at the layer's delta. W1 fails "
        f"the same way ({how}) although b1 beside it passes (the error signal reaching layer 1 is "
        "right), so that is probably the same mistake, made in code the layers share (a loop or a "
        "helper)."
    )


def test_plain_gamma_and_beta_are_not_counted_as_closer_to_the_output() -> None:
    report = check(make_batchnorm(bug="bn_mean"))
    assert failing(report) == ["W1", "b1"]
    # Before: "Layer 1 is the suspect: W1 and b1 fail while gamma and beta, closer to the output,
    # pass." (the dict order placed them).
    assert report.suspect_message == (
        "Layer 1 is the suspect: W1 and b1 fail, and it is the layer nearest the output of those "
        "the names place (gamma and beta pass, but their names do not say where they sit)."
    )

"""The words a learner sees by default (issue 16): every failing tensor of every planted bug has a
plain summary, and so does the suspect layer (``Report.suspect_summary``); the summaries name the
cause in the learner's terms. Words only: the verdicts are those of test_planted_bugs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import gradcheck
from gradcheck.engine.verdict import unsampled
from tests.diagnose import course_models as cm
from tests.diagnose.planted import MLP, LoopNet
from tests.engine.helpers import check
from tests.layers.cases import BUGS, BY_NAME
from tests.nets import make_batchnorm, make_mlp, make_relu_kinks
from tests.plain_words import assert_plain, problems


def _planted(bug: str) -> gradcheck.Report:
    net = MLP(l2=0.3 if bug.startswith("l2") else 0.0)
    return gradcheck.check(
        loss=lambda p: net.loss(), grads=lambda p: net.backward(bug), params=net.params
    )


def _loop(bug: str) -> gradcheck.Report:
    net = LoopNet()
    return gradcheck.check(
        loss=lambda p: net.loss(), grads=lambda p: {"dW1": net.dW1(bug)}, params={"W1": net.W1}
    )


_NETS = ["missing_1/m", "sign", "transpose", "derivative", "bias_axis", "missing_key"]
_NETS += ["regulariser", "row", "scale2"]
_PLANTED = ["sign", "missing_mean", "mean_twice", "transpose", "bias_axis", "dW_formula"]
_PLANTED += ["l2_extra", "l2_missing", "tanh_derivative", "never_written", "missing_key"]
_PLANTED += ["layer_index"]

#: Every planted-bug model of the test suite, as a report.
SUITE: dict[str, Callable[[], gradcheck.Report]] = {
    **{f"nets-{b}": (lambda b=b: check(make_mlp((4, 5, 5, 3), bug=b, l2=0.1))) for b in _NETS},
    "nets-float32": lambda: check(make_mlp((4, 6, 3), dtype=np.float32, bug="percent")),
    "nets-bn_mean": lambda: check(make_batchnorm(bug="bn_mean")),
    "nets-relu_sign": lambda: check(make_relu_kinks(bug="relu_sign")),
    **{f"planted-{b}": (lambda b=b: _planted(b)) for b in _PLANTED},
    **{
        f"loop-{b}": (lambda b=b: _loop(b))
        for b in ["skip_first_unit", "one_unit", "skip_last_input"]
    },
    "course-dW2+db1": lambda: check(cm.make_gradient_checking_assignment(("dW2", "db1"))),
    **{
        f"rnn-{b}": (lambda b=b: check(cm.make_min_char_rnn((b,))))
        for b in ["truncated", "no_dhnext", "tanh", "Why_operand", "Whh_operand"]
    },
    **{
        f"bn-{b}": (lambda b=b: check(cm.make_bn_net(bugs=(b,))))
        for b in ["bn_gamma", "bn_mean", "dW_scale"]
    },
    **{
        f"deep-{b}": (lambda b=b: check(cm.make_deep_mlp(bug=b)))
        for b in ["dW_scale", "db_scale", "derivative", "dA_prev", "sign"]
    },
}


@pytest.fixture(scope="module")
def reports() -> dict[str, gradcheck.Report]:
    return {name: make() for name, make in SUITE.items()}


def test_every_failing_tensor_of_every_planted_bug_has_a_plain_summary(
    reports: dict[str, gradcheck.Report],
) -> None:
    bad = {
        (name, t.name): (problems(t.summary), t.summary)
        for name, report in reports.items()
        for t in report.tensors
        if t.status != "pass" and problems(t.summary)
    }
    assert not bad, bad
    assert all(not r.ok for r in reports.values())  # every model here has a bug


def test_every_suspect_layer_has_a_plain_summary(reports: dict[str, gradcheck.Report]) -> None:
    bad = {
        name: (problems(r.suspect_summary), r.suspect_summary)
        for name, r in reports.items()
        if r.suspect_layer is not None and problems(r.suspect_summary)
    }
    assert not bad, bad


def test_the_suspect_summary_is_in_the_json_and_none_when_all_pass() -> None:
    report = check(make_mlp((4, 5, 3), bug="sign"))
    doc = json.loads(json.dumps(report.to_dict()))
    assert doc["suspect_summary"] == report.suspect_summary is not None
    fine = check(make_mlp((4, 5, 3)))
    assert fine.suspect_summary is None and fine.to_dict()["suspect_summary"] is None


@pytest.mark.parametrize(
    ("name", "tensor", "words"),
    [
        ("planted-transpose", "W2", ("transposed", "dZ @ A_prev.T")),
        ("planted-bias_axis", "b2", ("wrong axis", "np.sum(dZ, axis=1, keepdims=True)")),
        ("planted-missing_key", "W2", ("'dw2'", "'dW2'")),
        ("planted-never_written", "W2", ("never stored", "dw2 for dW2")),
        ("planted-l2_missing", "W2", ("L2", "(lambda/m) * W")),
        ("planted-sign", "W3", ("wrong sign", "dZ = Y - A")),
        ("nets-row", "W1", ("Only row 1",)),
        ("loop-skip_first_unit", "W1", ("Only row 0", "range(1, n)")),
        ("planted-tanh_derivative", "W2", ("wrong derivative", "1 - A**2")),
        ("planted-layer_index", "W2", ("shape of W3", "off by one")),
    ],
)
def test_a_tensor_summary_names_the_planted_cause(
    reports: dict[str, gradcheck.Report], name: str, tensor: str, words: tuple[str, ...]
) -> None:
    assert_plain(reports[name].tensor(tensor).summary, *words)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("planted-transpose", ("formula for W2 itself", "b2 and layer 1 pass", "dZ2 is right")),
        ("planted-sign", ("Start with layer 3", "nearest the output", "dZ = A - Y")),
        ("planted-tanh_derivative", ("Start with layer 2", "dZ2", "derivative", "layer 1")),
        ("course-dW2+db1", ("formula for W2 itself", "second mistake", "formula for b1")),
        ("planted-l2_missing", ("formula for W3 itself", "W1 and W2 fail the same way")),
        ("rnn-truncated", ("hidden layer", "dh", "back through time")),
        ("rnn-Whh_operand", ("formula for Whh itself", "Wxh and bh pass")),
        ("bn-bn_mean", ("batch norm 1", "backward")),
        ("bn-bn_gamma", ("batch norm 1's backward", "formula for W1", "cannot tell")),
        ("nets-relu_sign", ("Only w fails",)),
    ],
)
def test_the_suspect_summary_says_where_to_start(
    reports: dict[str, gradcheck.Report], name: str, words: tuple[str, ...]
) -> None:
    assert_plain(reports[name].suspect_summary, *words)


@pytest.mark.parametrize(("name", "bug", "buggy", "broken"), BUGS, ids=[b[1] for b in BUGS])
def test_a_layer_check_has_a_plain_suspect_summary_naming_the_broken_gradient(
    name: str, bug: str, buggy: Any, broken: str
) -> None:
    case = BY_NAME[name]
    args = case.args(np.float64)
    if case.backward is None:
        report = gradcheck.check_layer(buggy, None, *args)
    else:
        report = gradcheck.check_layer(case.forward, buggy, *args)
    assert_plain(report.suspect_summary, f"d{broken}")
    for t in report.failed:
        assert_plain(t.summary)


def test_a_gradient_that_is_not_numbers_or_holds_nan_has_a_summary() -> None:
    params, loss, grads = make_mlp((4, 5, 3))

    def text_grad(p: dict[str, np.ndarray]) -> dict[str, Any]:
        return {**grads(p), "db1": "oops"}

    def nan_grad(p: dict[str, np.ndarray]) -> dict[str, Any]:
        g = grads(p)
        g["dW1"] = g["dW1"].copy()
        g["dW1"][0, 0] = np.nan
        return g

    typed = gradcheck.check(loss=loss, grads=text_grad, params=params).tensor("b1")
    assert_plain(typed.summary, "'db1'", "NumPy float array")
    nan = gradcheck.check(loss=loss, grads=nan_grad, params=params).tensor("W1")
    assert_plain(nan.summary, "NaN", "dW1")


def test_an_error_only_a_random_direction_sees_has_a_plain_summary() -> None:
    message, summary = unsampled(90_000, 25, "relative error 0.3")
    assert "random direction" in message
    assert_plain(summary, "90,000 entries", "25 checked one by one are right", "--mode full")
    nothing, none_sampled = unsampled(90_000, 0, "relative error 0.3")
    assert_plain(none_sampled, "90,000 entries", "--mode full")
    assert "0 checked" not in none_sampled and "0 sampled" not in nothing


def test_an_integer_gradient_warns_in_plain_words() -> None:
    params, loss, grads = make_mlp((4, 5, 3))

    def rounded(p: dict[str, np.ndarray]) -> dict[str, Any]:
        return {**grads(p), "dW1": np.round(grads(p)["dW1"] * 100).astype(np.int64)}

    report = gradcheck.check(loss=loss, grads=rounded, params=params)
    (warning,) = [w for w in report.warnings if w.kind == "gradient_dtype"]
    assert warning.summary == (
        "dW1 holds whole numbers, so fractions were cut off: make it a float array "
        "(np.zeros_like(W1, dtype=float))"
    )
    assert_plain(report.tensor("W1").summary)


def test_a_small_gap_that_re_measuring_confirms_is_called_small_but_real() -> None:
    params, loss, grads = make_mlp((4, 5, 3))
    off = 3e-8 * np.random.default_rng(1).normal(size=(5, 4))

    def nudged(p: dict[str, np.ndarray]) -> dict[str, Any]:
        return {**grads(p), "dW1": grads(p)["dW1"] + off}

    w1 = gradcheck.check(loss=loss, grads=nudged, params=params).tensor("W1")
    assert w1.status == "warn" and w1.details["diagnosis"].get("borderline")
    assert w1.details.get("confirmed_wrong")
    assert_plain(w1.summary, "small but real", "measured again")

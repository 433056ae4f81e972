"""Every planted bug is caught, named by its pattern, and carries the evidence that it is real."""

from __future__ import annotations

import numpy as np
import pytest

from tests.engine.helpers import check
from tests.nets import make_mlp, make_relu_kinks


@pytest.mark.parametrize(
    ("bug", "failing"),
    [
        ("missing_1/m", {"W1", "b1", "W2", "b2", "W3", "b3"}),
        ("sign", {"W3"}),
        ("transpose", {"W2"}),
        ("derivative", {"W1", "b1"}),
        ("bias_axis", {"b3"}),
        ("missing_key", {"b1"}),
        ("regulariser", {"W1", "W2", "W3"}),
        ("row", {"W1"}),
        ("scale2", {"W3"}),
    ],
)
def test_a_planted_bug_fails_exactly_the_tensors_it_touches(bug: str, failing: set[str]) -> None:
    report = check(make_mlp((4, 5, 5, 3), bug=bug, l2=0.1))
    assert not report.ok
    assert {t.name for t in report.tensors if t.status == "fail"} == failing


def test_a_missing_gradient_is_a_fail_row_naming_the_keys_on_offer() -> None:
    report = check(make_mlp((4, 5, 3), bug="missing_key"))
    row = report.tensor("b1")
    assert row.pattern == "missing"
    assert "db1" in (row.message or "") and "'dW1'" in (row.message or "")
    assert report.tensor("W1").status == "pass"  # the others are still checked


def test_a_misshapen_gradient_is_a_fail_row_with_both_shapes() -> None:
    report = check(make_mlp((4, 5, 3), bug="bias_axis"))
    row = report.tensor("b2")
    assert row.pattern == "shape"
    assert "(1, 6)" in (row.message or "") and "(3, 1)" in (row.message or "")


def test_a_two_percent_error_in_a_float32_gradient_is_caught() -> None:
    report = check(make_mlp((4, 6, 3), dtype=np.float32, bug="percent"))
    assert {t.name for t in report.failed} == {"W1", "W2"}
    for t in report.failed:
        assert 0.005 < (t.rel_error or 0) < 0.02


def test_a_relative_error_of_1e_4_fails_in_float64() -> None:
    params, loss, grads = make_mlp((4, 5, 3))

    def slightly_wrong(p):  # type: ignore[no-untyped-def]
        g = grads(p)
        g["dW1"] = g["dW1"] * (1 + 2e-4)  # ||a-n|| / (||a|| + ||n||) = 1e-4
        return g

    report = check((params, loss, slightly_wrong))
    assert report.tensor("W1").status == "fail"
    assert report.tensor("W1").rel_error == pytest.approx(1e-4, rel=0.05)
    assert report.tensor("W2").status == "pass"


def test_a_real_bug_at_a_kink_is_still_caught() -> None:
    report = check(make_relu_kinks(bug="relu_sign"))
    assert report.tensor("w").status == "fail"
    assert report.tensor("v").status == "pass"


def test_one_wrong_row_of_a_big_matrix_is_caught_and_located_in_auto_mode() -> None:
    report = check(make_mlp((784, 256, 128, 10), m=16, bug="row"))
    w1 = report.tensor("W1")
    assert w1.status == "fail"
    assert {t.name for t in report.failed} == {"W1"}
    assert report.stats.loss_evaluations < 600
    assert w1.worst and all(e.index[0] == 1 for e in w1.worst)  # localised to row 1


def test_a_borderline_real_error_stays_a_warning_and_the_taylor_test_calls_it_wrong() -> None:
    params, loss, grads = make_mlp((4, 5, 3))

    def slightly_wrong(p):  # type: ignore[no-untyped-def]
        g = grads(p)
        g["dW1"] = g["dW1"] * (1 + 1e-5)  # relative error 5e-6: between pass and fail
        return g

    report = check((params, loss, slightly_wrong))
    w1 = report.tensor("W1")
    assert w1.status == "warn"
    assert report.ok  # warnings do not fail a check
    assert w1.details["taylor_verdict"] == "wrong"
    assert "not t^2" in (w1.message or "")
    assert "so this is a real error, not round-off" in (w1.message or "")


def test_a_failing_tensor_carries_the_taylor_evidence() -> None:
    report = check(make_mlp((4, 5, 3), bug="sign"))
    w2 = report.tensor("W2")
    assert w2.status == "fail"
    assert w2.details["taylor_verdict"] == "wrong"
    assert w2.details["taylor_orders"][-1] == pytest.approx(1.0, abs=0.2)


def test_gradients_stored_under_each_others_keys_are_named_swapped() -> None:
    params, loss, grads = make_mlp((4, 5, 5, 5, 3))

    def off_by_one(p):  # type: ignore[no-untyped-def]
        g = grads(p)
        g["dW2"], g["dW3"] = g["dW3"], g["dW2"]  # grads['dW' + str(l + 1)] in the loop
        return g

    report = check((params, loss, off_by_one))
    w2 = report.tensor("W2")
    assert w2.status == "fail" and w2.pattern == "swapped"
    assert "W3" in (w2.message or "")


def test_common_patterns_are_named_with_their_numbers() -> None:
    report = check(make_mlp((4, 5, 5, 3), bug="missing_1/m"))  # m = 6 examples
    assert report.tensor("b3").pattern == "scale"
    assert report.tensor("b3").factor == pytest.approx(6.0)
    assert "1/m" in (report.tensor("b3").message or "")
    assert check(make_mlp((4, 5, 5, 3), bug="sign")).tensor("W3").pattern == "sign"
    assert check(make_mlp((4, 5, 5, 3), bug="transpose")).tensor("W2").pattern == "transpose"
    assert check(make_mlp((4, 5, 5, 3), bug="row")).tensor("W1").pattern == "row"
    assert check(make_mlp((4, 5, 5, 3), bug="bias_axis")).tensor("b3").pattern == "shape"
    assert check(make_mlp((4, 5, 5, 3), bug="missing_key")).tensor("b1").pattern == "missing"


def test_a_wrong_derivative_in_the_middle_layer_makes_it_the_suspect() -> None:
    report = check(make_mlp((4, 5, 5, 5, 3), bug="derivative"))  # layer 2 of 4 uses tanh for dtanh
    failing = {t.name for t in report.failed}
    assert failing == {"W1", "b1", "W2", "b2"}
    assert report.suspect_layer == "2"
    assert "Layer 2 is the suspect" in (report.suspect_message or "")


def test_a_gross_error_gets_the_reading_without_the_numerical_evidence() -> None:
    w2 = check(make_mlp((4, 5, 3), bug="sign")).tensor("W2")
    assert "sign flipped" in (w2.message or "")
    assert "Re-measured" not in (w2.message or "") and "Taylor" not in (w2.message or "")
    assert w2.details["taylor_verdict"] == "wrong" and w2.details["confirmed_wrong"] >= 1

"""Factors named from what is at hand (issue 16): the values the user's functions take (keep_prob,
lambd, reg), the batch size and its powers, the data and L2 terms fitted apart, the common L2
conventions, and an accumulator overwritten in a loop. Each on a real model written the way the
courses write it; the correct model passes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import gradcheck
from gradcheck.diagnose.patterns import classify
from gradcheck.models.discovery import load_model
from gradcheck.report.result import FAIL, Report, TensorResult
from tests.models import forms
from tests.models.user_files import write

DROPOUT = {
    "forward": "forward_propagation_with_dropout",
    "cost": "compute_cost",
    "backward": "backward_propagation_with_dropout",
}
L2 = {
    "forward": "forward_propagation",
    "cost": "compute_cost_with_regularization",
    "backward": "backward_propagation_with_regularization",
}
DW2 = "dW2 = 1.0 / m * np.dot(dZ2, A1.T) + lambd / m * W2"


def _check(tmp_path: Path, text: str, **kw: object) -> Report:
    return gradcheck.check(load_model(write(tmp_path, text), **kw))  # type: ignore[arg-type]


def _failed(report: Report) -> dict[str, TensorResult]:
    return {t.name: t for t in report.tensors if t.status == FAIL}


def _words(t: TensorResult) -> str:
    return f"{t.summary} {t.message}"


# ------------------------------------------------------------------------------------------------
# 1. keep_prob passed as a keyword (--set): x0.86**2 is keep_prob**2


def test_dropout_multiplying_by_keep_prob_names_keep_prob_squared(tmp_path: Path) -> None:
    text = forms.DROPOUT.replace("dA1 = dA1 * D1 / keep_prob", "dA1 = dA1 * D1 * keep_prob")
    report = _check(tmp_path, text, settings=["keep_prob=0.86"], **DROPOUT)
    failed = _failed(report)
    assert set(failed) == {"W1", "b1"}
    for t in failed.values():
        assert t.pattern == "scale"
        assert t.factor == pytest.approx(0.86**2, rel=1e-6)
        assert t.summary is not None
        assert "keep_prob**2 for keep_prob = 0.86" in t.summary
        assert "multiplies by keep_prob where the forward divides by it" in t.summary
        assert "/ keep_prob" in t.summary
        assert "no common name" not in _words(t)


def test_dropout_without_its_division_by_keep_prob_names_keep_prob(tmp_path: Path) -> None:
    text = forms.DROPOUT.replace("dA1 = dA1 * D1 / keep_prob", "dA1 = dA1 * D1")
    t = _failed(_check(tmp_path, text, settings=["keep_prob=0.86"], **DROPOUT))["W1"]
    assert t.pattern == "scale" and t.factor == pytest.approx(0.86, rel=1e-6)
    assert t.summary is not None and "0.86 is keep_prob = 0.86" in t.summary
    assert "the / keep_prob the forward applies is missing" in t.summary


def test_the_correct_dropout_with_keep_prob_as_a_keyword_passes(tmp_path: Path) -> None:
    report = _check(tmp_path, forms.DROPOUT, settings=["keep_prob=0.86"], **DROPOUT)
    assert report.ok, [(t.name, t.status) for t in report.tensors]


def test_a_missing_division_by_keep_prob_names_keep_prob_beside_the_stray_half(
    tmp_path: Path,
) -> None:
    # keep_prob = 0.5 (forward's default): the factor is keep_prob and a 1/2; both are said.
    old, new, _ = forms.BUGS["dropout"]
    failed = _failed(_check(tmp_path, forms.DROPOUT.replace(old, new), **DROPOUT))
    t = failed["W2"]
    assert t.pattern == "scale" and t.factor == pytest.approx(0.5, rel=1e-6)
    assert t.summary is not None and "keep_prob = 0.5" in t.summary and "1/2" in t.summary


# ------------------------------------------------------------------------------------------------
# 2. The batch size and its powers


def test_averaged_twice_names_m_applied_twice(tmp_path: Path) -> None:
    text = forms.COURSE_2LAYER.replace("dZ2 = A2 - Y", "dZ2 = (A2 - Y) / m")
    failed = _failed(_check(tmp_path, text))
    assert set(failed) == {"W1", "b1", "W2", "b2"}
    for t in failed.values():
        assert t.pattern == "scale" and t.factor == pytest.approx(1 / 5, rel=1e-6)
        assert t.summary is not None and "1/m for the batch size m = 5" in t.summary
        assert "/ m is applied twice" in t.summary


def test_multiplying_by_m_where_it_divides_names_m_squared(tmp_path: Path) -> None:
    text = forms.COURSE_2LAYER.replace("dW2 = np.dot(dZ2, A1.T) / m", "dW2 = np.dot(dZ2, A1.T) * m")
    t = _failed(_check(tmp_path, text))["W2"]
    assert t.pattern == "scale" and t.factor == pytest.approx(25.0, rel=1e-6)
    assert t.summary is not None and "m**2 for the batch size m = 5" in t.summary
    assert "multiplies by m where it should divide" in t.summary


def test_one_over_m_squared_and_sqrt_m_are_named() -> None:
    rng = np.random.default_rng(0)
    n = rng.standard_normal(30)
    d = classify(n / 64, n, shape=(30,), batch_size=8)
    assert d.pattern == "scale" and d.summary is not None and "1/m**2" in d.summary
    d = classify(n * np.sqrt(8), n, shape=(30,), batch_size=8)
    assert d.pattern == "scale" and d.summary is not None and "sqrt(m)" in d.summary


def test_a_named_value_is_not_named_for_a_factor_it_does_not_make() -> None:
    rng = np.random.default_rng(1)
    n = rng.standard_normal(30)
    d = classify(n * 0.77, n, shape=(30,), named_values={"keep_prob": 0.86})
    assert d.pattern == "scale" and d.summary is not None
    assert "keep_prob" not in d.summary and "no common name" in d.summary


# ------------------------------------------------------------------------------------------------
# 3. Course L2: the data term and the L2 term fitted apart


def test_the_data_term_missing_its_division_by_m_with_l2_on(tmp_path: Path) -> None:
    text = forms.REGULARIZATION.replace(DW2, "dW2 = np.dot(dZ2, A1.T) + lambd / m * W2")
    failed = _failed(_check(tmp_path, text, **L2))
    assert set(failed) == {"W2"}
    t = failed["W2"]
    assert t.pattern == "regularization" and t.factor == pytest.approx(8.0, rel=1e-6)
    assert t.summary is not None
    assert "the L2 term lambd / m * W is right" in t.summary
    assert "the data term is 8 times the true one" in t.summary
    assert "the 1/m of the mean is missing" in t.summary
    assert "no simple pattern" not in _words(t)
    assert t.fixed_line == "dW2 = np.dot(dZ2, A1.T) / m + lambd / m * W2"


def test_the_data_term_averaged_twice_with_l2_on(tmp_path: Path) -> None:
    text = forms.REGULARIZATION.replace("dZ3 = A3 - Y", "dZ3 = (A3 - Y) / m")
    t = _failed(_check(tmp_path, text, **L2))["W2"]
    assert t.pattern == "regularization" and t.factor == pytest.approx(1 / 8, rel=1e-6)
    assert t.summary is not None and "the L2 term lambd / m * W is right" in t.summary
    assert "/ m is applied twice" in t.summary
    assert t.fixed_line is None  # which of the divisions by m goes?


def test_the_l2_term_missing_its_division_by_m(tmp_path: Path) -> None:
    text = forms.REGULARIZATION.replace(DW2, "dW2 = 1.0 / m * np.dot(dZ2, A1.T) + lambd * W2")
    t = _failed(_check(tmp_path, text, **L2))["W2"]
    assert t.pattern == "regularization"
    assert t.summary == (
        "The L2 term and the loss disagree: with the loss lambd / (2 * m) * np.sum(W**2), "
        "the gradient has lambd * W where lambd / m * W belongs."
    )
    assert "lambda = " not in _words(t)
    assert t.fixed_line == "dW2 = 1.0 / m * np.dot(dZ2, A1.T) + lambd / m * W2"


def test_the_l2_term_left_out_of_the_course_backward(tmp_path: Path) -> None:
    old, new, _ = forms.BUGS["regularization"]
    t = _failed(_check(tmp_path, forms.REGULARIZATION.replace(old, new), **L2))["W3"]
    assert t.pattern == "regularization" and t.summary is not None
    assert "the gradient lacks the L2 term lambd / m * W" in t.summary


# ------------------------------------------------------------------------------------------------
# 4. CS231n's conventions: reg * W against 2 * reg * W


def _two_layer_net(tmp_path: Path, text: str) -> Report:
    path = write(tmp_path, text)
    module = gradcheck.models.importer.import_file(path)  # type: ignore[attr-defined]
    return gradcheck.check(
        gradcheck.from_object(module.net, X=module.X, y=module.y, reg=module.reg)
    )


def test_reg_times_w_where_the_loss_needs_two_reg_says_both_readings(tmp_path: Path) -> None:
    old, new, _ = forms.BUGS["two_layer_net"]
    t = _failed(_two_layer_net(tmp_path, forms.TWO_LAYER_NET.replace(old, new)))["W2"]
    assert t.pattern == "regularization" and t.message is not None
    # The numbers fit two readings, and the message says both ...
    assert "the numbers alone cannot tell which way" in t.message
    first = "with the loss reg * np.sum(W * W), the gradient has reg * W where 2 * reg * W belongs"
    assert first in t.message
    assert "with the loss 0.5 * reg * np.sum(W * W), the gradient lacks the L2 term reg * W" in (
        t.message
    )
    assert "lambda = " not in _words(t)
    # ... but the statement holds reg * W2, which leaves the first: the summary says that one.
    assert f"The L2 term on line 29 leaves one reading: {first}." in t.message
    assert t.summary == f"The L2 term and the loss disagree: {first}."
    # The statement holds reg * W2: of the two readings only the first is possible.
    assert t.fixed_line == 'grads["W2"] = h.T.dot(dscores) + 2 * reg * W2'


def test_two_reg_times_w_against_half_reg_in_the_loss_says_both_readings(tmp_path: Path) -> None:
    text = forms.TWO_LAYER_NET.replace("loss += reg * (", "loss += 0.5 * reg * (")
    failed = _failed(_two_layer_net(tmp_path, text))
    assert set(failed) == {"W1", "W2"}
    for t in failed.values():
        assert t.pattern == "regularization" and t.message is not None
        half = (
            "with the loss 0.5 * reg * np.sum(W * W), the gradient has 2 * reg * W where "
            "reg * W belongs"
        )
        assert half in t.message
        assert "if the loss has no L2 term, the gradient adds reg * W" in t.message
        assert t.summary == f"The L2 term and the loss disagree: {half}."
        assert t.fixed_line is not None and t.fixed_line.endswith(f" + reg * {t.name}")


def test_the_softmax_assignment_with_reg_times_w(tmp_path: Path) -> None:
    old, new, _ = forms.BUGS["softmax"]
    t = _failed(_check(tmp_path, forms.SOFTMAX.replace(old, new)))["W"]
    assert t.pattern == "regularization" and t.summary is not None
    assert "reg * W where 2 * reg * W belongs" in t.summary
    assert t.fixed_line == "dW += 2 * reg * W"


def test_the_correct_cs231n_models_pass(tmp_path: Path) -> None:
    assert _two_layer_net(tmp_path, forms.TWO_LAYER_NET).ok
    assert _check(tmp_path, forms.SOFTMAX).ok


# ------------------------------------------------------------------------------------------------
# 5. Overwrite where += belongs


OVERWRITE = ("dWhh += np.dot(dhraw, hs[t - 1].T)", "dWhh = np.dot(dhraw, hs[t - 1].T)")


def test_an_rnn_gradient_overwritten_in_the_time_loop(tmp_path: Path) -> None:
    report = _check(tmp_path, forms.MIN_CHAR_RNN.replace(*OVERWRITE))
    failed = _failed(report)
    assert set(failed) == {"Whh"}
    t = failed["Whh"]
    assert t.pattern == "overwrite" and t.factor is None
    assert t.summary is not None
    assert t.summary.startswith("Only the last step's contribution to dWhh is kept")
    assert "runs 5 times" in t.summary and "Use dWhh += ..." in t.summary
    assert "never" not in _words(t)
    assert t.fixed_line == "dWhh += np.dot(dhraw, hs[t - 1].T)"


def test_an_overwrite_that_leaves_zeros_is_not_read_as_never_written_back(tmp_path: Path) -> None:
    # The backward loop's last run is t = 0, whose term is zero when hprev is: the kept gradient
    # is all zeros, which the numbers alone read as "never written back".
    text = forms.MIN_CHAR_RNN.replace(*OVERWRITE).replace(
        "hprev = np.random.randn(hidden_size, 1) * 0.1", "hprev = np.zeros((hidden_size, 1))"
    )
    t = _failed(_check(tmp_path, text))["Whh"]
    assert t.pattern == "overwrite"
    assert "never" not in _words(t)


def test_a_loop_over_layers_is_not_read_as_an_overwrite(tmp_path: Path) -> None:
    old, new, _ = forms.BUGS["l_model"]
    report = _check(tmp_path, forms.L_MODEL.replace(old, new))
    assert report.failed
    assert all(t.pattern != "overwrite" for t in report.tensors)


def test_the_terms_are_fitted_apart_only_when_both_factors_have_a_name() -> None:
    rng = np.random.default_rng(3)
    d, w = rng.standard_normal(40), rng.standard_normal(40)
    k = 0.7 / 8  # the course's lambd / m
    n = d + k * w
    named = {"lambd": 0.7}
    found = classify(8 * d + k * w, n, shape=(40,), batch_size=8, values=w, named_values=named)
    assert found.pattern == "regularization" and found.factor == pytest.approx(8.0)
    # 3.7 has no name: the numbers fit, but no reading is claimed
    unnamed = classify(3.7 * d + k * w, n, shape=(40,), batch_size=8, values=w, named_values=named)
    assert unnamed.pattern is None
    # no strength at hand: nothing to split by
    bare = classify(8 * d + k * w, n, shape=(40,), batch_size=8, values=w)
    assert bare.pattern is None


def test_with_the_numbers_alone_both_l2_readings_are_said() -> None:
    rng = np.random.default_rng(4)
    d, w = rng.standard_normal(30), rng.standard_normal(30)
    n = d + 2 * 0.05 * w  # loss reg * sum(W * W)
    found = classify(d + 0.05 * w, n, shape=(30,), values=w, named_values={"reg": 0.05})
    assert found.pattern == "regularization" and found.summary is not None
    assert "the numbers alone cannot tell which way" in found.summary
    assert "the gradient has reg * W where 2 * reg * W belongs" in found.summary
    assert "0.5 * reg * np.sum(W * W), the gradient lacks the L2 term reg * W" in found.summary
    # the L2 term left out altogether: one reading (the other would need a negative L2 term)
    alone = classify(d, n, shape=(30,), values=w, named_values={"reg": 0.05})
    assert alone.summary == (
        "The L2 term and the loss disagree: with the loss reg * np.sum(W * W), the gradient "
        "lacks the L2 term 2 * reg * W."
    )

"""Issue 16: a cross-entropy on a saturated sigmoid output loses its digits (log(1 - A) with A
rounded near 1, or log(A) with A = 1 - 1e-6), so the loss, itself ~1e-6, moves in steps of 1e-16: a
staircase the noise estimate at the base point can miss. Correct models get no FAIL and no warn (what
the staircase hides is "cannot tell at this precision"), and a real error well above the loss's
resolution is still caught (engine/resolution.py)."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck.report.check_summary import summary_text
from tests.engine.helpers import check
from tests.engine.learner_models import course_relu_draws, course_relu_forward, make_course_relu
from tests.nets import LooseModel

# Correct course nets (init 1.0, one example, every sigmoid output within 1e-6..1e-3 of its label:
# inside the property's band) that the check failed or warned on before.
SATURATED = [
    # The property's find: W1 and W2 failed, W2[3, 3] analytic 9.9000e-08, numeric 9.9005e-08.
    ([5, 5, 5, 8, 8, 1], 0),
    # Found by running the property's draws wider.
    ([5, 4, 6, 1], 2448),  # W1 failed
    ([5, 7, 2, 8, 5, 1], 4226),  # b4 failed
    ([6, 6, 7, 7, 6, 1], 4608),  # W3 failed, b5 warned
    ([6, 5, 8, 5, 7, 1], 5848),  # W4 and b4 failed
]


@pytest.mark.parametrize(("dims", "seed"), SATURATED)
def test_a_correct_net_whose_cost_lost_its_digits_neither_fails_nor_warns(
    dims: list[int], seed: int
) -> None:
    report = check(make_course_relu(dims, 1, seed=seed, init="1.0"))
    bad = {t.name: (t.status, t.message) for t in report.tensors if t.status != "pass"}
    assert report.ok and not bad, bad
    lost = sum(t.details.get("lost_precision", 0) for t in report.tensors)
    assert lost >= 1
    assert all(
        t.details.get("lost_precision", 0) <= t.details.get("unresolved", 0) for t in report.tensors
    )
    assert "the loss itself is rough there, far above its own rounding" in summary_text(report)


def test_the_note_names_the_plain_cause_of_a_saturated_sigmoid() -> None:
    report = check(make_course_relu([5, 5, 5, 8, 8, 1], 1, seed=0, init="1.0"))
    assert any(w.kind == "sigmoid_saturation" for w in report.warnings)
    text = summary_text(report)
    assert "The cost lost precision (log of a number rounded to 1" in text
    assert "compute it from the logits" in text


def scaled(model: LooseModel, key: str, factor: float) -> LooseModel:
    params, loss, grads = model

    def wrong(p):  # type: ignore[no-untyped-def]
        g = grads(p)
        g[key] = g[key] * factor
        return g

    return params, loss, wrong


@pytest.mark.parametrize("seed", [0, 6])  # both saturated: cost 3.3e-6 and 8.2e-7
@pytest.mark.parametrize("key", ["dW1", "dW2", "dW5"])
@pytest.mark.parametrize("factor", [1.02, 1 + 2e-4])
def test_a_small_real_error_in_a_saturated_net_is_still_caught(
    seed: int, key: str, factor: float
) -> None:
    """A 2% error, and a relative error of 1e-4, stand far above the loss's resolution (the round-off
    of 1e-16 puts an error bar of ~2e-11 on gradients of ~1e-6): caught, in the right tensor only.
    Before, the staircase failed W1 and W2 whatever the bug, and missed some of these."""
    model = scaled(make_course_relu([5, 5, 5, 8, 8, 1], 1, seed=seed, init="1.0"), key, factor)
    report = check(model)
    assert {t.name for t in report.failed} == {key[1:]}


@pytest.mark.parametrize("seed", [22, 25])  # costs 4.6e-12 and 1.8e-15: beyond the property's band
def test_a_cost_too_coarse_to_move_within_the_step_is_a_note_too(seed: int) -> None:
    """A sigmoid within 1e-12 of its label: the loss does not move at all over a step for most
    coordinates, and every tensor failed. The grid it moves on, found over wider spans, says what
    the differences can resolve."""
    report = check(make_course_relu([5, 5, 5, 8, 8, 1], 1, seed=seed, init="1.0"))
    assert report.ok and all(t.status == "pass" for t in report.tensors)
    assert sum(t.details.get("lost_precision", 0) for t in report.tensors) >= 5


def test_a_small_error_where_the_cost_has_no_digits_left_is_a_note_not_a_verdict() -> None:
    """At a cost of 1.8e-15 the loss keeps about four bits: W2's gradients (~1e-15) sit far below
    the error bar of its differences (~1e-11), so a 2% error there cannot be told. The report says
    so for W2; it does not fail every tensor, as it did, nor pass W2 without that note."""
    model = scaled(make_course_relu([5, 5, 5, 8, 8, 1], 1, seed=25, init="1.0"), "dW2", 1.02)
    report = check(model)
    assert report.ok
    assert report.tensor("W2").details.get("lost_precision", 0) >= 1
    text = summary_text(report)
    named = text.split(") cannot be told apart at this precision: the loss itself")[0]
    assert "W2" in named.rsplit("(", 1)[1].split(", ")


def float32_course_net(seed: int, logit: float, factor: float = 1.0) -> LooseModel:
    """The course net [5, 6, 6, 1] in float32, its output bias set so that the logit is ``logit``
    on the label's side (cost ~exp(-logit)); ``factor`` scales dW2 (a planted error)."""
    drawn, X64, Y64 = course_relu_draws([5, 6, 6, 1], 1, seed, "he")
    p = {k: v.astype(np.float32) for k, v in drawn.items()}
    X, Y = X64.astype(np.float32), Y64.astype(np.float32)
    z = course_relu_forward(p, X)[1][-1][1]
    p["b3"] = (p["b3"] + (logit if Y[0, 0] == 1 else -logit) - z).astype(np.float32)

    def loss(p):  # type: ignore[no-untyped-def]
        AL = course_relu_forward(p, X)[0]
        return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)))

    def grads(p):  # type: ignore[no-untyped-def]
        AL, caches = course_relu_forward(p, X)
        g, dZ = {}, AL - Y
        for l in (3, 2, 1):
            A_prev, _ = caches[l - 1]
            g[f"dW{l}"] = dZ @ A_prev.T * (factor if l == 2 else 1)
            g[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True)
            if l > 1:
                dZ = (p[f"W{l}"].T @ dZ) * (caches[l - 2][1] > 0)
        return {k: v.astype(np.float32) for k, v in g.items()}

    return p, loss, grads


@pytest.mark.parametrize("seed", [1, 2, 4])
def test_a_float32_net_whose_cost_lost_its_digits_neither_fails_nor_warns(seed: int) -> None:
    """float32 keeps 6e-8 near 1: at a cost of 6e-6 the loss has about two digits, and W1, b1 and
    W2 (with more) failed."""
    report = check(float32_course_net(seed, 12.0))
    assert report.ok and all(t.status == "pass" for t in report.tensors)
    assert sum(t.details.get("lost_precision", 0) for t in report.tensors) >= 1


def test_a_two_percent_float32_error_in_a_saturated_net_is_still_caught() -> None:
    report = check(float32_course_net(1, 9.0, factor=1.02))  # cost 1.2e-4
    assert {t.name for t in report.failed} == {"W2"}

"""Findings about the cost curve: ``cost_rising`` / ``cost_oscillating`` (a stalled cost is
:mod:`gradcheck.train.learning_health`).

Each reads the :class:`~gradcheck.report.training.CostTrend` of the run, says what it saw with the
numbers, and quotes the weights' update/weight ratios as the evidence for what usually fixes it. When
the gradient check before training failed, the reading is the wrong gradients, not the rate.
"""

from __future__ import annotations

from collections.abc import Sequence

from gradcheck.report.formatting import pct
from gradcheck.report.records import ReportWarning
from gradcheck.report.training import CostTrend, TensorHealth
from gradcheck.train.thresholds import (
    FIX_BACKPROP_FIRST,
    FIX_LOWER_LR,
    lr_text,
    step_share,
)

__all__ = ["cost_warnings"]


def cost_warnings(
    trend: CostTrend | None,
    tensors: Sequence[TensorHealth],
    lr: float | None,
    *,
    gradients_ok: bool | None = None,
) -> list[ReportWarning]:
    """The cost rose or oscillated: the learning rate is probably too high, unless the gradient
    check failed (then the steps do not go downhill whatever the rate: the backprop comes first)."""
    if trend is None or not (trend.rising or trend.oscillating):
        return []
    if gradients_ok is False:
        return [_cost_rising_wrong_gradients(trend)]
    return [_cost_rising(trend, _ratio_clause(tensors), lr)]


def _ratio_clause(tensors: Sequence[TensorHealth]) -> str:
    """The weights' median update/weight ratios, a weight that never moved left out (it says
    nothing about the step size)."""
    ratios = ", ".join(
        f"{t.name} by {step_share(t.update_ratio)}"
        for t in tensors
        if t.is_weight and t.update_ratio
    )
    return (
        f" Each step changes {ratios} of its size (the median update/weight ratio "
        f"||lr * dW|| / ||W||; healthy is about 0.1%)."
        if ratios
        else ""
    )


def _what_the_cost_did(trend: CostTrend) -> str:
    if trend.min_step <= 1:
        saw = (
            f"the cost never fell: it rose from {trend.start:.4g} at step 1 to {trend.last:.4g} at "
            f"step {trend.steps}"
        )
    else:
        saw = (
            f"the cost fell from {trend.start:.4g} to {trend.minimum:.4g} at step {trend.min_step}, "
            f"then rose: {trend.last:.4g} at step {trend.steps}"
        )
    if trend.peak_after_min > trend.last and trend.peak_step != trend.steps:
        saw += f" (peak {trend.peak_after_min:.4g} at step {trend.peak_step}"
        saw += ", above where it started)" if trend.peak_after_min > trend.start else ")"
    if trend.oscillating:
        saw += f"; in the second half it went up on {pct(trend.up_share)} of the steps"
    if trend.oscillating and not trend.rising:
        saw = (
            f"the cost oscillates: in the second half of the run it went up on "
            f"{pct(trend.up_share)} of the steps without net progress (from {trend.start:.4g} at "
            f"step 1 to {trend.last:.4g} at step {trend.steps}, lowest {trend.minimum:.4g} at step "
            f"{trend.min_step})"
        )
    return saw


def _summary(trend: CostTrend) -> str:
    if trend.oscillating and not trend.rising:
        return "the cost goes up and down without getting lower"
    if trend.min_step <= 1:
        return f"the cost never fell: it rose from {trend.start:.4g} to {trend.last:.4g}"
    top = max(trend.peak_after_min, trend.last)
    return (
        f"the cost fell to {trend.minimum:.4g} at step {trend.min_step}, then rose again to "
        f"{top:.4g}"
    )


def _cost_rising(trend: CostTrend, ratio_clause: str, lr: float | None) -> ReportWarning:
    """``cost_rising`` (it climbed back from its minimum) or ``cost_oscillating`` (up on a third of
    the steps with no net progress)."""
    kind = "cost_oscillating" if trend.oscillating else "cost_rising"
    verdict = "learning rate probably too high" + lr_text(lr)
    return ReportWarning(
        kind=kind,
        where="cost",
        message=(
            f"{verdict}: {_what_the_cost_did(trend)}. Gradient descent is overshooting the "
            f"minimum it is in.{ratio_clause} {FIX_LOWER_LR}"
        ),
        details={"trend": trend.to_dict(), "lr": lr},
        fix=FIX_LOWER_LR,
        summary=f"{_summary(trend)}; the steps overshoot (the learning rate is too high)",
    )


def _cost_rising_wrong_gradients(trend: CostTrend) -> ReportWarning:
    """The cost rose while the gradient check failed: wrong gradients, not (only) the rate."""
    kind = "cost_oscillating" if trend.oscillating and not trend.rising else "cost_rising"
    return ReportWarning(
        kind=kind,
        where="cost",
        message=(
            f"{_what_the_cost_did(trend)}. The gradients before training are wrong (they disagree "
            f"with finite differences), so a step against them does not go downhill whatever the "
            f"learning rate. {FIX_BACKPROP_FIRST}"
        ),
        details={"trend": trend.to_dict(), "gradients_ok": False},
        fix=FIX_BACKPROP_FIRST,
        summary=f"{_summary(trend)}, as the gradients are wrong (a step against them need not go downhill)",
    )

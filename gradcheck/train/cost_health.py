"""Findings about the cost curve: ``cost_rising`` / ``cost_oscillating`` (a stalled cost is
:mod:`gradcheck.train.learning_health`).

Each reads the :class:`~gradcheck.report.training.CostTrend` of the run, says what it saw with the
numbers, and quotes the weights' update/weight ratios as the evidence for what usually fixes it.
"""

from __future__ import annotations

from collections.abc import Sequence

from gradcheck.report.formatting import pct
from gradcheck.report.records import ReportWarning
from gradcheck.report.training import CostTrend, TensorHealth
from gradcheck.train.thresholds import lr_text

__all__ = ["cost_warnings"]

_FIX_LR_HIGH = (
    "Lower the learning rate (try a tenth of it) until the update/weight ratio is about 1e-3, and scale "
    "the inputs to mean 0 / std 1 so that one rate suits every weight."
)


def cost_warnings(
    trend: CostTrend | None, tensors: Sequence[TensorHealth], lr: float | None
) -> list[ReportWarning]:
    """The cost rose or oscillated: the learning rate is probably too high."""
    if trend is not None and (trend.rising or trend.oscillating):
        return [_cost_rising(trend, _ratio_clause(tensors), lr)]
    return []


def _ratio_clause(tensors: Sequence[TensorHealth]) -> str:
    ratios = ", ".join(
        f"{t.name} {t.update_ratio:.2g}"
        for t in tensors
        if t.is_weight and t.update_ratio is not None
    )
    return (
        f" The update/weight ratio ||dW||/||W|| per step is {ratios} (median; healthy is about 1e-3)."
        if ratios
        else ""
    )


def _cost_rising(trend: CostTrend, ratio_clause: str, lr: float | None) -> ReportWarning:
    """``cost_rising`` (it climbed back from its minimum) or ``cost_oscillating`` (up on a third of
    the steps with no net progress)."""
    saw = (
        f"the cost fell from {trend.start:.4g} to {trend.minimum:.4g} at step {trend.min_step}, then "
        f"rose: {trend.last:.4g} at step {trend.steps}"
    )
    if trend.peak_after_min > trend.last and trend.peak_step != trend.steps:
        saw += f" (peak {trend.peak_after_min:.4g} at step {trend.peak_step}"
        saw += ", above where it started)" if trend.peak_after_min > trend.start else ")"
    if trend.oscillating:
        saw += f"; in the second half it went up on {pct(trend.up_share)} of the steps"
    kind = "cost_oscillating" if trend.oscillating else "cost_rising"
    verdict = "learning rate probably too high" + lr_text(lr)
    if trend.oscillating and not trend.rising:
        saw = (
            f"the cost oscillates: in the second half of the run it went up on "
            f"{pct(trend.up_share)} of the steps without net progress (from {trend.start:.4g} at "
            f"step 1 to {trend.last:.4g} at step {trend.steps}, lowest {trend.minimum:.4g} at step "
            f"{trend.min_step})"
        )
    return ReportWarning(
        kind=kind,
        where="cost",
        message=(
            f"{verdict}: {saw}. Gradient descent is overshooting the minimum it is in.{ratio_clause} "
            f"{_FIX_LR_HIGH}"
        ),
        details={"trend": trend.to_dict(), "lr": lr},
    )

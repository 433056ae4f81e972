"""Findings about the weights' updates: ``update_ratio_high``, ``not_updated`` and ``update_ratio_low``.

The update/weight ratio ``||dW|| / ||W||`` per step is about 1e-3 in a healthy run (CS231n); each
finding reads a weight's median ratio over the measured steps.
"""

from __future__ import annotations

from collections.abc import Sequence

from gradcheck.report.records import ReportWarning
from gradcheck.report.training import UPDATE_RATIO_HEALTHY, CostTrend, TensorHealth
from gradcheck.train.thresholds import (
    FIX_LOWER_LR,
    UPDATE_RATIO_HIGH,
    UPDATE_RATIO_LOW,
    lr_text,
    step_share,
)

__all__ = ["update_warnings"]


def update_warnings(
    weights: Sequence[TensorHealth],
    trend: CostTrend | None,
    lr: float | None,
    *,
    cost_went_bad: bool = False,
) -> list[ReportWarning]:
    """Ratios far above 1e-3 first, then weights that never changed or (with a cost that did not
    fall) barely move.

    A ratio is a rule of thumb: a large one warns only together with evidence from the cost (it
    rose, oscillated, or went non-finite: ``cost_went_bad``); a run whose cost falls steadily is
    fine whatever its ratios. The table shows every ratio either way.
    """
    overshoots = cost_went_bad or (trend is not None and (trend.rising or trend.oscillating))
    out = [
        _update_ratio_high(t, lr)
        for t in weights
        if overshoots and t.update_ratio is not None and t.update_ratio > UPDATE_RATIO_HIGH
    ]
    cost_fell = trend is not None and trend.minimum < trend.start * (1 - 1e-2)
    for t in weights:
        r = t.update_ratio
        if r is None:
            continue
        moving_grad = t.grad_norm_last is not None and t.grad_norm_last > 0
        if r == 0 and moving_grad:
            out.append(_not_updated(t))
        elif 0 < r < UPDATE_RATIO_LOW and not cost_fell:
            out.append(_update_ratio_low(t, r, lr))
    return out


def _update_ratio_high(t: TensorHealth, lr: float | None) -> ReportWarning:
    assert t.update_ratio is not None
    factor = t.update_ratio / UPDATE_RATIO_HEALTHY
    return ReportWarning(
        kind="update_ratio_high",
        where=t.name,
        message=(
            f"{t.name}: each step changes the weights by {step_share(t.update_ratio)} of their size "
            f"(the median update/weight ratio ||lr * dW|| / ||W|| over {len(t.update_ratios)} "
            f"measured steps; healthy is about 0.1%, so {factor:.0f}x too large){lr_text(lr)}: the "
            f"learning rate is probably too high. {FIX_LOWER_LR}"
        ),
        details={"update_ratio": t.update_ratio, "steps": len(t.update_ratios)},
        fix=FIX_LOWER_LR,
        summary="each step changes the weights far more than the healthy 0.1% of their size",
    )


_FIX_NOT_UPDATED = (
    "Store the update back into the array the model reads (params['W1'] = params['W1'] - lr * "
    "dW1, or W -= lr * dW in place)."
)


def _not_updated(t: TensorHealth) -> ReportWarning:
    """A weight with a non-zero gradient that never changed."""
    return ReportWarning(
        kind="not_updated",
        where=t.name,
        message=(
            f"{t.name} never changed over {len(t.update_ratios)} measured steps although its gradient "
            f"is non-zero (norm {t.grad_norm_last:.3g}): the update does not reach this array "
            f"(a copy is updated, the result of W - lr * dW is not stored back, or the loop "
            f"skips this layer). {_FIX_NOT_UPDATED}"
        ),
        details={"grad_norm": t.grad_norm_last},
        fix=_FIX_NOT_UPDATED,
        summary="never changed although its gradient is not zero",
    )


_FIX_RAISE_LR = (
    "Raise the learning rate (try 10x) until each step changes a weight by about 0.1% of its size."
)


def _update_ratio_low(t: TensorHealth, r: float, lr: float | None) -> ReportWarning:
    return ReportWarning(
        kind="update_ratio_low",
        where=t.name,
        message=(
            f"{t.name}: each step changes the weights by only {step_share(r)} of their size (the "
            f"median update/weight ratio; healthy is about 0.1%){lr_text(lr)}, and the cost is not "
            f"falling: the learning rate is probably too low. {_FIX_RAISE_LR}"
        ),
        details={"update_ratio": r},
        fix=_FIX_RAISE_LR,
        summary=f"steps far too small ({step_share(r)} of the weights' size; healthy is 0.1%)",
    )

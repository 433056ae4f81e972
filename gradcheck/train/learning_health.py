"""The finding ``not_learning``: a cost that stays at chance level or barely moves, and why.

A cost that sits at log(k) (the cross-entropy of answering 1/k for each of k classes: 0.6931 for two)
or gains under 1% over the second half of a run that never got far from where it started says the
model learns nothing, even with correct gradients and no NaN. The finding quotes the curve and names
the likely reasons from the evidence the watch holds: a hidden layer too narrow to represent the task
(read from the weights' shapes), a learning rate whose update/weight ratios are far from 1e-3, the
inputs' scale, dead or saturated units (from the other findings of the run).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from gradcheck.report.records import ReportWarning
from gradcheck.report.training import UPDATE_RATIO_HEALTHY, CostTrend, TensorHealth
from gradcheck.train.thresholds import (
    NARROW_HIDDEN,
    NOT_LEARNING_CHANCE,
    NOT_LEARNING_DROP,
    NOT_LEARNING_PROGRESS,
    UPDATE_RATIO_HIGH,
    lr_text,
)

__all__ = ["not_learning"]

#: A run shorter than this says too little about learning to call it stalled.
_MIN_STEPS = 50

_FIX = (
    "Overfit a batch of 2-20 examples first: if even that fails, the model cannot represent the "
    "task or the labels do not follow from the inputs."
)


def _chance(cost: float, start: float) -> int | None:
    """k when both the start and the end of the run sit at log(k): it started at chance and stayed."""
    for k in range(2, 1001):
        level = math.log(k)
        tol = NOT_LEARNING_CHANCE * level
        if abs(cost - level) <= tol and abs(start - level) <= tol:
            return k
    return None


def _second_half_progress(costs: Sequence[float]) -> float:
    """The relative gain of the second half: first eighth of it against its last eighth."""
    tail = costs[len(costs) // 2 :]
    q = max(1, len(tail) // 4)
    head, end = float(np.mean(tail[:q])), float(np.mean(tail[-q:]))
    return (head - end) / max(abs(head), 1e-12)


def not_learning(
    trend: CostTrend | None,
    costs: Sequence[float],
    tensors: Sequence[TensorHealth],
    *,
    lr: float | None = None,
    context: Sequence[ReportWarning] = (),
    gradients_ok: bool | None = None,
) -> ReportWarning | None:
    """``not_learning`` when the cost stayed at chance level or gained under 1% over the second half
    of a run that got less than 10% below where it started; None otherwise."""
    if trend is None or trend.steps < _MIN_STEPS or trend.rising or trend.oscillating:
        return None
    drop = (trend.start - trend.last) / max(abs(trend.start), 1e-12)
    chance = _chance(trend.last, trend.start)
    progress = _second_half_progress(costs)
    stalled = progress < NOT_LEARNING_PROGRESS and drop < NOT_LEARNING_DROP
    if not ((chance and progress < 5 * NOT_LEARNING_PROGRESS) or stalled):
        return None
    saw = (
        f"the cost went from {trend.start:.4g} at step 1 to {trend.last:.4g} at step {trend.steps} "
        f"({100 * drop:.2g}% lower; {100 * progress:.2g}% over the second half)"
    )
    if chance:
        saw += (
            f": that is log({chance}) = {math.log(chance):.4g}, the cost of answering 1/{chance} for "
            f"every example, so the model has learnt nothing beyond chance"
        )
    checked = (
        " The gradients are right (they agree with finite differences), so the backprop is not "
        "the cause."
        if gradients_ok
        else ""
    )
    reasons = _reasons(tensors, lr, context)
    because = (
        " Likely reasons: " + "; ".join(f"({i}) {r}" for i, r in enumerate(reasons, 1)) + "."
        if reasons
        else ""
    )
    return ReportWarning(
        kind="not_learning",
        where="cost",
        message=f"not learning: {saw}.{checked}{because} {_FIX}",
        fix=_FIX,
        summary=(
            f"the model is not learning: the cost stays at chance level (log({chance}))"
            if chance
            else f"the model is not learning: the cost went only {100 * drop:.2g}% lower"
        )
        + (f"; likely {_short_reasons(reasons)}" if reasons else ""),
        details={
            "trend": trend.to_dict(),
            "chance_classes": chance,
            "second_half_progress": progress,
            "reasons": reasons,
        },
    )


def _short_reasons(reasons: Sequence[str]) -> str:
    """The reasons by their names: 'capacity, the learning rate or unscaled inputs'."""
    names = list(
        dict.fromkeys(r.split(":", 1)[0].split(" (", 1)[0].split(" pass ", 1)[0] for r in reasons)
    )
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _reasons(
    tensors: Sequence[TensorHealth], lr: float | None, context: Sequence[ReportWarning]
) -> list[str]:
    weights = [t for t in tensors if t.is_weight]
    reasons = [r for r in (_capacity(weights), _learning_rate(weights, lr)) if r]
    kinds = {w.kind: w for w in context}
    if "unscaled_inputs" in kinds:
        where = kinds["unscaled_inputs"].where
        reasons.append(
            f"unscaled inputs: {where} is far from mean 0 / std 1 (see unscaled_inputs), so one "
            f"learning rate cannot suit every weight"
        )
    for kind, what in (
        ("dead_relu", "dead ReLU units pass no gradient"),
        ("dead_units_rising", "dead ReLU units pass no gradient"),
        ("sigmoid_saturation", "saturated units pass almost no gradient"),
        ("tanh_saturation", "saturated units pass almost no gradient"),
        ("saturation_rising", "saturated units pass almost no gradient"),
    ):
        if kind in kinds and what not in " ".join(reasons):
            reasons.append(f"{what} ({kinds[kind].where}, see {kind})")
    return reasons


def _capacity(weights: Sequence[TensorHealth]) -> str | None:
    """A hidden layer of one or two units, read from the dimension two consecutive weights share."""
    for a, b in itertools.pairwise(weights):
        shared = set(a.shape) & set(b.shape)
        if not shared or len(a.shape) != 2 or len(b.shape) != 2:
            continue
        width = min(shared)
        if width <= NARROW_HIDDEN:
            units = "unit" if width == 1 else "units"
            return (
                f"capacity: the hidden layer between {a.name} {a.shape} and {b.name} {b.shape} has "
                f"{width} {units}, too few to separate most tasks: widen it (e.g. 8-32 units)"
            )
    return None


def _learning_rate(weights: Sequence[TensorHealth], lr: float | None) -> str | None:
    """The learning rate, when some weight's median update/weight ratio is far from 1e-3."""
    ratios = [(t.name, t.update_ratio) for t in weights if t.update_ratio]
    if not ratios:
        return None
    low_name, low = min(ratios, key=lambda nr: nr[1] or 0.0)
    high_name, high = max(ratios, key=lambda nr: nr[1] or 0.0)
    assert low is not None and high is not None
    if high > UPDATE_RATIO_HIGH:
        return (
            f"the learning rate{lr_text(lr)} is too high: {high_name} moves by {high:.2g} of its "
            f"norm per step (healthy is about {UPDATE_RATIO_HEALTHY:g}), so the steps overshoot"
        )
    if low < UPDATE_RATIO_HEALTHY / 3:
        return (
            f"the learning rate{lr_text(lr)} is too low for {low_name}: it moves by only {low:.2g} "
            f"of its norm per step (healthy is about {UPDATE_RATIO_HEALTHY:g}): raise it (try 10x)"
        )
    return (
        f"the learning rate{lr_text(lr)}: the weights move by {low:.2g} to {high:.2g} of their norm "
        f"per step, and the cost hardly follows; try it 10x larger (or smaller, if that diverges)"
    )

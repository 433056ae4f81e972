"""Findings about norms that grew over the run: ``weights_growing`` and ``gradients_exploding``."""

from __future__ import annotations

import math
from collections.abc import Sequence

from gradcheck.health.thresholds import LARGE_INIT_RATIO
from gradcheck.report.records import ReportWarning
from gradcheck.report.training import TensorHealth
from gradcheck.train.thresholds import FIX_ADD_L2, FIX_LOWER_LR, GRADIENT_GROWTH, WEIGHT_GROWTH

__all__ = ["growth_warnings"]

_FIX_GROWING = f"{FIX_LOWER_LR} {FIX_ADD_L2}"
_FIX_EXPLODING = (
    f"{FIX_LOWER_LR} Clipping the gradients (g *= min(1, max_norm / ||g||)) also bounds each step."
)


def growth_warnings(weights: Sequence[TensorHealth]) -> list[ReportWarning]:
    """Per weight, in the weights' order: its norm grew, then its gradient's norm exploded."""
    out: list[ReportWarning] = []
    for t in weights:
        growing = _weights_growing(t)
        if growing is not None:
            out.append(growing)
        exploding = _gradients_exploding(t)
        if exploding is not None:
            out.append(exploding)
    return out


def _scale_ratio(shape: tuple[int, ...], norm: float) -> float:
    """RMS(W) * sqrt(fan_in): 1 for LeCun scale, 1.41 for He (fan-in read as the smaller dimension,
    the reading that gives the smaller ratio, so a warning never rests on a layout guess)."""
    size = math.prod(shape) or 1
    fan_in = min(shape) if len(shape) >= 2 else 1
    return norm / math.sqrt(size) * math.sqrt(fan_in)


def _weights_growing(t: TensorHealth) -> ReportWarning | None:
    first, last = t.norm_first, t.norm_last
    if not (
        first
        and last
        and last / first >= WEIGHT_GROWTH
        and math.isfinite(last)
        and _scale_ratio(t.shape, last) >= LARGE_INIT_RATIO
    ):
        return None
    return ReportWarning(
        kind="weights_growing",
        where=t.name,
        message=(
            f"{t.name}: the weight norm grew {last / first:.3g}x over the run ({first:.3g} at step "
            f"{t.norms[0][0]}, {last:.3g} at step {t.norms[-1][0]}). Growing weights push the "
            f"pre-activations (z = W @ x + b, what goes into tanh/sigmoid) out until the units "
            f"saturate (a sigmoid output rounds to exactly 0.0 or 1.0 once |z| > 36.7). {_FIX_GROWING}"
        ),
        details={"norm_first": first, "norm_last": last},
        fix=_FIX_GROWING,
        summary=f"weights grew {last / first:.3g}x over the run",
    )


def _gradients_exploding(t: TensorHealth) -> ReportWarning | None:
    g0, g1 = t.grad_norm_first, t.grad_norm_last
    if not (g0 and g1 and g0 > 0 and math.isfinite(g1) and g1 / g0 >= GRADIENT_GROWTH):
        return None
    return ReportWarning(
        kind="gradients_exploding",
        where=t.name,
        message=(
            f"{t.name}: the gradient norm grew {g1 / g0:.3g}x over the run ({g0:.3g} -> {g1:.3g}): "
            f"the training is diverging. {_FIX_EXPLODING}"
        ),
        details={"grad_norm_first": g0, "grad_norm_last": g1},
        fix=_FIX_EXPLODING,
        summary=f"the gradient grew {g1 / g0:.3g}x over the run: the training diverges",
    )

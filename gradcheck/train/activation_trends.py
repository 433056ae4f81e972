"""Findings from activation traces at two or more steps: ``saturation_rising``, ``dead_units_rising``.

A check at initialisation sees healthy activations; these trends compare the first traced forward
pass of the run with the last one, layer by layer.
"""

from __future__ import annotations

from collections.abc import Sequence

from gradcheck.health.kinds import RELU, SIGMOID, TANH
from gradcheck.health.stats import ActivationStats
from gradcheck.health.thresholds import DEAD_RELU_SHARE, SATURATION_SHARE
from gradcheck.report.formatting import pct
from gradcheck.report.records import ReportWarning
from gradcheck.train.thresholds import FIX_LOWER_LR, TREND_POINTS

__all__ = ["activation_trends"]

_FIX_SIGMOID_FROM_Z = (
    "For a sigmoid output with cross-entropy compute dZ = A - Y and the cost from Z "
    "(np.logaddexp(0, Z) - Y * Z): both stay finite when A rounds to 1.0."
)
_FIX_DEAD_RISING = (
    f"{FIX_LOWER_LR} A leaky ReLU (np.where(z > 0, z, 0.01 * z)) keeps a gradient for negative z."
)


def activation_trends(
    activations: Sequence[tuple[int, Sequence[ActivationStats]]],
) -> list[ReportWarning]:
    """Saturation and dead units that grew between the first and the last activation trace."""
    if len(activations) < 2:
        return []
    (s0, first), (s1, last) = activations[0], activations[-1]
    before = {(s.name, s.kind): s for s in first}
    out: list[ReportWarning] = []
    for s in last:
        b = before.get((s.name, s.kind))
        if b is None:
            continue
        if s.kind in (SIGMOID, TANH):
            grew = s.share_saturated - b.share_saturated
            exact_new = s.exact_saturated > b.exact_saturated
            if (grew >= TREND_POINTS and s.share_saturated >= SATURATION_SHARE / 2) or exact_new:
                out.append(_saturation_rising(b, s, s0, s1))
        elif (
            s.kind == RELU
            and s.dead_share is not None
            and b.dead_share is not None
            and s.dead_share - b.dead_share >= TREND_POINTS
            and s.dead_share >= DEAD_RELU_SHARE
        ):
            out.append(_dead_units_rising(b, s, s0, s1))
    return out


def _saturation_rising(b: ActivationStats, s: ActivationStats, s0: int, s1: int) -> ReportWarning:
    exact = now = ""
    fix = FIX_LOWER_LR
    if s.kind == SIGMOID:
        fix += f" {_FIX_SIGMOID_FROM_Z}"
    if s.exact_saturated:
        ones = "0.0 or 1.0" if s.kind == SIGMOID else "+-1.0"
        now = f", {s.exact_saturated} exactly {ones}"
        exact = (
            f"; {s.exact_saturated} output(s) are now exactly {ones} (gradient exactly 0; "
            f"log or division by them gives inf)"
        )
    return ReportWarning(
        kind="saturation_rising",
        where=s.name,
        message=(
            f"{s.name} ({s.kind}): saturated outputs went from {pct(b.share_saturated)} at step "
            f"{s0} to {pct(s.share_saturated)} at step {s1}{exact}; the largest pre-activations "
            f"(z, what goes into the {s.kind}) grow as training goes on. {fix}"
        ),
        fix=fix,
        summary=f"{pct(s.share_saturated)} of the {s.kind} outputs saturated{now} (was "
        f"{pct(b.share_saturated)}): they pass almost no gradient",
        details={
            "step_first": s0,
            "step_last": s1,
            "before": b.to_dict(),
            "after": s.to_dict(),
        },
    )


def _dead_units_rising(b: ActivationStats, s: ActivationStats, s0: int, s1: int) -> ReportWarning:
    whole = (
        " The whole layer is dead: no gradient reaches the layers below it, and the output no "
        "longer depends on the input."
        if s.units and s.dead_units == s.units
        else ""
    )
    return ReportWarning(
        kind="dead_units_rising",
        where=s.name,
        message=(
            f"{s.name}: dead ReLU units went from {b.dead_units} of {b.units} at step {s0} to "
            f"{s.dead_units} of {s.units} at step {s1}; a unit that never fires gets no gradient "
            f"and never recovers.{whole} Usually a learning rate too high (large updates push the "
            f"biases negative). {_FIX_DEAD_RISING}"
        ),
        details={"step_first": s0, "step_last": s1, "whole_layer": bool(whole)},
        fix=_FIX_DEAD_RISING,
        summary=f"{s.dead_units} of {s.units} ReLU units died during training (no gradient passes)",
    )

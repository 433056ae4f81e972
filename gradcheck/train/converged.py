"""A run that learned: its cost fell to a hundredth of where it started, with no NaN on the way.

A sigmoid that saturates then is a model that is sure, and right (a cross-entropy near 0 needs
outputs near 0 and 1): a warning about it would send a learner who succeeded to fix what is not
broken, so a run that learned does not get one (the traces stay in the summary's ``activations``
and the JSON). Saturated tanh units and dead ReLUs are still said: they are hidden units the model
could have used.
"""

from __future__ import annotations

from collections.abc import Iterable

from gradcheck.report.records import NonFinite, ReportWarning
from gradcheck.report.training import CostTrend

__all__ = ["CONVERGED_SHARE", "learned", "without_activation_worries"]

#: The run learned when its last cost is at most this share of its first.
CONVERGED_SHARE = 0.01


def _sure_sigmoid(w: ReportWarning) -> bool:
    """A warning that sigmoid outputs saturated (at the end of a run, or more as it went)."""
    if w.kind == "sigmoid_saturation":
        return True
    after = w.details.get("after")
    return (
        w.kind == "saturation_rising" and isinstance(after, dict) and after.get("kind") == "sigmoid"
    )


def learned(trend: CostTrend | None, nonfinite: NonFinite | None) -> bool:
    """Whether the cost fell to :data:`CONVERGED_SHARE` of its start without a NaN/Inf."""
    if trend is None or nonfinite is not None or not trend.start > 0:
        return False
    return 0 <= trend.last <= CONVERGED_SHARE * trend.start


def without_activation_worries(
    warnings: Iterable[ReportWarning], trend: CostTrend | None, nonfinite: NonFinite | None
) -> list[ReportWarning]:
    """``warnings`` without those about saturated sigmoids, when the run learned."""
    items = list(warnings)
    if not learned(trend, nonfinite):
        return items
    return [w for w in items if not _sure_sigmoid(w)]

"""Training health: the warnings about a run, from the series a watch recorded, in a fixed order.

One module per kind of finding: the cost (:mod:`gradcheck.train.cost_health`), the updates
(:mod:`gradcheck.train.update_health`), norms that grew (:mod:`gradcheck.train.growth_health`) and
activation trends (:mod:`gradcheck.train.activation_trends`); this module puts them together.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from gradcheck.health.stats import ActivationStats
from gradcheck.report.records import NonFinite, ReportWarning
from gradcheck.report.training import TensorHealth
from gradcheck.train.activation_trends import activation_trends
from gradcheck.train.cost_health import cost_warnings
from gradcheck.train.cost_trend import cost_trend
from gradcheck.train.growth_health import growth_warnings
from gradcheck.train.learning_health import not_learning
from gradcheck.train.update_health import update_warnings

__all__ = ["training_health"]


def training_health(
    costs: Sequence[float | None],
    tensors: Sequence[TensorHealth],
    *,
    lr: float | None = None,
    activations: Sequence[tuple[int, Sequence[ActivationStats]]] = (),
    nonfinite: NonFinite | None = None,
    context: Sequence[ReportWarning] = (),
    gradients_ok: bool | None = None,
) -> list[ReportWarning]:
    """Warnings about a run from what a watch recorded. Each says what it saw and what usually fixes it.

    * ``cost_rising`` / ``cost_oscillating``: the cost climbed back from its minimum, or went up on a
      third of the steps with no net progress; with the update/weight ratios, the learning rate is
      probably too high.
    * ``not_learning``: the cost stayed at chance level (log k) or gained under 1% over the second
      half; with the likely reasons (capacity, learning rate, unscaled inputs, dead or saturated
      units: ``context`` holds the run's other findings, ``gradients_ok`` the check before training).
    * ``update_ratio_high`` / ``update_ratio_low``: a weight's median ||dW|| / ||W|| per step far above
      or far below 1e-3, each only together with evidence from the cost (it rose, oscillated or
      went non-finite; it did not fall). ``not_updated``: a weight with a non-zero gradient that
      never changed.
    * ``weights_growing``, ``gradients_exploding``: norms that grew over the run.
    * ``saturation_rising``, ``dead_units_rising``: from activation traces at two or more steps.
    """
    trend = cost_trend(costs)
    weights = [t for t in tensors if t.is_weight]
    finite = [float(c) for c in costs if c is not None and math.isfinite(c)]
    stalled = not_learning(
        trend, finite, tensors, lr=lr, context=context, gradients_ok=gradients_ok
    )
    return [
        *cost_warnings(trend, tensors, lr, gradients_ok=gradients_ok),
        *([stalled] if stalled is not None else []),
        *update_warnings(weights, trend, lr, cost_went_bad=nonfinite is not None),
        *growth_warnings(weights),
        *activation_trends(activations),
    ]

"""Activation warnings: exploding pre-activations, saturated tanh/sigmoid units, dead ReLU units.

:func:`activation_health` runs one traced pass of the user's forward
(:func:`~gradcheck.health.layers.trace_activations`) and judges each layer it found against the
thresholds of :mod:`gradcheck.health.thresholds`; :func:`activation_warnings` judges statistics
already computed (the watch traces once and judges later).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gradcheck.health.kinds import PRE, RELU, SIGMOID, TANH
from gradcheck.health.layers import trace_activations
from gradcheck.health.stats import ActivationStats
from gradcheck.health.thresholds import (
    _FIX_DEAD,
    _FIX_SATURATION,
    _FIX_SCALE,
    DEAD_RELU_SHARE,
    EXPLODING_ABS,
    EXPLODING_SHARE,
    SATURATION_SHARE,
    SIGMOID_SATURATED,
    TANH_SATURATED,
)
from gradcheck.report.formatting import pct
from gradcheck.report.records import ReportWarning

__all__ = ["activation_health", "activation_warnings"]


def _exploding(s: ActivationStats, label: str) -> ReportWarning:
    return ReportWarning(
        kind="exploding_activations",
        where=s.name,
        message=(
            f"{label}: {pct(s.share_large)} of the pre-activations have |z| >= {EXPLODING_ABS:g} "
            f"(max |z| {s.max_abs:.4g}, std {s.std:.3g}); values this large saturate tanh/sigmoid "
            f"and overflow exp. {_FIX_SCALE}"
        ),
        fix=_FIX_SCALE,
        details=s.to_dict(),
        summary=(
            f"the values going into the activation explode ({pct(s.share_large)} have |z| >= "
            f"{EXPLODING_ABS:g})"
        ),
    )


def _tanh_saturation(s: ActivationStats, label: str) -> ReportWarning:
    exact = f", {s.exact_saturated} exactly +-1.0" if s.exact_saturated else ""
    return ReportWarning(
        kind="tanh_saturation",
        where=s.name,
        message=(
            f"{label}: {pct(s.share_saturated)} of the tanh outputs have |a| > {TANH_SATURATED:g}"
            f"{exact}; saturated units pass almost no gradient (1 - a^2 ~ 0). {_FIX_SATURATION}"
        ),
        fix=_FIX_SATURATION,
        details=s.to_dict(),
        summary=f"tanh saturated ({pct(s.share_saturated)} of outputs near +-1, no gradient)",
    )


def _sigmoid_saturation(s: ActivationStats, label: str) -> ReportWarning:
    exact = ""
    if s.exact_saturated:
        exact = (
            f", {s.exact_saturated} exactly 0.0 or 1.0 (log(A) or log(1 - A) of those is -inf, "
            f"and dividing by A or 1 - A divides by zero)"
        )
    return ReportWarning(
        kind="sigmoid_saturation",
        where=s.name,
        message=(
            f"{label}: {pct(s.share_saturated)} of the sigmoid outputs are within "
            f"{SIGMOID_SATURATED:g} of 0 or 1{exact}; their gradient A(1 - A) is ~0. "
            f"{_FIX_SATURATION}"
        ),
        fix=_FIX_SATURATION,
        details=s.to_dict(),
        summary=f"sigmoid saturated ({pct(s.share_saturated)} of outputs near 0 or 1)",
    )


def _dead_relu(s: ActivationStats, label: str, dead_share: float) -> ReportWarning:
    return ReportWarning(
        kind="dead_relu",
        where=s.name,
        message=(
            f"{label}: {s.dead_units} of {s.units} ReLU units ({pct(dead_share)}) never fire on "
            f"this batch of {s.batch}; they get no gradient and stop learning. {_FIX_DEAD}"
        ),
        fix=_FIX_DEAD,
        details=s.to_dict(),
        summary=f"{s.dead_units} of {s.units} ReLU units never fire (no gradient)",
    )


def _activation_warning(s: ActivationStats) -> ReportWarning | None:
    """The warning one layer's statistics call for, if any (at most one per layer)."""
    label = f"{s.name} (pooled over {s.calls} calls)" if s.calls > 1 else s.name
    if s.kind == PRE and s.share_large >= EXPLODING_SHARE and not s.normalised:
        return _exploding(s, label)
    if s.kind == TANH and (s.share_saturated >= SATURATION_SHARE or s.exact_saturated):
        return _tanh_saturation(s, label)
    if s.kind == SIGMOID and (s.share_saturated >= SATURATION_SHARE or s.exact_saturated):
        return _sigmoid_saturation(s, label)
    if s.kind == RELU and s.dead_share is not None and s.dead_share >= DEAD_RELU_SHARE:
        return _dead_relu(s, label, s.dead_share)
    return None


def activation_warnings(stats: list[ActivationStats]) -> list[ReportWarning]:
    """The warnings :func:`activation_health` gives for already computed statistics."""
    warnings: list[ReportWarning] = []
    for s in stats:
        warning = _activation_warning(s)
        if warning is not None:
            warnings.append(warning)
    return warnings


def activation_health(
    run: Callable[[], Any], *, user_code: Callable[[str], bool] | None = None
) -> list[ReportWarning]:
    """Warnings about the forward pass ``run()`` computes: exploding, saturated, dead activations.

    ``run`` is a zero-argument callable that runs the user's forward (``Model.loss`` will do);
    ``user_code`` decides which files are traced (default: :func:`gradcheck.numerics.files.is_user_file`).
    One traced call. Healthy networks get an empty list.
    """
    return activation_warnings(trace_activations(run, user_code=user_code))

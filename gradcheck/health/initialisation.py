"""Initialisation health, read from the parameters alone.

All-positive weights from ``np.random.rand``, a scale far above 1/sqrt(fan_in), identical weights
that never break symmetry.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from gradcheck.health.thresholds import (
    _FIX_SCALE,
    LARGE_INIT_RATIO,
    POSITIVE_INIT_MIN_SIZE,
    ZERO_MEAN_INIT,
)
from gradcheck.health.weights import _biases, _fan_ins, _Weight, _weights
from gradcheck.report.records import ReportWarning

__all__ = ["parameter_health"]

_FIX_ZERO_MEAN = ZERO_MEAN_INIT


def _symmetric_init(name: str, size: int, value: float, details: dict[str, Any]) -> ReportWarning:
    return ReportWarning(
        kind="symmetric_init",
        where=name,
        message=(
            f"{name}: all {size} weights equal {value:g}; every unit of the layer computes the same "
            f"thing and receives the same gradient, so they never become different. Initialise "
            f"randomly with zero mean (np.random.randn(n_out, n_in) * np.sqrt(2 / n_in))."
        ),
        details=details,
        summary=f"all weights equal {value:g}: the units never become different",
    )


def _all_positive_init(
    name: str, size: int, lo: float, hi: float, mean: float, details: dict[str, Any]
) -> ReportWarning:
    looks = (
        " (this looks like np.random.rand, which draws from [0, 1))"
        if hi < 1 and 0.3 < mean < 0.7
        else ""
    )
    return ReportWarning(
        kind="all_positive_init",
        where=name,
        message=(
            f"{name}: all {size} weights are >= 0 (min {lo:.3g}, max {hi:.3g}, mean {mean:.3g})"
            f"{looks}. Every unit then adds its inputs with the same sign, so activations grow with "
            f"the layer width and the units stay alike. {_FIX_ZERO_MEAN}"
        ),
        fix=_FIX_ZERO_MEAN,
        details=details,
        summary="all weights are >= 0" + (", as np.random.rand draws them" if looks else ""),
    )


def _large_init(
    name: str, rms: float, fan_ins: list[int], details: dict[str, Any]
) -> ReportWarning | None:
    """``large_init`` when even the most forgiving fan-in makes RMS(W) * sqrt(fan_in) too large."""
    ratio = min(rms * math.sqrt(f) for f in fan_ins) if fan_ins else 0.0
    if ratio < LARGE_INIT_RATIO:
        return None
    fan_in = fan_ins[int(np.argmin([rms * math.sqrt(f) for f in fan_ins]))]
    he = math.sqrt(2 / fan_in)
    details.update({"fan_in": fan_in, "scale_ratio": ratio, "he_std": he})
    return ReportWarning(
        kind="large_init",
        where=name,
        message=(
            f"{name}: weights are {ratio:.2g}x larger than 1/sqrt(fan_in) (RMS {rms:.3g} with fan-in "
            f"{fan_in}; He would be {he:.3g}), so each layer multiplies the size of the signal "
            f"and pre-activations explode. {_FIX_SCALE}"
        ),
        fix=_FIX_SCALE,
        details=details,
        summary=f"weights {ratio:.2g}x too large for their fan-in of {fan_in}",
    )


def _weight_warnings(
    name: str,
    w: np.ndarray,
    layer: int | None,
    weights: list[_Weight],
    biases: Mapping[int, np.ndarray],
) -> list[ReportWarning]:
    """The initialisation warnings of one weight tensor, in the order symmetric, positive, large."""
    with np.errstate(all="ignore"):
        a = np.asarray(w, dtype=float) if w.dtype.kind == "f" else np.abs(w)
        if not np.all(np.isfinite(a)):
            return []
        lo, hi, mean = float(a.min()), float(a.max()), float(a.mean())
        rms = float(np.sqrt(np.mean(a * a)))
    # One dict for every warning of this tensor: large_init adds its numbers to it, so an
    # all_positive_init warning of the same tensor carries them too.
    details: dict[str, Any] = {
        "shape": list(w.shape),
        "min": lo,
        "max": hi,
        "mean": mean,
        "rms": rms,
    }
    if a.size > 1 and lo == hi:
        return [_symmetric_init(name, a.size, lo, details)]
    out: list[ReportWarning] = []
    if a.size >= POSITIVE_INIT_MIN_SIZE and lo >= 0:
        out.append(_all_positive_init(name, a.size, lo, hi, mean, details))
    large = _large_init(name, rms, _fan_ins(name, w, layer, weights, biases), details)
    if large is not None:
        out.append(large)
    return out


def parameter_health(params: Mapping[str, Any]) -> list[ReportWarning]:
    """Warnings about how the weights were initialised, read from their values alone.

    * ``all_positive_init``: a weight tensor of at least :data:`POSITIVE_INIT_MIN_SIZE` entries with no
      negative entry (``np.random.rand`` draws from [0, 1)): every unit sums its inputs with the same
      sign, activations grow with the width and units stay alike.
    * ``large_init``: RMS(W) * sqrt(fan_in) >= :data:`LARGE_INIT_RATIO` under every plausible layout.
    * ``symmetric_init``: all entries equal (zeros included): units receive identical gradients and
      never become different.
    Biases, batch-norm scales and shifts are left alone (names starting b/bias/beta/gamma/scale/shift).
    """
    weights = _weights(params, gradients=False)
    biases = _biases(params)
    out: list[ReportWarning] = []
    for name, w, layer in weights:
        out += _weight_warnings(name, w, layer, weights, biases)
    return out

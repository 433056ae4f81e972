"""The dtype-keyed tolerance table and what hangs off it: the precision a check can trust, the
differencing step per coordinate, the relative error of a comparison and the verdict it earns.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gradcheck.report.result import FAIL, PASS, WARN

# Thresholds on the relative error  ||a - n|| / max(||a|| + ||n||, floor)  (see `relative_error`),
# keyed by the working precision of the check: (pass at or below, fail above); between is "warn".
# float64: a correct model lands near 1e-9; a real bug with a relative error of 1e-4 fails.
# float32: the loss itself carries ~1e-7 relative noise, so 1e-3 is what a correct model reaches;
#          a 2% error in a gradient (relative error 1e-2) still fails.
TOLERANCES: dict[str, tuple[float, float]] = {
    "float64": (1e-6, 1e-5),
    "float32": (1e-3, 5e-3),
    "float16": (1e-2, 5e-2),
}

# Step per coordinate: h = cbrt(eps) * max(|x|, 1). For a centered difference the truncation error
# grows like h^2 and the round-off error like eps/h; their sum is smallest near h = eps^(1/3).
# Scaling by |x| keeps x + h representable with many significant bits for large parameters.
STEP_FLOOR = 1.0

# A relative error this large needs no evidence in the message that it is not numerical noise.
OBVIOUS = 1e-2


def precision_of(*dtypes: Any) -> str:
    """The lowest floating precision among ``dtypes``: the precision the check can trust.

    Wider floats (longdouble) count as float64; non-float dtypes are ignored.
    """
    found = {np.dtype(dt).itemsize for dt in dtypes if np.dtype(dt).kind == "f"}
    if 2 in found:
        return "float16"
    if 4 in found:
        return "float32"
    return "float64"


def machine_eps(precision: str) -> float:
    return float(np.finfo(np.dtype(precision)).eps)


def steps_for(values: np.ndarray, precision: str, eps: float | None) -> np.ndarray:
    """Step per coordinate: ``eps`` when given, else cbrt(machine eps) * max(|x|, 1)."""
    if eps is not None:
        return np.full(values.shape, float(eps))
    scale = np.maximum(np.abs(values.astype(np.float64)), STEP_FLOOR)
    return np.asarray(machine_eps(precision) ** (1.0 / 3.0) * scale, dtype=np.float64)


def relative_error(
    analytic: np.ndarray, numeric: np.ndarray, bound: np.ndarray, rtol: float
) -> float:
    """||a - n|| / max(||a|| + ||n||, ||bound|| / rtol).

    The familiar course formula, with one honest change: the denominator never falls below the
    smallest gradient this finite difference can resolve to ``rtol`` (its error bar over ``rtol``).
    A gradient that is truly zero (a bias feeding batch norm) then scores ~0 instead of ~1, and the
    measure stays invariant when the loss is scaled by 1e7 or 1e-9.
    """
    if analytic.size == 0:
        return 0.0
    diff = float(np.linalg.norm(analytic - numeric))
    denom = max(
        float(np.linalg.norm(analytic) + np.linalg.norm(numeric)),
        float(np.linalg.norm(bound)) / rtol,
    )
    if denom == 0.0:
        return 0.0 if diff == 0.0 else math.inf
    return diff / denom


def elementwise_relative_error(
    a: np.ndarray, n: np.ndarray, bound: np.ndarray, rtol: float
) -> np.ndarray:
    denom = np.maximum(np.abs(a) + np.abs(n), bound / rtol)
    diff = np.abs(a - n)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(
            denom > 0, diff / np.where(denom > 0, denom, 1.0), np.where(diff > 0, np.inf, 0.0)
        )
    return rel


def scalar_relative_error(a: float, n: float, b: float, rtol: float) -> float:
    """`elementwise_relative_error` of one coordinate."""
    return float(elementwise_relative_error(np.array([a]), np.array([n]), np.array([b]), rtol)[0])


def status_for(metric: float, precision: str) -> str:
    passing, failing = TOLERANCES[precision]
    if not metric <= failing:  # NaN fails too
        return FAIL
    return PASS if metric <= passing else WARN

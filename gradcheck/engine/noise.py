"""The noise level of the loss: the round-off of one evaluation, measured (`measure_noise`), and
the error bar it puts on a difference of two evaluations.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from gradcheck.engine.tolerances import machine_eps

# The error bar of a centered difference is NOISE_SIGMAS standard deviations of its round-off:
# sd = sqrt(2) * sigma_f / (2h). Six keeps false alarms away over 10^5 coordinates.
NOISE_SIGMAS = 6.0


def difference_bound(sigma: float) -> float:
    """The error bar of f(x + v) - f(x - v): NOISE_SIGMAS times sqrt(2) sigma (two evaluations)."""
    return NOISE_SIGMAS * math.sqrt(2.0) * sigma


def noise_bound(sigma: float, h: np.ndarray | float) -> np.ndarray | float:
    # round-off of (f+ - f-) / 2h: sd = sqrt(2) sigma / 2h
    return difference_bound(sigma) / (2.0 * np.asarray(h))


def measure_noise(
    evaluate: Callable[[], float],
    arr: np.ndarray,
    steps: np.ndarray,
    f0: float,
    precision: str,
    rng: np.random.Generator,
    directions: int = 2,
    points: int = 9,
) -> tuple[float, bool]:
    """Standard deviation of the round-off noise in one loss evaluation near the current point,
    and whether the directions left it in doubt.

    After Moré & Wild's ECnoise: evaluate f at ``points`` equally spaced points along a random
    direction, with a spacing a hundred times below the differencing step. The k-th differences of
    a smooth function vanish like spacing^k, while those of independent noise keep the variance
    C(2k, k) sigma^2; so gamma_k * mean((Delta^k f)^2), gamma_k = (k!)^2 / (2k)!, estimates sigma^2.
    k = 3 and 4 are pooled over the directions. A direction whose estimate is ten times the
    smallest has met a corner (a ReLU switching inside the stencil) and is left out. The floor is
    the rounding of the loss value itself (eps/2 * |f|).

    In doubt when a direction was left out or none found noise above the floor: a loss that lost
    its digits inside (log(1 - A), A rounded near 1) is a staircase, which a direction moving a
    whole number of its steps per point does not see; `resolution` then measures it locally.
    """
    floor = 0.5 * machine_eps(precision) * abs(f0)
    if arr.size == 0:
        return floor, False
    saved = arr.copy()
    per_direction: list[float] = []
    try:
        for _ in range(directions):
            signs = rng.choice(np.array([-1.0, 1.0]), size=arr.shape)
            delta = signs * steps * 1e-2
            values = [f0]
            base = saved if saved.dtype == np.float64 else saved.astype(np.float64)
            point = np.empty(np.shape(delta))
            for j in range(1, points):
                np.multiply(delta, j, out=point)
                point += base
                arr[...] = point
                values.append(evaluate())
            del point, base
            arr[...] = saved
            f = np.asarray(values)
            if not np.all(np.isfinite(f)):
                continue
            variances = []
            for k in (3, 4):
                gamma = math.factorial(k) ** 2 / math.factorial(2 * k)
                variances.append(gamma * float(np.mean(np.diff(f, n=k) ** 2)))
            per_direction.append(float(np.mean(variances)))
    finally:
        arr[...] = saved
    if not per_direction:
        return floor, True
    smallest = min(per_direction)
    kept = [v for v in per_direction if v <= 100.0 * smallest]  # variances: 10x in sigma
    sigma = math.sqrt(float(np.mean(kept)))
    return max(sigma, floor), len(kept) < len(per_direction) or sigma <= floor

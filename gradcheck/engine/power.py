"""What the random directional probes of a tensor would have caught: the size of a gradient error
they detect, and with what probability (the `directional_power` entry of a tensor's details).

A probe compares g.v with the centered difference along v, v_i = s_i h_i / sqrt(n) with random
signs s_i, and fails when |a - n| exceeds its threshold tau = max(rtol (|a| + |n|), error bar). An
error e in the analytic gradient adds 2 e.v to a - n. One wrong entry e_j adds 2 |e_j| h_j / sqrt(n)
whatever the signs, so it is caught for sure once |e_j| >= tau sqrt(n) / (2 h). An error spread over
many entries (a row, a scale) makes 2 e.v close to normal with standard deviation 2 |e| h / sqrt(n),
so k probes all miss it with probability at most (sqrt(2/pi) tau sqrt(n) / (2 |e| h))^k. (Errors on
two or three entries of equal size can cancel along a sign direction; the coordinates sampled
elsewhere in the check, and more directions, cover that case.)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

MISS = 0.01  # the miss probability the reported error size goes with


def directional_power(
    thresholds: list[float], steps: np.ndarray, analytic: np.ndarray
) -> dict[str, Any]:
    """The error sizes k probes with these ``thresholds`` would have caught (see the module)."""
    k = len(thresholds)
    n = steps.size
    h = float(np.sqrt(np.mean(np.square(steps, dtype=np.float64))))
    tau = max(thresholds)
    one_entry = tau * math.sqrt(n) / (2 * h) if h > 0 else math.inf
    spread = math.sqrt(2 / math.pi) * one_entry / MISS ** (1 / k)
    norm = float(np.linalg.norm(np.asarray(analytic, dtype=np.float64)))
    return {
        "probes": k,
        "miss_probability": MISS,
        "one_entry_error_caught": one_entry,
        "spread_error_norm_caught": spread,
        "spread_error_relative": spread / norm if norm > 0 else math.inf,
    }

"""Reading a cost curve: where it started, its minimum, and whether it rose, oscillated or stayed flat.

The :class:`~gradcheck.report.training.CostTrend` this returns is what the cost findings
(:mod:`gradcheck.train.cost_health`) quote, and what the summary keeps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from gradcheck.report.training import CostTrend
from gradcheck.train.thresholds import (
    COST_ALTERNATION,
    COST_FLAT,
    COST_OSCILLATING_SHARE,
    COST_RISE_SHARE,
)

__all__ = ["cost_trend"]


def _smooth(values: Sequence[float], width: int) -> list[float]:
    """Centered moving average (shorter at the ends): one noisy step must not count as a trend."""
    if width <= 1:
        return list(values)
    half = width // 2
    csum = np.concatenate([[0.0], np.cumsum(values)])
    out = []
    n = len(values)
    for i in range(n):
        lo, hi = max(0, i - half), min(n, i + half + 1)
        out.append(float((csum[hi] - csum[lo]) / (hi - lo)))
    return out


def _alternation(tail: Sequence[float]) -> float:
    """Lag-1 autocorrelation of the tail around its own moving average, in [-1, 1].

    Gradient descent that overshoots goes up and down in turn: the cost after a high step is low,
    so the correlation is near -1 (exactly -1 for a period-two swing). Minibatch costs jitter
    because each is measured on another batch: that noise is uncorrelated from step to step (near 0)
    whatever its size, so it is told apart from an oscillation by its pattern, not its spread.
    """
    t = np.asarray(tail, dtype=np.float64)
    width = max(4, len(t) // 16)
    if len(t) < 2 * width + 4:
        width = 2
    residual = t - np.asarray(_smooth(list(t), width))
    residual = residual - residual.mean()
    energy = float(np.dot(residual, residual))
    if energy <= 0:
        return 0.0
    return float(np.dot(residual[1:], residual[:-1]) / energy)


def _oscillating(
    tail: Sequence[float], up_share: float, swing: float, tail_progress: float, scale: float
) -> bool:
    """Up and down in turn (a steady climb is "rising"), by more than round-off, with no net
    progress over the second half, and alternating the way overshooting does (not minibatch noise)."""
    diffs = np.diff(tail)
    tiny = 1e-9 * scale
    signs = np.sign(diffs[np.abs(diffs) > tiny])
    turns = float(np.mean(signs[1:] != signs[:-1])) if len(signs) > 1 else 0.0
    return (
        up_share >= COST_OSCILLATING_SHARE
        and turns >= COST_OSCILLATING_SHARE
        and swing > COST_FLAT * scale
        and tail_progress <= swing
        and _alternation(tail) <= COST_ALTERNATION
    )


def cost_trend(costs: Sequence[float | None]) -> CostTrend | None:
    """Read a cost curve: where it started, its minimum, whether it rose, oscillated or stayed flat.

    Only the finite costs up to the first non-finite one count (after a NaN there is nothing to
    read). Needs at least 10 of them.
    """
    values: list[float] = []
    for c in costs:
        if c is None:
            continue
        if not math.isfinite(c):
            break
        values.append(float(c))
    n = len(values)
    if n < 10:
        return None
    smooth = _smooth(values, max(1, n // 25))
    i_min = int(np.argmin(smooth))
    start, last, minimum = values[0], values[-1], values[int(np.argmin(values))]
    s_start, s_last, s_min = smooth[0], smooth[-1], smooth[i_min]
    tail = values[n // 2 :]
    diffs = np.diff(tail)
    scale = max(abs(s_min), 1e-12)
    tiny = 1e-9 * scale
    up_share = float(np.count_nonzero(diffs > tiny)) / max(1, len(diffs))
    gained = s_start - s_min
    rise = s_last - s_min
    rising = i_min < n - 1 and rise > max(COST_RISE_SHARE * gained, COST_FLAT * scale)
    q = max(1, len(tail) // 4)
    tail_progress = float(np.mean(tail[:q]) - np.mean(tail[-q:]))
    swing = float(np.mean(np.abs(diffs))) if len(diffs) else 0.0
    oscillating = _oscillating(tail, up_share, swing, tail_progress, scale)
    flat = (
        abs(float(np.mean(tail[-q:]) - np.mean(tail[:q]))) <= COST_FLAT * scale and not oscillating
    )
    raw_min = int(np.argmin(values))
    peak_rel = int(np.argmax(values[raw_min:])) + raw_min
    return CostTrend(
        start=start,
        last=last,
        minimum=minimum,
        min_step=raw_min + 1,
        peak_after_min=values[peak_rel],
        peak_step=peak_rel + 1,
        up_share=up_share,
        steps=n,
        rising=rising,
        oscillating=oscillating,
        flat=flat,
        diverged=s_last > s_start and (rising or oscillating),
    )

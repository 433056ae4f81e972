"""The loss's own resolution around one coordinate: is a disagreement the loss having lost its digits?

The noise bar is measured once (`noise.measure_noise`), along random directions through the
largest tensor, and never below the rounding of the loss value, eps/2 |f|. A loss can be far coarser
than that: a cross-entropy on a saturated sigmoid computes log(1 - A) with A rounded near 1 (or
log(A) with A = 1 - 1e-6), so the loss, itself 1e-6, moves in steps of one unit in the last place
of 1 (1e-16), ten million times its own rounding. Such a staircase is not the independent noise
the estimate assumes, and a random direction whose change per point is a whole number of steps
shows none of it. The differences at the coordinate then disagree by more than the bar says they
can, at every step, and look like a real error.

`lost_precision` measures the round-off where it matters, along the coordinate itself (`local_noise`:
what a cubic through the loss at a dozen offsets leaves), over two spans, 1/16 and all of the
coordinate's step. Round-off is the same over both; a corner (a ReLU switching between the points)
grows with the span and is not taken for round-off, nor are ReLU corners crowding x within both spans,
which a cubic does not fit either: round-off puts nearly every sample off the line through its
neighbours, a few corners only a few (`jagged`). Closer still to 1 (a loss of 1e-12), the loss
does not move at all over the narrow span: wider spans find the grid it moves on, and its step q
(every value a whole multiple of it) gives the round-off, q / sqrt(12). When the round-off found is
far above the measured noise, the coordinate is judged with it: its error bar becomes the one that round-off
puts on its centered difference, at every step `confirm` tries. A gap within that bar, wider than
the pass tolerance, is what this precision cannot tell (`cannot_tell`, a note); beyond it, the
disagreement stands and is confirmed as usual, so a real error well above the loss's resolution
is still caught.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gradcheck.engine.coords import Coords
from gradcheck.engine.noise import noise_bound
from gradcheck.engine.state import CheckState
from gradcheck.engine.tolerances import machine_eps

__all__ = ["cannot_tell", "lost_precision"]

# The two half-widths of the local estimate, as shares of the coordinate's first step.
SPANS = (1 / 16, 1.0)
POINTS = 12  # evaluations per span, besides the base point
# Round-off well above the measured noise: what "the loss lost its digits here" means. Below this
# the judgement already made with the measured noise stands.
FAR_ABOVE = 4.0
# Round-off does not depend on the span: the wider span may find up to this many times the
# narrower one's (an estimate from 9 degrees of freedom varies that much). A corner's grows with
# the span, sixteen-fold.
SAME_AT_BOTH = 3.0
GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0
MEDIAN_TO_SD = 0.6745  # the median of |x| for a normal x of unit deviation
# Where the loss does not move at all within the narrow span: the wider spans tried, in steps,
# until it moves, and how close to whole multiples of its smallest move its values must be.
PLATEAU_SPANS = (1.0, 16.0, 256.0)
WHOLE = 1e-3
# The largest terms whose rounding a loss may carry, as a multiple of the loss (or of 1): a
# cross-entropy of 1e-6 computed from log(1 - A) with A near 1 rounds terms of 1, a million times
# the loss. A gap bigger than this much round-off can make is not measured for it.
ROUND_OFF_TERMS = 1e4


def sample_along(
    state: CheckState, arr: np.ndarray, index: tuple[Any, ...], span: float
) -> tuple[np.ndarray, np.ndarray] | None:
    """(offsets, f - f0) at the base point and POINTS offsets spread over [-span, span]: a
    golden-ratio sequence, so a staircase's steps fall at every phase (equally spaced points miss
    them when the change per point is a whole number of steps). None if a value is not finite."""
    x0 = arr[index]
    t = [0.0]
    values = [state.f0]
    try:
        for i in range(1, POINTS + 1):
            arr[index] = arr.dtype.type(float(x0) + span * (2.0 * ((i * GOLDEN) % 1.0) - 1.0))
            t.append(float(arr[index]) - float(x0))  # the offset the dtype realised
            values.append(state.evaluate())
    finally:
        arr[index] = x0
    f = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(f)):
        return None
    return np.asarray(t), f - state.f0


def residual_noise(t: np.ndarray, d: np.ndarray, span: float) -> float:
    """The round-off in samples ``d`` at offsets ``t``: what a least-squares cubic leaves."""
    design = np.vander(t / span, 4)
    coef, *_ = np.linalg.lstsq(design, d, rcond=None)
    residual = d - design @ coef
    return math.sqrt(float(np.sum(residual**2)) / (d.size - 4))


def jagged(t: np.ndarray, d: np.ndarray) -> float:
    """The round-off the samples show point by point: each one's gap to the line through its two
    neighbours (scaled to one evaluation's deviation), a robust deviation of the median gap.

    Round-off (a loss on a grid finer than its moves) puts such a gap at nearly every point. ReLU
    corners crowding x bend the curve at a few points only: a cubic does not fit them, so they look
    like round-off to `residual_noise`, but most points sit on the line through their neighbours.
    """
    order = np.argsort(t)
    ts, ds = t[order], d[order]
    w = (ts[1:-1] - ts[:-2]) / (ts[2:] - ts[:-2])
    gaps = ds[1:-1] - ((1.0 - w) * ds[:-2] + w * ds[2:])
    scaled = np.abs(gaps) / np.sqrt(1.0 + (1.0 - w) ** 2 + w**2)
    return float(np.median(scaled)) / MEDIAN_TO_SD


def quantum(d: np.ndarray) -> float:
    """The loss's step when every sample is a whole multiple of its smallest move, else 0.

    A loss rounded to a grid (the log of a number rounded to 1) takes only values f0 + k q; a
    smooth one, or one with a corner, takes twelve unrelated values.
    """
    moves = np.abs(d[d != 0.0])
    if moves.size == 0:
        return 0.0
    q = float(moves.min())
    k = moves / q
    return q if float(np.max(np.abs(k - np.round(k)))) <= WHOLE else 0.0


def local_noise(state: CheckState, arr: np.ndarray, index: tuple[Any, ...], h0: float) -> float:
    """The round-off of one loss evaluation along coordinate ``index`` alone (0 if none is found).

    A cubic's residual over two spans, 1/16 of the step and the step: round-off is the same over
    both, a corner's grows with the span (then none is taken). Where the loss does not move at
    all over the narrow span, it is a grid too coarse for the step: the first wider span over
    which it moves shows its step q, and rounding to it has the deviation q / sqrt(12). The grid
    belongs to the loss, not to the coordinate: where no span moves it, the step another
    coordinate showed is the one (`CheckState.loss_quantum`).
    """
    narrow = sample_along(state, arr, index, h0 * SPANS[0])
    if narrow is None:
        return 0.0
    if np.any(narrow[1] != 0.0):
        sigma = residual_noise(*narrow, h0 * SPANS[0])
        if not sigma > FAR_ABOVE * state.sigma:
            return 0.0
        wide = sample_along(state, arr, index, h0 * SPANS[1])
        if wide is None:
            return 0.0
        sigma_wide = residual_noise(*wide, h0 * SPANS[1])
        if not max(jagged(*narrow), jagged(*wide)) > FAR_ABOVE * state.sigma:
            return 0.0  # smooth between a few corners: no round-off there (`jagged`)
        return max(sigma, sigma_wide) if sigma_wide <= SAME_AT_BOTH * sigma else 0.0
    for span in PLATEAU_SPANS:
        wider = sample_along(state, arr, index, h0 * span)
        if wider is None:
            return 0.0
        if np.any(wider[1] != 0.0):
            q = quantum(wider[1])
            state.loss_quantum = max(state.loss_quantum, q)
            return q / math.sqrt(12.0)
    # Flat over every span: the grid is the loss's, the one another coordinate showed, if any.
    return state.loss_quantum / math.sqrt(12.0)


def lost_precision(state: CheckState, arr: np.ndarray, name: str, c: Coords, j: int) -> bool:
    """True when the loss's own round-off along coordinate ``j`` is far above the measured noise.

    The coordinate's noise (``c.sigma``) and error bar (``c.bound``) then become that round-off's,
    so that what follows (smaller steps, one-sided slopes, the nudge) judges it with the noise it
    really has. Not measured when no round-off could explain the gap (:func:`beyond_round_off`).
    """
    if beyond_round_off(state, c, j):
        return False
    index = tuple(int(i) for i in np.unravel_index(int(c.flat[j]), arr.shape))
    sigma = local_noise(state, arr, index, float(c.first_h[j]))
    if not sigma > FAR_ABOVE * state.sigma:
        return False
    c.sigma[j] = sigma
    c.bound[j] = float(noise_bound(sigma, float(c.h[j])))
    return True


def beyond_round_off(state: CheckState, c: Coords, j: int) -> bool:
    """Whether the gap at ``j`` is too large for any round-off of the loss to make: the change in
    the loss it stands for over the step, |a - n| h, is above what rounding terms up to
    :data:`ROUND_OFF_TERMS` times the loss (or 1) can do. A missing 1/m (a gap of 3 at a step of
    6e-6: 2e-5 of a loss near 1) is; a saturated sigmoid's lost digits (5e-12 at the same step) are
    not. Such gaps are judged with the measured noise, at no extra loss evaluation."""
    gap = abs(float(c.analytic[j]) - float(c.numeric[j])) * float(c.first_h[j])
    return gap > ROUND_OFF_TERMS * machine_eps(state.precision) * max(abs(state.f0), 1.0)


def cannot_tell(c: Coords, j: int, rtol: float) -> bool:
    """True (and ``j`` marked unresolved) when the analytic value is within the error bar of the
    estimate, and that bar, set by the loss's round-off, is wider than the pass tolerance: the
    estimate agrees only because it cannot resolve a difference of that size."""
    a, n, b = float(c.analytic[j]), float(c.numeric[j]), float(c.bound[j])
    if abs(a - n) <= b and b > rtol * (abs(a) + abs(n)):
        c.unresolved[j] = True
        c.notes["lost_precision"] = c.notes.get("lost_precision", 0) + 1
        return True
    return False

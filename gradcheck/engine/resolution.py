"""The loss's own resolution around one coordinate: is a disagreement the loss having lost its digits?

The noise bar is measured once (`noise.estimate_noise`), along random directions through the
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
grows with the span and is not taken for round-off. When the round-off found is far above the
measured noise, the coordinate is judged with it: its error bar becomes the one that round-off
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


def local_noise(
    state: CheckState, arr: np.ndarray, name: str, index: tuple[Any, ...], span: float
) -> float:
    """The round-off of one loss evaluation, measured along coordinate ``index`` alone.

    The loss at POINTS offsets spread over [-span, span] (a golden-ratio sequence: a staircase's
    steps fall at every phase, which equally spaced points can miss when the change per point is
    a whole number of steps) and at the base point; the smooth part is a cubic in the offset, and
    the rest, its least-squares residual, is the round-off.
    """
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
        return math.nan
    u = np.asarray(t) / span
    design = np.vander(u, 4)
    coef, *_ = np.linalg.lstsq(design, f - state.f0, rcond=None)
    residual = f - state.f0 - design @ coef
    return math.sqrt(float(np.sum(residual**2)) / (len(f) - 4))


def lost_precision(state: CheckState, arr: np.ndarray, name: str, c: Coords, j: int) -> bool:
    """True when the loss's own round-off along coordinate ``j`` is far above the measured noise.

    The coordinate's noise (``c.sigma``) and error bar (``c.bound``) then become that round-off's,
    so that what follows (smaller steps, one-sided slopes, the nudge) judges it with the noise it
    really has.
    """
    index = tuple(int(i) for i in np.unravel_index(int(c.flat[j]), arr.shape))
    h0 = float(c.first_h[j])
    narrow = local_noise(state, arr, name, index, h0 * SPANS[0])
    if not narrow > FAR_ABOVE * state.sigma:  # NaN: a non-finite loss nearby, no evidence
        return False
    wide = local_noise(state, arr, name, index, h0 * SPANS[1])
    if not wide <= SAME_AT_BOTH * narrow:  # grows with the span: a corner, not round-off
        return False
    c.sigma[j] = max(narrow, wide)
    c.bound[j] = float(noise_bound(float(c.sigma[j]), float(c.h[j])))
    return True


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

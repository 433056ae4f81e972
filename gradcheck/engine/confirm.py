"""Confirmation of coordinates that disagree: re-measured at smaller steps while the estimates
still move (Richardson on the last two), judged by their one-sided slopes where a corner sits in the
stencil (`kinks`), then nudged off the corner, so that neither truncation, a too-large float32 step
nor a ReLU corner is reported as a bug while a real error hiding at one is still caught.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gradcheck.engine.central import central
from gradcheck.engine.coords import Coords
from gradcheck.engine.gradients import match_gradient
from gradcheck.engine.kinks import Stencil, has_corner, is_subgradient
from gradcheck.engine.noise import noise_bound
from gradcheck.engine.resolution import cannot_tell, lost_precision
from gradcheck.engine.state import CheckState
from gradcheck.engine.tolerances import (
    TOLERANCES,
    elementwise_relative_error,
    scalar_relative_error,
)

CONFIRM_BUGS_ENOUGH = 8  # stop re-measuring a tensor once this many coordinates are confirmed wrong

# How often a disagreeing coordinate's step may halve: (always allowed, at most). The automatic
# step balances truncation and round-off for a typical curvature; a sharper one (batch norm over 4
# examples in float32), or ReLU corners a hair from x (tiny activations), need a smaller step. The
# halving stops as soon as two estimates agree within their noise, and past the first count once
# the noise bar no longer resolves the value to the pass tolerance.
HALVINGS = {"float64": (2, 10), "float32": (5, 5), "float16": (5, 5)}
CORNER_RESOLUTION = 1e-3
CORNER_CLEAR = 0.1  # beside a corner, go on halving while the noise is below this share of the jump
# Corners crowding x at a scale below the step (ReLUs fed by ~1e-8 activations under a 0.01
# initialisation) move the estimate by far more than its noise at every halving, until the step is
# below their distance. Past the first halvings, go on while the last move was MOVE_CLEAR times the
# noise of the two estimates and the gap to the analytic value GAP_CLEAR times the next step's noise:
# the estimate is not settled, and a smaller step can still tell. Round-off takes over below that.
MOVE_CLEAR = 4.0
GAP_CLEAR = 4.0


def confirm(
    state: CheckState, arr: np.ndarray, name: str, c: Coords, enough: int = CONFIRM_BUGS_ENOUGH
) -> None:
    """Re-measure coordinates that disagree, worst first, until enough are confirmed wrong.

    Each goes through `refine` (smaller steps, Richardson, one-sided slopes at a corner); what
    still disagrees is moved off any corner and measured again (`nudge`).
    """
    passing, _ = TOLERANCES[state.precision]
    rel = elementwise_relative_error(c.analytic, c.numeric, c.bound, passing)
    order = [int(j) for j in np.argsort(-np.nan_to_num(rel, nan=np.inf)) if rel[j] > passing]
    pending: list[int] = []
    for j in order:
        if int(c.confirmed.sum()) >= enough:
            break
        if not math.isfinite(c.numeric[j]):
            continue
        # Where the loss lost its digits, judge with its own round-off (`resolution`).
        lost = state.noise_in_doubt and lost_precision(state, arr, name, c, j)
        if lost and cannot_tell(c, j, passing):
            continue
        outcome = refine(state, arr, name, c, j)
        if lost and outcome == "unresolved":
            c.notes["lost_precision"] = c.notes.get("lost_precision", 0) + 1
        if lost and outcome == "smooth":
            cannot_tell(c, j, passing)  # agreeing only within the round-off's bar is a note
        if outcome == "corner":
            # A corner whose one-sided slopes do not bracket the analytic value: a tie across
            # examples (max-pool) lets the backward pick a side the coordinate's slopes never
            # show. Nudged alone, so that no other nudged coordinate re-creates the tie.
            nudge(state, arr, name, c, [j])
        if outcome != "wrong":
            continue
        pending.append(j)
        if len(pending) == enough:
            nudge(state, arr, name, c, pending)
            pending = []
    if pending:
        nudge(state, arr, name, c, pending)


def refine(state: CheckState, arr: np.ndarray, name: str, c: Coords, j: int) -> str:
    """Halve coordinate ``j``'s step until its estimate settles; say what the disagreement is.

    At each halving the O(h^2) truncation of a centered difference shrinks by 4 and cancels in
    Richardson's (4 D(h/2) - D(h)) / 3, while a wrong gradient stays wrong. Returns "smooth" (it
    agrees at a smaller step), "kink" (a corner in the stencil and the analytic value between its
    one-sided slopes: a valid subgradient), "corner" (a corner, the value outside them), "unresolved"
    (no step this precision allows settles it, and the analytic value is within the spread),
    "wrong" (settled, and still disagrees) or "skip".
    """
    passing, _ = TOLERANCES[state.precision]
    a, sigma = float(c.analytic[j]), float(c.sigma[j])
    index = np.unravel_index(int(c.flat[j]), arr.shape)
    wide = Stencil(float(c.numeric[j]), float(c.h[j]), float(c.right[j]), float(c.left[j]))
    b_wide = float(c.bound[j])
    corner = corner_seen = False
    moving = False  # the last halving moved the estimate far beyond its noise (`goes_on`)
    always, most = HALVINGS[state.precision]
    for k in range(most):
        if k >= always and not goes_on(a, wide, b_wide, corner_seen, moving, passing):
            break
        narrow = Stencil(*central(state, arr, name, index, wide.h / 2, state.f0))
        if not math.isfinite(narrow.numeric):
            return "skip"
        b_narrow = float(noise_bound(sigma, narrow.h))
        corner = has_corner(wide, narrow, sigma)
        corner_seen = corner_seen or corner
        if corner and is_subgradient(a, narrow, wide, sigma, passing):
            c.kink[j] = True
            c.notes["subgradient"] = c.notes.get("subgradient", 0) + 1
            return "kink"
        moved = abs(narrow.numeric - wide.numeric)
        moving = moved > MOVE_CLEAR * (b_narrow + b_wide)
        if moved <= b_narrow + b_wide and not corner:
            # The estimate did not move: the step was small enough, and a smaller one would only
            # add round-off. The disagreement stands, unless the estimate wanders (`wanders`).
            if wanders(state, arr, name, index, a, wide, narrow, sigma):
                c.unresolved[j] = True
                return "unresolved"
            return "wrong"
        if not corner and agrees_smaller(c, j, wide, narrow, b_wide, b_narrow, passing):
            return "smooth"
        # Truncation still moves the estimate, or a corner sits near: halve again.
        wide, b_wide = narrow, b_narrow
    if corner:
        return "corner"
    if abs(a - narrow.numeric) <= 2.0 * (moved + b_narrow):
        c.unresolved[j] = True
        return "unresolved"
    c.numeric[j], c.bound[j], c.h[j] = narrow.numeric, b_narrow, narrow.h
    return "wrong"


def goes_on(
    a: float, wide: Stencil, b_wide: float, corner_seen: bool, moving: bool, passing: float
) -> bool:
    """Whether a disagreeing coordinate's step, past its first halvings, may halve once more.

    Only while the noise bar still resolves the value: to the pass tolerance on a smooth curve, to
    CORNER_RESOLUTION beside a corner (ReLU corners a hair from x, from tiny activations, leave the
    stencil only at a step below their distance; one exactly at x never does, and the nudge takes
    it). Beside a corner the question is which side the analytic value sits on: smaller steps still
    answer it while the jump between the one-sided slopes stands clear of the noise (a gradient of
    1e-8 at a corner of a 0.01-initialised net is below any relative bar). And while corners crowd
    x below the step: the estimate still moved far beyond its noise at the last halving, so it has
    not settled, and its gap to the analytic value stands clear of the next step's noise (a
    gradient of 4e-7 a few corners from x is seen only at a step of 3e-7, where it agrees).
    """
    resolution = CORNER_RESOLUTION if corner_seen else passing
    if b_wide <= resolution * (abs(a) + abs(wide.numeric)):
        return True
    if corner_seen and b_wide < CORNER_CLEAR * abs(wide.right - wide.left):
        return True
    return moving and abs(a - wide.numeric) > GAP_CLEAR * 2.0 * b_wide


def agrees_smaller(
    c: Coords, j: int, wide: Stencil, narrow: Stencil, b_wide: float, b_narrow: float, rtol: float
) -> bool:
    """Whether the analytic value agrees at the half step or with Richardson's extrapolation.

    The estimate kept is the one that agrees; otherwise the half step's, which is the better.
    """
    a = float(c.analytic[j])
    rich = (4.0 * narrow.numeric - wide.numeric) / 3.0
    b_rich = (4.0 * b_narrow + b_wide) / 3.0  # round-off carried through Richardson
    for n, b in ((narrow.numeric, b_narrow), (rich, b_rich)):
        if scalar_relative_error(a, n, b, rtol) <= rtol:
            c.numeric[j], c.bound[j], c.h[j] = n, b, narrow.h
            c.notes["truncation"] = c.notes.get("truncation", 0) + 1
            return True
    c.numeric[j], c.bound[j], c.h[j] = narrow.numeric, b_narrow, narrow.h
    return False


def wanders(
    state: CheckState,
    arr: np.ndarray,
    name: str,
    index: tuple[Any, ...],
    analytic: float,
    wide: Stencil,
    narrow: Stencil,
    sigma: float,
) -> bool:
    """True when the estimates over four steps spread as wide as their gap to ``analytic``.

    In float32 the round-off of a loss built from many small sums (batch norm over a few examples)
    is not the independent noise the error bar assumes: the estimate wanders from step to step
    by more than its bar. Two more halvings measure that spread; a gap to the analytic value within
    twice the spread is what this precision cannot tell apart, while a real error (a 2% slip in a
    steady estimate) stays well outside it.
    """
    estimates = [wide.numeric, narrow.numeric]
    h = narrow.h
    for _ in range(2):
        h /= 2
        more = central(state, arr, name, index, h, state.f0)[0]
        if not math.isfinite(more):
            return False
        estimates.append(more)
    spread = max(estimates) - min(estimates)
    bar = float(noise_bound(sigma, wide.h))
    return abs(analytic - float(np.median(estimates))) <= 2.0 * spread + bar


def corners_below_the_step(
    state: CheckState,
    arr: np.ndarray,
    name: str,
    index: tuple[Any, ...],
    h: float,
    estimate: float,
    f_at: float,
    sigma: float,
) -> bool:
    """True when the estimate at a sixteenth of the step moves far beyond its noise.

    On a smooth curve a smaller step changes a settled estimate by its truncation (1/256 of it) and
    its round-off only, and a real error stays where it was. When corners crowd the point at a
    scale below the step, the smaller stencil averages other slopes: the estimate jumps.
    """
    small, h_small, _, _ = central(state, arr, name, index, h / 16, f_at)
    if not math.isfinite(small):
        return False
    return abs(small - estimate) > 4.0 * float(noise_bound(sigma, h_small))


def nudge(state: CheckState, arr: np.ndarray, name: str, c: Coords, rows: list[int]) -> None:
    """Move disagreeing coordinates a few steps away, re-take the analytic gradient there, re-check.

    A corner (ReLU at 0, a max-pool tie, |x| at 0) inside the stencil makes the centered
    difference average two one-sided slopes; a few steps away the loss is smooth again. If the
    coordinate agrees there, the disagreement was the corner: a kink, not a bug. If it still
    disagrees, the gradient is wrong, including a real error that was hiding at the corner.
    """
    passing, _ = TOLERANCES[state.precision]
    indices = [np.unravel_index(int(c.flat[j]), arr.shape) for j in rows]
    saved = [arr[ix] for ix in indices]
    state.needs_refresh = True
    try:
        # Offsets 3h, 5h, 7h, ... in random order: tied coordinates (a max-pool tie) end up at
        # least 2h apart, so no stencil of half-width h straddles their tie again.
        offsets = 3.0 + 2.0 * state.rng.permutation(len(rows))
        for ix, x0, j, u in zip(indices, saved, rows, offsets):
            arr[ix] = arr.dtype.type(float(x0) + u * c.first_h[j])
        f_nudged = state.evaluate()
        key, g = match_gradient(name, state.calls.gradients(), state.model.grad_keys)
        g_arr = np.asarray(g, dtype=np.float64) if key is not None else None
        usable = g_arr is not None and g_arr.shape == arr.shape and math.isfinite(f_nudged)
        for ix, j in zip(indices, rows):
            if not usable:
                c.confirmed[j] = True
                continue
            assert g_arr is not None
            a_new = float(g_arr[ix])
            n_new, h_new, _, _ = central(state, arr, name, ix, c.h[j], f_nudged)
            b_new = float(noise_bound(float(c.sigma[j]), h_new))
            if scalar_relative_error(a_new, n_new, b_new, passing) <= passing:
                c.kink[j] = True
            elif corners_below_the_step(
                state, arr, name, ix, c.h[j], n_new, f_nudged, float(c.sigma[j])
            ):
                # Corners everywhere at a scale below the step (ReLUs fed by tiny activations,
                # a 0.01 initialisation over several layers): no step the noise allows settles it.
                c.unresolved[j] = True
            else:
                # Confirmed wrong. The values kept are those at the original point, so that
                # every coordinate of the tensor is compared at one point (a transpose or a
                # constant factor shows only there).
                c.confirmed[j] = True
    finally:
        for ix, x0 in zip(indices, saved):
            arr[ix] = x0

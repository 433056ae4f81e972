"""Confirmation of coordinates that disagree: re-measured at half the step (Richardson), then
nudged off any corner (a kink), so that neither truncation nor a ReLU corner is reported as a bug
while a real error hiding at one is still caught.
"""

from __future__ import annotations

import math

import numpy as np

from gradcheck.engine.central import central
from gradcheck.engine.coords import Coords
from gradcheck.engine.gradients import match_gradient
from gradcheck.engine.noise import noise_bound
from gradcheck.engine.state import CheckState
from gradcheck.engine.tolerances import (
    TOLERANCES,
    elementwise_relative_error,
    scalar_relative_error,
)

CONFIRM_BUGS_ENOUGH = 8  # stop re-measuring a tensor once this many coordinates are confirmed wrong


def confirm(state: CheckState, arr: np.ndarray, name: str, c: Coords) -> None:
    """Re-measure coordinates that disagree, worst first, until enough are confirmed wrong.

    First at half the step: the O(h^2) truncation error of a centered difference shrinks by 4
    and cancels in Richardson's (4 D(h/2) - D(h)) / 3, while a wrong gradient stays wrong.
    What still disagrees is moved off any corner and measured again (`nudge`).
    """
    passing, _ = TOLERANCES[state.precision]
    rel = elementwise_relative_error(c.analytic, c.numeric, c.bound, passing)
    order = [int(j) for j in np.argsort(-np.nan_to_num(rel, nan=np.inf)) if rel[j] > passing]
    pending: list[int] = []
    for j in order:
        if int(c.confirmed.sum()) >= CONFIRM_BUGS_ENOUGH:
            break
        if not math.isfinite(c.numeric[j]):
            continue
        index = np.unravel_index(int(c.flat[j]), arr.shape)
        n_half, h_half, _, _ = central(state, arr, name, index, c.h[j] / 2, state.f0)
        if not math.isfinite(n_half):
            continue
        b_half = float(noise_bound(state.sigma, h_half))
        n_rich = (4.0 * n_half - c.numeric[j]) / 3.0
        b_rich = (4.0 * b_half + c.bound[j]) / 3.0  # round-off carried through Richardson
        best = min(
            ((n_half, b_half), (n_rich, b_rich)),
            key=lambda nb: scalar_relative_error(c.analytic[j], nb[0], nb[1], passing),
        )
        if scalar_relative_error(c.analytic[j], best[0], best[1], passing) <= passing:
            c.numeric[j], c.bound[j] = best
            c.notes["truncation"] = c.notes.get("truncation", 0) + 1
            continue
        pending.append(j)
        if len(pending) == CONFIRM_BUGS_ENOUGH:
            nudge(state, arr, name, c, pending)
            pending = []
    if pending:
        nudge(state, arr, name, c, pending)


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
            arr[ix] = arr.dtype.type(float(x0) + u * c.h[j])
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
            b_new = float(noise_bound(state.sigma, h_new))
            if scalar_relative_error(a_new, n_new, b_new, passing) <= passing:
                c.kink[j] = True
            else:
                # Confirmed wrong. The values kept are those at the original point, so that
                # every coordinate of the tensor is compared at one point (a transpose or a
                # constant factor shows only there).
                c.confirmed[j] = True
    finally:
        for ix, x0 in zip(indices, saved):
            arr[ix] = x0

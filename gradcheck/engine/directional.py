"""Directional probes: g.v against the centered difference along random sign directions through
every entry of a tensor, and the bisection that narrows a disagreeing direction down to a slice.
"""

from __future__ import annotations

import math

import numpy as np

from gradcheck.engine.noise import difference_bound
from gradcheck.engine.state import CheckState
from gradcheck.engine.tolerances import TOLERANCES, relative_error

BISECT_LEAF = 32  # directional localisation stops at slices this small, then checks each
# Auto mode on a big model narrows further (each halving costs one evaluation, each coordinate of
# the slice two) and stops at the first direction that fails for real: that is the verdict.
AUTO_BISECT_LEAF = 8


def along(
    state: CheckState,
    arr: np.ndarray,
    saved: np.ndarray,
    direction: np.ndarray,
    analytic_full: np.ndarray,
    span: tuple[int, int] | None = None,
) -> tuple[float, float, float]:
    """(analytic, numeric, error bar) of the derivative along ``direction``.

    With ``span`` = (lo, hi), only the flat C-order entries lo..hi-1 move. Written with two
    work arrays and in-place operations: memory stays a small multiple of the tensor.
    """
    base = saved if saved.dtype == np.float64 else saved.astype(np.float64)
    v = direction
    if span is not None:
        v = np.zeros_like(direction)
        lo, hi = span
        v.reshape(-1)[lo:hi] = direction.reshape(-1)[lo:hi]
    try:
        work = np.asarray(np.add(base, v))  # asarray: a 0-d sum comes back as a scalar
        arr[...] = work
        np.subtract(arr, base, out=work)  # the realised step up
        fp = state.evaluate()
        down = np.asarray(np.subtract(base, v))
        arr[...] = down
        np.subtract(base, arr, out=down)  # the realised step down
        fm = state.evaluate()
    finally:
        arr[...] = saved
    work += down
    np.multiply(work, analytic_full, out=work)
    analytic = float(work.sum())
    numeric = fp - fm
    bound = difference_bound(state.sigma)
    return analytic, numeric, bound


def directional(
    state: CheckState,
    arr: np.ndarray,
    name: str,
    analytic_full: np.ndarray,
    steps_full: np.ndarray,
    count: int,
    lean: bool = False,
) -> tuple[list[float], np.ndarray | None, list[float]]:
    """Compare g.v with the centered difference along ``count`` random sign directions.

    Returns the relative errors, when one direction disagrees for real the flat indices of the
    slice it was narrowed down to (bisection), so the caller can name elements, and each probe's
    threshold on |g.v - numeric| (what size of error it would have caught, `power`). ``lean``
    (auto mode): stop at the first real failure and narrow it to AUTO_BISECT_LEAF entries.
    """
    passing, _ = TOLERANCES[state.precision]
    saved = arr.copy()
    rels: list[float] = []
    thresholds: list[float] = []
    culprit: np.ndarray | None = None
    try:
        for _ in range(count):
            # Scaled by 1/sqrt(size): the whole step has the length of one coordinate's step,
            # so it crosses no more ReLU corners than a single-coordinate check does.
            v = state.rng.choice(np.array([-1.0, 1.0]), size=arr.shape)
            v *= steps_full
            v /= math.sqrt(arr.size)
            a, n, b = along(state, arr, saved, v, analytic_full)
            state.tick(2)
            rel = relative_error(np.array([a]), np.array([n]), np.array([b]), passing)
            thresholds.append(max(passing * (abs(a) + abs(n)), b))
            if rel > passing and math.isfinite(n):
                # Taylor test: halve the step. A wrong gradient keeps (n - a)/t constant;
                # truncation shrinks it like t^2 and ReLU corners like t.
                v /= 2
                a2, n2, b2 = along(state, arr, saved, v, analytic_full)
                v *= 2
                rel2 = relative_error(np.array([a2]), np.array([n2]), np.array([b2]), passing)
                if rel2 <= passing or abs(n2 - a2) * 2 < 0.6 * abs(n - a):
                    rel = min(rel, rel2)
                elif lean and (redrawn := redraw(state, arr, saved, steps_full, analytic_full)):
                    rel = redrawn[0]  # one unlucky direction (corners, noise): the next agrees
                    thresholds.append(redrawn[1])
                elif culprit is None:
                    leaf = AUTO_BISECT_LEAF if lean else BISECT_LEAF
                    culprit = bisect(state, arr, saved, v, analytic_full, a - n, leaf)
            rels.append(rel)
            del v
            if lean and culprit is not None:
                break  # one direction that fails for real is the verdict; no need for more
    finally:
        arr[...] = saved
    return rels, culprit, thresholds


def redraw(
    state: CheckState,
    arr: np.ndarray,
    saved: np.ndarray,
    steps_full: np.ndarray,
    analytic_full: np.ndarray,
) -> tuple[float, float] | None:
    """(relative error, threshold) of a fresh random direction when it agrees, else None.

    Auto mode probes a big tensor along one or two directions only; before one failing direction
    becomes a verdict, a fresh one must fail too. A wrong gradient fails along almost every
    direction; a direction that crossed a ReLU corner or met an unlucky round-off does not.
    """
    passing, _ = TOLERANCES[state.precision]
    w = state.rng.choice(np.array([-1.0, 1.0]), size=arr.shape)
    w *= steps_full
    w /= math.sqrt(arr.size)
    a, n, b = along(state, arr, saved, w, analytic_full)
    rel = relative_error(np.array([a]), np.array([n]), np.array([b]), passing)
    return (rel, max(passing * (abs(a) + abs(n)), b)) if rel <= passing else None


def bisect(
    state: CheckState,
    arr: np.ndarray,
    saved: np.ndarray,
    v: np.ndarray,
    analytic_full: np.ndarray,
    error: float,
    leaf: int = BISECT_LEAF,
) -> np.ndarray:
    """Narrow a disagreeing direction down to a slice of at most ``leaf`` coordinates.

    The error along v is (nearly) additive over disjoint slices, so measuring one half tells the
    other: e(right) = e(all) - e(left). Follow the half that carries more of it.
    """
    lo, hi = 0, arr.size
    while hi - lo > leaf:
        mid = (lo + hi) // 2
        left_error = forward_error(state, arr, saved, v, analytic_full, (lo, mid))
        if abs(left_error) >= abs(error - left_error):
            hi, error = mid, left_error
        else:
            lo, error = mid, error - left_error
    return np.arange(lo, hi)


def forward_error(
    state: CheckState,
    arr: np.ndarray,
    saved: np.ndarray,
    v: np.ndarray,
    analytic_full: np.ndarray,
    span: tuple[int, int],
) -> float:
    """2 (g.v - (f(x + v) - f0)) over the flat entries lo..hi-1 of ``v``: one evaluation.

    Bisection only asks which half carries more of an error already confirmed along the whole
    direction; a forward difference answers that at half the cost of a centered one (its O(|v|^2)
    truncation is second order in a step of one coordinate's length), in the centered scale.
    """
    lo, hi = span
    flat_base = np.asarray(saved.flat[lo:hi], dtype=np.float64)
    try:
        arr.flat[lo:hi] = flat_base + v.flat[lo:hi]
        up = np.asarray(arr.flat[lo:hi], dtype=np.float64) - flat_base  # the realised step
        fp = state.evaluate()
    finally:
        arr[...] = saved
    analytic = float(np.dot(up, np.asarray(analytic_full.flat[lo:hi], dtype=np.float64)))
    return 2 * (analytic - (fp - state.f0))

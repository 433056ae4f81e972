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
) -> tuple[list[float], np.ndarray | None]:
    """Compare g.v with the centered difference along ``count`` random sign directions.

    Returns the relative errors and, when one direction disagrees for real, the flat indices of
    the slice it was narrowed down to (bisection), so the caller can name elements.
    """
    passing, _ = TOLERANCES[state.precision]
    saved = arr.copy()
    rels: list[float] = []
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
            if rel > passing and math.isfinite(n):
                # Taylor test: halve the step. A wrong gradient keeps (n - a)/t constant;
                # truncation shrinks it like t^2 and ReLU corners like t.
                v /= 2
                a2, n2, b2 = along(state, arr, saved, v, analytic_full)
                v *= 2
                rel2 = relative_error(np.array([a2]), np.array([n2]), np.array([b2]), passing)
                if rel2 <= passing or abs(n2 - a2) * 2 < 0.6 * abs(n - a):
                    rel = min(rel, rel2)
                elif culprit is None:
                    culprit = bisect(state, arr, saved, v, analytic_full, a - n)
            rels.append(rel)
            del v
    finally:
        arr[...] = saved
    return rels, culprit


def bisect(
    state: CheckState,
    arr: np.ndarray,
    saved: np.ndarray,
    v: np.ndarray,
    analytic_full: np.ndarray,
    error: float,
) -> np.ndarray:
    """Narrow a disagreeing direction down to a slice of at most BISECT_LEAF coordinates.

    The error along v is (nearly) additive over disjoint slices, so measuring one half tells the
    other: e(right) = e(all) - e(left). Follow the half that carries more of it.
    """
    lo, hi = 0, arr.size
    while hi - lo > BISECT_LEAF:
        mid = (lo + hi) // 2
        a, n, _ = along(state, arr, saved, v, analytic_full, span=(lo, mid))
        left_error = a - n
        if abs(left_error) >= abs(error - left_error):
            hi, error = mid, left_error
        else:
            lo, error = mid, error - left_error
    return np.arange(lo, hi)

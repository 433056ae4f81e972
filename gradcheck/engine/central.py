"""Central differences, one coordinate at a time: perturb up, perturb down, restore bit for bit, and
divide by the step the dtype actually realised.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gradcheck.engine.coords import Coords
from gradcheck.engine.noise import noise_bound
from gradcheck.engine.state import CheckState
from gradcheck.errors import GradcheckError


def central(
    state: CheckState,
    arr: np.ndarray,
    name: str,
    index: tuple[Any, ...],
    h: float,
    f_center: float,
) -> tuple[float, float, float, float]:
    """(numeric, realised half step, right slope, left slope) at coordinate ``index``."""
    x0 = arr[index]
    try:
        xp = arr.dtype.type(float(x0) + h)
        xm = arr.dtype.type(float(x0) - h)
        arr[index] = xp
        fp = state.evaluate()
        arr[index] = xm
        fm = state.evaluate()
    finally:
        arr[index] = x0
    hp = float(xp) - float(x0)
    hm = float(x0) - float(xm)
    if not (math.isfinite(fp) and math.isfinite(fm)):
        state.note_nonfinite(name, index, xp if not math.isfinite(fp) else xm)
        return math.nan, (hp + hm) / 2, math.nan, math.nan
    if hp <= 0 or hm <= 0:
        raise GradcheckError(
            f"the step {h:g} is too small to change {name}{list(index)} = {float(x0)!r} "
            f"in {arr.dtype}; pass a larger eps"
        )
    return (fp - fm) / (hp + hm), (hp + hm) / 2, (fp - f_center) / hp, (f_center - fm) / hm


def measure(
    state: CheckState,
    arr: np.ndarray,
    name: str,
    flat: np.ndarray,
    analytic_full: np.ndarray,
    steps: np.ndarray,
) -> Coords:
    """Difference the coordinates ``flat`` of ``arr`` at the base point, with ``steps`` aligned."""
    n = flat.size
    numeric = np.empty(n)
    hs = np.empty(n)
    right = np.empty(n)
    left = np.empty(n)
    shape = arr.shape
    for j, i in enumerate(flat):
        index = np.unravel_index(int(i), shape)
        numeric[j], hs[j], right[j], left[j] = central(
            state, arr, name, index, float(steps[j]), state.f0
        )
        state.tick()
    analytic = analytic_full.reshape(-1)[flat]
    bound = np.asarray(noise_bound(state.sigma, hs), dtype=np.float64)
    return Coords(
        flat=flat,
        analytic=analytic.astype(np.float64),
        numeric=numeric,
        bound=bound,
        h=hs,
        first_h=hs.copy(),
        right=right,
        left=left,
        kink=np.zeros(n, bool),
        confirmed=np.zeros(n, bool),
        unresolved=np.zeros(n, bool),
        sigma=np.full(n, state.sigma),
    )

"""A second opinion in float64 on what float32 cannot resolve.

A float32 coordinate whose finite-difference estimate wanders with the step by as much as its gap to
the analytic value (``Coords.unresolved``) cannot be judged at float32, and one confirmed wrong
(``Coords.confirmed``, a few per tensor at most) may be float32's doing. When the model can rebuild
itself on float64 copies of its parameters and inputs (``Model.recast``; the user's arrays are never
touched), the loss is differenced there, where round-off is 1e-9 of float32's, and the user's own
float32 gradient is compared with that estimate at float32's tolerance. Agreement resolves the
coordinate; a disagreement becomes an ordinary measured one, judged with the rest.
"""

from __future__ import annotations

import numpy as np

from gradcheck.engine.coords import Coords
from gradcheck.engine.gradients import match_gradient
from gradcheck.engine.state import CheckState
from gradcheck.engine.tolerances import TOLERANCES, steps_for
from gradcheck.models.model import Model

__all__ = ["second_opinion_in_float64"]


def _float64_model(state: CheckState) -> Model | None:
    """The float64 copy of the model, built once per check (None when the form cannot recast)."""
    if state.float64_model is None and state.model.recast is not None and not state.float64_failed:
        try:
            state.float64_model = state.model.recast(np.float64)
        except Exception:  # noqa: BLE001 - a second opinion must never break the check itself
            state.float64_failed = True
    return state.float64_model


def _slopes64(
    state: CheckState, model: Model, name: str, index: tuple[int, ...], h: float
) -> tuple[float, float, float]:
    """The float64 copy's centered difference and its right and left one-sided slopes at ``index``
    (the loss at the base point is taken once per check)."""
    if state.float64_f0 is None:
        state.float64_f0 = float(model.loss())
        state.float64_losses += 1
    f0 = state.float64_f0
    arr = model.params[name]
    x0 = arr[index]
    try:
        arr[index] = x0 + h
        up = float(model.loss())
        h_up = float(arr[index] - x0)
        arr[index] = x0 - h
        down = float(model.loss())
        h_down = float(x0 - arr[index])
    finally:
        arr[index] = x0
    state.float64_losses += 2
    return (up - down) / (h_up + h_down), (up - f0) / h_up, (f0 - down) / h_down


def _analytic64(state: CheckState, model: Model, name: str) -> np.ndarray | None:
    """The float64 copy's own gradient of ``name`` (one gradient call per check, kept)."""
    if state.float64_grads is None:
        state.float64_grads = dict(model.grads())
        state.float64_gradient_calls += 1
    _, g = match_gradient(name, state.float64_grads, model.grad_keys)
    if not isinstance(g, np.ndarray) or g.shape != model.params[name].shape:
        return None
    return g.reshape(-1).astype(np.float64)


def second_opinion_in_float64(state: CheckState, name: str, arr: np.ndarray, c: Coords) -> None:
    """Settle ``c``'s unresolved float32 coordinates on the float64 copy, when there is one.

    The copy runs the same code in float64: its own gradient against its own finite difference is
    a float64-precision check of that code at the coordinate. Its verdict carries over to the
    user's float32 model only where the two runs compute the same thing, i.e. where the copy's
    gradient agrees with the user's float32 one to float32's tolerance; where they differ (a ReLU
    on the other side of its corner in float64, float32 round-off in the backward) the coordinate
    stays a "cannot tell at this precision" note.
    """
    doubtful = c.unresolved | c.confirmed
    if state.precision != "float32" or not doubtful.any():
        return
    try:
        _settle(state, name, arr, c, doubtful)
    except Exception:  # noqa: BLE001 - the copy's run failing leaves float32's verdict as it was
        state.float64_failed = True


def _settle(state: CheckState, name: str, arr: np.ndarray, c: Coords, doubtful: np.ndarray) -> None:
    model = _float64_model(state)
    if model is None or name not in model.params:
        return
    a64 = _analytic64(state, model, name)
    if a64 is None:
        return
    steps = steps_for(model.params[name], "float64", None).reshape(-1)
    passing32, _ = TOLERANCES["float32"]
    passing64, _ = TOLERANCES["float64"]
    # The user's float32 gradient carries round-off of the order of float32's epsilon times the
    # tensor's largest entries: the error bar left once the estimate is float64-exact.
    floor = 10 * float(np.finfo(np.float32).eps) * float(np.max(np.abs(c.analytic)))
    settled = 0
    for j in np.flatnonzero(doubtful):
        flat = int(c.flat[j])
        a32, a = float(c.analytic[j]), float(a64[flat])
        if abs(a32 - a) > passing32 * (abs(a32) + abs(a)) + floor:
            continue  # the float64 run computes something else here: it cannot speak for float32
        index = tuple(int(i) for i in np.unravel_index(flat, arr.shape))
        numeric, right, left = _slopes64(state, model, name, index, float(steps[flat]))
        c.unresolved[j] = False
        settled += 1
        # Right in float64: the copy's gradient matches its centered difference, or lies between
        # its one-sided slopes (a ReLU corner inside the float64 step is a valid subgradient).
        tol = passing64 * (abs(right) + abs(left)) + 1e-6 * floor
        if min(right, left) - tol <= a <= max(right, left) + tol:
            c.numeric[j], c.bound[j], c.confirmed[j] = a32, floor, False
        else:
            c.numeric[j], c.bound[j] = numeric, floor  # wrong in float64 too: judged with the rest
    if settled:
        c.notes["float64"] = c.notes.get("float64", 0) + settled

"""The one reading across tensors: a failing tensor no pattern explains may hold another tensor's
gradient (keys mixed up), told by comparing its analytic values with the others' numeric ones.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from gradcheck.diagnose.keys import borrowed
from gradcheck.engine.coords import Coords
from gradcheck.engine.plan import AUTO_FULL_MAX
from gradcheck.engine.state import CheckState
from gradcheck.report.result import FAIL, TensorResult


def keep_measured(state: CheckState, name: str, coords: Coords) -> None:
    """Keep the smooth coordinates compared for `swapped`, when the check is small enough."""
    if state.total <= AUTO_FULL_MAX:  # kept for `swapped`; bounded, so memory stays O(1)
        keep = ~coords.kink & np.isfinite(coords.numeric)
        state.measured[name] = (
            coords.flat[keep],
            coords.analytic[keep],
            coords.numeric[keep],
            coords.bound[keep],
        )


def swapped(state: CheckState, result: TensorResult) -> TensorResult:
    """A failing tensor no pattern explains may hold another tensor's gradient (keys mixed up)."""
    if result.status != FAIL or result.pattern is not None or result.name not in state.measured:
        return result

    def full(name: str, which: int) -> np.ndarray:
        flat = state.measured[name][0]
        out = np.full(state.model.params[name].shape, np.nan)
        out.reshape(-1)[flat] = state.measured[name][which]
        return out

    shape = tuple(state.model.params[result.name].shape)
    same = [n for n in state.measured if tuple(state.model.params[n].shape) == shape]
    d = borrowed(
        result.name,
        full(result.name, 1),
        {n: full(n, 2) for n in same},
        tolerance={n: full(n, 3) for n in same},
    )
    if d is None:
        return result
    return dataclasses.replace(
        result,
        pattern=d.pattern,
        message=d.message,
        details={**result.details, "diagnosis": d.details},
        summary=d.summary,
    )

"""The Taylor test, a step-free second opinion on a tensor that warns or fails: how the remainder
|f(x + tv) - f(x) - t g.v| shrinks along a random direction, and what it adds to the verdict.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from typing import Any

import numpy as np

from gradcheck.engine.noise import NOISE_SIGMAS
from gradcheck.engine.state import CheckState
from gradcheck.engine.tolerances import OBVIOUS
from gradcheck.report.result import FAIL, TensorResult


def second_opinion(
    state: CheckState, result: TensorResult, arr: np.ndarray, analytic_full: np.ndarray
) -> TensorResult:
    """Say what a disagreement is, with a step-free test beside the finite differences.

    The coordinates behind a "warn" or "fail" already survived a half step (truncation would
    have shrunk by 4), Richardson extrapolation, and a nudge off any corner, so what is left is
    a real error; the Taylor test adds independent evidence. It never turns a warning into a
    pass: a small real error hides under the t^2 term at the steps it can use.
    """
    details = dict(result.details)
    details.update(taylor(state, arr, analytic_full))
    orders = details["taylor_orders"]
    evidence = ""
    if details["taylor_verdict"] == "wrong":
        conclusion = (
            "so g is not the gradient"
            if result.status == FAIL
            else "which points to a small real error rather than numerical noise"
        )
        evidence = (
            f"; the Taylor remainder |f(x+tv) - f(x) - t g.v| shrinks like t^{orders[-1]:.1f}, "
            f"not t^2, {conclusion}"
        )
    elif details["taylor_verdict"] == "right":
        evidence = (
            f"; the Taylor remainder shrinks like t^{orders[-1]:.1f} down to the smallest "
            "step it can resolve, so the error is small"
        )
    message = (result.message or "").rstrip()
    if evidence and (result.rel_error is None or result.rel_error < OBVIOUS):
        evidence = evidence[2].upper() + evidence[3:]
        message = f"{message}{'' if message.endswith('.') else '.'} {evidence}."
    return dataclasses.replace(result, message=message, details=details)


def taylor(state: CheckState, arr: np.ndarray, analytic_full: np.ndarray) -> dict[str, Any]:
    """A step-free second opinion: how the Taylor remainder shrinks along a random direction.

    r(t) = |f(x + t v) - f(x) - t g.v| shrinks like t^2 when g is the gradient and like t when
    it is not, whatever the step-size troubles of finite differences. Remainders within the
    noise are not used. Returns the observed orders (the last is the most telling) and a verdict:
    "right" (order ~2), "wrong" (order ~1 with the linear term clearly off), or "unclear".
    """
    saved = arr.copy()
    base = saved.astype(np.float64)
    v = state.rng.choice(np.array([-1.0, 1.0]), size=arr.shape) * np.maximum(np.abs(base), 1.0)
    v /= math.sqrt(max(arr.size, 1))
    # Steps a decade apart, down to where the remainder of a right gradient sinks into the noise;
    # a wrong one keeps a linear term |t (g_true - g).v| that the smallest steps expose.
    top, count = (1e-2, 7) if state.precision == "float64" else (1e-1, 4)
    ts = [top * 10.0**-k for k in range(count)]
    remainders: list[float] = []
    try:
        for t in ts:
            arr[...] = (base + t * v).astype(arr.dtype)
            step = arr.astype(np.float64) - base
            f = state.evaluate()
            remainders.append(abs(f - state.f0 - float(np.sum(analytic_full * step))))
    finally:
        arr[...] = saved
    floor = 10.0 * NOISE_SIGMAS * state.sigma
    orders = [
        math.log10(r1 / r2)
        for r1, r2 in itertools.pairwise(remainders)
        if r2 > floor and r1 > floor
    ]
    verdict = "unclear"
    if orders:
        last = orders[-1]
        verdict = "right" if last > 1.6 else "wrong" if last < 1.3 else "unclear"
    return {"taylor_orders": [round(o, 2) for o in orders], "taylor_verdict": verdict}

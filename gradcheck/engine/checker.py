"""The checking core: centered finite differences against the user's analytic gradients.

The whole algorithm, for one coordinate ``x`` of one parameter tensor::

    h      = step(x)                               # from the dtype and |x|, see `steps_for`
    x0     = p[i]                                   # remember the exact value
    p[i]   = x0 + h;  f_plus  = loss()
    p[i]   = x0 - h;  f_minus = loss()
    p[i]   = x0                                     # assign back: bit-for-bit, never "add h again"
    numeric = (f_plus - f_minus) / (realised step up + realised step down)

and the comparison knows how much numerical noise to expect: the round-off noise of one loss
evaluation is *measured* (`measure_noise`), turned into an error bar per coordinate, and a
difference below that bar is noise, not a bug. Coordinates that still disagree are re-measured at
smaller steps while their estimate moves (Richardson: truncation shrinks by 4, a real error does
not); where the one-sided slopes show a corner, the analytic value passes between them (a valid
subgradient, `kinks`) or is checked at a point nudged off the corner, so neither truncation, a
float32 step too large for the curvature, nor ReLU corners are reported as bugs while a real error
hiding there is still caught.

This module is the orchestration: the base point (`preflight`), the plan, the noise, then per
tensor perturb and restore (`central`, `confirm`, `directional`) and compare (`verdict`, `taylor`).
Nothing here prints; the result is a :class:`gradcheck.report.result.Report`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from gradcheck.engine.central import measure
from gradcheck.engine.confirm import confirm
from gradcheck.engine.coords import merge
from gradcheck.engine.directional import directional
from gradcheck.engine.float64 import second_opinion_in_float64
from gradcheck.engine.gradients import Unusable, analytic_gradient
from gradcheck.engine.noise import measure_noise
from gradcheck.engine.nonfinite import perturbed_nonfinite
from gradcheck.engine.options import Options
from gradcheck.engine.plan import NAME_SAMPLE, Plan, plan_check, stratified_sample
from gradcheck.engine.power import directional_power
from gradcheck.engine.preflight import (
    base_point,
    match_gradients,
    nonfinite_parameter,
    selected_names,
)
from gradcheck.engine.state import CheckState
from gradcheck.engine.swapped import keep_measured, swapped
from gradcheck.engine.taylor import second_opinion
from gradcheck.engine.tolerances import steps_for
from gradcheck.engine.verdict import tensor_result
from gradcheck.errors import CheckInterrupted
from gradcheck.models.model import Model
from gradcheck.report.result import PASS, Report, Stats, TensorResult


def run_check(
    model: Model,
    options: Options | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Check ``model``'s analytic gradients. Parameters are bit-for-bit unchanged afterwards."""
    state = CheckState(model, options or Options(), progress)
    start = time.perf_counter()
    names = selected_names(model, state.options)
    state.nonfinite = nonfinite_parameter(model.params, names)
    if state.nonfinite is not None:
        return report(state, (), start)
    base = base_point(state)
    if base is None:  # the loss is NaN or Inf at the given parameters
        return report(state, (), start)
    matched = match_gradients(state, names, base.grads)
    plan = plan_check(model.params, names, state.options, base.t_loss, state.rng)
    state.total = plan.steps
    state.sigma, state.noise_in_doubt = loss_noise(state, names)

    keys = list(base.grads)
    results: list[TensorResult] = []
    try:
        for name in names:
            results.append(
                check_tensor(state, name, matched[name], plan.tensors[name], keys, names)
            )
    except KeyboardInterrupt:
        partial = report(state, tuple(results), start, plan, interrupted=True)
        raise CheckInterrupted(partial) from None

    results = [swapped(state, r) for r in results]
    leave_as_found(state)
    return report(state, tuple(results), start, plan)


def loss_noise(state: CheckState, names: Sequence[str]) -> tuple[float, bool]:
    """Noise of one loss evaluation, measured on the largest tensor, and whether it is in doubt."""
    largest = max(names, key=lambda n: int(state.model.params[n].size))
    big = state.model.params[largest]
    return measure_noise(
        state.evaluate,
        big,
        steps_for(big, state.precision, state.options.eps),
        state.f0,
        state.precision,
        state.rng,
    )


def check_tensor(
    state: CheckState,
    name: str,
    match: tuple[str | None, Any],
    plan: tuple[np.ndarray, int],
    keys: Sequence[str],
    names: Sequence[str],
) -> TensorResult:
    """One tensor's verdict: perturb and restore its coordinates and directions, then compare."""
    arr = state.model.params[name]
    key, raw = match
    analytic_full = analytic_gradient(name, key, raw, state.model.params, names, keys)
    if isinstance(analytic_full, Unusable):
        if analytic_full.nonfinite is not None and state.nonfinite is None:
            state.nonfinite = analytic_full.nonfinite
        return analytic_full.result
    assert key is not None  # a missing gradient is Unusable
    flat, dirs = plan
    steps_full = steps_for(arr, state.precision, state.options.eps)
    coords = measure(state, arr, name, flat, analytic_full, steps_full.reshape(-1)[flat])
    confirm(state, arr, name, coords)
    rels: list[float] = []
    if dirs:
        lean = state.options.mode == "auto" and flat.size == 0  # directions only (plan)
        rels, culprit, thresholds = directional(
            state, arr, name, analytic_full, steps_full, dirs, lean
        )
        if culprit is not None:
            if lean:  # a handful of coordinates spread over the tensor name the pattern
                culprit = np.union1d(culprit, stratified_sample(arr.size, NAME_SAMPLE, state.rng))
            extra = np.setdiff1d(culprit, coords.flat)
            more = measure(state, arr, name, extra, analytic_full, steps_full.reshape(-1)[extra])
            # In auto mode the failing direction already passed its Taylor test: one confirmed
            # coordinate is enough.
            confirm(state, arr, name, more, **({"enough": 1} if lean else {}))
            coords = merge(coords, more)
    second_opinion_in_float64(state, name, arr, coords)
    state.checked_total += coords.flat.size
    state.directions_total += len(rels)
    keep_measured(state, name, coords)
    result = tensor_result(state, name, arr, key, coords, rels)
    if rels:
        result.details["directional_power"] = directional_power(
            thresholds, steps_full, analytic_full
        )
    if result.status != PASS:
        result = second_opinion(state, result, arr, analytic_full)
    return result


def leave_as_found(state: CheckState) -> None:
    """Call the user's code once more at the original point, and name a NaN met on the way."""
    if state.needs_refresh:
        state.calls.gradients()
    # Leave the model's own caches as a plain forward pass at the original point leaves them.
    state.evaluate()
    if state.nonfinite is None and state.nonfinite_probe is not None:
        state.nonfinite = perturbed_nonfinite(*state.nonfinite_probe)


def report(
    state: CheckState,
    tensors: tuple[TensorResult, ...],
    start: float,
    plan: Plan | None = None,
    *,
    interrupted: bool = False,
) -> Report:
    """The report of what was done; without a plan, of a check stopped before any perturbation."""
    stats = Stats(
        mode=plan.mode if plan is not None else "none",
        loss_evaluations=state.calls.losses + state.float64_losses,
        grad_evaluations=state.calls.grads + state.float64_gradient_calls,
        seconds=time.perf_counter() - start,
        requested_mode=state.options.mode,
        coordinates_checked=state.checked_total,
        coordinates_total=plan.coordinates if plan is not None else 0,
        directions=state.directions_total,
        noise=state.sigma,
        seed=state.options.seed,
        interrupted=interrupted,
    )
    return Report(
        tensors=tensors,
        stats=stats,
        nonfinite=state.nonfinite,
        loss=state.f0,
        source=state.model.source,
        warnings=tuple(state.warnings),
    )

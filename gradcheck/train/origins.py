"""Where a watched NaN/Inf came from when NumPy's callback did not name the statement.

Either the program's own ``np.seterr(...='raise')`` fired (the raw event is the origin), or NumPy
reported nothing at all: then the inputs are searched (the NaN came with the data, or a step before
watching began wrote it), and failing that the array it was found in is named.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from gradcheck.numerics.errorwatch import ErrorWatch, FPEvent
from gradcheck.numerics.inputs import scan_inputs
from gradcheck.numerics.origin import locate_nonfinite
from gradcheck.numerics.summary import summarize
from gradcheck.report.records import NonFinite
from gradcheck.train.arrays import is_float_array, object_arrays
from gradcheck.train.names import input_rank

__all__ = ["COST_LABEL", "cost_origin", "from_event", "last_event", "replayed", "silent_origin"]

#: The label of a step whose cost went non-finite while every array it produced stayed finite.
COST_LABEL = "the cost"


def replayed(replay: Callable[[], Any] | None, step: int) -> NonFinite | None:
    """Run the step's ``replay`` once under the origin finder: the statement that made the NaN/Inf.

    The replay runs from a saved copy of the state (the runner restores the parameters it kept
    before the step, and puts the live ones back afterwards), so the watched run itself is never
    perturbed. NumPy's errors are routed to the finder whatever ``np.errstate`` the user's code set
    around them, and a Python float or ``math`` result is read by the line tracer, so an origin made
    inside ``np.errstate(...='ignore')`` or in float arithmetic is named too. None when nothing
    could replay the step, the replay raised, or it named no user statement.
    """
    if replay is None:
        return None
    try:
        found = locate_nonfinite(replay, phase="watch")
    except Exception:  # noqa: BLE001 - the replay is extra evidence: an error in it leaves the finding as it was
        return None
    if found is None or found.file is None:
        return None
    return replace(found, details={**found.details, "step": step, "replayed": True})


def cost_origin(step: int, replay: Callable[[], Any] | None, value: float | None) -> NonFinite:
    """Step ``step``'s cost is non-finite while no array is: the statement that made it, replayed."""
    found = replayed(replay, step)
    if found is not None:
        return found
    return NonFinite(
        phase="watch",
        file=None,
        line=None,
        function=None,
        variable="cost",
        kind="unknown",
        message=(
            f"the cost came out {value} at step {step} while every array the step produced stayed "
            f"finite, and NumPy reported no error making it: it was computed with Python floats "
            f"(math.log, math.exp) or inside np.errstate(...='ignore')."
        ),
        fix=(
            "Compute the cost from the logits (log-softmax: z - logsumexp(z); for a sigmoid "
            "np.logaddexp(0, z) - y * z) instead of taking the log of a probability that can round "
            "to exactly 0."
        ),
        details={"detected_by": "cost", "step": step},
    )


def silent_origin(
    step: int,
    label: str,
    produced: Mapping[str, np.ndarray],
    state: Any,
    args: tuple[Any, ...],
    replay: Callable[[], Any] | None = None,
) -> NonFinite:
    """NumPy reported nothing: the NaN was in the inputs, or made where errors were ignored.

    The object's arrays are searched data first (``X``, ``Y``), then parameters, then the rest
    (gradients and caches hold the NaN because an input did). First, when the step can be replayed
    from a saved copy of its state (``replay``, see :func:`replayed`), the replay names the statement
    (an input already non-finite is named there too, kind ``input``).
    """
    origin = replayed(replay, step)
    if origin is not None:
        return origin
    inputs: dict[str, Any] = {}
    if state is not None:
        now = object_arrays(state)
        for name in sorted(now, key=input_rank):
            inputs[name] = now[name]
    for i, arg in enumerate(args):
        if is_float_array(arg) or isinstance(arg, Mapping):
            inputs.setdefault(f"argument {i + 1}", arg)
    with np.errstate(all="ignore"):
        found = scan_inputs(inputs, phase="watch")
    if found is not None:
        return _came_with_the_data(found, step)
    return _made_unreported(label, produced.get(label), step)


def _came_with_the_data(found: NonFinite, step: int) -> NonFinite:
    """The input that already held the NaN when ``step`` ran."""
    return NonFinite(
        phase="watch",
        file=None,
        line=None,
        function=None,
        variable=found.variable,
        kind="input",
        message=(
            f"{found.variable} held a non-finite value when step {step} ran, and NumPy reported "
            f"no error making it: it came with the data, or a step before watching began wrote it."
        ),
        operands=found.operands,
        cause=found.cause,
        fix=found.fix,
        details={**found.details, "step": step},
    )


def _made_unreported(label: str, value: np.ndarray | None, step: int) -> NonFinite:
    """No input held it: ``label`` is where the finiteness test found it."""
    return NonFinite(
        phase="watch",
        file=None,
        line=None,
        function=None,
        variable=label,
        kind="unknown",
        message=(
            f"{label} came out non-finite at step {step}, but NumPy reported no error making it: "
            f"it was made inside np.errstate(...='ignore') in your code, with Python floats, or in a "
            f"compiled library."
        ),
        operands=(summarize(value, expr=label),) if value is not None else (),
        fix=(
            "Remove the np.errstate(...='ignore') around the computation (or run it with "
            "np.seterr(all='raise') once) to see the statement that makes it."
        ),
        details={"detected_by": "finiteness test", "step": step},
    )


def last_event(errors: ErrorWatch, step: int) -> FPEvent | None:
    """The latest NumPy error event of ``step`` (the one whose statement raised, if one did)."""
    for event in reversed(errors.events):
        if event.step == step:
            return event
        if event.step is not None and event.step < step:
            break
    return None


def from_event(event: FPEvent) -> NonFinite:
    """An origin from a raw NumPy event whose statement raised (the program's own errstate='raise')."""
    where = f"{os.path.basename(event.file or '?')}:{event.line}"
    return NonFinite(
        phase="watch",
        file=event.file,
        line=event.line,
        function=event.function,
        variable=None,
        kind=event.kind,
        message=f"{event.kind} at {where} in {event.function}() (your np.seterr raised there).",
        details={"detected_by": "seterrcall", "step": event.step, "verified": False},
    )

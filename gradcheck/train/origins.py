"""Where a watched NaN/Inf came from when NumPy's callback did not name the statement.

Either the program's own ``np.seterr(...='raise')`` fired (the raw event is the origin), or NumPy
reported nothing at all: then the inputs are searched (the NaN came with the data, or a step before
watching began wrote it), and failing that the array it was found in is named.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from gradcheck.numerics.errorwatch import ErrorWatch, FPEvent
from gradcheck.numerics.inputs import scan_inputs
from gradcheck.numerics.summary import summarize
from gradcheck.report.records import NonFinite
from gradcheck.train.arrays import is_float_array, object_arrays
from gradcheck.train.names import input_rank

__all__ = ["from_event", "last_event", "silent_origin"]


def silent_origin(
    step: int,
    label: str,
    produced: Mapping[str, np.ndarray],
    state: Any,
    args: tuple[Any, ...],
) -> NonFinite:
    """NumPy reported nothing: the NaN was in the inputs, or made where errors were ignored.

    The object's arrays are searched data first (``X``, ``Y``), then parameters, then the rest
    (gradients and caches hold the NaN because an input did).
    """
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

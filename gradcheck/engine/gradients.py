"""The user's analytic gradients before any comparison: each found by its parameter's name, refused
with a fail row when it cannot be compared (missing, not numeric, misshapen, non-finite), and warned
about when its dtype cannot carry the parameter's precision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcheck.diagnose.keys import missing
from gradcheck.diagnose.shape import shape_mismatch
from gradcheck.engine.nonfinite import found_nonfinite
from gradcheck.engine.tolerances import TOLERANCES, precision_of
from gradcheck.models.model import gradient_key_candidates
from gradcheck.report.layers import layer_of
from gradcheck.report.records import NonFinite, ReportWarning
from gradcheck.report.result import FAIL, TensorResult


def match_gradient(
    name: str, grads: Mapping[str, Any], aliases: Mapping[str, str]
) -> tuple[str | None, Any]:
    """Find the gradient of parameter ``name``: an alias from the adapter, the name, or d + name."""
    keys = [aliases[name]] if name in aliases else gradient_key_candidates(name)
    for key in keys:
        if key in grads:
            return key, grads[key]
    return None, None


def gradient_dtype_warnings(
    params: Mapping[str, np.ndarray], matched: Mapping[str, tuple[str | None, Any]]
) -> list[ReportWarning]:
    """A gradient whose dtype cannot carry its parameter's precision: integers (fractions cut
    off), or a narrower float (the check then runs at that float's tolerances)."""
    found: list[ReportWarning] = []
    for name, (key, raw) in matched.items():
        dtype = getattr(raw, "dtype", None)
        if key is None or not isinstance(dtype, np.dtype):
            continue
        param = params[name].dtype
        if dtype.kind in "biu":
            message = (
                f"{key} holds {dtype} values: a gradient of float parameters is rarely whole "
                "numbers, so fractions were probably cut off (np.zeros_like of an integer array, "
                "or an integer accumulator?)"
            )
            summary = (
                f"{key} holds whole numbers, so fractions were cut off: make it a float array "
                f"(np.zeros_like({name}, dtype=float))"
            )
        elif dtype.kind == "f" and dtype.itemsize < param.itemsize:
            passing, _ = TOLERANCES[precision_of(dtype)]
            message = (
                f"{key} is {dtype} while {name} is {param}: the check runs at {dtype} precision "
                f"(pass <= {passing:g}), so smaller errors go unseen; return {param} gradients"
            )
            summary = f"{key} is {dtype}, so small mistakes go unseen: return {param} gradients"
        else:
            continue
        found.append(
            ReportWarning(kind="gradient_dtype", where=name, message=message, summary=summary)
        )
    return found


@dataclass(frozen=True)
class Unusable:
    """A gradient that cannot be compared: its fail row, and the NaN/Inf it holds if that is why."""

    result: TensorResult
    nonfinite: NonFinite | None = None


def analytic_gradient(
    name: str,
    key: str | None,
    raw: Any,
    params: Mapping[str, np.ndarray],
    names: Sequence[str],
    keys: Sequence[str],
) -> np.ndarray | Unusable:
    """The gradient ``raw`` found under ``key`` as a float64 array of ``name``'s shape, or why not.

    ``names`` are the checked parameters (a misshapen gradient may fit one of them) and ``keys`` the
    gradient names on offer (a missing one may be misspelt).
    """
    arr = params[name]
    if key is None:
        return Unusable(missing_result(name, arr, keys))
    try:
        analytic_full = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        return Unusable(
            fail_result(
                name,
                arr,
                pattern="type",
                message=f"the gradient {key!r} is a {type(raw).__name__}"
                + (f" of dtype {raw.dtype}" if isinstance(raw, np.ndarray) else "")
                + " that is not a numeric array",
                summary=f"The gradient {key!r} is not an array of numbers: return a NumPy "
                f"float array of {name}'s shape {arr.shape}.",
            )
        )
    if analytic_full.shape != arr.shape and analytic_full.size == arr.size == 1:
        # one number for a one-entry tensor ((1, 1) bias, float gradient): `b -= lr * db`
        # keeps b's shape, so this is not the broadcasting bug a shape mismatch usually is
        analytic_full = analytic_full.reshape(arr.shape)
    if analytic_full.shape != arr.shape:
        others = {n: tuple(params[n].shape) for n in names if n != name}
        return Unusable(shape_result(name, arr, key, analytic_full.shape, others))
    if not np.all(np.isfinite(analytic_full)):
        bad = int(analytic_full.size - np.count_nonzero(np.isfinite(analytic_full)))
        return Unusable(
            fail_result(
                name,
                arr,
                pattern="nonfinite",
                message=f"{bad} of {arr.size} entries of {key} are NaN or Inf",
                summary=f"{bad} of the {arr.size} entries of {key} are NaN or Inf (not a finite "
                "number): find where they come from (a log of 0, a division by 0, an exp that "
                "overflows).",
            ),
            found_nonfinite(
                "grads",
                f"the analytic gradient {key} holds {bad} non-finite value(s)",
                variable=key,
            ),
        )
    return analytic_full


def missing_result(name: str, arr: np.ndarray, keys: Sequence[str]) -> TensorResult:
    d = missing(name, keys)
    return fail_result(
        name,
        arr,
        pattern=d.pattern or "missing",
        message=d.message,
        details=d.details,
        summary=d.summary,
    )


def shape_result(
    name: str,
    arr: np.ndarray,
    key: str,
    shape: tuple[int, ...],
    others: Mapping[str, tuple[int, ...]],
) -> TensorResult:
    d = shape_mismatch(arr.shape, shape, others=others)
    return fail_result(
        name,
        arr,
        pattern=d.pattern or "shape",
        message=f"{key}: {d.message}",
        details={"key": key, **d.details},
        summary=d.summary,
    )


def fail_result(
    name: str,
    arr: np.ndarray,
    *,
    pattern: str,
    message: str,
    details: dict[str, Any] | None = None,
    summary: str | None = None,
) -> TensorResult:
    return TensorResult(
        name=name,
        shape=tuple(arr.shape),
        dtype=str(arr.dtype),
        status=FAIL,
        rel_error=None,
        max_abs_error=None,
        checked=0,
        kinks=0,
        pattern=pattern,
        message=message,
        size=int(arr.size),
        layer=layer_of(name),
        details=details or {},
        summary=summary,
    )

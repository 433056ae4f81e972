"""Finiteness and summaries of the user's arrays: the NaN/Inf test, counts, ``summarize``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

#: Items of a dict/list/tuple looked at when testing a container for NaN/Inf (two levels deep).
MAX_CONTAINER_ITEMS = 256


def _as_base_array(v: np.ndarray) -> np.ndarray:
    """The array itself as a plain ndarray (a subclass's ``__array_ufunc__`` is user code)."""
    return v if type(v) is np.ndarray else np.ndarray.view(v, np.ndarray)


def _has_nonfinite(v: Any, depth: int = 0) -> bool:
    """True when ``v`` (a number, an array, or a dict/list/tuple of them) holds a NaN or an Inf.

    For arrays the sum is tested first: a finite sum proves every element finite, and summing is
    cheaper than ``np.isfinite(a).all()``; only a non-finite sum (a real NaN/Inf, or a finite overflow)
    pays for the element-wise test. Callers run this with NumPy's errors routed to a callback that
    ignores them, so an overflowing sum raises nothing.
    """
    t = type(v)
    if t is float:
        return not math.isfinite(v)
    if isinstance(v, np.ndarray):
        if v.dtype.kind not in "fc" or v.size == 0:
            return False
        a = _as_base_array(v)
        if np.isfinite(np.add.reduce(a, axis=None)):
            return False
        return not bool(np.isfinite(a).all())
    if isinstance(v, (np.floating, np.complexfloating)):
        return not bool(np.isfinite(v))
    if isinstance(v, float):
        return not math.isfinite(v)
    if isinstance(v, complex):
        return not (math.isfinite(v.real) and math.isfinite(v.imag))
    if depth < 2:
        if isinstance(v, dict):
            for i, x in enumerate(dict.values(v)):
                if i >= MAX_CONTAINER_ITEMS:
                    break
                if _has_nonfinite(x, depth + 1):
                    return True
        elif isinstance(v, (list, tuple)):
            items = (
                list.__getitem__(v, slice(0, MAX_CONTAINER_ITEMS))
                if isinstance(v, list)
                else tuple.__getitem__(v, slice(0, MAX_CONTAINER_ITEMS))
            )
            return any(_has_nonfinite(x, depth + 1) for x in items)
    return False


def _is_numeric(v: Any) -> bool:
    """Values worth testing: float/complex arrays and scalars, and containers that may hold them."""
    if isinstance(v, np.ndarray):
        return v.dtype.kind in "fc"
    if isinstance(v, (float, complex, np.floating, np.complexfloating)):
        return True
    return isinstance(v, (dict, list, tuple))


def _nonfinite_counts(v: Any) -> dict[str, int]:
    """NaN, +inf and -inf counts of an array or a number (containers: of their arrays, summed)."""
    counts = {"nan": 0, "posinf": 0, "neginf": 0, "size": 0}
    items: list[Any]
    if isinstance(v, dict):
        items = list(dict.values(v))[:MAX_CONTAINER_ITEMS]
    elif isinstance(v, (list, tuple)):
        items = list(v)[:MAX_CONTAINER_ITEMS]
    else:
        items = [v]
    for x in items:
        if isinstance(x, (dict, list, tuple)) and x is not v:
            sub = (
                _nonfinite_counts(x)
                if not isinstance(v, (dict, list, tuple))
                else {"nan": 0, "posinf": 0, "neginf": 0, "size": 0}
            )
            for k in counts:
                counts[k] += sub[k]
            continue
        if isinstance(x, np.ndarray) and x.dtype.kind in "fc":
            a = _as_base_array(x)
        elif isinstance(x, (float, np.floating, complex, np.complexfloating)):
            a = np.asarray(x)
        else:
            continue
        with np.errstate(all="ignore"):
            counts["nan"] += int(np.isnan(a).sum())
            counts["posinf"] += int(np.isposinf(a.real).sum())
            counts["neginf"] += int(np.isneginf(a.real).sum())
        counts["size"] += int(a.size)
    return counts


def _describe_counts(c: Mapping[str, int]) -> str:
    parts = []
    if c["nan"]:
        parts.append(f"{c['nan']} NaN")
    if c["posinf"]:
        parts.append(f"{c['posinf']} +inf")
    if c["neginf"]:
        parts.append(f"{c['neginf']} -inf")
    what = ", ".join(parts) or "non-finite values"
    return f"{what} of {c['size']}" if c["size"] > 1 else what


def summarize(value: Any, *, expr: str | None = None, role: str | None = None) -> dict[str, Any]:
    """A small JSON-ready portrait of an operand: shape, dtype, min, max, counts of 0, 1, NaN, Inf.

    ``min``/``max`` are over the finite entries. ``ones`` counts exact 1.0 (a sigmoid that rounded to
    1.0), ``zeros`` exact 0.0, ``negatives`` entries below zero (what sqrt and log cannot take).
    """
    out: dict[str, Any] = {}
    if expr is not None:
        out["expr"] = expr
    if role is not None:
        out["role"] = role
    if isinstance(value, np.ndarray):
        a = _as_base_array(value)
    elif isinstance(value, (int, float, complex, np.generic)) and not isinstance(value, bool):
        a = np.asarray(value)
    else:
        out["type"] = type(value).__name__
        return out
    out["shape"] = list(a.shape)
    out["dtype"] = str(a.dtype)
    out["size"] = int(a.size)
    if a.size == 0 or a.dtype.kind not in "biufc":
        return out
    with np.errstate(all="ignore"):
        if a.dtype.kind == "c":
            a = np.abs(a)
        finite = np.isfinite(a) if a.dtype.kind == "f" else np.ones(a.shape, bool)
        n_finite = int(finite.sum())
        vals = a[finite] if n_finite < a.size else a
        if n_finite:
            out["min"] = float(vals.min())
            out["max"] = float(vals.max())
        else:
            out["min"] = out["max"] = None
        out["zeros"] = int(np.count_nonzero(a == 0))
        out["ones"] = int(np.count_nonzero(a == 1))
        out["negatives"] = int(np.count_nonzero(a < 0))
        if a.dtype.kind == "f":
            out["nan"] = int(np.isnan(a).sum())
            out["inf"] = int(np.isinf(a).sum())
    return out

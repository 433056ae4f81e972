"""Scanning inputs: the first named array (parameters, data) that already holds NaN/Inf, before
any user code runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from gradcheck.numerics.fixes import FIX_INPUT
from gradcheck.numerics.summary import (
    MAX_CONTAINER_ITEMS,
    _as_base_array,
    _describe_counts,
    _has_nonfinite,
    _is_numeric,
    _nonfinite_counts,
    summarize,
)
from gradcheck.report.records import NonFinite


def scan_inputs(arrays: Mapping[str, Any], *, phase: str = "inputs") -> NonFinite | None:
    """The first named array (parameters, data) that already holds NaN/Inf, as a kind ``input`` record.

    Values may be arrays, numbers, or dicts/lists of them (``self.W`` keyed by layer); nested items are
    named ``name[key]``. Nothing is called on the values.
    """
    for name, value in arrays.items():
        found = _first_nonfinite_item(str(name), value, 0)
        if found is None:
            continue
        label, arr = found
        counts = _nonfinite_counts(arr)
        where: dict[str, Any] = {}
        if isinstance(arr, np.ndarray) and arr.ndim:
            with np.errstate(all="ignore"):
                bad = np.argwhere(~np.isfinite(_as_base_array(arr)))
            if bad.size:
                where["first_index"] = [int(i) for i in bad[0]]
        at = f" (first at index {tuple(where['first_index'])})" if "first_index" in where else ""
        return NonFinite(
            phase=phase,
            file=None,
            line=None,
            function=None,
            variable=label,
            kind="input",
            message=f"{label} already holds {_describe_counts(counts)}{at} before any user code ran.",
            operands=(summarize(arr, expr=label, role="input"),),
            cause=f"{label} was non-finite before the check started.",
            fix=FIX_INPUT,
            details={"detected_by": "scan", "nonfinite": counts, **where},
        )
    return None


def _first_nonfinite_item(label: str, value: Any, depth: int) -> tuple[str, Any] | None:
    if isinstance(value, dict) and depth < 2:
        for k, v in list(dict.items(value))[:MAX_CONTAINER_ITEMS]:
            found = _first_nonfinite_item(f"{label}[{k!r}]", v, depth + 1)
            if found:
                return found
        return None
    if isinstance(value, (list, tuple)) and depth < 2:
        for i, v in enumerate(list(value)[:MAX_CONTAINER_ITEMS]):
            found = _first_nonfinite_item(f"{label}[{i}]", v, depth + 1)
            if found:
                return found
        return None
    with np.errstate(all="ignore"):
        if _is_numeric(value) and _has_nonfinite(value):
            return label, value
    return None

"""The named values at hand: the scalar hyperparameters the user's functions take (``keep_prob``,
``lambd``, ``reg``, ``learning_rate``), by the names the user gave them, so that a factor between
the analytic and the numeric gradient can be named in the user's own words (``keep_prob**2``).

Where they come from: the keyword inputs the check was given (``keep_prob=0.86``, ``--set``), the
defaults of the traced functions' arguments, the module-level values those functions read or take
by name, and (for a method) the attributes of its object that it reads (``self.reg``). Only real
numbers that are not whole numbers: a whole number (a size, a seed, a count) would name factors by
coincidence, and the batch size has names of its own.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

__all__ = ["named_values", "scalar_inputs"]


def _usable(value: object) -> float | None:
    """``value`` as a float when it can name a factor: a finite real number, not bool, not whole."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (float, np.floating)):
        return None
    x = float(value)
    if not math.isfinite(x) or x <= 0 or x == round(x):
        return None
    return x


def scalar_inputs(inputs: Mapping[str, object]) -> dict[str, float]:
    """The keyword inputs that can name a factor (``keep_prob=0.86``), by name."""
    found: dict[str, float] = {}
    for name, value in inputs.items():
        x = _usable(value)
        if x is not None:
            found[name] = x
    return found


def _read_by(fn: Callable[..., Any]) -> dict[str, float]:
    """What one function reads: its arguments' defaults, the module values it reads or takes by
    name, and the attributes of its object it reads."""
    found: dict[str, float] = {}
    owner = getattr(fn, "__self__", None)
    func = getattr(fn, "__func__", fn)
    code = getattr(func, "__code__", None)
    module = getattr(func, "__globals__", {})
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        params = []
    for p in params:
        x = _usable(p.default) if p.default is not p.empty else None
        if x is not None:
            found.setdefault(p.name, x)
    names = [p.name for p in params] + list(code.co_names if code is not None else ())
    for name in names:
        x = _usable(module.get(name))
        if x is None and owner is not None:
            # the instance's own attributes only: a property is user code, not a value
            x = _usable(getattr(owner, "__dict__", {}).get(name))
        if x is not None:
            found.setdefault(name, x)
    return found


def named_values(
    fns: Iterable[Callable[..., Any]], given: Mapping[str, float] | None = None
) -> dict[str, float]:
    """The named values at hand: ``given`` (the keyword inputs) first, then what ``fns`` read."""
    found = dict(given or {})
    for fn in fns:
        try:
            read = _read_by(fn)
        except Exception:  # noqa: BLE001 - a name is a nicety, never a reason to fail
            read = {}
        for name, x in read.items():
            found.setdefault(name, x)
    return found

"""The cost of a watched step: a returned cost, or one the step stored on its object.

The loss a watch is given is evaluated before the call instead (:meth:`Watch._read_loss`); this module
reads the cost the user's own code computed, at no extra evaluation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["STORED_COST_NAMES", "StoredCost", "call_cost", "scalar_cost"]

#: Attributes where a method that returns None may have stored this step's cost.
STORED_COST_NAMES = ("cost", "loss", "J", "total_cost", "total_loss", "cost_", "loss_", "_cost")
_STORED_COST_SET = frozenset(STORED_COST_NAMES)


def scalar_cost(value: Any) -> float | None:
    """A float when ``value`` is one real number (a Python/NumPy float or a size-1 float array)."""
    t = type(value)
    if t is dict or t is tuple or value is None:
        return None  # the usual results, answered without the isinstance chain below
    if t is float:
        return value  # type: ignore[no-any-return]
    if isinstance(value, bool):
        return None
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind == "f":
        return float(value.reshape(()))
    return None


def _cost_from_result(result: Any) -> float | None:
    if type(result) is dict:
        for key in ("cost", "loss", "J"):
            if key in result:
                return scalar_cost(result[key])
        return None
    cost = scalar_cost(result)
    if cost is not None:
        return cost
    if isinstance(result, tuple):
        found = [c for c in (scalar_cost(x) for x in result) if c is not None]
        return found[0] if len(found) == 1 else None
    if isinstance(result, Mapping):
        for key in ("cost", "loss", "J"):
            if key in result:
                return scalar_cost(result[key])
    return None


class StoredCost:
    """The cost a method returning None stored on its object, read only when this step wrote it."""

    __slots__ = ("_stored_cost_id",)

    def __init__(self) -> None:
        self._stored_cost_id: int | None = None

    def read(self, state: Any) -> float | None:
        try:
            attrs = object.__getattribute__(state, "__dict__")
        except AttributeError:
            return None
        if not attrs.keys() & _STORED_COST_SET:  # one C-level test for the usual "none stored"
            return None
        for name in STORED_COST_NAMES:
            value = attrs.get(name)
            if value is None:
                continue
            cost = scalar_cost(value)
            if cost is not None:
                # A stored cost counts only when this step wrote it (a new object), so an initial
                # ``self.cost = 1.0`` that nothing updates is not read as a flat curve.
                if id(value) == self._stored_cost_id:
                    return None
                self._stored_cost_id = id(value)
                return cost
        return None


def call_cost(result: Any, state: Any, stored: StoredCost) -> float | None:
    """The cost of one call: returned (``cost``, ``(grads, cost)``, ``{'loss': ...}``) or stored."""
    if result is not None:
        cost = _cost_from_result(result)
        if cost is not None:
            return cost
    if state is None:
        return None
    return stored.read(state)

"""The arrays of what a watched call produced: read cheaply, named the way the user's code names them.

A call produces its return value (an array, a dict, a tuple/list of arrays or dicts) or, for a method
returning None, the float arrays on its object, one level into dict and list attributes. Everything
here reads the instance ``__dict__`` only: no property or ``__getattr__`` of the user's runs.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from gradcheck.models.source import returned_names

__all__ = [
    "NO_KEY",
    "ResultNames",
    "WeakValues",
    "is_float_array",
    "object_arrays",
    "object_locations",
    "result_arrays",
]


def is_float_array(v: Any) -> bool:
    return isinstance(v, np.ndarray) and v.dtype.kind in "fc"


#: The key of a location that is the attribute itself (``self.W``), not an item of it.
NO_KEY: Any = object()


def result_arrays(result: Any) -> list[np.ndarray]:
    """The float arrays of a returned value (an array, a dict, a tuple/list of arrays or dicts)."""
    if type(result) is dict:
        return [v for v in result.values() if type(v) is np.ndarray and v.dtype.kind in "fc"]
    if type(result) is np.ndarray:
        return [result] if result.dtype.kind in "fc" else []
    if isinstance(result, Mapping):
        values: Iterable[Any] = result.values()
    elif isinstance(result, (tuple, list)):
        values = []
        for v in result:
            if isinstance(v, Mapping):
                values.extend(v.values())
            else:
                values.append(v)
    else:
        return []
    return [v for v in values if type(v) is np.ndarray and v.dtype.kind in "fc"]


def object_locations(obj: Any) -> list[tuple[str, str, Any]]:
    """Where ``self``'s float arrays live: (name, attribute, key or NO_KEY), as :func:`object_arrays`."""
    try:
        attrs = object.__getattribute__(obj, "__dict__")
    except AttributeError:
        return []
    out: list[tuple[str, str, Any]] = []
    for attr, value in list(attrs.items()):
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "fc":
                out.append((attr, attr, NO_KEY))
        elif isinstance(value, dict):
            for key, item in list(value.items())[:256]:
                if isinstance(item, np.ndarray) and item.dtype.kind in "fc":
                    out.append((f"{attr}[{key!r}]", attr, key))
        elif isinstance(value, list) and len(value) <= 256:
            for i, item in enumerate(value):
                if isinstance(item, np.ndarray) and item.dtype.kind in "fc":
                    out.append((f"{attr}[{i}]", attr, i))
    return out


class WeakValues:
    """name -> array, without keeping the arrays alive (``get`` answers None once one is freed)."""

    __slots__ = ("_refs",)

    def __init__(self, items: Iterable[tuple[str, np.ndarray]]) -> None:
        self._refs = {name: weakref.ref(v) for name, v in items}

    def get(self, name: str) -> np.ndarray | None:
        ref = self._refs.get(name)
        return ref() if ref is not None else None


def object_arrays(obj: Any) -> dict[str, np.ndarray]:
    """``self``'s float arrays: attributes and the values of dict/list attributes, one level deep.

    Named the way the user's code spells them (``W1``, ``W[1]``, ``params['W1']``). Read from the
    instance ``__dict__`` only: no property or ``__getattr__`` of the user's runs.
    """
    try:
        attrs = object.__getattribute__(obj, "__dict__")
    except AttributeError:
        return {}
    out: dict[str, np.ndarray] = {}
    for attr, value in list(attrs.items()):
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "fc":
                out[attr] = value
        elif isinstance(value, dict):
            for key, item in list(value.items())[:256]:
                if isinstance(item, np.ndarray) and item.dtype.kind in "fc":
                    out[f"{attr}[{key!r}]"] = item
        elif isinstance(value, list) and len(value) <= 256:
            for i, item in enumerate(value):
                if isinstance(item, np.ndarray) and item.dtype.kind in "fc":
                    out[f"{attr}[{i}]"] = item
    return out


class ResultNames:
    """Names for the arrays of what a call produced: dict keys, the names in the function's return
    statement (``return dW1, db1``), or the object's attribute names."""

    __slots__ = ("_function", "_returned")

    def __init__(
        self, returned: tuple[str | None, ...] | None, function: Callable[..., Any] | None
    ) -> None:
        self._returned = returned
        self._function = function

    def named(self, result: Any) -> dict[str, np.ndarray]:
        if result is None:
            return {}
        if isinstance(result, np.ndarray):
            return {"<return>": result} if result.dtype.kind in "fc" and result.ndim else {}
        if isinstance(result, Mapping):
            return {str(k): v for k, v in result.items() if is_float_array(v)}
        if isinstance(result, (tuple, list)):
            if self._returned is None and self._function is not None:
                # Read from the source once, when first needed (parsing it costs milliseconds).
                self._returned = returned_names(self._function) or ()
            names = self._returned
            out: dict[str, np.ndarray] = {}
            for i, v in enumerate(result):
                if is_float_array(v):
                    label = names[i] if names and i < len(names) and names[i] else f"<return>[{i}]"
                    out[str(label)] = v
                elif isinstance(v, Mapping):
                    out.update({str(k): x for k, x in v.items() if is_float_array(x)})
            return out
        return {}

    def produced(self, result: Any, state: Any) -> Mapping[str, np.ndarray]:
        """What the call produced, by name: the returned arrays, or the object's arrays."""
        if result is not None:
            return self.named(result)
        return object_arrays(state) if state is not None else {}

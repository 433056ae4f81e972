"""Reading one attribute or item of the user's values without running user code, and what is plain.

Plain values are those whose operators are NumPy's or Python's own; the call whitelists name the
NumPy functions, array methods and builtins an expression reader may apply to plain values.
"""

from __future__ import annotations

# Reading the user's values must never raise into the user's code: the readers catch every
# Exception on purpose and report "unreadable" instead.
# ruff: noqa: BLE001
import builtins
import inspect
import types
from collections.abc import Callable
from typing import Any

import numpy as np


class _Fail:
    """Sentinel: the expression cannot be read safely (or at all) from the frame."""

    def __repr__(self) -> str:
        return "<unreadable>"


_FAIL: Any = _Fail()


_ARRAY_ATTRS = frozenset({"T", "shape", "size", "ndim", "dtype", "real", "imag", "mT"})
_ARRAY_METHODS = frozenset(
    {
        "sum",
        "mean",
        "max",
        "min",
        "std",
        "var",
        "dot",
        "copy",
        "reshape",
        "ravel",
        "flatten",
        "transpose",
        "clip",
        "prod",
        "any",
        "all",
        "astype",
        "squeeze",
        "cumsum",
    }
)
_NUMPY_FUNC_NAMES = (
    "sum",
    "mean",
    "max",
    "min",
    "amax",
    "amin",
    "abs",
    "absolute",
    "exp",
    "expm1",
    "exp2",
    "log",
    "log1p",
    "log2",
    "log10",
    "sqrt",
    "square",
    "dot",
    "matmul",
    "maximum",
    "minimum",
    "clip",
    "where",
    "tanh",
    "negative",
    "multiply",
    "add",
    "subtract",
    "divide",
    "true_divide",
    "power",
    "float_power",
    "var",
    "std",
    "prod",
    "outer",
    "transpose",
    "reshape",
    "einsum",
    "tensordot",
    "sign",
    "cosh",
    "sinh",
    "arcsin",
    "arccos",
    "reciprocal",
    "logaddexp",
    "ones_like",
    "zeros_like",
    "sort",
    "cumsum",
    "squeeze",
    "ravel",
    "isfinite",
    "isnan",
    "nan_to_num",
    "cbrt",
    "fabs",
    "arange",
)
_NUMPY_FUNC_IDS = frozenset(id(getattr(np, n)) for n in _NUMPY_FUNC_NAMES if hasattr(np, n))
_BUILTIN_CALLS: dict[int, Callable[[Any], Any]] = {
    id(builtins.str): str,
    id(builtins.int): int,
    id(builtins.len): len,
    id(builtins.float): float,
}

_BUILTINS: dict[str, Any] = vars(builtins)
_PLAIN_SCALARS = (int, float, complex, bool, type(None), np.generic)


def _is_plain(v: Any, depth: int = 0) -> bool:
    """Values whose operators are NumPy's or Python's own (never a user's ``__add__``)."""
    t = type(v)
    if (
        t is np.ndarray
        or t in (int, float, complex, bool, str, type(None))
        or isinstance(v, np.generic)
    ):
        return True
    if t in (tuple, list) and depth < 2 and len(v) <= 64:
        return all(_is_plain(x, depth + 1) for x in v)
    return t is slice or v is Ellipsis


def _get_attr(obj: Any, name: str) -> Any:
    """``obj.name`` without running a property, ``__getattr__`` or any other user code."""
    if isinstance(obj, np.ndarray) and name in _ARRAY_ATTRS:
        try:
            return getattr(np.ndarray.view(obj, np.ndarray), name)
        except Exception:
            return _FAIL
    try:
        value = inspect.getattr_static(obj, name)
    except Exception:
        return _FAIL
    if isinstance(obj, types.ModuleType):
        return value
    if isinstance(value, types.MemberDescriptorType):  # __slots__: a C-level read, safe
        try:
            return value.__get__(obj, type(obj))
        except Exception:
            return _FAIL
    if isinstance(
        value,
        (
            property,
            types.FunctionType,
            staticmethod,
            classmethod,
            types.GetSetDescriptorType,
            types.MethodDescriptorType,
            types.WrapperDescriptorType,
            types.BuiltinFunctionType,
        ),
    ):
        return _FAIL
    return value


_KEY_TYPES = (int, str, float, bool, type(None), np.integer, np.bool_)


def _get_item(container: Any, key: Any) -> Any:
    """``container[key]`` for dicts, lists, tuples and arrays only (no user ``__getitem__``)."""
    try:
        if isinstance(container, dict):
            if isinstance(key, _KEY_TYPES) or (
                type(key) is tuple and all(isinstance(k, _KEY_TYPES) for k in key)
            ):
                return dict.get(container, key, _FAIL)
            return _FAIL
        if isinstance(container, (list, tuple)):
            if isinstance(key, (int, np.integer, slice)):
                index = key if isinstance(key, slice) else int(key)
                if isinstance(container, list):
                    return list.__getitem__(container, index)
                return tuple.__getitem__(container, index)
            return _FAIL
        if isinstance(container, np.ndarray) and _is_index(key):
            return np.ndarray.view(container, np.ndarray)[key]
    except Exception:
        return _FAIL
    return _FAIL


def _is_index(key: Any) -> bool:
    if isinstance(key, (int, np.integer, slice)) or key is None or key is Ellipsis:
        return True
    if type(key) is np.ndarray:
        return key.dtype.kind in "iub"
    if type(key) in (tuple, list):
        return all(_is_index(k) for k in key)
    return False


# --------------------------------------------------------------------------------------------------
# Calling a whitelisted function on plain values


def _call_plain(fn: Callable[..., Any], vals: list[Any], kw: dict[str, Any]) -> Any:
    """``fn(*vals, **kw)`` for a whitelisted NumPy function or array method (unreadable: raised)."""
    try:
        return fn(*vals, **kw)
    except Exception:
        return _FAIL


def _call_builtin(simple: Callable[[Any], Any], v: Any) -> Any:
    """``str(l)``, ``int(l)``, ``float(l)`` on an int or a str, ``len(x)`` of a list/tuple/array."""
    ok = (
        type(v) in (int, str)
        or isinstance(v, np.integer)
        or (simple is len and type(v) in (list, tuple, np.ndarray))
    )
    if not ok:
        return _FAIL
    try:
        return simple(v)
    except Exception:
        return _FAIL


def _call_target(target: Any, vals: list[Any], kw: dict[str, Any], calls: bool) -> Any:
    """Call ``target`` if it is a whitelisted builtin (or, with ``calls``, NumPy function)."""
    if target is _FAIL:
        return _FAIL
    simple: Callable[[Any], Any] | None = _BUILTIN_CALLS.get(id(target))
    if simple is not None and not kw and len(vals) == 1:
        return _call_builtin(simple, vals[0])
    if calls and id(target) in _NUMPY_FUNC_IDS:
        return _call_plain(target, vals, kw)
    return _FAIL

"""Where the first NaN/Inf came from: the statement in user code that *created* it.

Two instruments, used together for one diagnostic pass and never in a hot loop:

* NumPy's error callback (``np.errstate(..., call=...)``). NumPy calls it synchronously inside the ufunc
  that divided by zero, overflowed or produced an invalid value, so ``sys._getframe()`` reaches the
  user's frame while the offending line runs. It costs nothing, but it cannot tell whether the line's
  result was kept (``np.where(a > 0, np.log(a), 0)`` fires and is fine), it is silent for a NaN that
  was already in the data, and it never sees Python floats or ``math``.
* A line tracer (``sys.settrace``) over user frames only. After each statement it reads what the
  statement assigned (names, attributes, subscripts: evaluated from the frame's own namespaces by
  walking the statement's AST, never by calling user code) and tests it for finiteness. Before the
  statement it notes which operands were already non-finite, so a statement that merely passed a NaN on
  is told apart from one that made it.

A statement is the origin when it leaves a non-finite value behind and either NumPy reported an error
on it (the kind is NumPy's), or none of its operands was non-finite before it ran (made silently: Python
floats, the user's own ``errstate``, a compiled library; the kind is read from the statement). When
non-finite operands explain the result and NumPy reported nothing, the value was there before user
code touched it: kind ``input``. Infinities a statement writes on purpose (``np.where(mask, x, -np.inf)``)
and what they flow into are tolerated until they turn into an error NumPy reports.

:class:`ErrorWatch` is the cheap half alone, for many calls (the training watch): NumPy's callback
armed with the program's own settings chained behind it, and a one-line tracer attached only to the
frame that just raised an event, to see whether that statement's result stayed finite.
"""

from __future__ import annotations

# Reading the user's values must never raise into the user's code: the readers and the trace
# functions catch every Exception on purpose and report "unreadable" instead.
# ruff: noqa: BLE001
import ast
import builtins
import contextlib
import inspect
import linecache
import math
import operator
import os
import site
import sys
import sysconfig
import textwrap
import types
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradcheck.errors import NonFiniteError
from gradcheck.result import NonFinite

__all__ = [
    "ErrorWatch",
    "FPEvent",
    "is_user_file",
    "locate_nonfinite",
    "nonfinite_error",
    "scan_inputs",
    "summarize",
    "user_code_for",
]

# --------------------------------------------------------------------------------------------------
# Constants

#: Operand summaries kept on a :class:`NonFinite` (the statement's leaves first, then the
#: sub-expressions that matter for the kind: denominators, arguments of exp/log/sqrt).
MAX_OPERANDS = 8

#: Raw NumPy error events an :class:`ErrorWatch` keeps (it counts all of them).
MAX_EVENTS = 1000

#: Items of a dict/list/tuple looked at when testing a container for NaN/Inf (two levels deep).
MAX_CONTAINER_ITEMS = 256

#: NumPy's names for the four floating-point errors -> the ``kind`` of INTERFACE.md section 4.
KINDS = {
    "divide by zero": "divide",
    "overflow": "overflow",
    "underflow": "underflow",
    "invalid value": "invalid",
}
_SETTING_OF_KIND = {
    "divide": "divide",
    "overflow": "over",
    "underflow": "under",
    "invalid": "invalid",
}

_KIND_PHRASE = {
    "divide": "division by zero",
    "overflow": "overflow",
    "invalid": "invalid operation",
    "input": "non-finite input",
    "unknown": "non-finite value",
}

# The stable fixes, worded once. Each names the cure, not a patch that hides the symptom.
FIX_SOFTMAX = (
    "Subtract the maximum before exponentiating: shifted = z - z.max(axis=..., keepdims=True) over the "
    "axis you sum over, then np.exp(shifted). Softmax is unchanged by the shift and the largest "
    "exponent becomes 0."
)
FIX_SIGMOID = (
    "Use a sigmoid that cannot overflow: np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z))) "
    "(or scipy.special.expit); and keep pre-activations small (scale the inputs, He/Xavier init)."
)
FIX_EXP = (
    "The argument of exp is far too large: scale the inputs (mean 0, std 1), initialise weights at "
    "He/Xavier scale, lower the learning rate; for a log-sum-exp subtract the maximum first "
    "(or use np.logaddexp)."
)
FIX_DZ = (
    "Do not divide by the sigmoid output: with cross-entropy on a sigmoid output layer the A(1 - A) of "
    "the sigmoid's derivative cancels, so compute dZ = A - Y directly (dA is never needed). An epsilon "
    "in the denominators only hides the saturation."
)
FIX_LOG_SIGMOID = (
    "Compute the cost from the pre-activation with a stable log-sigmoid: cost = np.mean(Y * "
    "np.logaddexp(0, -Z) + (1 - Y) * np.logaddexp(0, Z)); or clip before the log: "
    "A = np.clip(A, 1e-12, 1 - 1e-12)."
)
FIX_LOG = (
    "Clip before the log: np.log(np.clip(p, 1e-12, None)); for softmax cross-entropy use a log-softmax "
    "(z - z.max() - np.log(np.sum(np.exp(z - z.max())))) instead of np.log(probs)."
)
FIX_DIVIDE = (
    "Add a small eps to the denominator (x / (d + 1e-8)), or divide only where it is non-zero: "
    "np.divide(x, d, out=np.zeros_like(x), where=d != 0)."
)
FIX_ZERO_OVER_ZERO = (
    "Add eps to the denominator of the normalisation ((x - mu) / (std + 1e-8), x / (norm + 1e-8)); "
    "a constant feature or an all-zero row has nothing to normalise."
)
FIX_SQRT = (
    "Add eps inside the sqrt and clip at zero: np.sqrt(np.maximum(var, 0) + 1e-8); compute the variance "
    "as np.mean((x - mu) ** 2) (or np.var), which cannot cancel below zero like E[x^2] - E[x]^2."
)
FIX_DOMAIN = (
    "Clip the argument into the function's domain first (np.clip(x, -1, 1) for arcsin/arccos)."
)
FIX_LARGE = (
    "Values this large mean the weights or the inputs diverged: lower the learning rate, scale the "
    "inputs to mean 0 / std 1, and initialise with He/Xavier scale and zero mean."
)
FIX_INF_ARITHMETIC = (
    "An infinity met a zero or another infinity (inf - inf, 0 * inf); find where the infinity was made "
    "(an earlier statement, or the data) and fix it there."
)
FIX_INPUT = (
    "The value was non-finite before user code computed with it. For data: np.isnan(X).sum() right "
    "after loading, then drop or impute the missing values. For parameters: the previous update wrote "
    "it; watch the training (gradcheck watch) to find the step and the statement."
)

#: Largest argument of exp before it overflows, by dtype (log of the largest finite value).
EXP_LIMIT = {
    np.dtype(t): float(np.log(np.finfo(t).max)) for t in (np.float16, np.float32, np.float64)
}

#: 1 / (1 + exp(-z)) rounds to exactly 1.0 in float64 once z exceeds about this.
SIGMOID_ONE_AT = 36.7

_MISSING: Any = object()  # no return value (a 'line' event, not a 'return')


class _Fail:
    """Sentinel: the expression cannot be read safely (or at all) from the frame."""

    def __repr__(self) -> str:
        return "<unreadable>"


_FAIL: Any = _Fail()

# --------------------------------------------------------------------------------------------------
# What counts as user code

_PKG_DIR = os.path.dirname(os.path.realpath(__file__)) + os.sep
_NUMPY_DIR = os.path.dirname(os.path.realpath(np.__file__)) + os.sep


def _library_dirs() -> tuple[str, ...]:
    """Directories of code that is not the user's: the stdlib and installed third-party packages.

    Third-party packages (site-packages) are left out as well as NumPy: when a library divides by zero
    on the user's behalf, the statement to show is the user's call, not the library's internals.
    """
    dirs: set[str] = {_NUMPY_DIR}
    for scheme_key in ("stdlib", "platstdlib", "purelib", "platlib"):
        for vars_ in ({}, {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}):
            try:
                path = sysconfig.get_paths(vars=vars_ or None)[scheme_key]
            except (KeyError, ValueError):
                continue
            dirs.add(os.path.realpath(path) + os.sep)
    with contextlib.suppress(Exception):
        for path in site.getsitepackages():
            dirs.add(os.path.realpath(path) + os.sep)
    with contextlib.suppress(Exception):
        dirs.add(os.path.realpath(site.getusersitepackages()) + os.sep)
    return tuple(sorted(dirs))


_LIBRARY_DIRS = _library_dirs()
_FILE_KIND: dict[str, str] = {}


def _file_kind(filename: str) -> str:
    """'own' (gradcheck), 'library' (NumPy, stdlib, site-packages, frozen) or 'user'."""
    kind = _FILE_KIND.get(filename)
    if kind is None:
        if filename.startswith("<"):
            # NumPy < 1.25 runs its dispatch through "<__array_function__ internals>"
            library = filename.startswith(("<frozen", "<__array_function__"))
            kind = "library" if library else "user"
        else:
            path = os.path.realpath(filename)
            if path.startswith(_PKG_DIR):
                kind = "own"
            elif path.startswith(_LIBRARY_DIRS):
                kind = "library"
            else:
                kind = "user"
        _FILE_KIND[filename] = kind
    return kind


def is_user_file(filename: str) -> bool:
    """The default "user code" predicate: not gradcheck, NumPy, the stdlib or site-packages.

    Code without a file (``<string>``, ``<stdin>``, notebook cells) counts as the user's.
    """
    return _file_kind(filename) == "user"


def user_code_for(
    functions: tuple[Callable[..., Any], ...] | list[Callable[..., Any]],
) -> Callable[[str], bool]:
    """A predicate that accepts only the files the given functions were defined in.

    For ``Model.trace_targets``: trace the user's model file(s) and nothing else they import.
    """
    files: set[str] = set()
    for fn in functions:
        target: Any = inspect.unwrap(getattr(fn, "__func__", fn))
        code = getattr(target, "__code__", None)
        if code is None and callable(target):
            call = inspect.getattr_static(type(target), "__call__", None)
            code = getattr(call, "__code__", None)
        if code is not None:
            files.add(code.co_filename)
    return lambda filename: filename in files


# --------------------------------------------------------------------------------------------------
# Reading values from a frame without running user code

_Getter = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]

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
)
_NUMPY_FUNC_IDS = frozenset(id(getattr(np, n)) for n in _NUMPY_FUNC_NAMES if hasattr(np, n))
_BUILTIN_CALLS: dict[int, Callable[[Any], Any]] = {
    id(builtins.str): str,
    id(builtins.int): int,
    id(builtins.len): len,
    id(builtins.float): float,
}

_BUILTINS: dict[str, Any] = vars(builtins)

_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.MatMult: operator.matmul,
}
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


def _compile(node: ast.AST, calls: bool = False) -> _Getter | None:
    """A function reading ``node``'s value from (locals, globals), or None if it could run user code.

    Allowed: names, constants, attributes (static lookup), subscripts of dicts/lists/tuples/arrays,
    arithmetic on plain numbers and arrays, f-strings and ``str(int)`` for keys like ``'W' + str(l)``.
    With ``calls``, also a whitelist of NumPy functions and array methods applied to plain values
    (used only to explain an origin, once).
    """
    if isinstance(node, ast.Name):
        name = node.id

        def get_name(loc: Mapping[str, Any], glob: Mapping[str, Any]) -> Any:
            v = loc.get(name, _FAIL)
            if v is _FAIL:
                v = glob.get(name, _FAIL)
                if v is _FAIL:  # str, len, ... for keys like 'W' + str(l)
                    v = _BUILTINS.get(name, _FAIL)
            return v

        return get_name
    if isinstance(node, ast.Constant):
        const = node.value
        return lambda loc, glob: const
    if isinstance(node, ast.Attribute):
        inner = _compile(node.value, calls)
        if inner is None:
            return None
        attr = node.attr

        def get_attr(loc: Mapping[str, Any], glob: Mapping[str, Any]) -> Any:
            obj = inner(loc, glob)
            return _FAIL if obj is _FAIL else _get_attr(obj, attr)

        return get_attr
    if isinstance(node, ast.Subscript):
        base = _compile(node.value, calls)
        index = _compile(node.slice, calls)
        if base is None or index is None:
            return None

        def get_item(loc: Mapping[str, Any], glob: Mapping[str, Any]) -> Any:
            c = base(loc, glob)
            if c is _FAIL:
                return _FAIL
            k = index(loc, glob)
            return _FAIL if k is _FAIL else _get_item(c, k)

        return get_item
    if isinstance(node, ast.Slice):
        parts = [
            None if p is None else _compile(p, calls) for p in (node.lower, node.upper, node.step)
        ]
        given = [p for p, src in zip(parts, (node.lower, node.upper, node.step)) if src is not None]
        if any(p is None for p in given):
            return None

        def get_slice(loc: Mapping[str, Any], glob: Mapping[str, Any]) -> Any:
            vals = [None if p is None else p(loc, glob) for p in parts]
            return _FAIL if any(v is _FAIL for v in vals) else slice(*vals)

        return get_slice
    if isinstance(node, (ast.Tuple, ast.List)) and isinstance(node.ctx, ast.Load):
        elts = [_compile(e, calls) for e in node.elts]
        if any(e is None for e in elts):
            return None
        as_list = isinstance(node, ast.List)

        def get_tuple(loc: Mapping[str, Any], glob: Mapping[str, Any]) -> Any:
            vals = [e(loc, glob) for e in elts]  # type: ignore[misc]
            if any(v is _FAIL for v in vals):
                return _FAIL
            return vals if as_list else tuple(vals)

        return get_tuple
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _compile(node.operand, calls)
        if operand is None:
            return None
        negate = isinstance(node.op, ast.USub)

        def get_unary(loc: Mapping[str, Any], glob: Mapping[str, Any]) -> Any:
            v = operand(loc, glob)
            if v is _FAIL or not _is_plain(v) or isinstance(v, (str, type(None))):
                return _FAIL
            try:
                return -v if negate else +v
            except Exception:
                return _FAIL

        return get_unary
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        left, right = _compile(node.left, calls), _compile(node.right, calls)
        if left is None or right is None:
            return None
        fn = _BINOPS[type(node.op)]
        is_pow = isinstance(node.op, ast.Pow)

        def get_binop(loc: Mapping[str, Any], glob: Mapping[str, Any]) -> Any:
            a = left(loc, glob)
            if a is _FAIL:
                return _FAIL
            b = right(loc, glob)
            if b is _FAIL or not (_is_plain(a) and _is_plain(b)):
                return _FAIL
            if (isinstance(a, str) or isinstance(b, str)) and not (
                fn is operator.add and isinstance(a, str) and isinstance(b, str)
            ):
                return _FAIL  # only 'W' + str(l); never str * int
            if is_pow and type(a) is int and type(b) is int and abs(b) > 64:
                return _FAIL  # a huge Python integer power would hang, not explain
            try:
                return fn(a, b)
            except Exception:
                return _FAIL

        return get_binop
    if isinstance(node, ast.JoinedStr):
        pieces: list[_Getter | str] = []
        for v in node.values:
            if isinstance(v, ast.Constant) and isinstance(v.value, str):
                pieces.append(v.value)
            elif isinstance(v, ast.FormattedValue) and v.conversion == -1 and v.format_spec is None:
                g = _compile(v.value, calls)
                if g is None:
                    return None
                pieces.append(g)
            else:
                return None

        def get_fstring(loc: Mapping[str, Any], glob: Mapping[str, Any]) -> Any:
            out = []
            for p in pieces:
                if isinstance(p, str):
                    out.append(p)
                    continue
                v = p(loc, glob)
                if type(v) not in (int, str) and not isinstance(v, np.integer):
                    return _FAIL
                out.append(str(v))
            return "".join(out)

        return get_fstring
    if isinstance(node, ast.Call):
        return _compile_call(node, calls)
    return None


def _compile_call(node: ast.Call, calls: bool) -> _Getter | None:
    """``str(l)``/``len(x)`` always; whitelisted NumPy functions and array methods with ``calls``."""
    if any(isinstance(a, ast.Starred) for a in node.args) or any(
        k.arg is None for k in node.keywords
    ):
        return None
    func = node.func
    args = [_compile(a, calls) for a in node.args]
    kwargs = [(str(k.arg), _compile(k.value, calls)) for k in node.keywords]
    if any(a is None for a in args) or any(g is None for _, g in kwargs):
        return None
    method = func.attr if isinstance(func, ast.Attribute) else None
    receiver = _compile(func.value, calls) if isinstance(func, ast.Attribute) else None
    callee = _compile(func, calls) if method is None or receiver is None else None
    if method is None and callee is None:
        return None
    if method is not None and receiver is None:
        return None

    def get_call(loc: Mapping[str, Any], glob: Mapping[str, Any]) -> Any:
        vals = [a(loc, glob) for a in args]  # type: ignore[misc]
        kw = {k: g(loc, glob) for k, g in kwargs}  # type: ignore[misc]
        if any(v is _FAIL for v in vals) or any(v is _FAIL for v in kw.values()):
            return _FAIL
        if not all(_is_plain(v) for v in vals) or not all(_is_plain(v) for v in kw.values()):
            return _FAIL
        target: Any
        if method is not None and receiver is not None:
            obj = receiver(loc, glob)
            if obj is _FAIL:
                return _FAIL
            if isinstance(obj, types.ModuleType):
                target = _get_attr(obj, method)
            elif calls and type(obj) is np.ndarray and method in _ARRAY_METHODS:
                target = getattr(obj, method)
                try:
                    return target(*vals, **kw)
                except Exception:
                    return _FAIL
            else:
                return _FAIL
        else:
            target = callee(loc, glob)  # type: ignore[misc]
        if target is _FAIL:
            return _FAIL
        simple: Callable[[Any], Any] | None = _BUILTIN_CALLS.get(id(target))
        if simple is not None and not kw and len(vals) == 1:
            v = vals[0]
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
        if calls and id(target) in _NUMPY_FUNC_IDS:
            try:
                return target(*vals, **kw)
            except Exception:
                return _FAIL
        return _FAIL

    return get_call


def _text(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - unparse handles every expression node
        return "?"


# --------------------------------------------------------------------------------------------------
# Finiteness and summaries


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


# --------------------------------------------------------------------------------------------------
# Statements of user source files


@dataclass
class _Stmt:
    """One statement: what it reads, what it writes, and how to read those from a frame."""

    node: ast.stmt | None
    lineno: int
    text: str | None
    targets: list[tuple[str, _Getter]]
    operands: list[tuple[str, _Getter]]
    index_names: list[tuple[str, _Getter]]
    is_return: bool = False
    is_expr: bool = False
    unreadable_target: bool = False
    literal_operands: frozenset[str] = frozenset()
    literal_nonfinite: bool = False
    _roles: list[tuple[str, str, _Getter, str | None, _Getter | None, ast.expr]] | None = None

    @property
    def variable(self) -> str | None:
        return ", ".join(t for t, _ in self.targets) or None


_COMPOUND = (
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.If,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
)


def _header_end(node: ast.stmt) -> int:
    """Last line of a statement's own text: the header of a compound statement, all of a simple one."""
    end = node.end_lineno or node.lineno
    body = getattr(node, "body", None)
    if isinstance(node, _COMPOUND) and body:
        end = max(node.lineno, min(end, body[0].lineno - 1))
    return end


class _SourceIndex:
    """The statements of one source file, by line number (the innermost statement wins)."""

    def __init__(self, filename: str) -> None:
        self.lines = linecache.getlines(filename)
        self.by_line: dict[int, ast.stmt] = {}
        self.stmts: dict[int, _Stmt] = {}
        try:
            tree = ast.parse("".join(self.lines))
        except (SyntaxError, ValueError):
            return
        for node in ast.walk(tree):  # breadth first: an inner statement overwrites its parent
            if isinstance(node, ast.stmt) and not isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
            ):
                for ln in range(node.lineno, _header_end(node) + 1):
                    self.by_line[ln] = node

    def statement(self, lineno: int) -> _Stmt | None:
        node = self.by_line.get(lineno)
        if node is None:
            return None
        stmt = self.stmts.get(id(node))
        if stmt is None:
            stmt = self.stmts[id(node)] = _build_stmt(node, self.lines)
        return stmt


_INDEXES: dict[str, _SourceIndex] = {}


def _source_index(filename: str) -> _SourceIndex:
    linecache.checkcache(filename)
    index = _INDEXES.get(filename)
    if index is None or index.lines is not linecache.getlines(filename):
        index = _INDEXES[filename] = _SourceIndex(filename)
    return index


def _flatten_targets(node: ast.expr, out: list[ast.expr]) -> None:
    if isinstance(node, (ast.Tuple, ast.List)):
        for e in node.elts:
            _flatten_targets(e, out)
    elif isinstance(node, ast.Starred):
        _flatten_targets(node.value, out)
    else:
        out.append(node)


def _readable_target(node: ast.expr) -> tuple[str, _Getter] | None:
    """How to read a target after the statement: itself, or the container a subscript wrote into."""
    if isinstance(node, ast.Name | ast.Attribute | ast.Subscript):
        load = _reload(node)
        getter = _compile(load)
        if getter is not None:
            return _text(node), getter
        if isinstance(node, ast.Subscript):  # A[mask] = ...: read all of A
            return _readable_target(node.value)
        if isinstance(node, ast.Attribute):
            return None
    return None


def _reload(node: ast.expr) -> ast.expr:
    """A Load-context copy of a Store-context target, so that it compiles as a read."""

    class _ToLoad(ast.NodeTransformer):
        def visit_Name(self, n: ast.Name) -> ast.Name:
            return ast.copy_location(ast.Name(id=n.id, ctx=ast.Load()), n)

        def generic_visit(self, n: ast.AST) -> ast.AST:
            if hasattr(n, "ctx"):
                n.ctx = ast.Load()
            return super().generic_visit(n)

    import copy

    return _ToLoad().visit(copy.deepcopy(node))  # type: ignore[no-any-return]


def _collect_reads(node: ast.AST, out: list[ast.expr]) -> None:
    """The maximal readable leaves an expression reads: ``self.A[l]``, ``X``, ``params['W1']``."""
    if (
        isinstance(node, (ast.Name, ast.Attribute, ast.Subscript))
        and isinstance(getattr(node, "ctx", None), ast.Load)
        and _compile(node) is not None
    ):
        out.append(node)
        return
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute):
            _collect_reads(node.func.value, out)  # the receiver of a method call is data
        for a in node.args:
            _collect_reads(a, out)
        for k in node.keywords:
            _collect_reads(k.value, out)
        return
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        _collect_reads(node.generators[0].iter, out)  # the rest runs in the comprehension's frame
        return
    if isinstance(node, ast.Lambda):
        return
    for child in ast.iter_child_nodes(node):
        _collect_reads(child, out)


def _header_exprs(node: ast.stmt) -> tuple[list[ast.expr], list[ast.expr]]:
    """(targets, read expressions) of a statement's own text."""
    targets: list[ast.expr] = []
    reads: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        for t in node.targets:
            _flatten_targets(t, targets)
        reads.append(node.value)
    elif isinstance(node, ast.AugAssign):
        targets.append(node.target)
        reads.extend([_reload(node.target), node.value])
    elif isinstance(node, ast.AnnAssign):
        if node.value is not None:
            targets.append(node.target)
            reads.append(node.value)
    elif isinstance(node, (ast.For, ast.AsyncFor)):
        _flatten_targets(node.target, targets)
        reads.append(node.iter)
    elif isinstance(node, (ast.While, ast.If)):
        reads.append(node.test)
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        for item in node.items:
            reads.append(item.context_expr)
            if item.optional_vars is not None:
                _flatten_targets(item.optional_vars, targets)
    elif isinstance(node, (ast.Return, ast.Expr)):
        if node.value is not None:
            reads.append(node.value)
    else:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                reads.append(child)
    # Sub-expressions of other statements' own subscript targets are reads too (self.dA[l] reads l).
    for t in targets:
        if isinstance(t, ast.Subscript):
            reads.append(_reload(t.slice))
    return targets, reads


_NONFINITE_LITERALS = frozenset(
    {"inf", "nan", "NINF", "PINF", "NAN", "NaN", "Inf", "Infinity", "infty"}
)


def _has_literal_nonfinite(node: ast.AST) -> bool:
    """Does the statement write an infinity or a NaN on purpose (``-np.inf`` masks, ``float('nan')``)?"""
    for n in ast.walk(node):
        if isinstance(n, ast.Attribute) and n.attr in _NONFINITE_LITERALS:
            return True
        if isinstance(n, ast.Name) and n.id in ("inf", "nan"):
            return True
        if (
            isinstance(n, ast.Constant)
            and isinstance(n.value, str)
            and n.value.strip().lower().lstrip("+-") in ("inf", "nan", "infinity")
        ):
            return True
        if (
            isinstance(n, ast.Constant)
            and isinstance(n.value, float)
            and not math.isfinite(n.value)
        ):
            return True
    return False


def _build_stmt(node: ast.stmt, lines: list[str]) -> _Stmt:
    target_nodes, read_nodes = _header_exprs(node)
    targets: list[tuple[str, _Getter]] = []
    for t in target_nodes:
        readable = _readable_target(t)
        if readable is not None and readable[0] not in [x for x, _ in targets]:
            targets.append(readable)
    leaves: list[ast.expr] = []
    for read in read_nodes:
        _collect_reads(read, leaves)
    operands: list[tuple[str, _Getter]] = []
    literal_operands: set[str] = set()
    seen: set[str] = set()
    for leaf in leaves:
        text = _text(leaf)
        getter = _compile(leaf)
        if text not in seen and getter is not None:
            seen.add(text)
            operands.append((text, getter))
            if _has_literal_nonfinite(leaf):  # np.inf, math.nan: constants, not data
                literal_operands.add(text)
    index_names: list[tuple[str, _Getter]] = []
    for t in target_nodes:
        for n in ast.walk(t):
            if isinstance(n, ast.Subscript):
                for m in ast.walk(n.slice):
                    if isinstance(m, ast.Name) and m.id not in [x for x, _ in index_names]:
                        g = _compile(ast.Name(id=m.id, ctx=ast.Load()))
                        if g is not None:
                            index_names.append((m.id, g))
    end = _header_end(node)
    text_lines = lines[node.lineno - 1 : end]
    source: str | None = textwrap.dedent("".join(text_lines)).rstrip("\n") if text_lines else None
    return _Stmt(
        node=node,
        lineno=node.lineno,
        text=source,
        targets=targets,
        operands=operands,
        index_names=index_names,
        is_return=isinstance(node, ast.Return),
        is_expr=isinstance(node, ast.Expr) or not target_nodes,
        unreadable_target=bool(target_nodes) and not targets,
        literal_operands=frozenset(literal_operands),
        literal_nonfinite=_has_literal_nonfinite(node),
    )


def _callee_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _roles(stmt: _Stmt) -> list[tuple[str, str, _Getter, str | None, _Getter | None, ast.expr]]:
    """Sub-expressions that decide a kind: (role, text, getter, partner text, partner getter, node).

    Roles: ``exp`` (argument of exp), ``log``/``log1p``/``sqrt``/``domain`` (arguments), ``division``
    (denominator, with the numerator as partner), ``power`` (base, with the exponent as partner).
    """
    if stmt._roles is not None:
        return stmt._roles
    found: list[tuple[str, ast.expr, ast.expr | None]] = []
    node = stmt.node
    if node is not None:
        for n in ast.walk(node):
            if isinstance(n, ast.Call) and n.args:
                name = _callee_name(n.func)
                a0 = n.args[0]
                if name in ("exp", "expm1", "exp2"):
                    found.append(("exp", a0, None))
                elif name in ("log", "log2", "log10"):
                    found.append(("log", a0, None))
                elif name == "log1p":
                    found.append(("log1p", a0, None))
                elif name == "sqrt":
                    found.append(("sqrt", a0, None))
                elif name in ("divide", "true_divide", "floor_divide") and len(n.args) >= 2:
                    found.append(("division", n.args[1], a0))
                elif name == "reciprocal":
                    found.append(("division", a0, ast.Constant(1.0)))
                elif name in ("power", "float_power") and len(n.args) >= 2:
                    found.append(("power", a0, n.args[1]))
                elif name in ("arcsin", "arccos", "arctanh", "arccosh"):
                    found.append(("domain", a0, None))
            elif isinstance(n, ast.BinOp):
                if isinstance(n.op, (ast.Div, ast.FloorDiv, ast.Mod)):
                    found.append(("division", n.right, n.left))
                elif isinstance(n.op, ast.Pow):
                    found.append(("power", n.left, n.right))
            elif isinstance(n, ast.AugAssign) and isinstance(n.op, (ast.Div, ast.FloorDiv)):
                found.append(("division", n.value, _reload(n.target)))
            elif isinstance(n, ast.AugAssign) and isinstance(n.op, ast.Pow):
                found.append(("power", _reload(n.target), n.value))
    roles = []
    for role, expr, partner in found:
        g = _compile(expr, calls=True)
        if g is None:
            continue
        pg = _compile(partner, calls=True) if partner is not None else None
        roles.append(
            (role, _text(expr), g, _text(partner) if partner is not None else None, pg, expr)
        )
    stmt._roles = roles
    return roles


# --------------------------------------------------------------------------------------------------
# Explaining an origin: cause and fix


def _float_dtype(values: list[Any]) -> np.dtype[Any]:
    for v in values:
        if isinstance(v, np.ndarray) and v.dtype.kind == "f":
            return np.dtype(v.dtype)
    return np.dtype(np.float64)


def _saturated_sigmoid(a: Any) -> tuple[int, int] | None:
    """(exact 0.0 count, exact 1.0 count) when ``a`` looks like a sigmoid output that rounded off."""
    if not isinstance(a, np.ndarray) or a.dtype.kind != "f" or a.size == 0:
        return None
    with np.errstate(all="ignore"):
        b = _as_base_array(a)
        fin = b[np.isfinite(b)]
        if fin.size == 0 or fin.min() < 0 or fin.max() > 1:
            return None
        zeros, ones = int(np.count_nonzero(b == 0)), int(np.count_nonzero(b == 1))
    return (zeros, ones) if zeros + ones else None


def _sigmoid_operand(
    expr: ast.expr, loc: Mapping[str, Any], glob: Mapping[str, Any]
) -> tuple[str, int, int] | None:
    """For a denominator or log argument like ``1 - A``, ``A`` or ``A * (1 - A)``: the saturated A."""
    candidates: list[ast.expr] = []
    for n in ast.walk(expr):
        if isinstance(n, (ast.Name, ast.Attribute, ast.Subscript)):
            candidates.append(n)
    for n in candidates:
        g = _compile(n)
        if g is None:
            continue
        v = g(loc, glob)
        sat = _saturated_sigmoid(v)
        if sat is not None:
            return _text(n), sat[0], sat[1]
    return None


def _explain(
    stmt: _Stmt, kind: str, loc: Mapping[str, Any], glob: Mapping[str, Any], variable: str | None
) -> tuple[str | None, str | None, list[dict[str, Any]]]:
    """(cause, fix, role summaries) for an origin of ``kind`` on ``stmt``, read from the frame."""
    evaluated: list[tuple[str, str, Any, str | None, Any, ast.expr]] = []
    with np.errstate(all="ignore"):
        for role, text, g, ptext, pg, node in _roles(stmt):
            v = g(loc, glob)
            if v is _FAIL:
                continue
            pv = pg(loc, glob) if pg is not None else None
            evaluated.append((role, text, v, ptext, pv, node))
    summaries = [
        summarize(v, expr=t, role=_ROLE_NAMES[r])
        for r, t, v, _, _, _ in evaluated
        if _is_numeric(v) and not isinstance(v, (dict, list, tuple))
    ]
    dtype = _float_dtype([v for _, _, v, _, _, _ in evaluated])
    src = stmt.text or ""
    lowered = (src + " " + (variable or "")).lower()

    def arr(v: Any) -> np.ndarray:
        return np.asarray(_as_base_array(v) if isinstance(v, np.ndarray) else v)

    with np.errstate(all="ignore"):
        if kind == "overflow":
            limit = EXP_LIMIT.get(dtype, EXP_LIMIT[np.dtype(np.float64)])
            for role, text, v, _, _, _ in evaluated:
                if role == "exp" and _is_plain(v):
                    a = arr(v)
                    if a.dtype.kind in "fiu" and a.size and np.nanmax(a) > limit:
                        top = float(np.nanmax(a))
                        cause = (
                            f"np.exp overflowed: its argument {text} reaches {top:.4g}, and exp overflows "
                            f"{dtype} above {limit:.4g}."
                        )
                        if (
                            "prob" in lowered
                            or "softmax" in lowered
                            or "sum(" in src
                            or _exp_over_sum(stmt)
                        ):
                            return (
                                cause + " This is a softmax without the max trick.",
                                FIX_SOFTMAX,
                                summaries,
                            )
                        if "1 +" in src or "1+" in src:
                            return cause, FIX_SIGMOID, summaries
                        return cause, FIX_EXP, summaries
            info = np.finfo(dtype)
            return (
                (f"{variable or 'the result'} exceeded the largest {dtype} ({info.max:.3g})."),
                FIX_LARGE,
                summaries,
            )
        if kind == "divide":
            for role, text, v, _, _, node in evaluated:
                if role in ("log", "log1p") and _is_plain(v):
                    a = arr(v)
                    n_zero = int(np.count_nonzero(a == (-1 if role == "log1p" else 0)))
                    if n_zero:
                        cause = f"np.{role} got {'-1' if role == 'log1p' else '0'} in {n_zero} of {a.size} entries of {text}"
                        sat = _sigmoid_operand(node, loc, glob)
                        if sat is not None:
                            name, zeros, ones = sat
                            which = (
                                f"{_entries(ones)} exactly 1.0"
                                if ones
                                else f"{_entries(zeros)} exactly 0.0"
                            )
                            return (
                                cause
                                + f": {name} is a saturated sigmoid output ({which}; 1 / (1 + exp(-z)) "
                                f"rounds to 1.0 once z > {SIGMOID_ONE_AT}).",
                                FIX_LOG_SIGMOID,
                                summaries,
                            )
                        return cause + ".", FIX_LOG, summaries
            for role, text, v, ptext, pv, node in evaluated:
                if role == "division" and _is_plain(v):
                    a = arr(v)
                    n_zero = int(np.count_nonzero(a == 0))
                    if n_zero:
                        cause = f"the denominator {text} is 0 in {n_zero} of {a.size} entries"
                        sat = _sigmoid_operand(node, loc, glob)
                        if sat is not None:
                            name, zeros, ones = sat
                            which = (
                                f"{_entries(ones, name)} exactly 1.0"
                                if ones
                                else f"{_entries(zeros, name)} exactly 0.0"
                            )
                            return (
                                cause
                                + f": {which}, a saturated sigmoid output (1 / (1 + exp(-z)) rounds to "
                                f"1.0 once z > {SIGMOID_ONE_AT}).",
                                FIX_DZ,
                                summaries,
                            )
                        return cause + ".", FIX_DIVIDE, summaries
                if role == "power" and _is_plain(v) and _is_plain(pv):
                    a, e = arr(v), arr(pv)
                    if np.any(a == 0) and np.any(e < 0):
                        return (
                            f"0 raised to a negative power in {text} ** {ptext}.",
                            FIX_DIVIDE,
                            summaries,
                        )
            return None, FIX_DIVIDE, summaries
        if kind == "invalid":
            for role, text, v, _, _, _ in evaluated:
                if role in ("sqrt", "log") and _is_plain(v):
                    a = arr(v)
                    if a.dtype.kind in "fiu" and a.size and np.nanmin(a) < 0:
                        n_neg = int(np.count_nonzero(a < 0))
                        low = float(np.nanmin(a))
                        cause = f"np.{role} got {n_neg} negative {'entry' if n_neg == 1 else 'entries'} in {text} (min {low:.3g})"
                        if role == "sqrt":
                            scale = float(np.nanmax(np.abs(a))) if a.size else 0.0
                            if abs(low) <= 1e-6 * max(scale, 1e-300) or abs(low) < 1e-10:
                                cause += ": round-off, a variance computed as E[x^2] - E[x]^2 cancelled below zero"
                            return cause + ".", FIX_SQRT, summaries
                        return cause + ": log of a negative number.", FIX_LOG, summaries
                if role == "domain" and _is_plain(v):
                    a = arr(v)
                    if a.size and (np.nanmax(np.abs(a)) > 1):
                        return (
                            f"{text} leaves the domain [-1, 1] (max |x| {float(np.nanmax(np.abs(a))):.4g}).",
                            FIX_DOMAIN,
                            summaries,
                        )
            for role, text, v, ptext, pv, _ in evaluated:
                if role == "division" and _is_plain(v) and _is_plain(pv):
                    a, p = arr(v), arr(pv)
                    try:
                        both = (a == 0) & (p == 0)
                    except Exception:
                        both = np.zeros(1, bool)
                    n = int(np.count_nonzero(both))
                    if n:
                        return (
                            (
                                f"0/0 in {n} entries: {ptext} and {text} are both 0 there (a constant feature, "
                                f"or an all-zero row, normalised by its spread or its sum)."
                            ),
                            FIX_ZERO_OVER_ZERO,
                            summaries,
                        )
                    try:
                        infs = np.isinf(a) & np.isinf(p)
                    except Exception:
                        infs = np.zeros(1, bool)
                    if np.any(infs):
                        return (
                            (
                                f"inf/inf: {ptext} and {text} are both infinite in {int(np.count_nonzero(infs))} "
                                f"entries (an exp that overflowed)."
                            ),
                            FIX_SOFTMAX if _exp_over_sum(stmt) else FIX_INF_ARITHMETIC,
                            summaries,
                        )
            for role, text, v, _, _, _ in evaluated:
                if role == "exp" and _is_plain(v):
                    a = arr(v)
                    limit = EXP_LIMIT.get(dtype, EXP_LIMIT[np.dtype(np.float64)])
                    if a.dtype.kind in "fiu" and a.size and np.nanmax(a) > limit:
                        return (
                            (
                                f"np.exp overflowed to inf (its argument {text} reaches {float(np.nanmax(a)):.4g}) and "
                                f"the infinity met another one (inf/inf or inf - inf)."
                            ),
                            FIX_SOFTMAX,
                            summaries,
                        )
            return "inf - inf, 0 * inf, or 0/0 produced NaN.", FIX_INF_ARITHMETIC, summaries
    return None, None, summaries


def _entries(n: int, of: str | None = None) -> str:
    """'1 entry is' / '3 entries of A are' -- counts read as sentences."""
    noun = "entry" if n == 1 else "entries"
    verb = "is" if n == 1 else "are"
    return f"{n} {noun} of {of} {verb}" if of else f"{n} {noun} {verb}"


def _exp_over_sum(stmt: _Stmt) -> bool:
    """Does the statement divide something by a sum of exponentials (a softmax)?"""
    if stmt.node is None:
        return False
    src = stmt.text or ""
    return "exp" in src and ("sum" in src) and ("/" in src or "divide" in src)


_ROLE_NAMES = {
    "exp": "exp argument",
    "log": "log argument",
    "log1p": "log1p argument",
    "sqrt": "sqrt argument",
    "domain": "argument",
    "division": "denominator",
    "power": "base",
}


# --------------------------------------------------------------------------------------------------
# Building the record


def _qualname(code: types.CodeType, frame: types.FrameType | None = None) -> str:
    """``Class.method`` for a method: ``co_qualname`` on Python 3.11+; before that, read from the
    class of ``self`` (or ``cls``) in the frame, without calling anything of the user's."""
    qualname = getattr(code, "co_qualname", None)
    if qualname is not None:
        return str(qualname)
    if frame is not None and code.co_argcount:
        first = code.co_varnames[0]
        owner = frame.f_locals.get(first) if first in ("self", "cls") else None
        if owner is not None:
            cls = owner if isinstance(owner, type) else type(owner)
            return f"{cls.__qualname__}.{code.co_name}"
    return code.co_name


def _guess_kind(stmt: _Stmt, value: Any) -> str:
    """The kind of a non-finite value NumPy did not report (Python floats, the user's own errstate)."""
    c = _nonfinite_counts(value)
    src = stmt.text or ""
    if c["nan"]:
        return "invalid"
    if any(r[0] in ("division", "log", "log1p") for r in _roles(stmt)) or "/" in src:
        return "divide"
    return "overflow"


def _describe(
    frame: types.FrameType,
    stmt: _Stmt,
    *,
    kind: str,
    phase: str,
    variable: str | None,
    value: Any,
    events: list[str],
    detected_by: str,
    input_operand: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> NonFinite:
    """The NonFinite record for an origin in ``frame`` (alive, just after or during the statement)."""
    code = frame.f_code
    loc, glob = frame.f_locals, frame.f_globals
    filename = code.co_filename
    function = _qualname(code, frame)
    with np.errstate(all="ignore"):
        operands: list[dict[str, Any]] = []
        for text, g in stmt.operands:
            v = g(loc, glob)
            if v is not _FAIL and (
                isinstance(v, (np.ndarray, float, np.floating, complex, np.complexfloating))
            ):
                operands.append(summarize(v, expr=text, role="operand"))
        index_values = {}
        for name, g in stmt.index_names:
            v = g(loc, glob)
            if type(v) in (int, str, bool) or isinstance(v, np.integer):
                index_values[name] = v if type(v) in (int, str, bool) else int(v)
        counts = (
            _nonfinite_counts(value)
            if value is not _FAIL
            else {"nan": 0, "posinf": 0, "neginf": 0, "size": 0}
        )
    subject = (
        f"`{variable}`"
        if variable
        else f"the value returned by {function}()"
        if stmt.is_return
        else "a value"
    )
    if index_values and variable:
        subject += " (" + ", ".join(f"{k} = {v!r}" for k, v in index_values.items()) + ")"
    where = f"{os.path.basename(filename)}:{stmt.lineno} in {function}()"
    if kind == "input":
        name = input_operand or variable or "an input"
        in_counts = counts
        getter = dict(stmt.operands).get(input_operand) if input_operand else None
        if getter is not None:
            in_counts = _nonfinite_counts(getter(loc, glob))
        cause: str | None = (
            f"{name} already held {_describe_counts(in_counts)} when {where} first computed with it; "
            f"no statement in user code made it."
        )
        fix: str | None = FIX_INPUT
        message = f"non-finite input at {where}: {name} was already non-finite ({_describe_counts(in_counts)})."
        role_summaries: list[dict[str, Any]] = []
    else:
        # nanmax of an all-NaN operand warns; describing the operands must stay silent
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            cause, fix, role_summaries = _explain(stmt, kind, loc, glob, variable)
        message = f"{_KIND_PHRASE.get(kind, kind)} at {where}: {subject} became {_describe_counts(counts)}."
        if cause:
            # Capitalise a sentence, but not a code name that opens it (np.exp, x.sum)
            first = cause.split(" ", 1)[0]
            message += " " + (
                cause if "." in first or "_" in first else cause[0].upper() + cause[1:]
            )
    operands = operands[:MAX_OPERANDS]
    seen = {o.get("expr") for o in operands}
    for s in role_summaries:
        if s.get("expr") not in seen or s.get("role") in (
            "denominator",
            "exp argument",
            "log argument",
            "sqrt argument",
        ):
            operands.append(s)
    details: dict[str, Any] = {
        "detected_by": detected_by,
        "events": list(events),
        "nonfinite": counts,
    }
    if index_values:
        details["index_values"] = index_values
    if extra:
        details.update(extra)
    return NonFinite(
        phase=phase,
        file=filename,
        line=stmt.lineno,
        function=function,
        variable=input_operand if kind == "input" else variable,
        kind=kind,
        message=message,
        source_line=stmt.text,
        operands=tuple(operands),
        cause=cause,
        fix=fix,
        details=details,
    )


def nonfinite_error(nf: NonFinite, *, step: int | None = None) -> NonFiniteError:
    """The :class:`NonFiniteError` the watch raises for an origin (message, fix and fields)."""
    text = nf.message
    if step is not None:
        text = f"step {step}: {text}"
    if nf.fix:
        text += f"\nFix: {nf.fix}"
    return NonFiniteError(
        text,
        step=step,
        filename=nf.file,
        line=nf.line,
        function=nf.function,
        variable=nf.variable,
        kind=nf.kind,
        details=nf,
    )


# --------------------------------------------------------------------------------------------------
# The traced pass


@dataclass
class _FrameState:
    stmt: _Stmt | None = None
    before: list[int] = field(
        default_factory=list
    )  # per operand: -1 not numeric, 0 finite, 1 NaN/Inf, 2 tolerated
    events: list[str] = field(default_factory=list)
    known_bad: set[str] = field(
        default_factory=set
    )  # frames without source: locals already non-finite
    seeded: bool = False


def _locals_stmt(lineno: int) -> _Stmt:
    """A statement stand-in for code without source: every local is a possible target."""
    return _Stmt(node=None, lineno=lineno, text=None, targets=[], operands=[], index_names=[])


class _TracedPass:
    """Runs a callable once with a line tracer on user frames; subclasses act on finished statements."""

    def __init__(self, user_code: Callable[[str], bool] | None) -> None:
        self.user_code = user_code or is_user_file
        self._code_ok: dict[types.CodeType, bool] = {}
        self._stmt_cache: dict[tuple[types.CodeType, int], _Stmt | None] = {}
        self._indexes: dict[str, _SourceIndex] = {}
        self.frames: dict[types.FrameType, _FrameState] = {}
        self.done = False
        self.internal_errors: list[str] = []

    def run(self, fn: Callable[[], Any]) -> Any:
        previous = sys.gettrace()
        sys.settrace(self._global)
        try:
            return fn()
        finally:
            sys.settrace(previous)
            self.frames.clear()

    def _is_traced(self, code: types.CodeType) -> bool:
        ok = self._code_ok.get(code)
        if ok is None:
            fname = code.co_filename
            ok = _file_kind(fname) != "own" and bool(self.user_code(fname))
            self._code_ok[code] = ok
        return ok

    def _global(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        if self.done or event != "call" or not self._is_traced(frame.f_code):
            return None
        state = _FrameState()
        self.frames[frame] = state

        def local(frame: types.FrameType, event: str, arg: Any) -> Any:
            if self.done:
                return None
            try:
                if event == "line":
                    self._on_line(frame, state)
                elif event == "return":
                    if state.stmt is not None:
                        st, state.stmt = state.stmt, None
                        self.finish(frame, state, st, arg)
                    if not self.done:
                        self.returned(frame, arg)
                    self.frames.pop(frame, None)
                elif event == "exception":
                    state.stmt = None
                    state.events = []
            except Exception as exc:  # never let the diagnosis break the user's code
                self.internal_errors.append(f"{type(exc).__name__}: {exc}")
            return local

        return local

    def statement(self, frame: types.FrameType) -> _Stmt | None:
        code = frame.f_code
        lineno = frame.f_lineno
        key = (code, lineno)
        try:
            return self._stmt_cache[key]
        except KeyError:
            index = self._indexes.get(code.co_filename)
            if index is None:  # one freshness check (a stat) per file per pass
                index = self._indexes[code.co_filename] = _source_index(code.co_filename)
            stmt = index.statement(lineno) if lineno else None
            if stmt is None and not index.lines:
                stmt = _locals_stmt(lineno)
            self._stmt_cache[key] = stmt
            return stmt

    def _on_line(self, frame: types.FrameType, state: _FrameState) -> None:
        stmt = self.statement(frame)
        if stmt is not None and stmt is state.stmt:
            return  # another line of the same multi-line statement
        if state.stmt is not None:
            st, state.stmt = state.stmt, None
            self.finish(frame, state, st, _MISSING)
            if self.done:
                return
        if stmt is not None:
            state.stmt = stmt
            self.start(frame, state, stmt)

    def start(self, frame: types.FrameType, state: _FrameState, stmt: _Stmt) -> None:
        """Called before ``stmt`` runs in ``frame``."""

    def finish(self, frame: types.FrameType, state: _FrameState, stmt: _Stmt, ret: Any) -> None:
        """Called after ``stmt`` ran (``ret``: the frame's return value, or _MISSING)."""

    def returned(self, frame: types.FrameType, ret: Any) -> None:
        """Called when a traced frame returns (or yields), after its last statement finished."""


def _statement_values(
    stmt: _Stmt, frame: types.FrameType, ret: Any
) -> list[tuple[str | None, Any]]:
    """What a finished statement left behind: its targets, and the return value on a return."""
    loc, glob = frame.f_locals, frame.f_globals
    out: list[tuple[str | None, Any]] = []
    for text, g in stmt.targets:
        v = g(loc, glob)
        if v is not _FAIL:
            out.append((text, v))
    if ret is not _MISSING and (stmt.is_return or frame.f_code.co_name.startswith("<")):
        out.append((stmt.variable if not stmt.is_return else None, ret))
    return out


class _OriginPass(_TracedPass):
    """The diagnostic pass of :func:`locate_nonfinite`."""

    def __init__(self, user_code: Callable[[str], bool] | None, phase: str) -> None:
        super().__init__(user_code)
        self.phase = phase
        self.busy = False
        self.origin: NonFinite | None = None
        self.candidate: NonFinite | None = None  # an event whose result could not be read
        self.guarded: list[dict[str, Any]] = []
        self.tolerated: set[int] = set()
        self._tolerated_refs: list[Any] = []
        self.boundary: types.FrameType | None = None
        self.untraced_events = 0

    # NumPy's error callback: runs inside the offending ufunc.
    def on_fp_error(self, kind_str: str, flag: int) -> None:
        if self.busy or self.done:
            return
        kind = KINDS.get(kind_str, kind_str)
        if kind == "underflow":
            return
        f: types.FrameType | None = sys._getframe(1)
        while f is not None and f is not self.boundary:
            state = self.frames.get(f)
            if state is not None:
                state.events.append(kind)
                return
            if _file_kind(f.f_code.co_filename) == "own":
                break
            f = f.f_back
        self.untraced_events += 1

    def _tolerate(self, v: Any) -> None:
        self.tolerated.add(id(v))
        self._tolerated_refs.append(v)

    def _flags(self, stmt: _Stmt, frame: types.FrameType) -> list[int]:
        loc, glob = frame.f_locals, frame.f_globals
        flags = []
        for text, g in stmt.operands:
            v = g(loc, glob)
            if v is _FAIL or not _is_numeric(v):
                flags.append(-1)
            elif _has_nonfinite(v):
                flags.append(2 if id(v) in self.tolerated or text in stmt.literal_operands else 1)
            else:
                flags.append(0)
        return flags

    def start(self, frame: types.FrameType, state: _FrameState, stmt: _Stmt) -> None:
        self.busy = True
        try:
            state.events = []
            if stmt.node is None:
                if not state.seeded:
                    # First line of a frame without source: arguments already non-finite are inputs.
                    state.seeded = True
                    state.known_bad = {
                        k for k, v in frame.f_locals.items() if _is_numeric(v) and _has_nonfinite(v)
                    }
                    if state.known_bad:
                        name = min(state.known_bad)
                        self._found(
                            frame,
                            stmt,
                            "input",
                            name,
                            frame.f_locals[name],
                            [],
                            "tracer",
                            input_operand=name,
                        )
                return
            state.before = self._flags(stmt, frame)
        finally:
            self.busy = False

    def finish(self, frame: types.FrameType, state: _FrameState, stmt: _Stmt, ret: Any) -> None:
        events = [k for k in state.events if k != "underflow"]
        state.events = []
        self.busy = True
        try:
            if stmt.node is None:
                self._finish_without_source(frame, state, stmt, events, ret)
                return
            values = _statement_values(stmt, frame, ret)
            bad = [
                (t, v)
                for t, v in values
                if _is_numeric(v) and id(v) not in self.tolerated and _has_nonfinite(v)
            ]
            before = state.before
            if not bad and (events or stmt.is_expr):
                loc, glob = frame.f_locals, frame.f_globals
                for (text, g), flag in zip(stmt.operands, before):
                    if flag == 0:
                        v = g(loc, glob)
                        if v is not _FAIL and _has_nonfinite(v):
                            bad.append(
                                (text, v)
                            )  # written in place (out=, a method, an augmented target)
            if not bad:
                if events:
                    if stmt.unreadable_target and self.candidate is None:
                        self.candidate = _describe(
                            frame,
                            stmt,
                            kind=events[0],
                            phase=self.phase,
                            variable=None,
                            value=_FAIL,
                            events=events,
                            detected_by="seterrcall",
                        )
                    elif len(self.guarded) < 20:
                        self.guarded.append(
                            {
                                "file": frame.f_code.co_filename,
                                "line": stmt.lineno,
                                "events": events,
                            }
                        )
                return
            variable, value = bad[0]
            numeric = [f for f in before if f >= 0]
            untolerated = [text for (text, _), f in zip(stmt.operands, before) if f == 1]
            if events:
                if numeric and all(f > 0 for f in numeric) and untolerated:
                    self._found(
                        frame,
                        stmt,
                        "input",
                        variable,
                        value,
                        events,
                        "tracer",
                        input_operand=untolerated[0],
                    )
                else:
                    self._found(frame, stmt, events[0], variable, value, events, "seterrcall")
                return
            if untolerated:
                self._found(
                    frame,
                    stmt,
                    "input",
                    variable,
                    value,
                    events,
                    "tracer",
                    input_operand=untolerated[0],
                )
                return
            if any(f == 2 for f in before) or stmt.literal_nonfinite:
                for _, v in bad:  # an intentional infinity, or one flowing on from it
                    self._tolerate(v)
                return
            self._found(frame, stmt, _guess_kind(stmt, value), variable, value, events, "tracer")
        finally:
            self.busy = False

    def _finish_without_source(
        self, frame: types.FrameType, state: _FrameState, stmt: _Stmt, events: list[str], ret: Any
    ) -> None:
        items = [(k, v) for k, v in frame.f_locals.items() if _is_numeric(v)]
        if ret is not _MISSING:
            items.append(("<return>", ret))
        for name, v in items:
            if name not in state.known_bad and _has_nonfinite(v):
                kind = events[0] if events else _guess_kind(stmt, v)
                self._found(
                    frame,
                    stmt,
                    kind,
                    None if name == "<return>" else name,
                    v,
                    events,
                    "seterrcall" if events else "tracer",
                )
                return

    def _found(
        self,
        frame: types.FrameType,
        stmt: _Stmt,
        kind: str,
        variable: str | None,
        value: Any,
        events: list[str],
        detected_by: str,
        input_operand: str | None = None,
    ) -> None:
        extra = {"guarded": list(self.guarded)} if self.guarded else None
        self.origin = _describe(
            frame,
            stmt,
            kind=kind,
            phase=self.phase,
            variable=variable,
            value=value,
            events=events,
            detected_by=detected_by,
            input_operand=input_operand,
            extra=extra,
        )
        self.done = True


def locate_nonfinite(
    run: Callable[[], Any],
    *,
    phase: str,
    user_code: Callable[[str], bool] | None = None,
) -> NonFinite | None:
    """Run ``run()`` once, traced, and return where its first NaN/Inf was created (or None).

    ``run`` is a zero-argument callable over the user's live arrays (``Model.loss``, ``Model.grads``,
    or a closure doing a perturbed evaluation); ``phase`` is copied into the record. ``user_code``
    decides which files are the user's (default :func:`is_user_file`).

    Returns None when the pass produced no non-finite value. When the value is non-finite but no user
    statement could be named (it was made in a library and reached only gradcheck's code), the
    record has kind ``unknown`` and no file. An exception from ``run()`` propagates, after the
    tracer and NumPy's error settings (``seterr`` and ``seterrcall``) are restored exactly.

    Cost: one traced call (every user line pays for reading and testing its operands), so call it
    once, after a cheap check has seen a NaN, never inside a loop.
    """
    tracer = _OriginPass(user_code, phase)
    tracer.boundary = sys._getframe()
    with np.errstate(divide="call", over="call", invalid="call", call=tracer.on_fp_error):
        result = tracer.run(run)
        tracer.busy = True
        nonfinite_result = _has_nonfinite(result) and id(result) not in tracer.tolerated
    if tracer.origin is not None:
        return tracer.origin
    if not nonfinite_result:
        return None
    if tracer.candidate is not None:
        return tracer.candidate
    counts = _nonfinite_counts(result)
    return NonFinite(
        phase=phase,
        file=None,
        line=None,
        function=None,
        variable=None,
        kind="unknown",
        message=(
            f"the {phase} came out non-finite ({_describe_counts(counts)}), but no statement in user code "
            f"was seen creating it (it was made outside the traced files)."
        ),
        details={
            "detected_by": "tracer",
            "untraced_numpy_errors": tracer.untraced_events,
            "internal_errors": tracer.internal_errors[:5],
        },
    )


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


# --------------------------------------------------------------------------------------------------
# The cheap watch: NumPy's callback over many calls


@dataclass
class FPEvent:
    """One floating-point error NumPy reported while an :class:`ErrorWatch` was armed.

    ``verdict``: True when the statement left a non-finite value behind, False when its result was
    finite (code that guards itself), None when it could not be verified (another tracer was active,
    the statement raised, or the site was being sampled; see :attr:`ErrorWatch.verify`).
    """

    kind: str
    file: str | None
    line: int | None
    function: str | None
    step: int | None
    verdict: bool | None = None


@dataclass
class _Pending:
    stmt: _Stmt
    event: FPEvent
    kinds: list[str]
    site: tuple[types.CodeType, int]


def _no_new_frames(frame: types.FrameType, event: str, arg: Any) -> None:
    """Global trace function while a verification is pending: trace no other frame."""
    return


class ErrorWatch:
    """Arm NumPy's error callback over many calls and keep the first statement that made a NaN/Inf.

    Use as a context manager, or ``start()``/``stop()`` around a training run (the watch decorator
    arms it on the first call). While armed, ``divide``/``over``/``invalid`` are routed to this
    object; ``under`` is left as the program set it (underflow never makes a non-finite value).

    On each event the first user frame is found by walking out of NumPy and library frames (events
    raised inside gradcheck's own code are ignored). With ``verify`` (the default), a one-shot trace
    function is attached to that frame alone, to read the statement's targets when it completes:
    a statement whose result is finite (``np.where(a > 0, np.log(a), 0)``) is not an origin. A site
    found finite is re-verified on its 1st, 2nd, 4th, 8th, ... event only, so code that guards
    itself on every step costs almost nothing. Verification needs the tracing hook to itself: when
    another tracer (a debugger, coverage) is active, events are kept unverified.

    With ``chain`` (the default), each event is then handled the way the program's own settings
    asked (``warn`` issues the RuntimeWarning, ``raise`` raises FloatingPointError, ``call`` calls
    its callback), so watching changes nothing the program can see. ``stop`` restores the program's
    own ``seterr`` and ``seterrcall`` exactly.

    ``first`` is the first origin as a :class:`NonFinite` (with ``details['step']``); ``events`` the
    raw events (at most :data:`MAX_EVENTS`, ``n_events`` counts all). Set ``step`` before each call
    so events carry it. ``raise_on_first`` raises :class:`NonFiniteError` from the statement after
    the origin, inside the user's code, so the traceback ends where the NaN was made.
    """

    def __init__(
        self,
        *,
        phase: str = "watch",
        user_code: Callable[[str], bool] | None = None,
        verify: bool = True,
        chain: bool = True,
        raise_on_first: bool = False,
    ) -> None:
        self.phase = phase
        self.user_code = user_code or is_user_file
        self.verify = verify
        self.chain = chain
        self.raise_on_first = raise_on_first
        self.step: int | None = None
        self.first: NonFinite | None = None
        self.events: list[FPEvent] = []
        self.n_events = 0
        self._armed = False
        self._busy = False
        self._saved_err: dict[str, str] | None = None
        self._saved_call: Any = None
        self._pending: dict[types.FrameType, _Pending] = {}
        self._installed_trace = False
        self._site_finite: dict[tuple[types.CodeType, int], int] = {}
        self._site_seen: dict[tuple[types.CodeType, int], int] = {}

    # -- arming
    def start(self) -> ErrorWatch:
        if self._armed:
            return self
        self._saved_err = {k: str(v) for k, v in np.geterr().items()}
        self._saved_call = np.geterrcall()
        np.seterrcall(self._callback)
        np.seterr(divide="call", over="call", invalid="call")
        self._armed = True
        return self

    def stop(self) -> None:
        if not self._armed:
            return
        self._armed = False
        for frame in list(self._pending):
            with contextlib.suppress(Exception):
                frame.f_trace = None
        self._pending.clear()
        if self._installed_trace:
            if sys.gettrace() is _no_new_frames:
                sys.settrace(None)
            self._installed_trace = False
        np.seterrcall(self._saved_call)
        if self._saved_err is not None:
            np.seterr(**self._saved_err)  # type: ignore[arg-type]

    def __enter__(self) -> ErrorWatch:  # noqa: PYI034 (typing.Self needs Python 3.11)
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def armed(self) -> bool:
        return self._armed

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Ignore events raised inside this block (the watch's own arithmetic on the user's arrays)."""
        busy, self._busy = self._busy, True
        try:
            yield
        finally:
            self._busy = busy

    @property
    def first_event(self) -> FPEvent | None:
        return self.events[0] if self.events else None

    # -- the callback
    def _callback(self, kind_str: str, flag: int) -> None:
        if self._busy:
            return
        kind = KINDS.get(kind_str, kind_str)
        self._record(kind, self._user_frame(sys._getframe(1)))
        if self.chain:
            self._chain(kind_str, kind, flag)

    def _user_frame(self, f: types.FrameType | None) -> types.FrameType | None:
        while f is not None:
            fname = f.f_code.co_filename
            kind = _file_kind(fname)
            if kind == "own":
                return None
            if kind == "user" and self.user_code(fname):
                return f
            f = f.f_back
        return None

    def _record(self, kind: str, frame: types.FrameType | None) -> None:
        self.n_events += 1
        if frame is None:
            return
        code = frame.f_code
        pending = self._pending.get(frame)
        if pending is not None:
            pending.kinds.append(kind)
            return
        self._busy = True
        try:
            stmt = _source_index(code.co_filename).statement(frame.f_lineno)
            lineno = stmt.lineno if stmt is not None else frame.f_lineno
            event = FPEvent(kind, code.co_filename, lineno, _qualname(code, frame), self.step)
            if len(self.events) < MAX_EVENTS:
                self.events.append(event)
            if self.first is not None or stmt is None:
                return
            site = (code, lineno)
            seen = self._site_seen[site] = self._site_seen.get(site, 0) + 1
            if self._site_finite.get(site) and seen & (seen - 1):
                # This site kept its result finite before (code that guards itself): re-verify on its
                # 1st, 2nd, 4th, 8th, ... event only, so a guard that fires every step stays cheap.
                return
            if not self.verify:
                self._set_first(frame, stmt, [kind], event, verdict=None)
                return
            if sys.gettrace() not in (None, _no_new_frames):
                self._set_first(frame, stmt, [kind], event, verdict=None)
                return
            if not self._installed_trace:
                sys.settrace(_no_new_frames)
                self._installed_trace = True
            self._pending[frame] = _Pending(stmt, event, [kind], site)
            frame.f_trace_lines = True
            frame.f_trace = self._verifier
        finally:
            self._busy = False

    def _verifier(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        pending = self._pending.get(frame)
        if pending is None:
            return None
        if event == "line":
            stmt = _source_index(frame.f_code.co_filename).statement(frame.f_lineno)
            if stmt is pending.stmt:
                return self._verifier
        self._pending.pop(frame, None)
        frame.f_trace = None
        if not self._pending and self._installed_trace:
            if sys.gettrace() is _no_new_frames:
                sys.settrace(None)
            self._installed_trace = False
        if event == "exception":
            pending.event.verdict = None
            return None
        self._busy = True
        try:
            values = _statement_values(pending.stmt, frame, arg if event == "return" else _MISSING)
            bad = [(t, v) for t, v in values if _is_numeric(v) and _has_nonfinite(v)]
            if not bad:
                pending.event.verdict = False
                self._site_finite[pending.site] = self._site_finite.get(pending.site, 0) + 1
                return None
            pending.event.verdict = True
            if self.first is None:
                variable, value = bad[0]
                self.first = _describe(
                    frame,
                    pending.stmt,
                    kind=pending.kinds[0],
                    phase=self.phase,
                    variable=variable,
                    value=value,
                    events=pending.kinds,
                    detected_by="seterrcall",
                    extra={"step": pending.event.step},
                )
        finally:
            self._busy = False
        if self.raise_on_first and self.first is not None and pending.event.verdict:
            raise nonfinite_error(self.first, step=pending.event.step)
        return None

    def _set_first(
        self,
        frame: types.FrameType,
        stmt: _Stmt,
        kinds: list[str],
        event: FPEvent,
        verdict: bool | None,
    ) -> None:
        event.verdict = verdict
        if self.first is None:
            self.first = _describe(
                frame,
                stmt,
                kind=kinds[0],
                phase=self.phase,
                variable=stmt.variable,
                value=_FAIL,
                events=kinds,
                detected_by="seterrcall",
                extra={"step": event.step, "verified": False},
            )

    def _chain(self, kind_str: str, kind: str, flag: int) -> None:
        """Do what the program's own ``np.seterr`` asked for this kind of error."""
        saved = self._saved_err or {}
        mode = saved.get(_SETTING_OF_KIND.get(kind, kind), "ignore")
        message = f"{kind_str} encountered"
        if mode == "warn":
            warnings.warn(message, RuntimeWarning, stacklevel=3)
        elif mode == "raise":
            raise FloatingPointError(message)
        elif mode == "call" and callable(self._saved_call):
            self._saved_call(kind_str, flag)
        elif mode == "print":
            sys.stdout.write(f"Warning: {message}\n")
        elif mode == "log" and self._saved_call is not None and hasattr(self._saved_call, "write"):
            self._saved_call.write(f"Warning: {message}\n")

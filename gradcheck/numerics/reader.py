"""The safe expression reader: an expression's AST compiled into a getter over (locals, globals).

A getter reads operand values through names, attributes and subscripts only (plus arithmetic on
plain values and a few whitelisted calls), never running user code. One small compiler per node
kind, looked up in a table; a node kind without a compiler cannot be read.
"""

from __future__ import annotations

# Reading the user's values must never raise into the user's code: the getters catch every
# Exception on purpose and report "unreadable" instead.
# ruff: noqa: BLE001
import ast
import operator
import types
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from gradcheck.numerics.access import (
    _ARRAY_METHODS,
    _BUILTINS,
    _FAIL,
    _call_plain,
    _call_target,
    _get_attr,
    _get_item,
    _is_plain,
)

Getter = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]

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


def compile_getter(node: ast.AST, calls: bool = False) -> Getter | None:
    """A function reading ``node``'s value from (locals, globals), or None if it could run user code.

    Allowed: names, constants, attributes (static lookup), subscripts of dicts/lists/tuples/arrays,
    arithmetic on plain numbers and arrays, f-strings and ``str(int)`` for keys like ``'W' + str(l)``.
    With ``calls``, also a whitelist of NumPy functions and array methods applied to plain values
    (used only to explain an origin, once).
    """
    compiler = _COMPILERS.get(type(node))
    return None if compiler is None else compiler(node, calls)


def _compile_name(node: ast.Name, calls: bool) -> Getter | None:
    name = node.id

    def get_name(loc: Mapping[str, Any], glob: Mapping[str, Any]) -> Any:
        v = loc.get(name, _FAIL)
        if v is _FAIL:
            v = glob.get(name, _FAIL)
            if v is _FAIL:  # str, len, ... for keys like 'W' + str(l)
                v = _BUILTINS.get(name, _FAIL)
        return v

    return get_name


def _compile_constant(node: ast.Constant, calls: bool) -> Getter | None:
    const = node.value
    return lambda loc, glob: const


def _compile_attribute(node: ast.Attribute, calls: bool) -> Getter | None:
    inner = compile_getter(node.value, calls)
    if inner is None:
        return None
    attr = node.attr

    def get_attr(loc: Mapping[str, Any], glob: Mapping[str, Any]) -> Any:
        obj = inner(loc, glob)
        return _FAIL if obj is _FAIL else _get_attr(obj, attr)

    return get_attr


def _compile_subscript(node: ast.Subscript, calls: bool) -> Getter | None:
    base = compile_getter(node.value, calls)
    index = compile_getter(node.slice, calls)
    if base is None or index is None:
        return None

    def get_item(loc: Mapping[str, Any], glob: Mapping[str, Any]) -> Any:
        c = base(loc, glob)
        if c is _FAIL:
            return _FAIL
        k = index(loc, glob)
        return _FAIL if k is _FAIL else _get_item(c, k)

    return get_item


def _compile_slice(node: ast.Slice, calls: bool) -> Getter | None:
    parts = [
        None if p is None else compile_getter(p, calls) for p in (node.lower, node.upper, node.step)
    ]
    given = [p for p, src in zip(parts, (node.lower, node.upper, node.step)) if src is not None]
    if any(p is None for p in given):
        return None

    def get_slice(loc: Mapping[str, Any], glob: Mapping[str, Any]) -> Any:
        vals = [None if p is None else p(loc, glob) for p in parts]
        return _FAIL if any(v is _FAIL for v in vals) else slice(*vals)

    return get_slice


def _compile_sequence(node: ast.Tuple | ast.List, calls: bool) -> Getter | None:
    if not isinstance(node.ctx, ast.Load):
        return None
    elts = [compile_getter(e, calls) for e in node.elts]
    if any(e is None for e in elts):
        return None
    as_list = isinstance(node, ast.List)

    def get_tuple(loc: Mapping[str, Any], glob: Mapping[str, Any]) -> Any:
        vals = [e(loc, glob) for e in elts]  # type: ignore[misc]
        if any(v is _FAIL for v in vals):
            return _FAIL
        return vals if as_list else tuple(vals)

    return get_tuple


def _compile_unary(node: ast.UnaryOp, calls: bool) -> Getter | None:
    if not isinstance(node.op, (ast.USub, ast.UAdd)):
        return None
    operand = compile_getter(node.operand, calls)
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


def _compile_binop(node: ast.BinOp, calls: bool) -> Getter | None:
    if type(node.op) not in _BINOPS:
        return None
    left, right = compile_getter(node.left, calls), compile_getter(node.right, calls)
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


def _compile_fstring(node: ast.JoinedStr, calls: bool) -> Getter | None:
    pieces: list[Getter | str] = []
    for v in node.values:
        if isinstance(v, ast.Constant) and isinstance(v.value, str):
            pieces.append(v.value)
        elif isinstance(v, ast.FormattedValue) and v.conversion == -1 and v.format_spec is None:
            g = compile_getter(v.value, calls)
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


def _compile_call(node: ast.Call, calls: bool) -> Getter | None:
    """``str(l)``/``len(x)`` always; whitelisted NumPy functions and array methods with ``calls``."""
    if any(isinstance(a, ast.Starred) for a in node.args) or any(
        k.arg is None for k in node.keywords
    ):
        return None
    func = node.func
    args = [compile_getter(a, calls) for a in node.args]
    kwargs = [(str(k.arg), compile_getter(k.value, calls)) for k in node.keywords]
    if any(a is None for a in args) or any(g is None for _, g in kwargs):
        return None
    method = func.attr if isinstance(func, ast.Attribute) else None
    receiver = compile_getter(func.value, calls) if isinstance(func, ast.Attribute) else None
    callee = compile_getter(func, calls) if method is None or receiver is None else None
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
                return _call_plain(getattr(obj, method), vals, kw)
            else:
                return _FAIL
        else:
            target = callee(loc, glob)  # type: ignore[misc]
        return _call_target(target, vals, kw, calls)

    return get_call


#: The node kinds an expression may be made of, each with its compiler; others are unreadable.
_COMPILERS: dict[type[ast.AST], Callable[[Any, bool], Getter | None]] = {
    ast.Name: _compile_name,
    ast.Constant: _compile_constant,
    ast.Attribute: _compile_attribute,
    ast.Subscript: _compile_subscript,
    ast.Slice: _compile_slice,
    ast.Tuple: _compile_sequence,
    ast.List: _compile_sequence,
    ast.UnaryOp: _compile_unary,
    ast.BinOp: _compile_binop,
    ast.JoinedStr: _compile_fstring,
    ast.Call: _compile_call,
}


def _text(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - unparse handles every expression node
        return "?"

"""Operand roles: the sub-expressions of a statement that decide a kind, and what they look like.

A role is where a value enters an operation that can fail: the argument of exp/log/sqrt, a
denominator (with its numerator), the base of a power (with its exponent). The recognisers say
whether such a value looks like a saturated sigmoid output, or the statement like a softmax.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from gradcheck.numerics.reader import Getter, _text, compile_getter
from gradcheck.numerics.source import Stmt, _reload
from gradcheck.numerics.summary import _as_base_array

#: A role as found in the AST: (role, expression, partner expression or None).
_Found = tuple[str, ast.expr, ast.expr | None]
#: A role ready to read: (role, text, getter, partner text, partner getter, node).
_Role = tuple[str, str, Getter, str | None, Getter | None, ast.expr]

#: How each role is named on an operand summary.
_ROLE_NAMES = {
    "exp": "exp argument",
    "log": "log argument",
    "log1p": "log1p argument",
    "sqrt": "sqrt argument",
    "domain": "argument",
    "division": "denominator",
    "power": "base",
}


def _callee_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _argument(role: str) -> Callable[[list[ast.expr]], _Found | None]:
    """The first argument of the call plays ``role`` (exp, log, sqrt, ...)."""
    return lambda args: (role, args[0], None)


def _denominator(args: list[ast.expr]) -> _Found | None:
    """np.divide(x, d): d is the denominator, x its partner."""
    return ("division", args[1], args[0]) if len(args) >= 2 else None


def _reciprocal(args: list[ast.expr]) -> _Found | None:
    return ("division", args[0], ast.Constant(1.0))


def _power_base(args: list[ast.expr]) -> _Found | None:
    """np.power(a, e): a is the base, e its partner."""
    return ("power", args[0], args[1]) if len(args) >= 2 else None


#: NumPy (or math) function name -> the role its arguments play.
_CALL_ROLES: dict[str, Callable[[list[ast.expr]], _Found | None]] = {
    **dict.fromkeys(("exp", "expm1", "exp2"), _argument("exp")),
    **dict.fromkeys(("log", "log2", "log10"), _argument("log")),
    "log1p": _argument("log1p"),
    "sqrt": _argument("sqrt"),
    **dict.fromkeys(("divide", "true_divide", "floor_divide"), _denominator),
    "reciprocal": _reciprocal,
    **dict.fromkeys(("power", "float_power"), _power_base),
    **dict.fromkeys(("arcsin", "arccos", "arctanh", "arccosh"), _argument("domain")),
}


def _role_of(n: ast.AST) -> _Found | None:
    """The role one AST node gives an operand: a call by name, an operator, an augmented assign."""
    if isinstance(n, ast.Call) and n.args:
        rule = _CALL_ROLES.get(_callee_name(n.func) or "")
        return rule(n.args) if rule is not None else None
    if isinstance(n, ast.BinOp):
        if isinstance(n.op, (ast.Div, ast.FloorDiv, ast.Mod)):
            return ("division", n.right, n.left)
        if isinstance(n.op, ast.Pow):
            return ("power", n.left, n.right)
    elif isinstance(n, ast.AugAssign) and isinstance(n.op, (ast.Div, ast.FloorDiv)):
        return ("division", n.value, _reload(n.target))
    elif isinstance(n, ast.AugAssign) and isinstance(n.op, ast.Pow):
        return ("power", _reload(n.target), n.value)
    return None


def _roles(stmt: Stmt) -> list[_Role]:
    """Sub-expressions that decide a kind: (role, text, getter, partner text, partner getter, node).

    Roles: ``exp`` (argument of exp), ``log``/``log1p``/``sqrt``/``domain`` (arguments), ``division``
    (denominator, with the numerator as partner), ``power`` (base, with the exponent as partner).
    """
    if stmt._roles is not None:
        return stmt._roles
    found: list[_Found] = []
    node = stmt.node
    if node is not None:
        for n in ast.walk(node):
            role = _role_of(n)
            if role is not None:
                found.append(role)
    roles = []
    for role_name, expr, partner in found:
        g = compile_getter(expr, calls=True)
        if g is None:
            continue
        pg = compile_getter(partner, calls=True) if partner is not None else None
        roles.append(
            (role_name, _text(expr), g, _text(partner) if partner is not None else None, pg, expr)
        )
    stmt._roles = roles
    return roles


# --------------------------------------------------------------------------------------------------
# Recognisers: a saturated sigmoid output, a softmax


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
        g = compile_getter(n)
        if g is None:
            continue
        v = g(loc, glob)
        sat = _saturated_sigmoid(v)
        if sat is not None:
            return _text(n), sat[0], sat[1]
    return None


def _softmax_output(a: Any) -> int | None:
    """The axis along which ``a`` sums to 1 (a softmax over at least two classes), or None."""
    if not isinstance(a, np.ndarray) or a.dtype.kind != "f" or a.ndim < 1 or a.size < 2:
        return None
    with np.errstate(all="ignore"):
        b = _as_base_array(a)
        if not np.isfinite(b).all() or b.min() < 0 or b.max() > 1:
            return None
        for axis in range(b.ndim - 1, -1, -1):
            if b.shape[axis] >= 2 and np.allclose(b.sum(axis=axis), 1.0, rtol=1e-6, atol=1e-6):
                return axis
    return None


def _softmax_operand(
    expr: ast.expr, loc: Mapping[str, Any], glob: Mapping[str, Any]
) -> tuple[str, int] | None:
    """For a log argument like ``probs[range(m), y]``: the softmax ``probs`` in it, and its zeros."""
    for n in ast.walk(expr):
        if not isinstance(n, (ast.Name, ast.Attribute, ast.Subscript)):
            continue
        g = compile_getter(n)
        v = g(loc, glob) if g is not None else None
        if isinstance(v, np.ndarray) and _softmax_output(v) is not None:
            return _text(n), int(np.count_nonzero(_as_base_array(v) == 0))
    return None


def _exp_over_sum(stmt: Stmt) -> bool:
    """Does the statement divide something by a sum of exponentials (a softmax)?"""
    if stmt.node is None:
        return False
    src = stmt.text or ""
    return "exp" in src and ("sum" in src) and ("/" in src or "divide" in src)

"""The user's own statement as it would be fixed, where the pattern implies the fix.

Only where the fix is certain from the numbers and the statement: a gradient exactly k times too
large, with k a whole number > 1 held by a variable in scope (the batch size ``m``), is missing a
division by that variable: ``dW2 = dZ2 @ A1.T`` becomes ``dW2 = dZ2 @ A1.T / m``. An L2 reading
the statement makes certain is :mod:`gradcheck.diagnose.fixed_l2`'s (``reg * W`` -> ``2 * reg * W``).
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Mapping
from typing import Any

from gradcheck.diagnose.fixed_l2 import fixed_l2

__all__ = ["fixed_line", "without_comment"]

#: How close the measured factor must be to the whole number (relative).
WHOLE = 1e-6


def without_comment(text: str) -> str:
    """The statement's code, without a trailing ``# comment``."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return text
    for tok in tokens:
        if tok.type == tokenize.COMMENT:
            return text[: tok.start[1]].rstrip()
    return text


def fixed_line(
    text: str,
    pattern: str | None,
    factor: float | None,
    counts: Mapping[int, str],
    details: Mapping[str, Any] | None = None,
) -> str | None:
    """``text`` with the missing ``/ name`` added, or None when the fix is not certain.
    ``details``: the diagnosis's numbers (an L2 reading's ``l2``)."""
    if pattern == "regularization":
        readings = (details or {}).get("l2")
        return fixed_l2(without_comment(text), readings, counts) if readings else None
    if pattern != "scale" or factor is None or factor < 2:
        return None
    k = round(factor)
    name = counts.get(k)
    if name is None or abs(factor - k) > WHOLE * k:
        return None
    code = without_comment(text)
    try:
        node = ast.parse(code).body[0]
    except (SyntaxError, IndexError):
        return None
    if not isinstance(node, ast.Assign) or len(node.targets) != 1:
        return None
    if not isinstance(node.targets[0], (ast.Name, ast.Subscript, ast.Attribute)):
        return None  # a, b = f(x): which of the two is the gradient?
    value = node.value
    rhs = ast.get_source_segment(code, value)
    lhs = code[: value.col_offset].rstrip()
    if rhs is None or not lhs.endswith("="):
        return None
    kept = _without_factor(code, value, name)
    if kept is not None:  # dW = dZ @ A.T * m: the stray factor goes
        return f"{lhs} {kept}"
    if isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Sub)):
        rhs = f"({rhs})"
    return f"{lhs} {rhs} / {name}"


def _without_factor(code: str, value: ast.expr, name: str) -> str | None:
    """The right-hand side without a top-level ``* name`` or ``name *`` factor, if it has one."""
    if not (isinstance(value, ast.BinOp) and isinstance(value.op, ast.Mult)):
        return None
    for factor, rest in ((value.right, value.left), (value.left, value.right)):
        if isinstance(factor, ast.Name) and factor.id == name:
            return ast.get_source_segment(code, rest)
    return None

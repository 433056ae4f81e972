"""The catalogue rows for the common training stories: each a test, a sentence and a stable fix.

0 * log 0 in an entropy, a fully masked attention row (-inf - -inf), a softplus or a float32 exp that
overflows, an Adam second moment that went negative (it averages g, not g ** 2), a variance that
cancelled below zero, a division by a count that is 0. :data:`STORY_CASES` names where each row goes in :data:`~.causes.CATALOGUE` (before which
of its rows), so a story wins over the generic row that would otherwise speak.
"""

from __future__ import annotations

import ast
import re

import numpy as np

from gradcheck.numerics.access import _is_plain
from gradcheck.numerics.case import STATEMENT, Case, Evidence, Operand, _arr
from gradcheck.numerics.fixes import (
    FIX_ADAM,
    FIX_COUNT,
    FIX_EXP_FLOAT32,
    FIX_MASKED_ROW,
    FIX_SOFTPLUS,
    FIX_SQRT,
    FIX_XLOGY,
)
from gradcheck.numerics.reader import _text, compile_getter

__all__ = [
    "ADAM",
    "EXP_FLOAT32",
    "MASKED_ROW",
    "SOFTPLUS",
    "VARIANCE",
    "XLOGY",
    "ZERO_COUNT_DIVIDE",
    "ZERO_COUNT_INVALID",
]

_EXP, _LOG, _DEN, _SQRT, _WHOLE = ("exp",), ("log",), ("division",), ("sqrt",), (STATEMENT,)


def _n_entries(n: int) -> str:
    return "1 entry" if n == 1 else f"{n} entries"


def _same(a: ast.AST, b: ast.AST | None) -> bool:
    return b is not None and ast.dump(a) == ast.dump(b)


def _calls(node: ast.AST | None, *names: str) -> list[ast.Call]:
    if node is None:
        return []
    out = []
    for n in ast.walk(node):
        if isinstance(n, ast.Call) and n.args:
            f = n.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
            if name in names:
                out.append(n)
    return out


# --------------------------------------------------------------------------------------------------
# 0 * log 0


def _times_own_log(op: Operand, ev: Evidence) -> bool:
    """``p * np.log(p)``: the log's argument multiplies its own log."""
    node = ev.stmt.node
    if op.node is None or node is None:
        return False
    for n in ast.walk(node):
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult):
            for a, b in ((n.left, n.right), (n.right, n.left)):
                logs = _calls(b, "log", "log2", "log10")
                if _same(a, op.node) and any(_same(c.args[0], op.node) for c in logs):
                    return True
    return False


def _xlogy(op: Operand, ev: Evidence) -> bool:
    return _is_plain(op.value) and bool(np.any(_arr(op.value) == 0)) and _times_own_log(op, ev)


def _xlogy_cause(op: Operand, ev: Evidence) -> str:
    n = int(np.count_nonzero(_arr(op.value) == 0))
    return (
        f"0 * log 0: {op.text} is exactly 0 in {_n_entries(n)}, and {op.text} * "
        f"np.log({op.text}) is 0 * -inf = NaN there (p log p tends to 0 as p goes to 0)."
    )


XLOGY = Case("divide", "log", _LOG, _xlogy, _xlogy_cause, FIX_XLOGY)


# --------------------------------------------------------------------------------------------------
# a fully masked attention row


def _masked_rows(ev: Evidence) -> tuple[str, np.ndarray] | None:
    """An array of the statement with a row (last axis) that is -inf throughout."""
    node = ev.stmt.node
    if node is None:
        return None
    for n in ast.walk(node):
        if not isinstance(n, (ast.Name, ast.Attribute)):
            continue
        g = compile_getter(n)
        v = g(ev.loc, ev.glob) if g is not None else None
        if isinstance(v, np.ndarray) and v.dtype.kind == "f" and v.ndim >= 2 and v.shape[-1] > 1:
            rows = np.all(np.isneginf(v), axis=-1)
            if rows.any():
                return _text(n), np.argwhere(rows)
    return None


def _masked_row(op: Operand, ev: Evidence) -> bool:
    return _masked_rows(ev) is not None


def _masked_row_cause(op: Operand, ev: Evidence) -> str:
    name, rows = _masked_rows(ev) or ("", np.zeros((0, 1), int))
    first = ", ".join(str(tuple(int(i) for i in r)) for r in rows[:3])
    return (
        f"{len(rows)} row(s) of {name} are -inf throughout (row {first}): every key of that query "
        f"is masked, so its row maximum is -inf too and -inf - (-inf) is NaN."
    )


MASKED_ROW = Case("invalid", STATEMENT, _WHOLE, _masked_row, _masked_row_cause, FIX_MASKED_ROW)


# --------------------------------------------------------------------------------------------------
# exp overflow in a softplus, or in float32


def _exp_overflows(op: Operand, ev: Evidence) -> bool:
    if not _is_plain(op.value):
        return False
    a = _arr(op.value)
    with np.errstate(all="ignore"):
        return bool(a.size and np.nanmax(a) > ev.exp_limit)


def _is_softplus(ev: Evidence) -> bool:
    """``np.log(1 + np.exp(z))`` or ``np.log1p(np.exp(z))``."""
    for c in _calls(ev.stmt.node, "log", "log1p"):
        arg = c.args[0]
        if _calls(arg, "exp") and (
            isinstance(arg, ast.Call)
            or (isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Add))
        ):
            return True
    return False


def _softplus_overflows(op: Operand, ev: Evidence) -> bool:
    return _exp_overflows(op, ev) and _is_softplus(ev)


def _exp_overflows_float32(op: Operand, ev: Evidence) -> bool:
    return _exp_overflows(op, ev) and ev.dtype in (np.dtype(np.float32), np.dtype(np.float16))


def _overflow_cause(op: Operand, ev: Evidence) -> str:
    top = float(np.nanmax(_arr(op.value)))
    what = " in a softplus log(1 + exp(z))" if _is_softplus(ev) else ""
    return (
        f"np.exp overflowed{what}: its argument {op.text} reaches {top:.4g}, and exp overflows "
        f"{ev.dtype} above {ev.exp_limit:.4g} (float64: 709.8)."
    )


SOFTPLUS = Case("overflow", "exp", _EXP, _softplus_overflows, _overflow_cause, FIX_SOFTPLUS)
EXP_FLOAT32 = Case(
    "overflow", "exp", _EXP, _exp_overflows_float32, _overflow_cause, FIX_EXP_FLOAT32
)


# --------------------------------------------------------------------------------------------------
# an Adam second moment that went negative

_SECOND_MOMENT = re.compile(r"^(v|s|r|vt|st|v_?hat|s_?hat|v_?corr\w*|second\w*|sq\w*|cache)(\d*)$")


def _moment_name(text: str) -> bool:
    token = re.findall(r"[A-Za-z_]\w*", text.split("[")[-1]) or [""]
    return bool(_SECOND_MOMENT.match(token[-1].lower()))


def _adam_moment(op: Operand, ev: Evidence) -> bool:
    """A negative sqrt argument named like a second moment, in a step that divides by its sqrt."""
    if not (_is_plain(op.value) and _moment_name(op.text)):
        return False
    with np.errstate(all="ignore"):
        negative = bool(np.any(_arr(op.value) < 0))
    node = ev.stmt.node
    divides = node is not None and any(
        isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) and _calls(n.right, "sqrt")
        for n in ast.walk(node)
    )
    return negative and divides


def _adam_cause(op: Operand, ev: Evidence) -> str:
    a = _arr(op.value)
    n = int(np.count_nonzero(a < 0))
    return (
        f"np.sqrt got {_n_entries(n)} of {op.text} below zero (min "
        f"{float(np.nanmin(a)):.3g}): a second moment (Adam, RMSProp) averages squared gradients "
        f"and can never be negative, so this one averages the gradient itself (g, not g ** 2)."
    )


ADAM = Case("invalid", "argument", _SQRT, _adam_moment, _adam_cause, FIX_ADAM)


# --------------------------------------------------------------------------------------------------
# a variance that cancelled below zero

_VARIANCE = re.compile(r"^(var|variance|sigma2|sigma_sq|sigma_squared|var_\w+|\w+_var)(\d*)$")


def _negative_variance(op: Operand, ev: Evidence) -> bool:
    token = re.findall(r"[A-Za-z_]\w*", op.text.split("[")[-1]) or [""]
    if not (_is_plain(op.value) and _VARIANCE.match(token[-1].lower())):
        return False
    with np.errstate(all="ignore"):
        return bool(np.any(_arr(op.value) < 0))


def _variance_cause(op: Operand, ev: Evidence) -> str:
    a = _arr(op.value)
    n = int(np.count_nonzero(a < 0))
    return (
        f"np.sqrt got {n} negative {'entry' if n == 1 else 'entries'} in {op.text} (min "
        f"{float(np.nanmin(a)):.3g}): a variance cannot be negative, but one computed as E[x^2] - E[x]^2 cancelled below zero "
        f"(round-off: the values are large and nearly equal)."
    )


VARIANCE = Case("invalid", "argument", _SQRT, _negative_variance, _variance_cause, FIX_SQRT)


# --------------------------------------------------------------------------------------------------
# a division by a count that is 0

_COUNT_NAME = re.compile(
    r"(count|counts|cnt|num|n_\w+|total|freq|size|len|hits|members)", re.IGNORECASE
)


def _is_count(op: Operand) -> bool:
    if not _is_plain(op.value):
        return False
    a = _arr(op.value)
    if a.size == 0 or not np.any(a == 0):
        return False
    with np.errstate(all="ignore"):
        whole = bool(np.all((a >= 0) & (a == np.round(a))))
    return whole and (a.dtype.kind in "iu" or bool(_COUNT_NAME.search(op.text)))


def _zero_count(op: Operand, ev: Evidence) -> bool:
    return _is_count(op)


def _zero_count_cause(op: Operand, ev: Evidence) -> str:
    n = int(np.count_nonzero(_arr(op.value) == 0))
    return (
        f"the denominator {op.text} is a count, and {_n_entries(n)} of it "
        f"{'is' if n == 1 else 'are'} 0: a group with no member (a class absent from this batch, "
        f"an empty mask), divided by its size."
    )


ZERO_COUNT_DIVIDE = Case("divide", "denominator", _DEN, _zero_count, _zero_count_cause, FIX_COUNT)
ZERO_COUNT_INVALID = Case("invalid", "denominator", _DEN, _zero_count, _zero_count_cause, FIX_COUNT)

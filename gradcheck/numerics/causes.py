"""The causes -> fixes catalogue, as data: a table of cases, each with its test, sentence and fix.

:func:`_explain` evaluates the statement's operand roles (:mod:`gradcheck.numerics.roles`) once and
walks :data:`CATALOGUE` in order; the first case whose test holds names the cause and the fix. To
teach gradcheck a new cause, add one row (and its test) where it should win over the rows after it.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from itertools import groupby
from typing import Any

import numpy as np

from gradcheck.numerics import stories
from gradcheck.numerics.access import _FAIL, _is_plain
from gradcheck.numerics.case import (
    SIGMOID_ONE_AT,
    STATEMENT,
    Case,
    Evidence,
    Operand,
    _arr,
    _entries,
    _float_dtype,
)
from gradcheck.numerics.fixes import (
    FIX_DIVIDE,
    FIX_DOMAIN,
    FIX_DZ,
    FIX_EXP,
    FIX_INF_ARITHMETIC,
    FIX_LARGE,
    FIX_LOG,
    FIX_LOG_SIGMOID,
    FIX_LOG_SOFTMAX,
    FIX_SIGMOID,
    FIX_SOFTMAX,
    FIX_SQRT,
    FIX_ZERO_OVER_ZERO,
)
from gradcheck.numerics.roles import (
    _ROLE_NAMES,
    _exp_over_sum,
    _roles,
    _sigmoid_operand,
    _softmax_operand,
)
from gradcheck.numerics.source import Stmt
from gradcheck.numerics.summary import _is_numeric, summarize


def _saturated(op: Operand, ev: Evidence) -> tuple[str, int, int] | None:
    """The saturated sigmoid output inside the operand (``A`` of ``1 - A``), if there is one."""
    return None if op.node is None else _sigmoid_operand(op.node, ev.loc, ev.glob)


def _always(op: Operand, ev: Evidence) -> bool:
    return True


# --------------------------------------------------------------------------------------------------
# overflow: an exp whose argument passed the dtype's limit; otherwise the values diverged


def _exp_overflows(op: Operand, ev: Evidence) -> bool:
    if not _is_plain(op.value):
        return False
    a = _arr(op.value)
    return bool(a.dtype.kind in "fiu" and a.size and np.nanmax(a) > ev.exp_limit)


def _exp_overflows_in_softmax(op: Operand, ev: Evidence) -> bool:
    return _exp_overflows(op, ev) and (
        "prob" in ev.lowered
        or "softmax" in ev.lowered
        or "sum(" in ev.src
        or _exp_over_sum(ev.stmt)
    )


def _exp_overflows_in_sigmoid(op: Operand, ev: Evidence) -> bool:
    return _exp_overflows(op, ev) and ("1 +" in ev.src or "1+" in ev.src)


def _exp_overflowed(op: Operand, ev: Evidence) -> str:
    top = float(np.nanmax(_arr(op.value)))
    return (
        f"np.exp overflowed: its argument {op.text} reaches {top:.4g}, and exp overflows "
        f"{ev.dtype} above {ev.exp_limit:.4g}."
    )


def _softmax_overflowed(op: Operand, ev: Evidence) -> str:
    return _exp_overflowed(op, ev) + " This is a softmax without the max trick."


def _exceeded_largest(op: Operand, ev: Evidence) -> str:
    info = np.finfo(ev.dtype)
    return f"{ev.variable or 'the result'} exceeded the largest {ev.dtype} ({info.max:.3g})."


# --------------------------------------------------------------------------------------------------
# divide: a log of 0 (anywhere in the statement) before a zero denominator


def _log_zeros(op: Operand) -> int:
    """Entries where log (log1p) is taken of exactly 0 (-1)."""
    return int(np.count_nonzero(_arr(op.value) == (-1 if op.role == "log1p" else 0)))


def _log_of_zero(op: Operand, ev: Evidence) -> bool:
    return _is_plain(op.value) and _log_zeros(op) > 0


def _log_of_zero_of_sigmoid(op: Operand, ev: Evidence) -> bool:
    return _log_of_zero(op, ev) and _saturated(op, ev) is not None


def _log_got_zero(op: Operand, ev: Evidence) -> str:
    zero = "-1" if op.role == "log1p" else "0"
    return (
        f"np.{op.role} got {zero} in {_log_zeros(op)} of {_arr(op.value).size} entries of {op.text}"
    )


def _log_of_sigmoid(op: Operand, ev: Evidence) -> str:
    name, zeros, ones = _saturated(op, ev) or ("", 0, 0)
    which = f"{_entries(ones)} exactly 1.0" if ones else f"{_entries(zeros)} exactly 0.0"
    return (
        _log_got_zero(op, ev)
        + f": {name} is a saturated sigmoid output ({which}; 1 / (1 + exp(-z)) "
        f"rounds to 1.0 once z > {SIGMOID_ONE_AT})."
    )


def _softmax_in_reach(op: Operand, ev: Evidence) -> tuple[str, int] | None:
    """The softmax with exact zeros the log argument is (``probs[range(m), y]``), or, when it was
    picked out of one in an earlier statement (``correct = probs[...]``), a local softmax of the
    frame that holds exact zeros."""
    found = _softmax_operand(op.node, ev.loc, ev.glob) if op.node is not None else None
    if found is not None:
        return found
    for name, value in ev.loc.items():
        if isinstance(value, np.ndarray) and value is not op.value and value.size <= 10**7:
            sm = _softmax_operand(ast.Name(id=name, ctx=ast.Load()), {name: value}, {})
            if sm is not None and sm[1] > 0:
                return sm
    return None


def _log_of_zero_of_softmax(op: Operand, ev: Evidence) -> bool:
    return _log_of_zero(op, ev) and _softmax_in_reach(op, ev) is not None


def _log_of_softmax(op: Operand, ev: Evidence) -> str:
    name, zeros = _softmax_in_reach(op, ev) or ("", 0)
    return (
        _log_got_zero(op, ev) + f": {name} is a softmax whose probabilities underflowed to exactly "
        f"0.0 ({_entries(zeros)}): exp of a logit more than about 745 below the row's largest rounds "
        f"to 0, so the log of its probability is -inf."
    )


def _log_of_zero_cause(op: Operand, ev: Evidence) -> str:
    return _log_got_zero(op, ev) + "."


def _zero_denominator(op: Operand, ev: Evidence) -> bool:
    return _is_plain(op.value) and int(np.count_nonzero(_arr(op.value) == 0)) > 0


def _zero_den_cause(op: Operand, ev: Evidence) -> str:
    return _denominator_is_zero(op, ev) + "."


def _zero_den_of_sigmoid(op: Operand, ev: Evidence) -> bool:
    return _zero_denominator(op, ev) and _saturated(op, ev) is not None


def _denominator_is_zero(op: Operand, ev: Evidence) -> str:
    a = _arr(op.value)
    return f"the denominator {op.text} is 0 in {int(np.count_nonzero(a == 0))} of {a.size} entries"


def _den_of_sigmoid(op: Operand, ev: Evidence) -> str:
    name, zeros, ones = _saturated(op, ev) or ("", 0, 0)
    which = (
        f"{_entries(ones, name)} exactly 1.0" if ones else f"{_entries(zeros, name)} exactly 0.0"
    )
    return (
        _denominator_is_zero(op, ev)
        + f": {which}, a saturated sigmoid output (1 / (1 + exp(-z)) rounds to "
        f"1.0 once z > {SIGMOID_ONE_AT})."
    )


def _zero_to_negative(op: Operand, ev: Evidence) -> bool:
    if not (_is_plain(op.value) and _is_plain(op.partner)):
        return False
    a, e = _arr(op.value), _arr(op.partner)
    return bool(np.any(a == 0) and np.any(e < 0))


def _zero_to_negative_cause(op: Operand, ev: Evidence) -> str:
    return f"0 raised to a negative power in {op.text} ** {op.partner_text}."


def _no_cause(op: Operand, ev: Evidence) -> None:
    return None


# --------------------------------------------------------------------------------------------------
# invalid: an argument outside the domain, then 0/0 or inf/inf, then an overflowed exp


def _negative_argument(op: Operand, ev: Evidence) -> bool:
    if not _is_plain(op.value):
        return False
    a = _arr(op.value)
    return bool(a.dtype.kind in "fiu" and a.size and np.nanmin(a) < 0)


def _got_negative(op: Operand, ev: Evidence) -> str:
    a = _arr(op.value)
    n_neg = int(np.count_nonzero(a < 0))
    low = float(np.nanmin(a))
    entries = "entry" if n_neg == 1 else "entries"
    return f"np.{op.role} got {n_neg} negative {entries} in {op.text} (min {low:.3g})"


def _sqrt_of_negative(op: Operand, ev: Evidence) -> str:
    cause = _got_negative(op, ev)
    a = _arr(op.value)
    low = float(np.nanmin(a))
    scale = float(np.nanmax(np.abs(a))) if a.size else 0.0
    if abs(low) <= 1e-6 * max(scale, 1e-300) or abs(low) < 1e-10:
        cause += ": round-off, a variance computed as E[x^2] - E[x]^2 cancelled below zero"
    return cause + "."


def _log_of_negative(op: Operand, ev: Evidence) -> str:
    return _got_negative(op, ev) + ": log of a negative number."


def _outside_unit_interval(op: Operand, ev: Evidence) -> bool:
    if not _is_plain(op.value):
        return False
    a = _arr(op.value)
    return bool(a.size and (np.nanmax(np.abs(a)) > 1))


def _leaves_domain(op: Operand, ev: Evidence) -> str:
    top = float(np.nanmax(np.abs(_arr(op.value))))
    return f"{op.text} leaves the domain [-1, 1] (max |x| {top:.4g})."


def _both_zero(op: Operand) -> int:
    """Entries where the numerator and the denominator are both 0."""
    a, p = _arr(op.value), _arr(op.partner)
    try:
        both = (a == 0) & (p == 0)
    except Exception:  # noqa: BLE001 - shapes that do not broadcast: no entry to count
        both = np.zeros(1, bool)
    return int(np.count_nonzero(both))


def _both_infinite(op: Operand) -> np.ndarray:
    a, p = _arr(op.value), _arr(op.partner)
    try:
        return np.isinf(a) & np.isinf(p)  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - shapes that do not broadcast: no entry to count
        return np.zeros(1, bool)


def _zero_over_zero(op: Operand, ev: Evidence) -> bool:
    return _is_plain(op.value) and _is_plain(op.partner) and _both_zero(op) > 0


def _zero_over_zero_of_sigmoid(op: Operand, ev: Evidence) -> bool:
    """0/0 in ``(1 - Y) / (1 - A)``: a sigmoid output A inside the denominator is exactly 1.0."""
    if not _zero_over_zero(op, ev):
        return False
    sat = _saturated(op, ev)
    return sat is not None and sat[2] > 0 and sat[0] != op.text


def _zeros_normalised(op: Operand, ev: Evidence) -> str:
    return (
        f"0/0 in {_both_zero(op)} entries: {op.partner_text} and {op.text} are both 0 there (a "
        f"constant feature, or an all-zero row, normalised by its spread or its sum)."
    )


def _inf_over_inf(op: Operand, ev: Evidence) -> bool:
    return _is_plain(op.value) and _is_plain(op.partner) and bool(np.any(_both_infinite(op)))


def _inf_over_inf_in_softmax(op: Operand, ev: Evidence) -> bool:
    return _inf_over_inf(op, ev) and _exp_over_sum(ev.stmt)


def _infs_divided(op: Operand, ev: Evidence) -> str:
    n = int(np.count_nonzero(_both_infinite(op)))
    return (
        f"inf/inf: {op.partner_text} and {op.text} are both infinite in {n} "
        f"entries (an exp that overflowed)."
    )


def _exp_overflowed_to_nan(op: Operand, ev: Evidence) -> str:
    top = float(np.nanmax(_arr(op.value)))
    return (
        f"np.exp overflowed to inf (its argument {op.text} reaches {top:.4g}) and "
        f"the infinity met another one (inf/inf or inf - inf)."
    )


def _inf_arithmetic(op: Operand, ev: Evidence) -> str:
    return "inf - inf, 0 * inf, or 0/0 produced NaN."


# --------------------------------------------------------------------------------------------------
# The catalogue

# The roles a row looks at (STATEMENT: the statement as a whole, for the rows of that sweep).
_EXP, _LOG, _DEN, _POW = ("exp",), ("log", "log1p"), ("division",), ("power",)
_SQRT, _LN, _DOMAIN, _WHOLE = ("sqrt",), ("log",), ("domain",), (STATEMENT,)

#: Every known cause, in the order they are tried: the first row whose test holds wins.
#: Columns: kind, sweep, roles looked at, test, cause sentence, fix.
CATALOGUE: tuple[Case, ...] = (
    # overflow: an exp whose argument passed the dtype's limit, by what the statement computes
    stories.SOFTPLUS,
    Case("overflow", "exp", _EXP, _exp_overflows_in_softmax, _softmax_overflowed, FIX_SOFTMAX),
    Case("overflow", "exp", _EXP, _exp_overflows_in_sigmoid, _exp_overflowed, FIX_SIGMOID),
    stories.EXP_FLOAT32,
    Case("overflow", "exp", _EXP, _exp_overflows, _exp_overflowed, FIX_EXP),
    Case("overflow", STATEMENT, _WHOLE, _always, _exceeded_largest, FIX_LARGE),
    # divide: a log of 0 anywhere in the statement, then a zero denominator or 0 ** negative
    stories.XLOGY,
    Case("divide", "log", _LOG, _log_of_zero_of_softmax, _log_of_softmax, FIX_LOG_SOFTMAX),
    Case("divide", "log", _LOG, _log_of_zero_of_sigmoid, _log_of_sigmoid, FIX_LOG_SIGMOID),
    Case("divide", "log", _LOG, _log_of_zero, _log_of_zero_cause, FIX_LOG),
    Case("divide", "denominator", _DEN, _zero_den_of_sigmoid, _den_of_sigmoid, FIX_DZ),
    stories.ZERO_COUNT_DIVIDE,
    Case("divide", "denominator", _DEN, _zero_denominator, _zero_den_cause, FIX_DIVIDE),
    Case("divide", "denominator", _POW, _zero_to_negative, _zero_to_negative_cause, FIX_DIVIDE),
    Case("divide", STATEMENT, _WHOLE, _always, _no_cause, FIX_DIVIDE),
    # invalid: an argument outside the domain, then 0/0 or inf/inf, then an overflowed exp
    stories.ADAM,
    stories.VARIANCE,
    Case("invalid", "argument", _SQRT, _negative_argument, _sqrt_of_negative, FIX_SQRT),
    Case("invalid", "argument", _LN, _negative_argument, _log_of_negative, FIX_LOG),
    Case("invalid", "argument", _DOMAIN, _outside_unit_interval, _leaves_domain, FIX_DOMAIN),
    Case("invalid", "denominator", _DEN, _zero_over_zero_of_sigmoid, _den_of_sigmoid, FIX_DZ),
    stories.ZERO_COUNT_INVALID,
    Case("invalid", "denominator", _DEN, _zero_over_zero, _zeros_normalised, FIX_ZERO_OVER_ZERO),
    Case("invalid", "denominator", _DEN, _inf_over_inf_in_softmax, _infs_divided, FIX_SOFTMAX),
    Case("invalid", "denominator", _DEN, _inf_over_inf, _infs_divided, FIX_INF_ARITHMETIC),
    Case("invalid", "exp", _EXP, _exp_overflows, _exp_overflowed_to_nan, FIX_SOFTMAX),
    stories.MASKED_ROW,
    Case("invalid", STATEMENT, _WHOLE, _always, _inf_arithmetic, FIX_INF_ARITHMETIC),
)


def _first_match(kind: str, operands: list[Operand], ev: Evidence) -> tuple[str | None, str | None]:
    """(cause, fix) of the first case of ``kind`` that holds; (None, None) when none does.

    The rows of one sweep are tried operand by operand: the first operand any of them matches wins,
    and for it the first of them that matches. Sweeps are tried in table order, so a later sweep
    only speaks when no operand matched an earlier one (a log of 0 anywhere beats a zero
    denominator).
    """
    whole = [Operand(STATEMENT, ev.src, None, None, None, None)]
    rows = [case for case in CATALOGUE if case.kind == kind]
    for sweep, group in groupby(rows, key=lambda case: case.sweep):
        cases = list(group)
        for op in whole if sweep == STATEMENT else operands:
            for case in cases:
                if op.role in case.roles and case.test(op, ev):
                    return case.cause(op, ev), case.fix
    return None, None


def _explain(
    stmt: Stmt, kind: str, loc: Mapping[str, Any], glob: Mapping[str, Any], variable: str | None
) -> tuple[str | None, str | None, list[dict[str, Any]]]:
    """(cause, fix, role summaries) for an origin of ``kind`` on ``stmt``, read from the frame."""
    evaluated: list[Operand] = []
    with np.errstate(all="ignore"):
        for role, text, g, ptext, pg, node in _roles(stmt):
            v = g(loc, glob)
            if v is _FAIL:
                continue
            pv = pg(loc, glob) if pg is not None else None
            evaluated.append(Operand(role, text, v, ptext, pv, node))
    summaries = [
        summarize(o.value, expr=o.text, role=_ROLE_NAMES[o.role])
        for o in evaluated
        if _is_numeric(o.value) and not isinstance(o.value, (dict, list, tuple))
    ]
    dtype = _float_dtype([o.value for o in evaluated])
    ev = Evidence(stmt, variable, loc, glob, dtype)
    with np.errstate(all="ignore"):
        cause, fix = _first_match(kind, evaluated, ev)
    return cause, fix, summaries

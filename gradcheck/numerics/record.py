"""The record of an origin: the :class:`NonFinite` for a statement in a live frame, and its error.

What the statement read (operand summaries), which loop indices it wrote under, how many NaN/Inf it
left, and the story: a non-finite input is named as such; any other kind is explained by the causes
catalogue (:mod:`gradcheck.numerics.causes`).
"""

from __future__ import annotations

import os
import types
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from gradcheck.errors import NonFiniteError
from gradcheck.numerics.access import _FAIL
from gradcheck.numerics.causes import _explain
from gradcheck.numerics.fixes import FIX_INPUT
from gradcheck.numerics.roles import _roles
from gradcheck.numerics.source import Stmt
from gradcheck.numerics.summary import _describe_counts, _nonfinite_counts, summarize
from gradcheck.report.records import NonFinite

#: Operand summaries kept on a :class:`NonFinite` (the statement's leaves first, then the
#: sub-expressions that matter for the kind: denominators, arguments of exp/log/sqrt).
MAX_OPERANDS = 8

#: NumPy's names for the four floating-point errors -> the ``kind`` of INTERFACE.md section 4.
KINDS = {
    "divide by zero": "divide",
    "overflow": "overflow",
    "underflow": "underflow",
    "invalid value": "invalid",
}

_KIND_PHRASE = {
    "divide": "division by zero",
    "overflow": "overflow",
    "invalid": "invalid operation",
    "input": "non-finite input",
    "unknown": "non-finite value",
}

#: Role summaries added to the operands even when the same expression is already among them.
_ALWAYS_SHOWN_ROLES = ("denominator", "exp argument", "log argument", "sqrt argument")


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


def _guess_kind(stmt: Stmt, value: Any) -> str:
    """The kind of a non-finite value NumPy did not report (Python floats, the user's own errstate)."""
    c = _nonfinite_counts(value)
    src = stmt.text or ""
    if c["nan"]:
        return "invalid"
    if any(r[0] in ("division", "log", "log1p") for r in _roles(stmt)) or "/" in src:
        return "divide"
    return "overflow"


def _operand_summaries(
    stmt: Stmt, loc: Mapping[str, Any], glob: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Summaries of the numbers and arrays the statement read."""
    operands: list[dict[str, Any]] = []
    for text, g in stmt.operands:
        v = g(loc, glob)
        if v is not _FAIL and (
            isinstance(v, (np.ndarray, float, np.floating, complex, np.complexfloating))
        ):
            operands.append(summarize(v, expr=text, role="operand"))
    return operands


def _index_values(stmt: Stmt, loc: Mapping[str, Any], glob: Mapping[str, Any]) -> dict[str, Any]:
    """The values of the names a subscript target is indexed by (``l`` of ``self.dA[l]``)."""
    index_values = {}
    for name, g in stmt.index_names:
        v = g(loc, glob)
        if type(v) in (int, str, bool) or isinstance(v, np.integer):
            index_values[name] = v if type(v) in (int, str, bool) else int(v)
    return index_values


def _subject(
    stmt: Stmt, variable: str | None, function: str, index_values: Mapping[str, Any]
) -> str:
    """What became non-finite, as the message names it: `self.dA[l]` (l = 2), a returned value."""
    subject = (
        f"`{variable}`"
        if variable
        else f"the value returned by {function}()"
        if stmt.is_return
        else "a value"
    )
    if index_values and variable:
        subject += " (" + ", ".join(f"{k} = {v!r}" for k, v in index_values.items()) + ")"
    return subject


def _input_story(
    stmt: Stmt,
    loc: Mapping[str, Any],
    glob: Mapping[str, Any],
    where: str,
    counts: Mapping[str, int],
    name: str,
    input_operand: str | None,
) -> tuple[str | None, str | None, str]:
    """(cause, fix, message) of a value already non-finite before the statement computed with it."""
    in_counts = counts
    rows = ""
    getter = dict(stmt.operands).get(input_operand) if input_operand else None
    if getter is not None:
        value = getter(loc, glob)
        in_counts = _nonfinite_counts(value)
        rows = bad_rows(value)
    cause = (
        f"{name} already held {_describe_counts(in_counts)}{rows} when {where} first computed with "
        f"it; no statement in user code made it."
    )
    message = (
        f"non-finite input at {where}: {name} was already non-finite "
        f"({_describe_counts(in_counts)}{rows})."
    )
    return cause, FIX_INPUT, message


def bad_rows(value: Any) -> str:
    """``" in rows 3 and 7 (2 of 10 rows)"``: where a data matrix holds its NaN/Inf (first axis)."""
    if not isinstance(value, np.ndarray) or value.ndim < 2 or value.dtype.kind not in "fc":
        return ""
    with np.errstate(all="ignore"):
        flat = value.reshape(value.shape[0], -1)
        bad = np.flatnonzero(~np.isfinite(flat).all(axis=1))
    if bad.size == 0:
        return ""
    shown = [str(int(i)) for i in bad[:5]]
    listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    more = ", ..." if bad.size > 5 else ""
    word = "row" if bad.size == 1 else "rows"
    return f" in {word} {listed}{more} ({bad.size} of {value.shape[0]} rows)"


def _explained(
    stmt: Stmt, kind: str, loc: Mapping[str, Any], glob: Mapping[str, Any], variable: str | None
) -> tuple[str | None, str | None, list[dict[str, Any]]]:
    """(cause, fix, role summaries) from the causes catalogue, read silently."""
    # nanmax of an all-NaN operand warns; describing the operands must stay silent
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return _explain(stmt, kind, loc, glob, variable)


def _origin_message(
    kind: str, where: str, subject: str, counts: Mapping[str, int], cause: str | None
) -> str:
    message = (
        f"{_KIND_PHRASE.get(kind, kind)} at {where}: {subject} became {_describe_counts(counts)}."
    )
    if cause:
        # Capitalise a sentence, but not a code name that opens it (np.exp, x.sum)
        first = cause.split(" ", 1)[0]
        message += " " + (cause if "." in first or "_" in first else cause[0].upper() + cause[1:])
    return message


def _with_role_summaries(
    operands: list[dict[str, Any]], role_summaries: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The statement's operands, then the role summaries the kind depends on (no duplicates)."""
    operands = operands[:MAX_OPERANDS]
    seen = {o.get("expr") for o in operands}
    for s in role_summaries:
        if s.get("expr") not in seen or s.get("role") in _ALWAYS_SHOWN_ROLES:
            operands.append(s)
    return operands


def _describe(
    frame: types.FrameType,
    stmt: Stmt,
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
        operands = _operand_summaries(stmt, loc, glob)
        index_values = _index_values(stmt, loc, glob)
        counts = (
            _nonfinite_counts(value)
            if value is not _FAIL
            else {"nan": 0, "posinf": 0, "neginf": 0, "size": 0}
        )
    subject = _subject(stmt, variable, function, index_values)
    where = f"{os.path.basename(filename)}:{stmt.lineno} in {function}()"
    role_summaries: list[dict[str, Any]] = []
    if kind == "input":
        name = input_operand or variable or "an input"
        cause, fix, message = _input_story(stmt, loc, glob, where, counts, name, input_operand)
    else:
        cause, fix, role_summaries = _explained(stmt, kind, loc, glob, variable)
        message = _origin_message(kind, where, subject, counts, cause)
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
        operands=tuple(_with_role_summaries(operands, role_summaries)),
        cause=cause,
        fix=fix,
        details=details,
    )


def nonfinite_error(nf: NonFinite, *, step: int | None = None) -> NonFiniteError:
    """The :class:`NonFiniteError` the watch raises for an origin (message, fix and fields)."""
    text = nf.message
    if step is not None:
        text = f"step {step} (1 = the first call): {text}"
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

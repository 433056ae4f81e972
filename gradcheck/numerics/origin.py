"""The origin finder: where the first NaN/Inf came from, the user statement that *created* it.

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
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck.numerics.access import _FAIL
from gradcheck.numerics.files import _file_kind
from gradcheck.numerics.record import KINDS, _describe, _guess_kind
from gradcheck.numerics.source import Stmt
from gradcheck.numerics.summary import (
    _describe_counts,
    _has_nonfinite,
    _is_numeric,
    _nonfinite_counts,
)
from gradcheck.numerics.tracer import MISSING, FrameState, TracedPass, statement_values
from gradcheck.report.records import NonFinite

#: Statements whose NumPy error left a finite result, kept on the record (``details['guarded']``).
MAX_GUARDED = 20


class _OriginPass(TracedPass):
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

    def _flags(self, stmt: Stmt, frame: types.FrameType) -> list[int]:
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

    def start(self, frame: types.FrameType, state: FrameState, stmt: Stmt) -> None:
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

    def finish(self, frame: types.FrameType, state: FrameState, stmt: Stmt, ret: Any) -> None:
        events = [k for k in state.events if k != "underflow"]
        state.events = []
        self.busy = True
        try:
            if stmt.node is None:
                self._finish_without_source(frame, state, stmt, events, ret)
                return
            bad = self._left_nonfinite(frame, stmt, state.before, events, ret)
            if not bad:
                if events:
                    self._guarded(frame, stmt, events)
                return
            self._judge(frame, stmt, state.before, events, bad)
        finally:
            self.busy = False

    def _left_nonfinite(
        self, frame: types.FrameType, stmt: Stmt, before: list[int], events: list[str], ret: Any
    ) -> list[tuple[str | None, Any]]:
        """The non-finite values the statement left: its targets, else operands it wrote in place."""
        values = statement_values(stmt, frame, ret)
        bad = [
            (t, v)
            for t, v in values
            if _is_numeric(v) and id(v) not in self.tolerated and _has_nonfinite(v)
        ]
        if not bad and (events or stmt.is_expr):
            loc, glob = frame.f_locals, frame.f_globals
            for (text, g), flag in zip(stmt.operands, before):
                if flag == 0:
                    v = g(loc, glob)
                    if v is not _FAIL and _has_nonfinite(v):
                        bad.append(
                            (text, v)
                        )  # written in place (out=, a method, an augmented target)
        return bad

    def _guarded(self, frame: types.FrameType, stmt: Stmt, events: list[str]) -> None:
        """NumPy reported an error but the statement's result is finite: code that guards itself
        (or a result that could not be read: the first such one is kept as a candidate)."""
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
        elif len(self.guarded) < MAX_GUARDED:
            self.guarded.append(
                {
                    "file": frame.f_code.co_filename,
                    "line": stmt.lineno,
                    "events": events,
                }
            )

    def _judge(
        self,
        frame: types.FrameType,
        stmt: Stmt,
        before: list[int],
        events: list[str],
        bad: list[tuple[str | None, Any]],
    ) -> None:
        """The statement left a NaN/Inf: the origin, an input passed on, or a tolerated infinity."""
        variable, value = bad[0]
        numeric = [f for f in before if f >= 0]
        untolerated = [text for (text, _), f in zip(stmt.operands, before) if f == 1]
        # A non-finite operand passed on: the origin lies before this statement, unless NumPy raised
        # here on finite operands too (then this statement made it).
        if untolerated and (not events or (numeric and all(f > 0 for f in numeric))):
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
        if events:
            self._found(frame, stmt, events[0], variable, value, events, "seterrcall")
            return
        if any(f == 2 for f in before) or stmt.literal_nonfinite:
            for _, v in bad:  # an intentional infinity, or one flowing on from it
                self._tolerate(v)
            return
        self._found(frame, stmt, _guess_kind(stmt, value), variable, value, events, "tracer")

    def _finish_without_source(
        self, frame: types.FrameType, state: FrameState, stmt: Stmt, events: list[str], ret: Any
    ) -> None:
        items = [(k, v) for k, v in frame.f_locals.items() if _is_numeric(v)]
        if ret is not MISSING:
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
        stmt: Stmt,
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

"""The line tracer: run a callable once, tracing user frames statement by statement.

:class:`TracedPass` calls ``start`` before each statement of a traced frame runs and ``finish``
after it ran; subclasses (the origin finder here, the activation pass of the health room) act on
them.
:func:`statement_values` reads what a finished statement left behind.
"""

from __future__ import annotations

# The trace functions must never raise into the user's code: they catch every Exception on
# purpose and keep it as an internal error instead.
# ruff: noqa: BLE001
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gradcheck.numerics.access import _FAIL
from gradcheck.numerics.files import _file_kind, is_user_file
from gradcheck.numerics.source import Stmt, _locals_stmt, _source_index, _SourceIndex

MISSING: Any = object()  # no return value (a 'line' event, not a 'return')


@dataclass
class FrameState:
    """What the tracer knows about one live frame: the statement running, its operands' state."""

    stmt: Stmt | None = None
    # per operand: -1 not numeric, 0 finite, 1 NaN/Inf, 2 tolerated
    before: list[int] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    # frames without source: locals already non-finite
    known_bad: set[str] = field(default_factory=set)
    seeded: bool = False


class TracedPass:
    """Runs a callable once with a line tracer on user frames; subclasses act on finished statements."""

    def __init__(self, user_code: Callable[[str], bool] | None) -> None:
        self.user_code = user_code or is_user_file
        self._code_ok: dict[types.CodeType, bool] = {}
        self._stmt_cache: dict[tuple[types.CodeType, int], Stmt | None] = {}
        self._indexes: dict[str, _SourceIndex] = {}
        self.frames: dict[types.FrameType, FrameState] = {}
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
        state = FrameState()
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

    def statement(self, frame: types.FrameType) -> Stmt | None:
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

    def _on_line(self, frame: types.FrameType, state: FrameState) -> None:
        stmt = self.statement(frame)
        if stmt is not None and stmt is state.stmt:
            return  # another line of the same multi-line statement
        if state.stmt is not None:
            st, state.stmt = state.stmt, None
            self.finish(frame, state, st, MISSING)
            if self.done:
                return
        if stmt is not None:
            state.stmt = stmt
            self.start(frame, state, stmt)

    def start(self, frame: types.FrameType, state: FrameState, stmt: Stmt) -> None:
        """Called before ``stmt`` runs in ``frame``."""

    def finish(self, frame: types.FrameType, state: FrameState, stmt: Stmt, ret: Any) -> None:
        """Called after ``stmt`` ran (``ret``: the frame's return value, or MISSING)."""

    def returned(self, frame: types.FrameType, ret: Any) -> None:
        """Called when a traced frame returns (or yields), after its last statement finished."""


def statement_values(stmt: Stmt, frame: types.FrameType, ret: Any) -> list[tuple[str | None, Any]]:
    """What a finished statement left behind: its targets, and the return value on a return."""
    loc, glob = frame.f_locals, frame.f_globals
    out: list[tuple[str | None, Any]] = []
    for text, g in stmt.targets:
        v = g(loc, glob)
        if v is not _FAIL:
            out.append((text, v))
    if ret is not MISSING and (stmt.is_return or frame.f_code.co_name.startswith("<")):
        out.append((stmt.variable if not stmt.is_return else None, ret))
    return out

"""The error watch: the cheap half of the origin finder alone, for many calls (the training watch).

NumPy's error callback armed with the program's own settings chained behind it, and a one-line
tracer attached only to the frame that just raised an event, to see whether that statement's result
stayed finite (``np.where(a > 0, np.log(a), 0)`` fires and is fine).
"""

from __future__ import annotations

import contextlib
import sys
import types
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcheck.numerics.access import _FAIL
from gradcheck.numerics.files import _file_kind, is_user_file
from gradcheck.numerics.record import KINDS, _describe, _qualname, nonfinite_error
from gradcheck.numerics.source import Stmt, _source_index
from gradcheck.numerics.summary import _has_nonfinite, _is_numeric
from gradcheck.numerics.tracer import MISSING, statement_values
from gradcheck.report.records import NonFinite

#: Raw NumPy error events an :class:`ErrorWatch` keeps (it counts all of them).
MAX_EVENTS = 1000

#: An error kind -> the ``np.seterr`` setting that governs it.
_SETTING_OF_KIND = {
    "divide": "divide",
    "overflow": "over",
    "underflow": "under",
    "invalid": "invalid",
}


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
    stmt: Stmt
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

    def hand_over(self, to: ErrorWatch) -> None:
        """Stop without restoring: ``to`` (armed after this one) restores what this one found.

        For watches that stop out of order: the later watch's callback is the one NumPy calls, and
        it must go on calling it, so the settings this one saved travel up to it.
        """
        to._saved_err, to._saved_call = self._saved_err, self._saved_call
        self._armed = False

    def forget(self) -> None:
        """Count as stopped without touching NumPy's settings (they belong to another thread)."""
        self._armed = False

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
            values = statement_values(pending.stmt, frame, arg if event == "return" else MISSING)
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
        stmt: Stmt,
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

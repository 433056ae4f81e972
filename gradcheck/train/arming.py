"""Arming and disarming NumPy's error callback for a watch, and restoring the program's settings exactly.

A watch arms :class:`~gradcheck.numerics.errorwatch.ErrorWatch` on its first call and keeps it armed between
calls, so the statement that *made* the first non-finite value is known even when it ran outside the
watched function; disarming restores the program's own ``np.seterr`` and ``np.seterrcall``, also when
watches armed in one thread stop out of order.
"""

from __future__ import annotations

import threading
import time

from gradcheck.numerics.errorwatch import ErrorWatch

__all__ = ["Arming"]


#: Watches armed per thread, in the order they were armed (see :meth:`Arming.disarm`).
_ARMED: dict[int, list[Arming]] = {}


class Arming:
    """One watch's hold on NumPy's error callback, and how long it has held it."""

    __slots__ = ("_seconds", "_started", "_thread", "errors")

    def __init__(self, errors: ErrorWatch) -> None:
        self.errors = errors
        self._thread: int | None = None
        self._seconds = 0.0
        self._started: float | None = None

    def arm(self) -> None:
        """Arm the callback in this thread (idempotent)."""
        if not self.errors.armed:
            self.errors.start()
            self._thread = threading.get_ident()
            _ARMED.setdefault(self._thread, []).append(self)
            self._started = time.perf_counter()

    def disarm(self) -> None:
        """Restore the settings the callback was armed over (idempotent)."""
        if self.errors.armed:
            self._disarm()
            if self._started is not None:
                self._seconds += time.perf_counter() - self._started
                self._started = None

    def _disarm(self) -> None:
        """Stop NumPy's callback, also when watches armed in this thread stop out of order.

        Each armed watch saved the settings it found: the program's, or the callback of a watch
        armed before it (events then reach both, through the chain). A watch that stops while a
        later one is still armed must not restore its settings over the later one's: it hands them
        to that watch instead, which restores them when it stops.
        """
        stack = _ARMED.get(self._thread or 0, [])
        here = next((i for i, w in enumerate(stack) if w is self), None)
        if here is not None:
            stack.pop(here)
        if not stack:
            _ARMED.pop(self._thread or 0, None)
        if threading.get_ident() != self._thread:
            # NumPy's settings belong to the arming thread (contextvars): nothing to restore here.
            self.errors.forget()
            return
        if here is not None and here < len(stack):
            self.errors.hand_over(stack[here].errors)
            return
        self.errors.stop()

    def seconds(self) -> float:
        """The time spent armed so far (the run's watched time)."""
        seconds = self._seconds
        if self._started is not None:
            seconds += time.perf_counter() - self._started
        return seconds

"""Which arrays each watched call tests for NaN/Inf, and the one-reduction test itself.

Each array is tested with one ``np.add.reduce`` (a finite sum proves every element finite): every array
on the first call, after NumPy reported an error (so a NaN NumPy made is caught on its step) and every
:data:`FULL_SCAN_EVERY` calls; a rotating share in between (a NaN made silently, from the data or under
the program's own ``errstate='ignore'``, spreads through backprop and is caught at once or within one
rotation; see :meth:`FiniteTest.test`). On a 100-microsecond step, testing every array would cost more
than the 5% the watch may take.
"""

from __future__ import annotations

import math
from typing import Any, TypeVar

import numpy as np

from gradcheck.numerics.errorwatch import ErrorWatch
from gradcheck.train.arrays import NO_KEY, ResultNames, WeakValues, object_locations, result_arrays
from gradcheck.train.costs import scalar_cost

__all__ = ["FULL_SCAN_EVERY", "SENTINELS", "FiniteTest"]

_T = TypeVar("_T")

#: Every array of what a call produced is tested at least this often (and after any NumPy error);
#: in between, a rotating share (see :meth:`FiniteTest.test`). 64 bounds how late a NaN that NumPy did not
#: report and that reached only arrays outside the share (a NaN copied in place into ``self.X``) is
#: found, at a cost per call under one reduction.
FULL_SCAN_EVERY = 64

#: Arrays tested per call between full tests, plus one in sixteen (see :meth:`FiniteTest.test`).
SENTINELS = 1


def _nonfinite(v: np.ndarray) -> bool:
    """One reduction: a finite sum proves every element finite (called with errors ignored)."""
    if v.size == 0:
        return False
    if np.isfinite(np.add.reduce(v, axis=None)):
        return False
    return not bool(np.isfinite(v).all())


def _any_nonfinite(arrays: list[np.ndarray]) -> bool:
    """One reduction per array and one finiteness test in all: NaN and Inf survive the sum."""
    total = 0.0
    for a in arrays:
        if a.size:
            total += np.add.reduce(a, axis=None)
    if math.isfinite(total):
        return False
    return any(_nonfinite(a) for a in arrays)  # a real NaN/Inf, or finite sums that overflowed


class FiniteTest:
    """The rotation of one watch: which arrays the next call tests, and what the last full test saw."""

    def __init__(self, names: ResultNames) -> None:
        self._names = names
        self._events_at_test = 0
        self._last_full = 0
        self._cursor = 0
        self._locations: list[tuple[str, str, Any]] = []
        self._moving: list[tuple[str, str, Any]] = []  # locations whose array was replaced lately
        self._seen_at_full: WeakValues = WeakValues(())

    def after_call(
        self, errors: ErrorWatch, step: int, result: Any, state: Any, after_nan: bool
    ) -> str | None:
        """Test what call ``step`` produced: the name of a non-finite array in it, or None."""
        full = (
            step == 1
            or after_nan  # keep_going after a NaN: count every non-finite call
            or errors.n_events != self._events_at_test
            or step - self._last_full >= FULL_SCAN_EVERY
        )
        if full:
            self._last_full = step
        # The watch's own reductions must not reach the program's error handling: a finite sum
        # that overflows is the watch's business (ErrorWatch ignores events while it is busy).
        with errors.paused():
            bad = self.test(result, state, full)
        self._events_at_test = errors.n_events
        return bad

    def test(self, result: Any, state: Any, full: bool) -> str | None:
        """The name of a non-finite array in what the call produced, or None.

        A full test reads every array. Otherwise a rotating share of them (:data:`SENTINELS` plus
        one in sixteen): a NaN that NumPy made is always caught by a full test (NumPy reported it, and
        an event makes the next test full); a NaN made silently (data, the program's own
        errstate='ignore') spreads through backprop into nearly every gradient, so any share sees it
        on the same step, and the rotation reaches every array within a few calls.
        """
        if result is not None:
            if type(result) is dict:  # the usual gradient dict: pick the share before filtering
                values = list(result.values())
                arrays = [
                    v
                    for v in (values if full else self._share(values, False))
                    if type(v) is np.ndarray and v.dtype.kind in "fc"
                ]
            else:
                scalar = scalar_cost(result)
                if scalar is not None:
                    # A step that returns its cost (train_step) leaves its arrays on the object:
                    # a finite cost says nothing about the weights the step just wrote.
                    if not math.isfinite(scalar):
                        return "<return>"
                    return None if state is None else self._test_state(state, full)
                arrays = self._share(result_arrays(result), full)
            if arrays and _any_nonfinite(arrays):
                named = self._names.named(result)
                return next((n for n, a in named.items() if _nonfinite(a)), "<return>")
            return None
        if state is None:
            return None
        return self._test_state(state, full)

    def _test_state(self, state: Any, full: bool) -> str | None:
        """The name of a non-finite array among the object's, or None (a share between full tests)."""
        try:
            attrs = object.__getattribute__(state, "__dict__")
            if full or not self._locations:
                picked = self._read_all(state, attrs)
            else:
                picked = [
                    (name, attrs[attr] if key is NO_KEY else attrs[attr][key])
                    for name, attr, key in self._share(self._moving, False)
                ]
        except (AttributeError, KeyError, IndexError, TypeError):
            self._locations = []  # the object changed shape: re-read it in full next time
            return None
        arrays = [v for _, v in picked if type(v) is np.ndarray]
        if not _any_nonfinite(arrays):
            return None
        return next((name for name, v in picked if type(v) is np.ndarray and _nonfinite(v)), None)

    def _read_all(self, state: Any, attrs: dict[str, Any]) -> list[tuple[str, Any]]:
        """Every array of the object, for a full test; and which of them move between full tests.

        The inputs, and parameters updated in place, are the same objects call after call: only
        full tests read them. Between full tests the rotation covers the arrays that were new
        objects since the previous full test (what the steps compute): a large ``self.X`` is not
        summed again and again, and an array changed in place without a NumPy error can only carry
        a NaN that was already somewhere else.
        """
        self._locations = object_locations(state)
        picked = [
            (name, attrs[attr] if key is NO_KEY else attrs[attr][key])
            for name, attr, key in self._locations
        ]
        previous = self._seen_at_full
        moving = [
            loc for loc, (name, v) in zip(self._locations, picked) if previous.get(name) is not v
        ]
        self._moving = moving or self._locations
        # Weak references: holding the old arrays alive would double the memory of a big cache.
        self._seen_at_full = WeakValues((name, v) for name, v in picked if type(v) is np.ndarray)
        return picked

    def _share(self, items: list[_T], full: bool) -> list[_T]:
        n = len(items)
        k = SENTINELS + n // 16
        if full or n <= k:
            return items
        start = self._cursor % n
        self._cursor = start + k
        chosen = items[start : start + k]
        return chosen + items[: k - len(chosen)] if len(chosen) < k else chosen

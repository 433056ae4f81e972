"""A saved copy of a training object, to replay the step that went non-finite without touching the run.

NumPy reports nothing inside the program's own ``np.errstate(...='ignore')``, and nothing for Python
floats: the statement that made such a NaN is found by running the step once more under the origin
finder (:func:`gradcheck.train.origins.replayed`). That replay must start where the failing step
started, and must not change what the real run computes. :class:`StateCopy` keeps, before each step,
a copy of the object's arrays (and of its dicts and lists of arrays, and its numbers: an Adam step
counter ``t``); :meth:`StateCopy.replay` runs the step on fresh copies of them, with the object's other
attributes deep-copied, and puts every live attribute back afterwards, the same objects untouched.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["StateCopy"]

_NUMBERS = (int, float, complex, bool, np.number)


def _is_array(v: Any) -> bool:
    return type(v) is np.ndarray


def _copy_into(old: Any, new: Any) -> Any:
    """A copy of ``new``, reusing ``old``'s buffer when it has the same shape and dtype."""
    if _is_array(new):
        if _is_array(old) and old.shape == new.shape and old.dtype == new.dtype:
            np.copyto(old, new)
            return old
        return new.copy()
    if isinstance(new, dict) and all(_is_array(v) or isinstance(v, _NUMBERS) for v in new.values()):
        before: dict[Any, Any] = old if isinstance(old, dict) else {}
        return {k: _copy_into(before.get(k), v) for k, v in new.items()}
    if isinstance(new, list) and all(_is_array(v) or isinstance(v, _NUMBERS) for v in new):
        items: list[Any] = (
            old if isinstance(old, list) and len(old) == len(new) else [None] * len(new)
        )
        return [_copy_into(p, v) for p, v in zip(items, new, strict=True)]
    return new if isinstance(new, _NUMBERS) else _SKIP


_SKIP = object()


def _fresh(v: Any) -> Any:
    if _is_array(v):
        return v.copy()
    if isinstance(v, dict):
        return {k: _fresh(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_fresh(x) for x in v]
    return v


class StateCopy:
    """The object's arrays, containers of arrays and numbers as they were before the current step."""

    def __init__(self, state: Any) -> None:
        self._state = state
        self._saved: dict[str, Any] = {}

    def keep(self) -> None:
        """Copy the object's state now (buffers are reused from step to step)."""
        attrs = getattr(self._state, "__dict__", None)
        if not isinstance(attrs, dict):
            return
        saved = self._saved
        for name, value in attrs.items():
            kept = _copy_into(saved.get(name), value)
            if kept is _SKIP:
                saved.pop(name, None)
            else:
                saved[name] = kept

    def replay(self, run: Callable[[], Any]) -> Any:
        """``run()`` on copies of the state kept before the step; the live attributes are put back."""
        attrs = getattr(self._state, "__dict__", None)
        if not isinstance(attrs, dict) or not self._saved:
            return run()
        live = dict(attrs)
        try:
            for name, value in live.items():
                if name in self._saved:
                    attrs[name] = _fresh(self._saved[name])
                else:
                    try:  # a generator, a list of layer objects: replayed on a copy of its own
                        attrs[name] = copy.deepcopy(value)
                    except Exception:  # noqa: BLE001 - what cannot be copied is shared, as it is
                        attrs[name] = value
            return run()
        finally:
            attrs.clear()
            attrs.update(live)

"""The decorator: ``@gradcheck.watch`` or ``@gradcheck.watch(...)`` on a backprop function or method.

Importing it stays cheap: nothing here (or in the :class:`~gradcheck.train.core.Watch` it makes)
imports rich or click; only the summary printed at exit loads the renderer.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, overload

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.report.training import WatchSummary
from gradcheck.train.core import Watch
from gradcheck.train.options import WatchOptions

__all__ = ["watch"]

F = TypeVar("F", bound=Callable[..., Any])


@overload
def watch(fn: F, /) -> F: ...


@overload
def watch(
    fn: None = None,
    /,
    *,
    warn: bool = False,
    keep_going: bool = False,
    every: int = 100,
    check_every: int | None = None,
    trace_every: int | None = None,
    summary: bool | Callable[[WatchSummary], None] = False,
    model: Any = None,
    loss: Callable[[], Any] | str | None = None,
    params: Mapping[str, np.ndarray] | Callable[[], Mapping[str, np.ndarray]] | None = None,
) -> Callable[[F], F]: ...


def watch(
    fn: Callable[..., Any] | None = None,
    /,
    *,
    warn: bool = False,
    keep_going: bool = False,
    every: int = 100,
    check_every: int | None = None,
    trace_every: int | None = None,
    summary: bool | Callable[[WatchSummary], None] = False,
    model: Any = None,
    loss: Callable[[], Any] | str | None = None,
    params: Mapping[str, np.ndarray] | Callable[[], Mapping[str, np.ndarray]] | None = None,
) -> Any:
    """Watch a backprop function or method for NaN/Inf and for training health, on every call.

    ``@gradcheck.watch`` or ``@gradcheck.watch(...)``. At the first NaN/Inf in what a call produced
    (its return value; for a method returning None, the arrays it wrote on ``self``) it raises
    :class:`~gradcheck.errors.NonFiniteError` with ``step`` (1 = the first call), ``filename``,
    ``line``, ``variable`` and ``kind`` of the statement that made the value, even when that
    statement ran outside the decorated function (forward, before backward). ``details`` holds the
    :class:`~gradcheck.report.records.NonFinite` record (operand summaries, cause, fix).

    Options: ``warn`` (warn instead of raise), ``keep_going`` (keep watching after the first),
    ``every`` (health readings every N calls), ``check_every`` (gradient check every N calls),
    ``trace_every`` (activation trace every N calls), ``summary`` (at exit: True prints it on stderr,
    a callable receives the :class:`WatchSummary`), ``model`` (what checks and traces run on; default
    :func:`gradcheck.from_object` of the method's object), ``loss`` (a zero-argument callable, or the
    name of a method/attribute of the object, read before each call for the cost curve; default: a
    returned or stored cost), ``params`` (the tensors for update ratios; default: found by name).

    The wrapped function has ``.watch`` (the :class:`Watch`): ``.watch.stop()`` ends watching and
    restores NumPy's settings, ``.watch.summary()`` returns what was seen; ``with fn.watch:`` does
    the stop at the end of the block. Watching also ends at interpreter exit and when an exception
    leaves the function (the next call starts it again). NumPy's error settings belong to a thread:
    origins are traced in the thread that made the first call; one training loop per watch.
    """
    sink = summary if callable(summary) else None
    options = WatchOptions(
        warn=warn,
        keep_going=keep_going,
        every=every,
        check_every=check_every,
        trace_every=trace_every,
        summary=bool(summary),
    )

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        return _watched(func, options, sink, model=model, loss=loss, params=params)

    if fn is not None:
        return decorate(fn)
    return decorate


def _watched(
    func: Callable[..., Any],
    options: WatchOptions,
    sink: Callable[[WatchSummary], None] | None,
    *,
    model: Any,
    loss: Callable[[], Any] | str | None,
    params: Mapping[str, np.ndarray] | Callable[[], Mapping[str, np.ndarray]] | None,
) -> Callable[..., Any]:
    """``func`` wrapped: every call runs as a watched step of its own :class:`Watch`."""
    if not callable(func):
        raise GradcheckError(f"watch decorates a function or method; got {type(func).__name__}")
    state = Watch(
        options,
        name=getattr(func, "__qualname__", None),
        model=model,
        loss=loss,
        params=params,
        function=func,
        method=_first_parameter(func) == "self",
        summary_sink=sink,
    )
    call = state.call

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return call(func, args, kwargs)

    wrapper.watch = state  # type: ignore[attr-defined]
    return wrapper


def _first_parameter(fn: Callable[..., Any]) -> str | None:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    return params[0].name if params else None

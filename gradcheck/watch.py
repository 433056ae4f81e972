"""Watching training: the first NaN/Inf and the health of the run, for bugs that appear after 1,500 steps.

A check at initialisation sees correct gradients in a network that will blow up later (a sigmoid that
rounds to exactly 1.0 after 1,400 steps) or whose cost will rise (a learning rate 100x too large). This
module watches the training itself, at a price that fits inside every step:

* :func:`watch`, a decorator for a backprop function or method. NumPy's error callback
  (:class:`gradcheck.numerics.ErrorWatch`) is armed on the first call and stays armed between calls,
  so the statement that *made* the first non-finite value is known even when it ran outside the
  decorated function (in forward, before backward); it costs nothing until NumPy reports an error.
  After each call, what the call produced (the return value; for a method returning None, the
  object's arrays) is tested for NaN/Inf with one ``np.add.reduce`` per array (a finite sum proves
  every element finite): every array after NumPy reported an error (so a NaN NumPy made is caught on
  its step) and every :data:`FULL_SCAN_EVERY` calls, a rotating share in between (a NaN made
  silently, from the data or under the program's own ``errstate='ignore'``, spreads through backprop
  and is caught at once or within one rotation). On a 100-microsecond step, testing every array
  would cost more than the 5% the watch may take.
* Health readings every :attr:`WatchOptions.every` calls (default 100): per tensor the norm, the gradient
  norm and the update/weight ratio ``||W_now - W_before|| / ||W_before||`` over one step, plus the cost
  of every call when the call returns it or stores it. :func:`training_health` turns these series into
  warnings (cost rising, oscillating, stalled; update ratios far from 1e-3; weights or gradients
  growing; saturation and dead units trending up).
* :func:`train`, for ``gradcheck watch FILE``: the user's own ``train_step()`` or plain gradient descent
  on a :class:`~gradcheck.model.Model`, watched, with a gradient check before the first step and
  activation traces at the start and at the end (or at the last good state, when a NaN stopped it).

Heavier checks (gradient checks, activation tracing) run only when asked (``check_every``,
``trace_every``) or, in :func:`train`, at the start and after an anomaly. Nothing here prints:
results are :class:`WatchSummary` records, and a NaN is a :class:`~gradcheck.errors.NonFiniteError`
(or a :class:`NonFiniteWarning`); :mod:`gradcheck.render_watch` renders them.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import inspect
import math
import os
import re
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, overload

import numpy as np

from gradcheck.engine import Options, match_gradient
from gradcheck.errors import GradcheckError, NonFiniteError
from gradcheck.health import (
    DEAD_RELU_SHARE,
    LARGE_INIT_RATIO,
    RELU,
    SATURATION_SHARE,
    SIGMOID,
    TANH,
    ActivationStats,
    activation_warnings,
    gradient_norm_health,
    parameter_health,
    trace_activations,
)
from gradcheck.model import INPUT_NAMES, Model
from gradcheck.numerics import ErrorWatch, FPEvent, nonfinite_error, summarize
from gradcheck.report.training import (
    UPDATE_RATIO_HEALTHY,
    CostTrend,
    GradientCheck,
    TensorHealth,
    WatchSummary,
)
from gradcheck.result import NonFinite, ReportWarning

__all__ = [
    "COST_OSCILLATING_SHARE",
    "COST_RISE_SHARE",
    "FULL_SCAN_EVERY",
    "INPUT_SCALE_MAX",
    "LEARNING_RATE_NAMES",
    "SENTINELS",
    "UPDATE_RATIO_HEALTHY",
    "UPDATE_RATIO_HIGH",
    "UPDATE_RATIO_LOW",
    "CostTrend",
    "GradientCheck",
    "NonFiniteWarning",
    "TensorHealth",
    "Watch",
    "WatchOptions",
    "WatchSummary",
    "WatchWarning",
    "activation_trends",
    "cost_trend",
    "gradient_descent",
    "input_health",
    "is_weight_name",
    "pair_gradients",
    "set_learning_rate",
    "train",
    "training_health",
    "watch",
    "watch_file",
]

F = TypeVar("F", bound=Callable[..., Any])
_T = TypeVar("_T")

# --------------------------------------------------------------------------------------------------
# Thresholds

#: Ten times the healthy ratio: every step moves the weights by 1% or more, and gradient descent
#: overshoots the valley it is in (the cost oscillates, then rises).
UPDATE_RATIO_HIGH = 1e-2

#: A hundred times below the healthy ratio: the weights barely move. Only reported together with a cost
#: that did not fall (a run near convergence has small updates for a good reason).
UPDATE_RATIO_LOW = 1e-5

#: A cost "rises" when the end of the run sits above its minimum by this share of what had been gained
#: from the start to that minimum (smoothed, so one noisy step does not count).
COST_RISE_SHARE = 0.10

#: A cost "oscillates" when it goes up on at least this share of the steps in the second half of the
#: run while that half makes no net progress. Full-batch gradient descent at a sane learning rate goes
#: up on no step at all; mini-batch noise on a run that still learns shows net progress.
COST_OSCILLATING_SHARE = 0.30

#: A cost is flat when the second half of the run changes it by less than this, relative.
COST_FLAT = 1e-4

#: A cost within this relative distance of log(k) for a small number of classes k is "chance level".
CHANCE_TOLERANCE = 0.005

#: Weights whose norm grew by this factor over the run are "growing" (the logits of a separable
#: problem grow without bound under cross-entropy, and a sigmoid output then rounds to exactly 0 or 1).
WEIGHT_GROWTH = 5.0

#: A weight gradient whose norm grew by this factor over the run is exploding.
GRADIENT_GROWTH = 1e3

#: Inputs whose root-mean-square (per feature, or overall) exceeds this are "unscaled": with He/Xavier
#: initialisation the first layer expects inputs of mean 0 and standard deviation 1.
INPUT_SCALE_MAX = 3.0

#: A share (saturated outputs, dead units) "trends up" when it grew by at least this many points.
TREND_POINTS = 0.10

#: Every array of what a call produced is tested at least this often (and after any NumPy error);
#: in between, a rotating share (see :meth:`Watch._test`). 64 bounds how late a NaN that NumPy did not
#: report and that reached only arrays outside the share (a NaN copied in place into ``self.X``) is
#: found, at a cost per call under one reduction.
FULL_SCAN_EVERY = 64

#: Names under which a file or an object keeps its learning rate (``gradcheck watch --lr`` sets it).
LEARNING_RATE_NAMES = (
    "learning_rate",
    "lr",
    "alpha",
    "eta",
    "learningRate",
    "learning_rate_",
    "step_size",
)

#: Attributes where a method that returns None may have stored this step's cost.
STORED_COST_NAMES = ("cost", "loss", "J", "total_cost", "total_loss", "cost_", "loss_", "_cost")
_STORED_COST_SET = frozenset(STORED_COST_NAMES)

_FIX_LR_HIGH = (
    "Lower the learning rate (try a tenth of it) until the update/weight ratio is about 1e-3, and scale "
    "the inputs to mean 0 / std 1 so that one rate suits every weight."
)
_FIX_STALLED = (
    "Check that the updates reach the parameters, raise the learning rate if the update/weight ratio is "
    "below 1e-4, look for dead or saturated units, and overfit a batch of 2-20 examples first (if even "
    "that fails, the model cannot represent the task or the labels do not follow from the inputs)."
)


class NonFiniteWarning(UserWarning):
    """A NaN/Inf was found by a watch with ``warn=True``: same message as :class:`NonFiniteError`.

    A UserWarning, not a RuntimeWarning: programs that silence NumPy's RuntimeWarnings must still
    see this one.
    """

    def __init__(self, message: str, error: NonFiniteError) -> None:
        super().__init__(message)
        self.error = error


class WatchWarning(UserWarning):
    """A periodic gradient check failed during a watch (the summary holds the report)."""


# --------------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class WatchOptions:
    """How to watch. Every field is documented in the README and has a CLI flag where it makes sense.

    warn
        issue a :class:`NonFiniteWarning` at the first NaN/Inf instead of raising
        :class:`NonFiniteError` (the training goes on).
    keep_going
        keep watching after the first NaN/Inf: count the calls that produce non-finite values and
        report every further statement that makes one. Without it, the watch ends at the first one
        (NumPy's settings are restored and later calls run unwatched, at no cost).
    every
        health readings (norms, gradient norms, update/weight ratios) every this many calls. A
        reading costs about as much as half a small MLP's step, twice (a few vector norms and a copy
        of the weights per tensor; the ratio needs the weights one step later), so 100 keeps it
        near 1% of the run; the ratio and the norms drift slowly enough for that.
    check_every
        run a gradient check every this many calls (needs a model: ``model=``, or the object of a
        decorated method as :func:`gradcheck.from_object` finds it).
    trace_every
        trace the forward pass every this many calls for saturation and dead units (needs a model).
    summary
        at interpreter exit, print the summary on stderr (via :mod:`gradcheck.render_watch`).
    """

    warn: bool = False
    keep_going: bool = False
    every: int = 100
    check_every: int | None = None
    trace_every: int | None = None
    summary: bool = False

    def __post_init__(self) -> None:
        for name in ("every", "check_every", "trace_every"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise GradcheckError(f"{name} must be a positive number of calls; got {value!r}")


# --------------------------------------------------------------------------------------------------
# Reading arrays by name: parameters, their gradients, the cost


def _is_float_array(v: Any) -> bool:
    return isinstance(v, np.ndarray) and v.dtype.kind in "fc"


def _nonfinite(v: np.ndarray) -> bool:
    """One reduction: a finite sum proves every element finite (called with errors ignored)."""
    if v.size == 0:
        return False
    if np.isfinite(np.add.reduce(v, axis=None)):
        return False
    return not bool(np.isfinite(v).all())


_NO_KEY: Any = object()

#: Arrays tested per call between full tests, plus one in sixteen (see :meth:`Watch._test`).
SENTINELS = 1


def _result_arrays(result: Any) -> list[np.ndarray]:
    """The float arrays of a returned value (an array, a dict, a tuple/list of arrays or dicts)."""
    if type(result) is dict:
        return [v for v in result.values() if type(v) is np.ndarray and v.dtype.kind in "fc"]
    if type(result) is np.ndarray:
        return [result] if result.dtype.kind in "fc" else []
    if isinstance(result, Mapping):
        values: Iterable[Any] = result.values()
    elif isinstance(result, (tuple, list)):
        values = []
        for v in result:
            if isinstance(v, Mapping):
                values.extend(v.values())
            else:
                values.append(v)
    else:
        return []
    return [v for v in values if type(v) is np.ndarray and v.dtype.kind in "fc"]


def _any_nonfinite(arrays: list[np.ndarray]) -> bool:
    """One reduction per array and one finiteness test in all: NaN and Inf survive the sum."""
    total = 0.0
    for a in arrays:
        if a.size:
            total += np.add.reduce(a, axis=None)
    if math.isfinite(total):
        return False
    return any(_nonfinite(a) for a in arrays)  # a real NaN/Inf, or finite sums that overflowed


def _object_locations(obj: Any) -> list[tuple[str, str, Any]]:
    """Where ``self``'s float arrays live: (name, attribute, key or _NO_KEY), as _object_arrays."""
    try:
        attrs = object.__getattribute__(obj, "__dict__")
    except AttributeError:
        return []
    out: list[tuple[str, str, Any]] = []
    for attr, value in list(attrs.items()):
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "fc":
                out.append((attr, attr, _NO_KEY))
        elif isinstance(value, dict):
            for key, item in list(value.items())[:256]:
                if isinstance(item, np.ndarray) and item.dtype.kind in "fc":
                    out.append((f"{attr}[{key!r}]", attr, key))
        elif isinstance(value, list) and len(value) <= 256:
            for i, item in enumerate(value):
                if isinstance(item, np.ndarray) and item.dtype.kind in "fc":
                    out.append((f"{attr}[{i}]", attr, i))
    return out


class _WeakValues:
    """name -> array, without keeping the arrays alive (``get`` answers None once one is freed)."""

    __slots__ = ("_refs",)

    def __init__(self, items: Iterable[tuple[str, np.ndarray]]) -> None:
        self._refs = {name: weakref.ref(v) for name, v in items}

    def get(self, name: str) -> np.ndarray | None:
        ref = self._refs.get(name)
        return ref() if ref is not None else None


def _object_arrays(obj: Any) -> dict[str, np.ndarray]:
    """``self``'s float arrays: attributes and the values of dict/list attributes, one level deep.

    Named the way the user's code spells them (``W1``, ``W[1]``, ``params['W1']``). Read from the
    instance ``__dict__`` only: no property or ``__getattr__`` of the user's runs.
    """
    try:
        attrs = object.__getattribute__(obj, "__dict__")
    except AttributeError:
        return {}
    out: dict[str, np.ndarray] = {}
    for attr, value in list(attrs.items()):
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "fc":
                out[attr] = value
        elif isinstance(value, dict):
            for key, item in list(value.items())[:256]:
                if isinstance(item, np.ndarray) and item.dtype.kind in "fc":
                    out[f"{attr}[{key!r}]"] = item
        elif isinstance(value, list) and len(value) <= 256:
            for i, item in enumerate(value):
                if isinstance(item, np.ndarray) and item.dtype.kind in "fc":
                    out[f"{attr}[{i}]"] = item
    return out


_NAME = re.compile(r"^(?P<attr>[A-Za-z_][A-Za-z0-9_]*)(?:\[(?P<key>.+)\])?$")


def _token(name: str) -> tuple[str, str]:
    """``W[1]`` -> ('W', '1'); ``params['W1']`` -> ('W1', ''); ``W1`` -> ('W1', '').

    The first part is what a gradient's name adds a ``d`` to; the second the layer key it shares.
    """
    m = _NAME.match(name)
    if not m:
        return name, ""
    attr, key = m.group("attr"), m.group("key")
    if key is None:
        return attr, ""
    stripped = key.strip("'\"")
    if stripped != key and re.match(r"^[A-Za-z_]", stripped):
        return stripped, ""  # a string key names the tensor itself
    return attr, stripped


_GRAD_CONTAINERS = ("grads", "gradients", "grad", "dparams", "d_params", "derivatives")


def _container(name: str) -> str:
    m = _NAME.match(name)
    return m.group("attr") if m and m.group("key") is not None else ""


def _gradient_bases(base: str) -> tuple[str, ...]:
    return ("d" + base, "d_" + base, "grad_" + base, base + "_grad", "grad" + base)


def pair_gradients(params: Mapping[str, Any], grads: Mapping[str, Any]) -> dict[str, str]:
    """Parameter name -> gradient name, by the names a user's code gives them.

    ``W1`` <-> ``dW1``, ``W[1]`` <-> ``dW[1]``, ``params['W1']`` <-> ``grads['dW1']`` or a
    ``grads['W1']`` kept in a container named like gradients. A name with no partner is left out.
    """
    by_token: dict[tuple[str, str], list[str]] = {}
    for g in grads:
        by_token.setdefault(_token(str(g)), []).append(str(g))
    out: dict[str, str] = {}
    for p in params:
        base, key = _token(str(p))
        found = None
        for cand in _gradient_bases(base):
            names = by_token.get((cand, key))
            if names:
                found = names[0]
                break
        if found is None:
            for g in by_token.get((base, key), []):
                if g != p and (_container(g).lower() in _GRAD_CONTAINERS or g == base):
                    found = g
                    break
        if found is not None:
            out[str(p)] = found
    return out


_BIAS = re.compile(r"^(b|bias|beta|biases)_?\d*$|bias", re.IGNORECASE)


def is_weight_name(name: str) -> bool:
    """True for weights (``W1``, ``W[2]``, ``params['W1']``); False for biases and shifts."""
    base, _ = _token(name)
    return not _BIAS.search(base)


def _scalar_cost(value: Any) -> float | None:
    """A float when ``value`` is one real number (a Python/NumPy float or a size-1 float array)."""
    t = type(value)
    if t is dict or t is tuple or value is None:
        return None  # the usual results, answered without the isinstance chain below
    if t is float:
        return value  # type: ignore[no-any-return]
    if isinstance(value, bool):
        return None
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind == "f":
        return float(value.reshape(()))
    return None


def _cost_from_result(result: Any) -> float | None:
    if type(result) is dict:
        for key in ("cost", "loss", "J"):
            if key in result:
                return _scalar_cost(result[key])
        return None
    cost = _scalar_cost(result)
    if cost is not None:
        return cost
    if isinstance(result, tuple):
        found = [c for c in (_scalar_cost(x) for x in result) if c is not None]
        return found[0] if len(found) == 1 else None
    if isinstance(result, Mapping):
        for key in ("cost", "loss", "J"):
            if key in result:
                return _scalar_cost(result[key])
    return None


_CACHE = re.compile(
    r"^(A|Z|a|z|H|h|AL|X|x|Y|y|S|out|output|outputs|scores|probs|logits|y_hat|yhat|Y_hat|cache|caches|"
    r"activations?|pre_?activations?|delta|deltas|error|errors)_?\d*$"
)


def _cache_like(name: str) -> bool:
    """Forward-pass values and data (``A1``, ``cache['Z1']``, ``self.X``): never parameters, although
    backprop writes a ``dA1``/``dZ1`` named like their gradient."""
    base, _ = _token(name)
    container = _container(name).lower()
    return bool(_CACHE.match(base)) or container in (
        "cache",
        "caches",
        "activations",
        "forward_cache",
    )


_DATA = re.compile(r"^(X|x|Y|y|inputs?|labels?|targets?|data)(_\w+)?$")


def _input_rank(name: str) -> int:
    """0 for data, 1 for parameters, 2 for gradients and forward caches."""
    base, _ = _token(name)
    if _DATA.match(base):
        return 0
    if _cache_like(name) or re.match(r"^d_?[A-Za-z]", base) or _container(name) in _GRAD_CONTAINERS:
        return 2
    return 1


def _first_parameter(fn: Callable[..., Any]) -> str | None:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    return params[0].name if params else None


# --------------------------------------------------------------------------------------------------
# The watch


#: Watches armed per thread, in the order they were armed (see :meth:`Watch._disarm`).
_ARMED: dict[int, list[Watch]] = {}


class _Series:
    """Readings of one tensor, appended at reading steps."""

    __slots__ = ("grad_norms", "norms", "ratios", "shape")

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape
        self.norms: list[tuple[int, float]] = []
        self.grad_norms: list[tuple[int, float]] = []
        self.ratios: list[tuple[int, float]] = []


def _norm(a: np.ndarray) -> float:
    """The Frobenius norm in one BLAS call (vdot flattens; abs() for complex arrays)."""
    return math.sqrt(abs(float(np.vdot(a, a))))


class Watch:
    """The state of one watch: the step counter, NumPy's error callback, the health readings.

    One per decorated function (``fn.watch``), or made by :func:`train`. ``start()`` arms NumPy's
    error callback (the first call does it), ``stop()`` restores the program's own ``np.seterr`` and
    ``np.seterrcall`` exactly (also registered with :mod:`atexit`); a ``with`` block does both. After
    ``stop()`` a later call starts watching again and the step count goes on.

    Parameters for the update/weight ratios come from ``params`` (a mapping, or a zero-argument
    callable returning one, read live at every reading), or else are found by name: the arrays on
    ``self`` (or the dict arguments of a function) that have a gradient named like them among what
    the call produced (``W1``/``dW1``, ``W[1]``/``dW[1]``, ``params['W1']``/``grads['dW1']``).
    """

    def __init__(
        self,
        options: WatchOptions | None = None,
        *,
        name: str | None = None,
        model: Any = None,
        loss: Callable[[], Any] | str | None = None,
        params: Mapping[str, np.ndarray] | Callable[[], Mapping[str, np.ndarray]] | None = None,
        state: Any = None,
        returned: tuple[str | None, ...] | None = None,
        function: Callable[..., Any] | None = None,
        method: bool = False,
        loss_fallback: Callable[[], Any] | None = None,
        quiet: bool = False,
        summary_sink: Callable[[WatchSummary], None] | None = None,
    ) -> None:
        self.options = options or WatchOptions()
        self.name = name
        self.step = 0
        self.costs: list[float | None] = []
        self.nonfinite_steps = 0
        self.first: NonFinite | None = None
        self.first_step: int | None = None
        self.detected_step: int | None = None
        self.origins: list[tuple[int, NonFinite]] = []
        self.checks: list[GradientCheck] = []
        self.activations: list[tuple[int, tuple[ActivationStats, ...]]] = []
        self.errors = ErrorWatch(phase="watch")
        self.done = False  # ended by a NaN without keep_going: later calls run unwatched
        self._model_spec = model
        self._model: Model | None = model if isinstance(model, Model) else None
        self._loss = loss
        self._params = params
        self._state = state
        self._returned = returned
        self._function = function
        self._method = method
        self._loss_fallback = loss_fallback
        self._cost_found = False
        self.quiet = quiet  # record only: no NonFiniteError, no warnings (train() reports instead)
        self._summary_sink = summary_sink
        self._series: dict[str, _Series] = {}
        self._snapshot: dict[str, np.ndarray] = {}
        self._snapshot_pending = False
        self._param_names: dict[str, str] | None = None  # param name -> gradient name
        self._arg_params: dict[str, tuple[int, Any]] | None = None  # param -> (argument, key)
        self._last_grads: dict[str, np.ndarray] = {}
        self._stored_cost_id: int | None = None
        self._events_at_test = 0
        self._last_full = 0
        self._cursor = 0
        self._locations: list[tuple[str, str, Any]] = []
        self._moving: list[tuple[str, str, Any]] = []  # locations whose array was replaced lately
        self._seen_at_full: _WeakValues = _WeakValues(())
        self._seconds = 0.0
        self._started: float | None = None
        self._thread: int | None = None
        self._exit_registered = False
        self._summary_done = False
        self._own_calls = 0  # > 0 while the watch runs the user's code itself (checks, traces)

    # -- arming -----------------------------------------------------------------------------------
    def start(self) -> Watch:
        """Arm NumPy's error callback (idempotent). Watching covers code between calls too."""
        if not self.errors.armed:
            self.errors.start()
            self._thread = threading.get_ident()
            _ARMED.setdefault(self._thread, []).append(self)
            self._started = time.perf_counter()
        if not self._exit_registered:
            atexit.register(self._at_exit)
            self._exit_registered = True
        return self

    def stop(self) -> None:
        """Restore the program's own ``np.seterr``/``np.seterrcall``. Safe to call more than once."""
        if self.errors.armed:
            self._disarm()
            if self._started is not None:
                self._seconds += time.perf_counter() - self._started
                self._started = None
        if self._exit_registered and not self.options.summary:
            atexit.unregister(self._at_exit)  # nothing left to do at exit: let the watch be freed
            self._exit_registered = False

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
            self.errors._armed = False
            return
        if here is not None and here < len(stack):
            above = stack[here].errors
            above._saved_err, above._saved_call = self.errors._saved_err, self.errors._saved_call
            self.errors._armed = False
            return
        self.errors.stop()

    def __enter__(self) -> Watch:  # noqa: PYI034 - Watch is not meant to be subclassed
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def armed(self) -> bool:
        return self.errors.armed

    def _at_exit(self) -> None:
        self.stop()
        if self.options.summary and not self._summary_done and self.step:
            self._summary_done = True
            sink = self._summary_sink
            if sink is None:
                from gradcheck.render_watch import print_summary_stderr

                sink = print_summary_stderr
            sink(self.summary())

    # -- one call ---------------------------------------------------------------------------------
    def call(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run ``fn(*args, **kwargs)`` as watched step ``self.step + 1``."""
        if self.done or self._own_calls:
            return fn(*args, **kwargs)
        errors = self.errors
        if not errors.armed:
            self.start()
        step = self.step = self.step + 1
        errors.step = step
        state = self._state
        if state is None and self._method and args:
            state = args[0]
        pre_cost: float | None = None
        if self._loss is not None or (self._loss_fallback is not None and not self._cost_found):
            pre_cost = self._read_loss(state)
        try:
            result = fn(*args, **kwargs)
        except FloatingPointError:
            # The program's own np.seterr(...='raise') fired (ErrorWatch chains it): the statement
            # never completed, so the event itself is the origin.
            event = _last_event(errors, step)
            if errors.first is None and event is not None:
                errors.first = _from_event(event)
            self.stop()
            raise
        except BaseException:
            self.stop()
            raise
        errors.step = step + 1  # what runs between this call and the next belongs to the next step
        self._after(step, result, state, args, pre_cost)
        return result

    @contextlib.contextmanager
    def _own(self) -> Iterator[None]:
        """The watch runs the user's code itself (a loss, a check, a trace): NumPy's errors there are
        not the program's, and a call of the watched function from inside is not a training step."""
        self._own_calls += 1
        try:
            with self.errors.paused(), np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                yield
        finally:
            self._own_calls -= 1

    def _read_loss(self, state: Any) -> float | None:
        """The loss evaluated before the call: the cost at the parameters this step starts from.

        NumPy's errors are ignored meanwhile: this is the watch's own evaluation, and a log(0) in it
        must not be taken for the origin of a NaN the user's step makes.
        """
        loss = self._loss if self._loss is not None else self._loss_fallback
        with self._own():
            if isinstance(loss, str):
                value = getattr(state, loss, None)
                value = value() if callable(value) else value
            elif loss is not None:
                value = loss()
            else:  # pragma: no cover - guarded by the caller
                return None
        return _scalar_cost(value)

    def _after(
        self, step: int, result: Any, state: Any, args: tuple[Any, ...], pre_cost: float | None
    ) -> None:
        errors = self.errors
        reading = self._snapshot_pending or (step - 1) % self.options.every == 0
        full = (
            step == 1
            or self.first is not None  # keep_going after a NaN: count every non-finite call
            or errors.n_events != self._events_at_test
            or step - self._last_full >= FULL_SCAN_EVERY
        )
        if full:
            self._last_full = step
        # The watch's own reductions must not reach the program's error handling: a finite sum
        # that overflows is the watch's business (ErrorWatch ignores events while it is busy).
        errors._busy = True
        try:
            bad = self._test(result, state, full)
        finally:
            errors._busy = False
        self._events_at_test = errors.n_events
        cost = None if self._loss is not None else self._read_cost(result, state)
        if cost is not None:
            self._cost_found = True
        self.costs.append(cost if cost is not None else pre_cost)
        if bad is not None:
            self._on_nonfinite(step, bad, result, state, args)
            if self.done:
                return
        elif errors.first is not None:
            # A statement made an Inf/NaN that never reached what the call produced (a -inf mask,
            # a log(0) of a value that was then discarded): not an origin of anything yet.
            errors.first = None
        if reading:
            self._read_health(step, result, state, args)
        opts = self.options
        if opts.check_every and step % opts.check_every == 0:
            self.check_gradients(step, state)
        if opts.trace_every and step % opts.trace_every == 0:
            self.trace(step, state)

    def _test(self, result: Any, state: Any, full: bool) -> str | None:
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
                scalar = _scalar_cost(result)
                if scalar is not None:
                    return None if math.isfinite(scalar) else "<return>"
                arrays = self._share(_result_arrays(result), full)
            if arrays and _any_nonfinite(arrays):
                named = self._named_result(result)
                return next((n for n, a in named.items() if _nonfinite(a)), "<return>")
            return None
        if state is None:
            return None
        try:
            attrs = object.__getattribute__(state, "__dict__")
            if full or not self._locations:
                picked = self._read_all(state, attrs)
            else:
                picked = [
                    (name, attrs[attr] if key is _NO_KEY else attrs[attr][key])
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
        self._locations = _object_locations(state)
        picked = [
            (name, attrs[attr] if key is _NO_KEY else attrs[attr][key])
            for name, attr, key in self._locations
        ]
        previous = self._seen_at_full
        moving = [
            loc for loc, (name, v) in zip(self._locations, picked) if previous.get(name) is not v
        ]
        self._moving = moving or self._locations
        # Weak references: holding the old arrays alive would double the memory of a big cache.
        self._seen_at_full = _WeakValues((name, v) for name, v in picked if type(v) is np.ndarray)
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

    def _named_result(self, result: Any) -> dict[str, np.ndarray]:
        if result is None:
            return {}
        if isinstance(result, np.ndarray):
            return {"<return>": result} if result.dtype.kind in "fc" and result.ndim else {}
        if isinstance(result, Mapping):
            return {str(k): v for k, v in result.items() if _is_float_array(v)}
        if isinstance(result, (tuple, list)):
            if self._returned is None and self._function is not None:
                # Read from the source once, when first needed (parsing it costs milliseconds).
                from gradcheck.adapters import returned_names

                self._returned = returned_names(self._function) or ()
            names = self._returned
            out: dict[str, np.ndarray] = {}
            for i, v in enumerate(result):
                if _is_float_array(v):
                    label = names[i] if names and i < len(names) and names[i] else f"<return>[{i}]"
                    out[str(label)] = v
                elif isinstance(v, Mapping):
                    out.update({str(k): x for k, x in v.items() if _is_float_array(x)})
            return out
        return {}

    def _read_cost(self, result: Any, state: Any) -> float | None:
        if result is not None:
            cost = _cost_from_result(result)
            if cost is not None:
                return cost
        if state is None:
            return None
        try:
            attrs = object.__getattribute__(state, "__dict__")
        except AttributeError:
            return None
        if not attrs.keys() & _STORED_COST_SET:  # one C-level test for the usual "none stored"
            return None
        for name in STORED_COST_NAMES:
            value = attrs.get(name)
            if value is None:
                continue
            cost = _scalar_cost(value)
            if cost is not None:
                # A stored cost counts only when this step wrote it (a new object), so an initial
                # ``self.cost = 1.0`` that nothing updates is not read as a flat curve.
                if id(value) == self._stored_cost_id:
                    return None
                self._stored_cost_id = id(value)
                return cost
        return None

    # -- health readings --------------------------------------------------------------------------
    def _produced(self, result: Any, state: Any) -> Mapping[str, np.ndarray]:
        """What the call produced, by name: the returned arrays, or the object's arrays."""
        if result is not None:
            return self._named_result(result)
        return _object_arrays(state) if state is not None else {}

    def _resolve_params(
        self,
        produced: Mapping[str, np.ndarray],
        arrays: Mapping[str, np.ndarray] | None,
        args: tuple[Any, ...],
    ) -> dict[str, np.ndarray]:
        """The parameters now: given, found among the object's ``arrays``, or in dict arguments."""
        spec = self._params
        if spec is not None:
            mapping = spec() if callable(spec) else spec
            given = {str(k): v for k, v in mapping.items() if _is_float_array(v)}
            if self._param_names is None and produced:
                self._param_names = pair_gradients(given, produced)
            return given
        if arrays is not None:
            if self._param_names is None:
                candidates = {n: a for n, a in arrays.items() if not _cache_like(n)}
                self._param_names = pair_gradients(candidates, {**arrays, **produced})
            return {p: arrays[p] for p in self._param_names if p in arrays}
        if self._arg_params is None:
            # Once: which dict argument holds which parameter (read live at every reading).
            found: dict[str, tuple[int, Any]] = {}
            for i, arg in enumerate(args):
                if isinstance(arg, Mapping):
                    for k, v in arg.items():
                        if _is_float_array(v) and not _cache_like(str(k)):
                            found.setdefault(str(k), (i, k))
            self._param_names = pair_gradients(found, produced)
            self._arg_params = {p: found[p] for p in self._param_names}
        out: dict[str, np.ndarray] = {}
        for name, (i, key) in self._arg_params.items():
            value = args[i].get(key) if i < len(args) and isinstance(args[i], Mapping) else None
            if isinstance(value, np.ndarray) and value.dtype.kind in "fc":
                out[name] = value
        return out

    def _read_health(self, step: int, result: Any, state: Any, args: tuple[Any, ...]) -> None:
        """Norms and gradient norms at a reading step; the update/weight ratio one step later."""
        taking = (step - 1) % self.options.every == 0
        with self.errors.paused(), np.errstate(all="ignore"):
            arrays = _object_arrays(state) if state is not None else None
            produced: Mapping[str, np.ndarray] = {}
            if taking or self._param_names is None:
                # Gradients may be returned, or left on the object (a train_step returning the cost).
                produced = {**(arrays or {}), **self._named_result(result)}
            params = self._resolve_params(produced, arrays, args)
            if self._snapshot_pending:
                for name, arr in params.items():
                    old = self._snapshot.get(name)
                    series = self._series.get(name)
                    if old is None or series is None or old.shape != arr.shape or not series.norms:
                        continue
                    base = series.norms[-1][1]  # ||W|| when the snapshot was taken
                    if base > 0 and math.isfinite(base):
                        # In place: the snapshot is taken again at the next reading.
                        np.subtract(arr, old, out=old)
                        series.ratios.append((step, _norm(old) / base))
                self._snapshot_pending = False
            if not taking:
                return
            grads = produced
            pairs = self._param_names
            self._last_grads = {}
            for name, arr in params.items():
                series = self._series.get(name)
                if series is None:
                    series = self._series[name] = _Series(tuple(arr.shape))
                series.norms.append((step, _norm(arr)))
                gname = (pairs or {}).get(name)
                if gname is None and name in grads and grads[name] is not arr:
                    gname = name  # gradient_descent() returns them under the parameters' names
                g = grads.get(gname) if gname is not None else None
                if gname is not None and g is not None and g.shape == arr.shape:
                    series.grad_norms.append((step, _norm(g)))
                    self._last_grads["d" + name if gname == name else gname] = g
                snap = self._snapshot.get(name)
                if snap is None or snap.shape != arr.shape or snap.dtype != arr.dtype:
                    self._snapshot[name] = arr.copy()
                else:
                    np.copyto(snap, arr)
            self._snapshot_pending = bool(params)

    # -- heavier checks, when asked ---------------------------------------------------------------
    def model_for(self, state: Any) -> Model:
        """The model for gradient checks and traces: given, or found on the watched object."""
        if self._model is not None:
            return self._model
        spec = self._model_spec
        if spec is None and state is None:
            raise GradcheckError(
                "check_every/trace_every need a model: pass model= (a gradcheck.Model, e.g. from "
                "gradcheck.make_model(...), or your network object) when the decorated function is "
                "not a method"
            )
        from gradcheck.adapters import from_object

        with self._own():
            if spec is None:
                cost = self._loss if isinstance(self._loss, str) else None
                self._model = from_object(state, cost=cost)
            elif inspect.isroutine(spec):
                built = spec()
                self._model = built if isinstance(built, Model) else from_object(built)
            else:
                self._model = from_object(spec)
        return self._model

    def check_gradients(self, step: int, state: Any = None) -> GradientCheck:
        """A gradient check now (parameters are restored bit for bit); kept in the summary."""
        from gradcheck.api import check_model

        model = self.model_for(state)
        with self._own():
            report = check_model(model, Options(seed=step))
        record = GradientCheck(step, report)
        self.checks.append(record)
        if not report.ok and not self.quiet:
            failed = ", ".join(t.name for t in report.failed) or "non-finite loss"
            warnings.warn(
                WatchWarning(f"gradient check at step {step} failed: {failed}"), stacklevel=4
            )
        return record

    def trace(self, step: int, state: Any = None) -> tuple[ActivationStats, ...]:
        """One traced forward pass: saturation and dead units now (kept for the trend warnings)."""
        model = self.model_for(state)
        with self._own():
            stats = tuple(trace_activations(model.loss))
        self.activations.append((step, stats))
        return stats

    # -- the first NaN ----------------------------------------------------------------------------
    def _on_nonfinite(
        self,
        step: int,
        label: str,
        result: Any,
        state: Any,
        args: tuple[Any, ...],
    ) -> None:
        self.nonfinite_steps += 1
        errors = self.errors
        origin = errors.first
        errors.first = None  # later origins (keep_going) are caught afresh
        origin_step = step
        if origin is not None:
            origin_step = int(origin.details.get("step") or step)
        elif self.origins:
            return  # the same NaN carried on (NumPy is silent on NaN arithmetic): reported already
        else:
            origin = self._silent_origin(step, label, self._produced(result, state), state, args)
        self.origins.append((origin_step, origin))
        if self.first is None:
            self.first, self.first_step, self.detected_step = origin, origin_step, step
        error = nonfinite_error(origin, step=origin_step)
        if origin_step != step:
            error.args = (f"{error.args[0]}\n(Found in what step {step} produced.)",)
        if not self.options.keep_going:
            self.stop()
            self.done = True
        if self.quiet:
            return
        if self.options.warn:
            warnings.warn(NonFiniteWarning(str(error), error), stacklevel=4)
            return
        raise error

    def _silent_origin(
        self,
        step: int,
        label: str,
        produced: Mapping[str, np.ndarray],
        state: Any,
        args: tuple[Any, ...],
    ) -> NonFinite:
        """NumPy reported nothing: the NaN was in the inputs, or made where errors were ignored.

        The object's arrays are searched data first (``X``, ``Y``), then parameters, then the rest
        (gradients and caches hold the NaN because an input did).
        """
        inputs: dict[str, Any] = {}
        if state is not None:
            now = _object_arrays(state)
            for name in sorted(now, key=_input_rank):
                inputs[name] = now[name]
        for i, arg in enumerate(args):
            if _is_float_array(arg) or isinstance(arg, Mapping):
                inputs.setdefault(f"argument {i + 1}", arg)
        from gradcheck.numerics import scan_inputs

        with np.errstate(all="ignore"):
            found = scan_inputs(inputs, phase="watch")
        if found is not None:
            return NonFinite(
                phase="watch",
                file=None,
                line=None,
                function=None,
                variable=found.variable,
                kind="input",
                message=(
                    f"{found.variable} held a non-finite value when step {step} ran, and NumPy reported "
                    f"no error making it: it came with the data, or a step before watching began wrote it."
                ),
                operands=found.operands,
                cause=found.cause,
                fix=found.fix,
                details={**found.details, "step": step},
            )
        value = produced.get(label)
        return NonFinite(
            phase="watch",
            file=None,
            line=None,
            function=None,
            variable=label,
            kind="unknown",
            message=(
                f"{label} came out non-finite at step {step}, but NumPy reported no error making it: "
                f"it was made inside np.errstate(...='ignore') in your code, with Python floats, or in a "
                f"compiled library."
            ),
            operands=(summarize(value, expr=label),) if value is not None else (),
            fix=(
                "Remove the np.errstate(...='ignore') around the computation (or run it with "
                "np.seterr(all='raise') once) to see the statement that makes it."
            ),
            details={"detected_by": "finiteness test", "step": step},
        )

    # -- the summary ------------------------------------------------------------------------------
    def tensors(self) -> tuple[TensorHealth, ...]:
        return tuple(
            TensorHealth(
                name=name,
                shape=s.shape,
                is_weight=is_weight_name(name),
                norms=tuple(s.norms),
                grad_norms=tuple(s.grad_norms),
                update_ratios=tuple(s.ratios),
            )
            for name, s in self._series.items()
        )

    def adopt_pending_origin(self) -> bool:
        """After a call raised: keep the origin NumPy reported during it as the first non-finite.

        True when there is one (then the call's exception is a consequence of the NaN), False when
        NumPy reported nothing that made a non-finite value.
        """
        origin = self.errors.first
        if origin is None:
            event = _last_event(self.errors, self.step)
            if event is None or event.verdict is False:
                return self.first is not None
            origin = _from_event(event)
        self.errors.first = None
        step = int(origin.details.get("step") or self.step)
        self.origins.append((step, origin))
        if self.first is None:
            self.first, self.first_step, self.detected_step = origin, step, self.step
        self.nonfinite_steps += 1
        return True

    @property
    def last_grads(self) -> Mapping[str, np.ndarray]:
        """The gradients seen at the last reading, by gradient name (for gradient_norm_health)."""
        return self._last_grads

    def summary(
        self,
        *,
        lr: float | None = None,
        extra_warnings: Iterable[ReportWarning] = (),
        **fields: Any,
    ) -> WatchSummary:
        """What the watch saw so far, with the training-health warnings."""
        tensors = self.tensors()
        trend = cost_trend(self.costs)
        health = training_health(
            self.costs, tensors, lr=lr, activations=self.activations, nonfinite=self.first
        )
        grads_health = gradient_norm_health(self._last_grads) if self._last_grads else []
        seconds = self._seconds
        if self._started is not None:
            seconds += time.perf_counter() - self._started
        return WatchSummary(
            steps=self.step,
            costs=tuple(self.costs),
            first_nonfinite=self.first,
            first_nonfinite_step=self.first_step,
            detected_step=self.detected_step,
            nonfinite_steps=self.nonfinite_steps,
            origins=tuple(self.origins),
            warnings=tuple(_dedupe([*health, *extra_warnings, *grads_health])),
            tensors=tensors,
            checks=tuple(self.checks),
            activations=tuple(self.activations),
            trend=trend,
            numpy_events=self.errors.n_events,
            seconds=seconds,
            name=self.name,
            lr=lr,
            **fields,
        )


def _dedupe(items: Iterable[ReportWarning]) -> list[ReportWarning]:
    seen: set[tuple[str, str]] = set()
    out = []
    for w in items:
        if (w.kind, w.where) not in seen:
            seen.add((w.kind, w.where))
            out.append(w)
    return out


def _last_event(errors: ErrorWatch, step: int) -> FPEvent | None:
    """The latest NumPy error event of ``step`` (the one whose statement raised, if one did)."""
    for event in reversed(errors.events):
        if event.step == step:
            return event
        if event.step is not None and event.step < step:
            break
    return None


def _from_event(event: FPEvent) -> NonFinite:
    """An origin from a raw NumPy event whose statement raised (the program's own errstate='raise')."""
    where = f"{os.path.basename(event.file or '?')}:{event.line}"
    return NonFinite(
        phase="watch",
        file=event.file,
        line=event.line,
        function=event.function,
        variable=None,
        kind=event.kind,
        message=f"{event.kind} at {where} in {event.function}() (your np.seterr raised there).",
        details={"detected_by": "seterrcall", "step": event.step, "verified": False},
    )


# --------------------------------------------------------------------------------------------------
# The decorator


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
    :class:`~gradcheck.result.NonFinite` record (operand summaries, cause, fix).

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

    if fn is not None:
        return decorate(fn)
    return decorate


# --------------------------------------------------------------------------------------------------
# Training health from the recorded series


def _smooth(values: Sequence[float], width: int) -> list[float]:
    """Centered moving average (shorter at the ends): one noisy step must not count as a trend."""
    if width <= 1:
        return list(values)
    half = width // 2
    csum = np.concatenate([[0.0], np.cumsum(values)])
    out = []
    n = len(values)
    for i in range(n):
        lo, hi = max(0, i - half), min(n, i + half + 1)
        out.append(float((csum[hi] - csum[lo]) / (hi - lo)))
    return out


def cost_trend(costs: Sequence[float | None]) -> CostTrend | None:
    """Read a cost curve: where it started, its minimum, whether it rose, oscillated or stayed flat.

    Only the finite costs up to the first non-finite one count (after a NaN there is nothing to
    read). Needs at least 10 of them.
    """
    values: list[float] = []
    for c in costs:
        if c is None:
            continue
        if not math.isfinite(c):
            break
        values.append(float(c))
    n = len(values)
    if n < 10:
        return None
    smooth = _smooth(values, max(1, n // 25))
    i_min = int(np.argmin(smooth))
    start, last, minimum = values[0], values[-1], values[int(np.argmin(values))]
    s_start, s_last, s_min = smooth[0], smooth[-1], smooth[i_min]
    tail = values[n // 2 :]
    diffs = np.diff(tail)
    scale = max(abs(s_min), 1e-12)
    tiny = 1e-9 * scale
    up_share = float(np.count_nonzero(diffs > tiny)) / max(1, len(diffs))
    gained = s_start - s_min
    rise = s_last - s_min
    rising = i_min < n - 1 and rise > max(COST_RISE_SHARE * gained, COST_FLAT * scale)
    q = max(1, len(tail) // 4)
    tail_progress = float(np.mean(tail[:q]) - np.mean(tail[-q:]))
    swing = float(np.mean(np.abs(diffs))) if len(diffs) else 0.0
    # Oscillating: up and down in turn (a steady climb is "rising"), by more than round-off, with
    # no net progress over the second half.
    signs = np.sign(diffs[np.abs(diffs) > tiny])
    turns = float(np.mean(signs[1:] != signs[:-1])) if len(signs) > 1 else 0.0
    oscillating = (
        up_share >= COST_OSCILLATING_SHARE
        and turns >= COST_OSCILLATING_SHARE
        and swing > COST_FLAT * scale
        and tail_progress <= swing
    )
    flat = (
        abs(float(np.mean(tail[-q:]) - np.mean(tail[:q]))) <= COST_FLAT * scale and not oscillating
    )
    raw_min = int(np.argmin(values))
    peak_rel = int(np.argmax(values[raw_min:])) + raw_min
    return CostTrend(
        start=start,
        last=last,
        minimum=minimum,
        min_step=raw_min + 1,
        peak_after_min=values[peak_rel],
        peak_step=peak_rel + 1,
        up_share=up_share,
        steps=n,
        rising=rising,
        oscillating=oscillating,
        flat=flat,
        diverged=s_last > s_start and (rising or oscillating),
    )


def _scale_ratio(shape: tuple[int, ...], norm: float) -> float:
    """RMS(W) * sqrt(fan_in): 1 for LeCun scale, 1.41 for He (fan-in read as the smaller dimension,
    the reading that gives the smaller ratio, so a warning never rests on a layout guess)."""
    size = math.prod(shape) or 1
    fan_in = min(shape) if len(shape) >= 2 else 1
    return norm / math.sqrt(size) * math.sqrt(fan_in)


def _chance_level(cost: float) -> int | None:
    """k when the cost is log(k): the cross-entropy of predicting 1/k for every one of k classes."""
    for k in range(2, 1001):
        if abs(cost - math.log(k)) <= CHANCE_TOLERANCE * math.log(k):
            return k
    return None


def _ratio_text(tensors: Sequence[TensorHealth]) -> str:
    parts = [
        f"{t.name} {t.update_ratio:.2g}"
        for t in tensors
        if t.is_weight and t.update_ratio is not None
    ]
    return ", ".join(parts)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%" if x >= 0.01 else f"{100 * x:.2g}%"


def training_health(
    costs: Sequence[float | None],
    tensors: Sequence[TensorHealth],
    *,
    lr: float | None = None,
    activations: Sequence[tuple[int, Sequence[ActivationStats]]] = (),
    nonfinite: NonFinite | None = None,
) -> list[ReportWarning]:
    """Warnings about a run from what a watch recorded. Each says what it saw and what usually fixes it.

    * ``cost_rising`` / ``cost_oscillating``: the cost climbed back from its minimum, or went up on a
      third of the steps with no net progress; with the update/weight ratios, the learning rate is
      probably too high.
    * ``cost_plateau``: the cost did not move in the second half of the run and either never fell or
      sits at chance level (log k).
    * ``update_ratio_high`` / ``update_ratio_low``: a weight's median ||dW|| / ||W|| per step far above
      or (with a cost that did not fall) far below 1e-3. ``not_updated``: a weight with a non-zero
      gradient that never changed.
    * ``weights_growing``, ``gradients_exploding``: norms that grew over the run.
    * ``saturation_rising``, ``dead_units_rising``: from activation traces at two or more steps.
    """
    out: list[ReportWarning] = []
    trend = cost_trend(costs)
    lr_text = f" (learning rate {lr:g})" if lr is not None else ""
    weights = [t for t in tensors if t.is_weight]
    high = [t for t in weights if t.update_ratio is not None and t.update_ratio > UPDATE_RATIO_HIGH]
    ratios = _ratio_text(tensors)
    ratio_clause = (
        f" The update/weight ratio ||dW||/||W|| per step is {ratios} (median; healthy is about 1e-3)."
        if ratios
        else ""
    )
    if trend is not None and (trend.rising or trend.oscillating):
        saw = (
            f"the cost fell from {trend.start:.4g} to {trend.minimum:.4g} at step {trend.min_step}, then "
            f"rose: {trend.last:.4g} at step {trend.steps}"
        )
        if trend.peak_after_min > trend.last and trend.peak_step != trend.steps:
            saw += f" (peak {trend.peak_after_min:.4g} at step {trend.peak_step}"
            saw += ", above where it started)" if trend.peak_after_min > trend.start else ")"
        if trend.oscillating:
            saw += f"; in the second half it went up on {_pct(trend.up_share)} of the steps"
        kind = "cost_oscillating" if trend.oscillating else "cost_rising"
        verdict = "learning rate probably too high" + lr_text
        if trend.oscillating and not trend.rising:
            saw = (
                f"the cost oscillates: in the second half of the run it went up on "
                f"{_pct(trend.up_share)} of the steps without net progress (from {trend.start:.4g} at "
                f"step 1 to {trend.last:.4g} at step {trend.steps}, lowest {trend.minimum:.4g} at step "
                f"{trend.min_step})"
            )
        out.append(
            ReportWarning(
                kind=kind,
                where="cost",
                message=(
                    f"{verdict}: {saw}. Gradient descent is overshooting the minimum it is in.{ratio_clause} "
                    f"{_FIX_LR_HIGH}"
                ),
                details={"trend": trend.to_dict(), "lr": lr},
            )
        )
    elif trend is not None and trend.flat:
        chance = _chance_level(trend.last)
        never = trend.last >= trend.start * (1 - 1e-3)
        if chance or never:
            what = (
                f"the cost has stayed at {trend.last:.4g} over the second half of the run "
                f"(it started at {trend.start:.4g})"
            )
            if chance:
                what += (
                    f"; that is log({chance}) = {math.log(chance):.4g}, the cost of predicting 1/{chance} "
                    f"for every example: the network has learnt nothing beyond chance"
                )
            out.append(
                ReportWarning(
                    kind="cost_plateau",
                    where="cost",
                    message=f"training has stalled: {what}.{ratio_clause} {_FIX_STALLED}",
                    details={"trend": trend.to_dict(), "chance_classes": chance},
                )
            )
    for t in high:
        assert t.update_ratio is not None
        out.append(
            ReportWarning(
                kind="update_ratio_high",
                where=t.name,
                message=(
                    f"{t.name}: each step changes the weights by {t.update_ratio:.2g} of their norm (median "
                    f"||dW||/||W|| over {len(t.update_ratios)} measured steps; healthy is about 1e-3, so "
                    f"{t.update_ratio / UPDATE_RATIO_HEALTHY:.0f}x too large){lr_text}: the learning rate is "
                    f"probably too high. Lower it until the ratio is near 1e-3."
                ),
                details={"update_ratio": t.update_ratio, "steps": len(t.update_ratios)},
            )
        )
    cost_fell = trend is not None and trend.minimum < trend.start * (1 - 1e-2)
    for t in weights:
        r = t.update_ratio
        if r is None:
            continue
        moving_grad = t.grad_norm_last is not None and t.grad_norm_last > 0
        if r == 0 and moving_grad:
            out.append(
                ReportWarning(
                    kind="not_updated",
                    where=t.name,
                    message=(
                        f"{t.name} never changed over {len(t.update_ratios)} measured steps although its gradient "
                        f"is non-zero (norm {t.grad_norm_last:.3g}): the update does not reach this array "
                        f"(a copy is updated, the result of W - lr * dW is not stored back, or the loop "
                        f"skips this layer)."
                    ),
                    details={"grad_norm": t.grad_norm_last},
                )
            )
        elif 0 < r < UPDATE_RATIO_LOW and not cost_fell:
            out.append(
                ReportWarning(
                    kind="update_ratio_low",
                    where=t.name,
                    message=(
                        f"{t.name}: each step changes the weights by only {r:.2g} of their norm (median; healthy "
                        f"is about 1e-3){lr_text}, and the cost is not falling: the learning rate is probably "
                        f"too low. Raise it until the ratio is near 1e-3."
                    ),
                    details={"update_ratio": r},
                )
            )
    for t in weights:
        first, last = t.norm_first, t.norm_last
        if (
            first
            and last
            and last / first >= WEIGHT_GROWTH
            and math.isfinite(last)
            and _scale_ratio(t.shape, last) >= LARGE_INIT_RATIO
        ):
            out.append(
                ReportWarning(
                    kind="weights_growing",
                    where=t.name,
                    message=(
                        f"{t.name}: the weight norm grew {last / first:.3g}x over the run ({first:.3g} at step "
                        f"{t.norms[0][0]}, {last:.3g} at step {t.norms[-1][0]}). Growing weights push "
                        f"pre-activations out until tanh/sigmoid saturate (a sigmoid output rounds to exactly "
                        f"0.0 or 1.0 once |z| > 36.7). Lower the learning rate, add L2 regularisation "
                        f"(lambda / m * W in dW), or stop earlier."
                    ),
                    details={"norm_first": first, "norm_last": last},
                )
            )
        g0, g1 = t.grad_norm_first, t.grad_norm_last
        if g0 and g1 and g0 > 0 and math.isfinite(g1) and g1 / g0 >= GRADIENT_GROWTH:
            out.append(
                ReportWarning(
                    kind="gradients_exploding",
                    where=t.name,
                    message=(
                        f"{t.name}: the gradient norm grew {g1 / g0:.3g}x over the run ({g0:.3g} -> {g1:.3g}): "
                        f"the training is diverging. Lower the learning rate or clip the gradients "
                        f"(g *= min(1, max_norm / ||g||))."
                    ),
                    details={"grad_norm_first": g0, "grad_norm_last": g1},
                )
            )
    out.extend(activation_trends(activations))
    return out


def activation_trends(
    activations: Sequence[tuple[int, Sequence[ActivationStats]]],
) -> list[ReportWarning]:
    """Saturation and dead units that grew between the first and the last activation trace."""
    if len(activations) < 2:
        return []
    (s0, first), (s1, last) = activations[0], activations[-1]
    before = {(s.name, s.kind): s for s in first}
    out: list[ReportWarning] = []
    for s in last:
        b = before.get((s.name, s.kind))
        if b is None:
            continue
        if s.kind in (SIGMOID, TANH):
            grew = s.share_saturated - b.share_saturated
            exact_new = s.exact_saturated > b.exact_saturated
            if (grew >= TREND_POINTS and s.share_saturated >= SATURATION_SHARE / 2) or exact_new:
                exact = ""
                if s.exact_saturated:
                    ones = "0.0 or 1.0" if s.kind == SIGMOID else "+-1.0"
                    exact = (
                        f"; {s.exact_saturated} output(s) are now exactly {ones} (gradient exactly 0; "
                        f"log or division by them gives inf)"
                    )
                out.append(
                    ReportWarning(
                        kind="saturation_rising",
                        where=s.name,
                        message=(
                            f"{s.name} ({s.kind}): saturated outputs went from {_pct(b.share_saturated)} at step "
                            f"{s0} to {_pct(s.share_saturated)} at step {s1}{exact}; the largest pre-activations "
                            f"grow as training goes on. Lower the learning rate or add L2 regularisation; for a "
                            f"sigmoid output with cross-entropy compute dZ = A - Y and the cost from Z "
                            f"(np.logaddexp(0, Z) - Y * Z), which stay finite when A rounds to 1.0."
                        ),
                        details={
                            "step_first": s0,
                            "step_last": s1,
                            "before": b.to_dict(),
                            "after": s.to_dict(),
                        },
                    )
                )
        elif (
            s.kind == RELU
            and s.dead_share is not None
            and b.dead_share is not None
            and s.dead_share - b.dead_share >= TREND_POINTS
            and s.dead_share >= DEAD_RELU_SHARE
        ):
            out.append(
                ReportWarning(
                    kind="dead_units_rising",
                    where=s.name,
                    message=(
                        f"{s.name}: dead ReLU units went from {b.dead_units} of {b.units} at step {s0} to "
                        f"{s.dead_units} of {s.units} at step {s1}; a unit that never fires gets no gradient "
                        f"and never recovers. Usually a learning rate too high (large updates push the "
                        f"biases negative): lower it, or use a leaky ReLU."
                    ),
                    details={"step_first": s0, "step_last": s1},
                )
            )
    return out


def input_health(
    inputs: Mapping[str, Any], *, batch_size: int | None = None
) -> list[ReportWarning]:
    """``unscaled_inputs``: input arrays whose features are far from mean 0 / standard deviation 1.

    The batch axis is the one whose length is ``batch_size`` (course code keeps examples in
    columns); without it the whole array is read at once.
    """
    out: list[ReportWarning] = []
    for name, x in inputs.items():
        if not isinstance(x, np.ndarray) or x.dtype.kind not in "fiu" or x.size < 2 or x.ndim > 2:
            continue
        a = x.astype(np.float64, copy=False)
        with np.errstate(all="ignore"):
            if not np.isfinite(a).all():
                continue
            axis = None
            if batch_size is not None and a.ndim == 2 and batch_size in a.shape:
                axis = a.shape.index(batch_size)
            mean = np.mean(a, axis=axis)
            std = np.std(a, axis=axis)
            rms = np.sqrt(np.asarray(mean) ** 2 + np.asarray(std) ** 2)
            worst = float(np.max(rms))
        if worst <= INPUT_SCALE_MAX:
            continue
        lo, hi = float(a.min()), float(a.max())
        along = ""
        fix_axis = "axis=0"
        if axis is not None:
            fix_axis = f"axis={axis}"
            along = " per feature"
        m_all, s_all = float(a.mean()), float(a.std())
        out.append(
            ReportWarning(
                kind="unscaled_inputs",
                where=name,
                message=(
                    f"{name} is not scaled: values from {lo:.4g} to {hi:.4g}, mean {m_all:.3g}, std {s_all:.3g} "
                    f"(root-mean-square up to {worst:.3g}{along}; expected about 1). Large, uncentred inputs "
                    f"make the first layer's pre-activations and gradients large and uneven, so a learning "
                    f"rate that suits one weight overshoots another. Standardise: {name} = ({name} - "
                    f"{name}.mean({fix_axis}, keepdims=True)) / {name}.std({fix_axis}, keepdims=True), with "
                    f"the same mean and std applied to any test data."
                ),
                details={"min": lo, "max": hi, "mean": m_all, "std": s_all, "rms": worst},
            )
        )
    return out


# --------------------------------------------------------------------------------------------------
# Training for ``gradcheck watch FILE``


def gradient_descent(model: Model, lr: float) -> dict[str, np.ndarray]:
    """One step of plain gradient descent, ``param -= lr * grad`` in place; returns the gradients.

    Gradients are returned under the parameters' report names. A missing or misshapen gradient is a
    :class:`GradcheckError` (nothing is updated then).
    """
    raw = model.grads()
    if not isinstance(raw, Mapping):
        raise GradcheckError(
            f"the gradients must be a mapping of name -> array; got {type(raw).__name__}"
        )
    grads: dict[str, np.ndarray] = {}
    for name, param in model.params.items():
        key, g = match_gradient(name, raw, model.grad_keys)
        if key is None:
            raise GradcheckError(
                f"no gradient for parameter {name!r} (looked for {name!r} and 'd' + name among "
                f"{', '.join(map(str, raw)) or 'no keys'})"
            )
        arr = np.asarray(g)
        if arr.shape != param.shape:
            raise GradcheckError(
                f"the gradient of {name!r} has shape {arr.shape}, the parameter {param.shape}"
            )
        grads[name] = arr
    for name, param in model.params.items():
        param -= lr * grads[name]
    return grads


def set_learning_rate(owners: Iterable[tuple[str, Any]], lr: float) -> str | None:
    """Set the learning rate a ``train_step()`` reads, on the first owner that has one.

    ``owners`` are (label, object or module namespace dict). Returns what was done (for the report),
    or None when no attribute named like a learning rate (:data:`LEARNING_RATE_NAMES`) holds a number.
    """
    for label, owner in owners:
        space = owner if isinstance(owner, dict) else getattr(owner, "__dict__", None)
        if not isinstance(space, dict):
            continue
        for name in LEARNING_RATE_NAMES:
            value = space.get(name)
            if isinstance(value, (int, float, np.floating)) and not isinstance(value, bool):
                old = float(value)
                space[name] = type(value)(lr) if isinstance(value, float) else float(lr)
                where = f"{label}.{name}" if label else name
                if old == lr:
                    return f"train_step() runs at learning rate {lr:g} ({where})"
                return f"train_step() runs at learning rate {lr:g}: set {where} = {lr:g} (the file had {old:g})"
    return None


def _copy_params(params: Mapping[str, np.ndarray], into: dict[str, np.ndarray]) -> None:
    for name, arr in params.items():
        snap = into.get(name)
        if snap is None or snap.shape != arr.shape or snap.dtype != arr.dtype:
            into[name] = arr.copy()
        else:
            np.copyto(snap, arr)


def _restore_params(params: Mapping[str, np.ndarray], saved: Mapping[str, np.ndarray]) -> None:
    for name, arr in params.items():
        snap = saved.get(name)
        if snap is not None and snap.shape == arr.shape:
            np.copyto(arr, snap)


def train(
    model: Model,
    *,
    steps: int,
    lr: float | None = None,
    step: Callable[[], Any] | None = None,
    state: Any = None,
    inputs: Mapping[str, Any] | None = None,
    options: WatchOptions | None = None,
    check: bool = True,
    progress: Callable[[int, int], None] | None = None,
    notes: Sequence[str] = (),
) -> WatchSummary:
    """Train ``model`` for ``steps`` watched steps and return what was seen.

    ``step`` is the user's own training step (``train_step()``); without it, plain gradient descent at
    ``lr`` (:func:`gradient_descent`). ``state`` is the user's network object, whose arrays are
    tested after each step. Before the first step: a gradient check (``check``), the initialisation
    and the ``inputs`` are read, and the forward pass is traced; after the last step (or, when a NaN
    stopped the run, at the last good state, restored from a copy kept before each step) it is traced
    again. A NaN ends the run unless ``options.keep_going``; it is reported in the summary, never
    raised. Ctrl-C ends the run early with ``interrupted`` set.
    """
    if steps < 1:
        raise GradcheckError(f"steps must be at least 1; got {steps}")
    if step is None and lr is None:
        raise GradcheckError("plain gradient descent needs a learning rate (lr)")
    opts = options or WatchOptions()
    warnings_before: list[ReportWarning] = []
    checks: list[GradientCheck] = []
    if check:
        from gradcheck.api import check_model

        with np.errstate(all="ignore"):
            checks.append(GradientCheck(0, check_model(model, Options())))
    warnings_before += parameter_health(model.params)
    warnings_before += input_health(inputs or {}, batch_size=model.extra.get("batch_size"))
    watch_ = Watch(
        opts,
        name="train_step" if step is not None else "gradient descent",
        model=model,
        params=lambda: model.params,
        state=state,
        loss_fallback=model.loss,
        quiet=True,
    )
    watch_.checks.extend(checks)

    def traced(at: int) -> None:
        # A trace is extra evidence: a forward pass that cannot be traced (or raises at a NaN state)
        # leaves the watch's own findings as they are.
        with contextlib.suppress(Exception):
            watch_.trace(at)

    traced(0)
    run: Callable[[], Any]
    if step is not None:
        run = step
    else:
        assert lr is not None
        learning_rate = lr

        def run() -> dict[str, np.ndarray]:
            return gradient_descent(model, learning_rate)

    last_good: dict[str, np.ndarray] = {}
    last_good_step = 0
    interrupted = False
    try:
        with watch_, warnings.catch_warnings():
            # The program's own RuntimeWarnings (divide by zero, ...) are what the summary explains.
            warnings.simplefilter("ignore", RuntimeWarning)
            for i in range(1, steps + 1):
                if watch_.first is None:
                    _copy_params(model.params, last_good)
                    last_good_step = i - 1
                try:
                    watch_.call(run, (), {})
                except Exception as exc:
                    if not watch_.adopt_pending_origin():
                        raise  # an error of the user's code that no NaN explains: the CLI shows it
                    # A NaN was made and the step then failed on it (an assert on the cost, the
                    # program's own np.seterr(...='raise')): the NaN is the finding.
                    raised = f"step {watch_.step} raised {type(exc).__name__}: {exc}"
                    notes = [*notes, f"{raised} (after the non-finite value below was made)"]
                    break
                if progress is not None:
                    progress(i, steps)
                if watch_.first is not None and not opts.keep_going:
                    break
    except KeyboardInterrupt:
        interrupted = True
        watch_.stop()
    if watch_.first is not None:
        # Trace the state the failing step started from: the weights before the NaN reached them.
        _restore_params(model.params, last_good)
    else:
        last_good_step = watch_.step
    traced(last_good_step)
    final = list(watch_.activations[-1][1]) if len(watch_.activations) > 1 else []
    trends = {w.where for w in activation_trends(watch_.activations)}
    now = [w for w in activation_warnings(final) if w.where not in trends]
    return watch_.summary(
        lr=lr,
        extra_warnings=[*warnings_before, *now],
        mode="train_step" if step is not None else "gradient_descent",
        requested_steps=steps,
        last_good_step=last_good_step,
        interrupted=interrupted,
        notes=tuple(notes),
    )


def _loaded_module(path: str, before: set[str]) -> Any:
    """The module :func:`gradcheck.loader.load_model` just imported for ``path``.

    The loader registers each file under a fresh name and leaves it registered; the module is needed
    here for the ``train_step()`` defined next to the model, which must act on the same objects.
    """
    target = os.path.realpath(path)
    for name in set(sys.modules) - before:
        module = sys.modules.get(name)
        file = getattr(module, "__file__", None)
        if file and os.path.realpath(file) == target:
            return module
    return None


def _state_of(
    model: Model, namespace: Mapping[str, Any], object_name: str | None
) -> tuple[str, Any]:
    """The user's network object behind an object-form model, with the name the file gives it."""
    if model.form != "object":
        return "", None
    if object_name is not None and object_name in namespace:
        return object_name, namespace[object_name]
    cls = model.extra.get("object")
    found = [
        (k, v) for k, v in namespace.items() if type(v).__name__ == cls and not k.startswith("_")
    ]
    found.sort(key=lambda kv: kv[0] == "gradcheck_model")  # the user's own name first
    return found[0] if found else ("", None)


def _train_step(namespace: Mapping[str, Any], path: str) -> Callable[[], Any] | None:
    fn = namespace.get("train_step")
    if fn is None:
        return None
    if not callable(fn):
        raise GradcheckError(f"{path}: train_step is a {type(fn).__name__}, not a function")
    try:
        required = [
            p
            for p in inspect.signature(fn).parameters.values()
            if p.default is inspect.Parameter.empty
            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        ]
    except (TypeError, ValueError):
        required = []
    if required:
        raise GradcheckError(
            f"{path}: train_step() must run one training step with no arguments; it needs "
            f"{', '.join(p.name for p in required)} (or pass --gradient-descent to ignore it)"
        )
    return fn  # type: ignore[no-any-return]


def watch_file(
    path: str,
    *,
    steps: int,
    lr: float | None = None,
    object_name: str | None = None,
    forward: str | None = None,
    cost: str | None = None,
    backward: str | None = None,
    use_train_step: bool = True,
    options: WatchOptions | None = None,
    check: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> WatchSummary:
    """``gradcheck watch FILE``: load the model in ``path`` and :func:`train` it, watched.

    The file's own ``train_step()`` runs when it defines one (``use_train_step``); ``lr`` is then set
    on the learning-rate attribute it reads (:func:`set_learning_rate`), and the summary's notes say
    what was set. Without a ``train_step()``, plain gradient descent at ``lr``.
    """
    from gradcheck import loader

    before = set(sys.modules)
    model = loader.load_model(
        path, object_name=object_name, forward=forward, cost=cost, backward=backward
    )
    module = _loaded_module(path, before)
    namespace: dict[str, Any] = vars(module) if module is not None else {}
    label, state = _state_of(model, namespace, object_name)
    step = _train_step(namespace, path) if use_train_step else None
    notes: list[str] = []
    if step is not None:
        if lr is not None:
            done = set_learning_rate([(label, state), ("", namespace)], lr)
            notes.append(
                done
                or (
                    f"--lr {lr:g} is not used: train_step() applies its own update, and no attribute named "
                    f"like a learning rate ({', '.join(LEARNING_RATE_NAMES)}) was found to set"
                )
            )
        else:
            notes.append("train_step() runs at its own learning rate")
    elif lr is None:
        raise GradcheckError(
            f"--lr is needed: {path} defines no train_step(), so watch runs plain gradient descent "
            f"(param -= lr * grad)"
        )
    inputs: dict[str, Any] = {}
    for owner, prefix in ((state, f"{label}." if label else ""), (namespace, "")):
        space = owner if isinstance(owner, dict) else getattr(owner, "__dict__", {})
        for name in INPUT_NAMES:
            value = space.get(name) if isinstance(space, dict) else None
            if isinstance(value, np.ndarray):
                inputs[f"{prefix}{name}"] = value
                break
        if inputs:
            break
    return train(
        model,
        steps=steps,
        lr=lr,
        step=step,
        state=state,
        inputs=inputs,
        options=options,
        check=check,
        progress=progress,
        notes=notes,
    )

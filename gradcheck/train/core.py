"""The state of one watch: the step counter, the first non-finite value and where it was made.

A check at initialisation sees correct gradients in a network that will blow up later (a sigmoid that
rounds to exactly 1.0 after 1,400 steps) or whose cost will rise (a learning rate 100x too large). A
:class:`Watch` watches the training itself, at a price that fits inside every step. NumPy's error
callback (:class:`gradcheck.numerics.errorwatch.ErrorWatch`, held by :mod:`gradcheck.train.arming`) is armed on
the first call and stays armed between calls, so the statement that *made* the first non-finite value
is known even when it ran outside the decorated function (in forward, before backward); it costs
nothing until NumPy reports an error. After each call (:meth:`Watch.call`), what the call produced (the
return value; for a method returning None, the object's arrays) is tested for NaN/Inf
(:mod:`gradcheck.train.finite`); a NaN NumPy did not report is traced to the data or named where it was
found (:mod:`gradcheck.train.origins`); every :attr:`WatchOptions.every` calls the health readings are
taken (:mod:`gradcheck.train.readings`), and the cost of every call is kept when the call returns it or
stores it (:mod:`gradcheck.train.costs`).

Heavier checks (gradient checks, activation tracing) run only when asked (``check_every``,
``trace_every``) or, in :func:`gradcheck.train.runner.train`, at the start and after an anomaly. Nothing
here prints: :meth:`Watch.summary` freezes what was seen into a
:class:`~gradcheck.report.training.WatchSummary`, and a NaN is a :class:`~gradcheck.errors.NonFiniteError`
(or a :class:`~gradcheck.train.options.NonFiniteWarning`); :mod:`gradcheck.report.watch_rich` renders them.
"""

from __future__ import annotations

import atexit
import contextlib
import inspect
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from gradcheck.engine.explain import check_model
from gradcheck.engine.options import Options
from gradcheck.errors import GradcheckError
from gradcheck.health.gradients import gradient_norm_health
from gradcheck.health.layers import trace_activations
from gradcheck.health.stats import ActivationStats
from gradcheck.models.make import from_object
from gradcheck.models.model import Model
from gradcheck.numerics.errorwatch import ErrorWatch
from gradcheck.numerics.record import nonfinite_error
from gradcheck.report.records import NonFinite, ReportWarning
from gradcheck.report.training import GradientCheck, TensorHealth, WatchSummary
from gradcheck.train.arming import Arming
from gradcheck.train.arrays import ResultNames
from gradcheck.train.converged import without_activation_worries
from gradcheck.train.cost_trend import cost_trend
from gradcheck.train.costs import StoredCost, call_cost, scalar_cost
from gradcheck.train.finite import FiniteTest
from gradcheck.train.options import NonFiniteWarning, WatchOptions, WatchWarning
from gradcheck.train.origins import COST_LABEL, cost_origin, from_event, last_event, silent_origin
from gradcheck.train.readings import HealthReadings, ParamsSpec
from gradcheck.train.training_health import training_health

__all__ = ["Watch"]


class Watch:
    """The state of one watch: the step counter, NumPy's error callback, the health readings.

    One per decorated function (``fn.watch``), or made by :func:`~gradcheck.train.runner.train`.
    ``start()`` arms NumPy's error callback (the first call does it), ``stop()`` restores the
    program's own ``np.seterr`` and ``np.seterrcall`` exactly (also registered with :mod:`atexit`);
    a ``with`` block does both. After ``stop()`` a later call starts watching again and the step
    count goes on.

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
        params: ParamsSpec = None,
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
        self.quiet = quiet  # record only: no NonFiniteError, no warnings (train() reports instead)
        self._model_spec = model
        self._model: Model | None = model if isinstance(model, Model) else None
        self._loss = loss
        self._state = state
        self._method = method
        self._loss_fallback = loss_fallback
        self._cost_found = False
        self._stored_cost = StoredCost()
        self._summary_sink = summary_sink
        self._arming = Arming(self.errors)
        names = ResultNames(returned, function)
        self._names = names
        self._finite = FiniteTest(names)
        self._readings = HealthReadings(params, names)
        self._exit_registered = False
        self._summary_done = False
        self._own_calls = 0  # > 0 while the watch runs the user's code itself (checks, traces)
        #: Replays of the failing step from a saved copy of the state, set by the runner: the cost
        #: alone, and the whole step (each returns what it computes, run under the origin finder).
        self.replay_cost: Callable[[], Any] | None = None
        self.replay: Callable[[], Any] | None = None

    # -- arming -----------------------------------------------------------------------------------
    def start(self) -> Watch:
        """Arm NumPy's error callback (idempotent). Watching covers code between calls too."""
        self._arming.arm()
        if not self._exit_registered:
            atexit.register(self._at_exit)
            self._exit_registered = True
        return self

    def stop(self) -> None:
        """Restore the program's own ``np.seterr``/``np.seterrcall``. Safe to call more than once."""
        self._arming.disarm()
        if self._exit_registered and not self.options.summary:
            atexit.unregister(self._at_exit)  # nothing left to do at exit: let the watch be freed
            self._exit_registered = False

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
                # Deferred: the renderer imports rich, and ``import gradcheck`` (which imports this
                # module for the decorator) must not; only a summary printed at exit needs it.
                from gradcheck.report.watch_rich import print_summary_stderr

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
        if step == 1:
            with errors.paused(), np.errstate(all="ignore"):
                self._readings.before_first(state, args)
        pre_cost: float | None = None
        if self._loss is not None or (self._loss_fallback is not None and not self._cost_found):
            pre_cost = self._read_loss(state)
        try:
            result = fn(*args, **kwargs)
        except FloatingPointError:
            # The program's own np.seterr(...='raise') fired (ErrorWatch chains it): the statement
            # never completed, so the event itself is the origin.
            event = last_event(errors, step)
            if errors.first is None and event is not None:
                errors.first = from_event(event)
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

    def _cost_replay(self, state: Any) -> Callable[[], Any] | None:
        """What computes this step's cost again, for the origin finder (None: nothing can)."""
        if self.replay_cost is not None:
            return self.replay_cost
        loss = self._loss if self._loss is not None else self._loss_fallback
        if isinstance(loss, str):
            value = getattr(state, loss, None)
            return value if callable(value) else None
        return loss

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
        return scalar_cost(value)

    def _after(
        self, step: int, result: Any, state: Any, args: tuple[Any, ...], pre_cost: float | None
    ) -> None:
        errors = self.errors
        taking = (step - 1) % self.options.every == 0
        reading = self._readings.pending or taking
        bad = self._finite.after_call(errors, step, result, state, self.first is not None)
        cost = None if self._loss is not None else call_cost(result, state, self._stored_cost)
        if cost is not None:
            self._cost_found = True
        else:
            cost = pre_cost
        self.costs.append(cost)
        if bad is None and cost is not None and not math.isfinite(cost) and self.first is None:
            # The cost went non-finite while every array stayed finite (log of a probability that
            # underflowed to exactly 0, a Python float): this step is the step reported.
            bad = COST_LABEL
        if bad is not None:
            self._on_nonfinite(step, bad, result, state, args)
            if self.done:
                return
        elif errors.first is not None:
            # A statement made an Inf/NaN that never reached what the call produced (a -inf mask,
            # a log(0) of a value that was then discarded): not an origin of anything yet.
            errors.first = None
        if reading:
            with errors.paused(), np.errstate(all="ignore"):
                self._readings.read(step, result, state, args, taking)
        opts = self.options
        if opts.check_every and step % opts.check_every == 0:
            self.check_gradients(step, state)
        if opts.trace_every and step % opts.trace_every == 0:
            self.trace(step, state)

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
        if origin is None and label == COST_LABEL:
            with self._own():
                origin = cost_origin(step, self._cost_replay(state), self.costs[-1])
        if origin is not None:
            origin_step = int(origin.details.get("step") or step)
        elif self.origins:
            return  # the same NaN carried on (NumPy is silent on NaN arithmetic): reported already
        else:
            produced = self._names.produced(result, state)
            with self._own():
                origin = silent_origin(step, label, produced, state, args, self.replay)
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

    def adopt_pending_origin(self) -> bool:
        """After a call raised: keep the origin NumPy reported during it as the first non-finite.

        True when there is one (then the call's exception is a consequence of the NaN), False when
        NumPy reported nothing that made a non-finite value.
        """
        origin = self.errors.first
        if origin is None:
            event = last_event(self.errors, self.step)
            if event is None or event.verdict is False:
                return self.first is not None
            origin = from_event(event)
        self.errors.first = None
        step = int(origin.details.get("step") or self.step)
        self.origins.append((step, origin))
        if self.first is None:
            self.first, self.first_step, self.detected_step = origin, step, self.step
        self.nonfinite_steps += 1
        return True

    # -- the summary ------------------------------------------------------------------------------
    def tensors(self) -> tuple[TensorHealth, ...]:
        return self._readings.tensors()

    @property
    def last_grads(self) -> Mapping[str, np.ndarray]:
        """The gradients seen at the last reading, by gradient name (for gradient_norm_health)."""
        return self._readings.last_grads

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
        extra = list(extra_warnings)
        checks_ok = all(c.ok for c in self.checks) if self.checks else None
        health = training_health(
            self.costs,
            tensors,
            lr=lr,
            activations=self.activations,
            nonfinite=self.first,
            context=extra,
            gradients_ok=checks_ok,
        )
        last_grads = self._readings.last_grads
        grads_health = gradient_norm_health(last_grads) if last_grads else []
        return WatchSummary(
            steps=self.step,
            costs=tuple(self.costs),
            first_nonfinite=self.first,
            first_nonfinite_step=self.first_step,
            detected_step=self.detected_step,
            nonfinite_steps=self.nonfinite_steps,
            origins=tuple(self.origins),
            warnings=tuple(
                _dedupe(
                    without_activation_worries([*health, *extra, *grads_health], trend, self.first)
                )
            ),
            tensors=tensors,
            checks=tuple(self.checks),
            activations=tuple(self.activations),
            trend=trend,
            numpy_events=self.errors.n_events,
            seconds=self._arming.seconds(),
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

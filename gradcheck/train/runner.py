"""A watched training run of a :class:`~gradcheck.models.model.Model`: :func:`train`, for ``gradcheck watch``.

The user's own ``train_step()`` or plain gradient descent runs under a :class:`Watch`, with a gradient
check before the first step and activation traces at the start and at the end (or at the last good
state, when a NaN stopped it). A NaN is reported in the summary, never raised.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradcheck.engine.explain import check_model
from gradcheck.engine.gradients import match_gradient
from gradcheck.engine.options import Options
from gradcheck.errors import GradcheckError
from gradcheck.health.activations import activation_warnings
from gradcheck.health.initialisation import parameter_health
from gradcheck.models.model import Model
from gradcheck.report.records import ReportWarning
from gradcheck.report.training import GradientCheck, WatchSummary
from gradcheck.train.activation_trends import activation_trends
from gradcheck.train.core import Watch
from gradcheck.train.input_health import input_health
from gradcheck.train.options import WatchOptions
from gradcheck.train.replay import StateCopy

__all__ = ["gradient_descent", "train"]


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


def _arm_replays(
    watch_: Watch, model: Model, step: Callable[[], Any] | None, state: Any, done: _Progress
) -> None:
    """How the watch replays a failing step from a saved copy of its state (origins.replayed)."""
    if step is not None and state is not None:
        # The user's own step: replayed whole (its update too: an Adam moment) on a copy of the object.
        kept = done.state_copy = StateCopy(state)
        watch_.replay_cost = watch_.replay = lambda: kept.replay(step)
    else:
        watch_.replay_cost = lambda: _at_last_good(model, done, model.loss)
        watch_.replay = lambda: _at_last_good(model, done, lambda: (model.loss(), model.grads()))


def _at_last_good(model: Model, done: _Progress, run: Callable[[], Any]) -> Any:
    """``run()`` at the parameters the failing step started from; the live ones are put back after.

    The replay of :func:`gradcheck.train.origins.replayed`: it reads a saved copy of the state, so the
    watched run computes exactly what it would unwatched.
    """
    live: dict[str, np.ndarray] = {}
    _copy_params(model.params, live)
    _restore_params(model.params, done.last_good)
    try:
        return run()
    finally:
        _restore_params(model.params, live)


@dataclass
class _Progress:
    """How far a run got: the last state before any NaN (kept before each step), and why it ended."""

    notes: list[str]
    last_good: dict[str, np.ndarray] = field(default_factory=dict)
    last_good_step: int = 0
    interrupted: bool = False
    state_copy: StateCopy | None = None


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
    checks, warnings_before = _before_training(model, inputs, check)
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
    _traced(watch_, 0)
    run = _training_step(model, step, lr)
    done = _Progress(notes=list(notes))
    _arm_replays(watch_, model, step, state, done)
    _run_steps(watch_, model, run, steps, progress, done)
    if watch_.first is not None:
        # Trace the state the failing step started from: the weights before the NaN reached them.
        _restore_params(model.params, done.last_good)
    else:
        done.last_good_step = watch_.step
    _traced(watch_, done.last_good_step)
    return watch_.summary(
        lr=lr,
        extra_warnings=[*warnings_before, *_final_activations(watch_)],
        mode="train_step" if step is not None else "gradient_descent",
        requested_steps=steps,
        last_good_step=done.last_good_step,
        interrupted=done.interrupted,
        notes=tuple(done.notes),
    )


def _before_training(
    model: Model, inputs: Mapping[str, Any] | None, check: bool
) -> tuple[list[GradientCheck], list[ReportWarning]]:
    """The gradient check before the first step (``check``), and the initialisation and inputs read."""
    warnings_before: list[ReportWarning] = []
    checks: list[GradientCheck] = []
    if check:
        with np.errstate(all="ignore"):
            checks.append(GradientCheck(0, check_model(model, Options())))
    warnings_before += parameter_health(model.params)
    warnings_before += input_health(inputs or {}, batch_size=model.extra.get("batch_size"))
    return checks, warnings_before


def _traced(watch_: Watch, at: int) -> None:
    # A trace is extra evidence: a forward pass that cannot be traced (or raises at a NaN state)
    # leaves the watch's own findings as they are.
    with contextlib.suppress(Exception):
        watch_.trace(at)


def _final_activations(watch_: Watch) -> list[ReportWarning]:
    """The last trace's own warnings, but for the units whose trend over the run was warned of."""
    final = list(watch_.activations[-1][1]) if len(watch_.activations) > 1 else []
    trends = {w.where for w in activation_trends(watch_.activations)}
    return [w for w in activation_warnings(final) if w.where not in trends]


def _training_step(
    model: Model, step: Callable[[], Any] | None, lr: float | None
) -> Callable[[], Any]:
    """The user's ``train_step()``, or one step of plain gradient descent at ``lr``."""
    if step is not None:
        return step
    assert lr is not None
    learning_rate = lr

    def run() -> dict[str, np.ndarray]:
        return gradient_descent(model, learning_rate)

    return run


def _run_steps(
    watch_: Watch,
    model: Model,
    run: Callable[[], Any],
    steps: int,
    progress: Callable[[int, int], None] | None,
    done: _Progress,
) -> None:
    """Up to ``steps`` watched steps; a copy of the parameters is kept before each until a NaN."""
    try:
        with watch_, warnings.catch_warnings():
            # The program's own RuntimeWarnings (divide by zero, ...) are what the summary explains.
            warnings.simplefilter("ignore", RuntimeWarning)
            for i in range(1, steps + 1):
                if watch_.first is None:
                    _copy_params(model.params, done.last_good)
                    done.last_good_step = i - 1
                    if done.state_copy is not None:
                        done.state_copy.keep()
                try:
                    watch_.call(run, (), {})
                except Exception as exc:
                    if not watch_.adopt_pending_origin():
                        raise  # an error of the user's code that no NaN explains: the CLI shows it
                    # A NaN was made and the step then failed on it (an assert on the cost, the
                    # program's own np.seterr(...='raise')): the NaN is the finding.
                    raised = f"step {watch_.step} raised {type(exc).__name__}: {exc}"
                    done.notes.append(f"{raised} (after the non-finite value below was made)")
                    break
                if progress is not None:
                    progress(i, steps)
                if watch_.first is not None and not watch_.options.keep_going:
                    break
    except KeyboardInterrupt:
        done.interrupted = True
        watch_.stop()

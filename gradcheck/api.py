"""``gradcheck.check``: one call from any model form to a finished :class:`Report`.

The flow is the package's architecture in miniature: the user's code is adapted into a
:class:`Model` (adapters), checked (engine), explained (diagnose, numerics, health) and returned as
data (result). Rendering is the caller's business (render, cli, the pytest plugin).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from gradcheck import adapters, diagnose, health, numerics
from gradcheck.engine import Options, run_check
from gradcheck.errors import CheckInterrupted, GradcheckError
from gradcheck.model import Model, data_arrays
from gradcheck.result import NonFinite, Report


def check(
    model: Any = None,
    /,
    *,
    loss: Callable[..., Any] | None = None,
    grads: Callable[..., Any] | None = None,
    params: Any = None,
    forward: Callable[..., Any] | None = None,
    cost: Callable[..., Any] | None = None,
    backward: Callable[..., Any] | None = None,
    X: Any = None,
    Y: Any = None,
    mode: str = "auto",
    sample: int | None = None,
    seed: int = 0,
    eps: float | None = None,
    only: str | Iterable[str] | None = None,
    directions: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    **inputs: Any,
) -> Report:
    """Compare the analytic gradients of a model with centered finite differences.

    Give the model in one of three forms: ``loss``/``grads``/``params`` (loose functions), the trio
    ``forward``/``cost``/``backward`` with ``params``, ``X``, ``Y`` (and any other inputs by name), or
    a :class:`Model` / stateful object as the first argument (``gradcheck.from_object(net)``, or the
    object itself). Options: ``mode`` ("auto", "full", "sampled", "directional"), ``sample``
    (coordinates per tensor when sampling), ``seed``, ``eps`` (a fixed step instead of the automatic
    one), ``only`` (tensor names), ``directions`` (random directions per tensor).

    Parameters are bit-for-bit unchanged afterwards, whatever happens. An exception raised by the
    user's code propagates with its own type; a model the harness cannot use raises
    :class:`GradcheckError`.
    """
    built = make(
        model,
        loss=loss,
        grads=grads,
        params=params,
        forward=forward,
        cost=cost,
        backward=backward,
        X=X,
        Y=Y,
        **inputs,
    )
    if isinstance(only, str):
        only = (only,)
    options = Options(
        mode=mode, sample=sample, seed=seed, eps=eps, only=tuple(only or ()), directions=directions
    )
    return check_model(built, options, progress=progress)


def make(model: Any = None, /, **forms: Any) -> Model:
    """The :class:`Model` for whatever form the caller gave."""
    given = {k: v for k, v in forms.items() if v is not None}
    if model is not None:
        if given:
            raise GradcheckError(
                "give the model either as the first argument or by keywords "
                f"({', '.join(sorted(given))}), not both"
            )
        if isinstance(model, Model):
            return model
        return adapters.from_object(model)
    if not given:
        raise GradcheckError(
            "no model given: pass loss=, grads=, params= (loose functions), forward=, cost=, "
            "backward=, params=, X=, Y= (the trio), or a model object as the first argument"
        )
    return adapters.make_model(**given)


def check_model(
    model: Model, options: Options, *, progress: Callable[[int, int], None] | None = None
) -> Report:
    """Run the engine on an adapted model and add the explanations."""
    report = run_check(model, options, progress=progress)
    try:
        return explain(model, report)
    except KeyboardInterrupt:
        # Ctrl-C in the traced passes: every tensor is checked, only the explanations are missing.
        stats = dataclasses.replace(report.stats, interrupted=True)
        raise CheckInterrupted(dataclasses.replace(report, stats=stats)) from None


def explain(model: Model, report: Report) -> Report:
    """Add what the numbers mean: the suspect layer, where a NaN came from, and health warnings.

    Costs at most two traced passes of the user's code: one to locate a non-finite value (only when
    the check met one) and one forward pass for activation health.
    """
    layer, message = diagnose.suspect_layer(report.tensors)
    user_code = numerics.user_code_for(model.trace_targets) if model.trace_targets else None
    extra_losses = 0
    nonfinite = report.nonfinite
    if nonfinite is not None:
        located, calls = locate(model, nonfinite, user_code)
        extra_losses += calls
        nonfinite = located or nonfinite
    warnings = list(report.warnings)
    # An empty tensor has no initialisation to judge (and no minimum to take).
    warnings += health.parameter_health({n: a for n, a in model.params.items() if a.size})
    warnings += health.input_health(data_arrays(model, labels=False))
    if nonfinite is None:
        with np.errstate(all="ignore"):
            warnings += health.activation_health(model.loss, user_code=user_code)
        extra_losses += 1
    stats = dataclasses.replace(
        report.stats, loss_evaluations=report.stats.loss_evaluations + extra_losses
    )
    return dataclasses.replace(
        report,
        suspect_layer=layer,
        suspect_message=message,
        nonfinite=nonfinite,
        warnings=tuple(warnings),
        notes=tuple(str(n) for n in model.extra.get("notes", ())),
        stats=stats,
    )


def locate(
    model: Model, found: NonFinite, user_code: Callable[[str], bool] | None
) -> tuple[NonFinite | None, int]:
    """Re-run what produced the non-finite value once, traced, and name the statement that made it.

    Returns the located origin (None when the traced pass could not name one) and how many loss
    evaluations it cost.
    """
    if found.phase == "params":
        return numerics.scan_inputs(model.params, phase="params"), 0
    if found.phase == "grads":
        return numerics.locate_nonfinite(model.grads, phase="grads", user_code=user_code), 0
    if found.phase == "perturbation":
        name, index, value = (
            found.details["tensor"],
            tuple(found.details["index"]),
            found.details["value"],
        )
        arr = model.params[name]

        def perturbed() -> object:
            x0 = arr[index]
            try:
                arr[index] = value
                return model.loss()
            finally:
                arr[index] = x0

        located = numerics.locate_nonfinite(perturbed, phase="perturbation", user_code=user_code)
        if located is not None:
            note = f"with {name}{list(index)} moved to {value!r} by the finite difference: "
            located = dataclasses.replace(located, message=note + located.message)
        return located, 1
    located = numerics.locate_nonfinite(model.loss, phase=found.phase, user_code=user_code)
    if located is None or located.kind == "unknown":
        located = numerics.scan_inputs(data_arrays(model), phase="inputs") or located
    return located, 1

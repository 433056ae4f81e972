"""Before anything is perturbed: the parameters to check, and the base point (the loss, the
gradients, the working precision), with the user's code held to leaving its arrays alone and to
being deterministic, and the gradients matched to their parameters.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcheck.engine.gradients import gradient_dtype_warnings, match_gradient
from gradcheck.engine.nonfinite import found_nonfinite
from gradcheck.engine.options import Options
from gradcheck.engine.state import CheckState
from gradcheck.engine.tolerances import machine_eps, precision_of
from gradcheck.errors import GradcheckError
from gradcheck.health.gradients import gradient_norm_health
from gradcheck.models.data import data_arrays
from gradcheck.models.integrity import Fingerprint, check_no_shared_memory
from gradcheck.models.model import Model, validate_params
from gradcheck.report.records import NonFinite


def selected_names(model: Model, options: Options) -> list[str]:
    """The parameters to check: all of them, or those ``options.only`` names."""
    validate_params(model.params)
    names = list(model.params)
    if options.only:
        unknown = [n for n in options.only if n not in model.params]
        if unknown:
            raise GradcheckError(
                f"--only names {', '.join(map(repr, unknown))}, which the model does not have; "
                f"its parameters are: {', '.join(names)}"
            )
        names = [n for n in names if n in options.only]
    return names


def nonfinite_parameter(params: Mapping[str, np.ndarray], names: Sequence[str]) -> NonFinite | None:
    """The first of ``names`` that holds a NaN or Inf before any code ran, if one does."""
    for name in names:
        arr = params[name]
        if not np.all(np.isfinite(arr)):
            bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
            return found_nonfinite(
                "params",
                f"parameter {name} already holds {bad} non-finite value(s) before any code ran",
                variable=name,
                kind="input",
            )
    return None


@dataclass(frozen=True)
class Untouched:
    """Fingerprints of the parameters and the data, taken before the engine called any user code."""

    model: Model
    params: Fingerprint
    data_arrays: Mapping[str, np.ndarray]
    data: Fingerprint

    def check(self, who: str) -> None:
        """Raise, naming ``who`` ran, if the parameters or the data changed."""
        self.params.check_unchanged(self.model.params, who)
        self.data.check_data_unchanged(self.data_arrays, who)


@dataclass(frozen=True)
class BasePoint:
    """The analytic gradients at the base point and how long one loss evaluation took there."""

    grads: Mapping[str, Any]
    t_loss: float


def base_point(state: CheckState) -> BasePoint | None:
    """Evaluate the loss (into ``state.f0``) and the gradients; None when the loss is NaN or Inf."""
    model = state.model
    check_no_shared_memory(model.params)
    # Who runs when the engine calls loss/grads: "forward_prop() or cost()" for the trio.
    loss_label = str(model.extra.get("loss_label", "the loss"))
    grads_label = str(model.extra.get("grads_label", "the gradient function"))
    before = Fingerprint.of(model.params)
    data = data_arrays(model)
    untouched = Untouched(model, before, data, Fingerprint.of(data))
    t0 = time.perf_counter()
    state.f0 = state.evaluate()
    t_loss = time.perf_counter() - t0
    untouched.check(loss_label)
    if not math.isfinite(state.f0):
        state.nonfinite = found_nonfinite(
            "loss",
            f"the loss is {state.f0} at the given parameters",
        )
        return None

    grads = state.calls.gradients()
    untouched.check(grads_label)
    check_deterministic(state, untouched, loss_label)
    return BasePoint(grads=grads, t_loss=t_loss)


def check_deterministic(state: CheckState, untouched: Untouched, loss_label: str) -> None:
    """Evaluate the loss once more at the base point and refuse a loss that moved."""
    # The same point twice must give the same loss; dropout without a fixed seed does not.
    again = state.evaluate()
    if again != state.f0:
        spread = abs(again - state.f0)
        if spread > 64 * machine_eps("float64") * max(abs(state.f0), abs(again)):
            # A loss that changes its own parameters or data on later calls is named as such.
            untouched.check(loss_label)
            raise GradcheckError(
                f"the loss is not deterministic: two evaluations at the same parameters gave {state.f0!r} "
                f"and {again!r}. Finite differences cannot work on a random loss; fix the random seed "
                "inside the loss (e.g. np.random.default_rng(0) for dropout masks) or switch dropout off "
                "for the check"
            )


def match_gradients(
    state: CheckState, names: Sequence[str], grads: Mapping[str, Any]
) -> dict[str, tuple[str | None, Any]]:
    """Each parameter's (key, gradient); the gradient warnings and the precision into ``state``."""
    model = state.model
    matched: dict[str, tuple[str | None, Any]] = {
        n: match_gradient(n, grads, model.grad_keys) for n in names
    }
    state.warnings = gradient_norm_health(
        {n: raw for n, (key, raw) in matched.items() if key is not None}
    )
    state.warnings += gradient_dtype_warnings(model.params, matched)
    analytic_dtypes = [np.asarray(g).dtype for _, g in matched.values() if g is not None]
    state.precision = precision_of(
        state.calls.loss_dtype or np.float64,
        *(model.params[n].dtype for n in names),
        *analytic_dtypes,
    )
    return matched

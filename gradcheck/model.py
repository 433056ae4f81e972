"""What the engine checks, whatever form the user wrote it in.

Every model form (loose ``loss``/``grads``/``params``, the forward/cost/backward trio, a stateful
object) is adapted into one :class:`Model`: the user's *own* parameter arrays, under the names the
report will show, and two zero-argument callables that evaluate the loss and the analytic gradients
at whatever values those arrays hold right now. The engine perturbs the arrays in place, so the
callables must read them live (never a copy taken when the model was built).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

LossFn = Callable[[], Any]
GradsFn = Callable[[], Mapping[str, Any]]


@dataclass(frozen=True)
class Model:
    """A model ready for the engine.

    params
        report name -> the user's live array. Names read like the user's code (``W1``, ``W[1]``,
        ``params['W1']``). The engine perturbs these arrays in place and restores them bit for bit.
    loss
        evaluates the loss at the current parameter values; returns something convertible to one
        float (a Python float, a NumPy scalar, a size-1 array).
    grads
        evaluates the analytic gradients at the current parameter values. Keys are looked up by
        :func:`match_gradients`: the report name itself, ``"d" + name``, or an alias from
        ``grad_keys``. Extra keys are ignored.
    grad_keys
        optional report name -> the key of the grads mapping that holds its gradient, for forms where
        the adapter has already paired them (``W[1]`` <-> ``dW[1]``).
    form, source
        what the user brought ("loose", "trio", "object") and where it came from, for the report.
    trace_targets
        the user's functions a diagnostic pass may trace (numerics: origin of a NaN, activation
        health). Empty means: trace whatever ``loss``/``grads`` call.
    owned_arrays
        further arrays the model owns (inputs, caches) that the harness must never leave changed;
        used by integrity checks.
    """

    params: Mapping[str, np.ndarray]
    loss: LossFn
    grads: GradsFn
    grad_keys: Mapping[str, str] = field(default_factory=dict)
    form: str = "loose"
    source: str | None = None
    trace_targets: tuple[Callable[..., Any], ...] = ()
    owned_arrays: Callable[[], Mapping[str, np.ndarray]] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


def gradient_key_candidates(name: str) -> list[str]:
    """Keys under which the gradient of parameter ``name`` may be stored, best first.

    ``W1`` -> ``W1``, ``dW1``; ``params['W1']`` -> ``params['W1']``, ``W1``, ``dW1``.
    """
    base = name
    if base.endswith("']") and "['" in base:
        base = base[base.index("['") + 2 : -2]
    candidates = [name, base, "d" + base]
    seen: list[str] = []
    for c in candidates:
        if c not in seen:
            seen.append(c)
    return seen

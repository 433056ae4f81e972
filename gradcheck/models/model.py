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

from gradcheck.errors import GradcheckError

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
    recast
        optional: the same model on *copies* of its parameters (and float inputs) cast to a dtype,
        for a second opinion in float64 on what float32 cannot resolve. The user's arrays are never
        touched. None where a form cannot rebuild itself on copies (an object holds its own).
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
    recast: Callable[[Any], Model] | None = None


def cast_copy(value: Any, dtype: Any) -> Any:
    """A float array as a copy in ``dtype``, a mapping of them likewise (same keys); else as is."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(dtype)
    if isinstance(value, Mapping):
        return {k: cast_copy(v, dtype) for k, v in value.items()}
    return value


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


# --------------------------------------------------------------------------------------------
# Validation at the boundary (every model form calls it when building a Model, the engine again
# before it perturbs anything, for Model records built by hand)
# --------------------------------------------------------------------------------------------


def type_name(value: object) -> str:
    return type(value).__name__


def validate_array(name: str, value: object) -> np.ndarray:
    """Return ``value`` if the engine can perturb it in place, else raise naming ``name``.

    Why each rule: an integer array cannot hold ``x + h`` for a small step ``h`` (the step rounds
    away and every numeric gradient is 0); a read-only array cannot be perturbed in place; a list or
    a Python float would have to be copied into an array, and the user's code would then never see
    the perturbation.
    """
    if not isinstance(value, np.ndarray):
        raise GradcheckError(
            f"parameter {name!r} is a {type_name(value)}, not a NumPy array; the check perturbs "
            f"parameters in place, so pass the array your code reads (e.g. np.asarray(..., dtype=float) "
            f"stored where your code finds it)"
        )
    if value.dtype.kind != "f":
        raise GradcheckError(
            f"parameter {name!r} has dtype {value.dtype}, not a floating-point dtype: a small step "
            f"cannot be represented in it; convert it with .astype(np.float64)"
        )
    if not value.flags.writeable:
        raise GradcheckError(
            f"parameter {name!r} is read-only (flags.writeable is False): the check perturbs "
            f"parameters in place; pass a writeable array (e.g. a .copy())"
        )
    return value


def validate_params(params: object, *, what: str = "params") -> dict[str, np.ndarray]:
    """Check a user's parameter mapping and return it as report name -> live array.

    Keys that are not strings (``{1: W1, 2: W2}``) are reported under ``str(key)``; the values are
    the user's arrays themselves.
    """
    if not isinstance(params, Mapping):
        raise GradcheckError(
            f"{what} must be a mapping of name -> NumPy array (e.g. {{'W1': W1, 'b1': b1}}); "
            f"got a {type_name(params)}"
        )
    if len(params) == 0:
        raise GradcheckError(f"{what} is empty: there is no parameter to check")
    out: dict[str, np.ndarray] = {}
    for key, value in params.items():
        name = key if isinstance(key, str) else str(key)
        if name in out:
            raise GradcheckError(
                f"{what} has two keys that both read as {name!r} ({key!r} and another); "
                f"rename one of them"
            )
        out[name] = validate_array(name, value)
    return out


def require_callable(what: str, value: object, signature_hint: str) -> Callable[..., Any]:
    """Return ``value`` if it can be called, else raise naming ``what`` and how it is called."""
    if not callable(value):
        raise GradcheckError(
            f"{what} must be callable ({signature_hint}); got a {type_name(value)}"
        )
    return value

"""Model adapters: every form a user writes, turned into one :class:`gradcheck.model.Model`.

The engine knows one thing: named arrays it may perturb in place, a zero-argument loss and a
zero-argument gradient function. Users know other things: ``loss(params)``/``grads(params)``, a
``forward``/``cost``/``backward`` trio with their own signatures, or a class that keeps everything on
``self``. This module meets them there. Two rules hold for every form:

* the arrays in ``Model.params`` are the user's own arrays (never copies), and the closures read
  them live, so a perturbation made by the engine is what the user's code sees;
* anything the harness cannot use (an integer or read-only parameter, something that is not a
  mapping or not callable, an argument that cannot be bound) is rejected here, at the boundary, with
  a :class:`GradcheckError` that names the item.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.model import Model

__all__ = ["make_model", "validate_params"]


# --------------------------------------------------------------------------------------------
# Validation at the boundary
# --------------------------------------------------------------------------------------------


def _type_name(value: object) -> str:
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
            f"parameter {name!r} is a {_type_name(value)}, not a NumPy array; the check perturbs "
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
            f"got a {_type_name(params)}"
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


def _require_callable(what: str, value: object, signature_hint: str) -> Callable[..., Any]:
    if not callable(value):
        raise GradcheckError(
            f"{what} must be callable ({signature_hint}); got a {_type_name(value)}"
        )
    return value


def _stringify_keys(mapping: Mapping[Any, Any]) -> Mapping[str, Any]:
    """Gradient mappings keyed by layer numbers, looked up by the string names the report uses."""
    if all(isinstance(k, str) for k in mapping):
        return mapping
    return {k if isinstance(k, str) else str(k): v for k, v in mapping.items()}


def _check_grads_result(what: str, result: object) -> Mapping[str, Any]:
    if not isinstance(result, Mapping):
        raise GradcheckError(
            f"{what} returned a {_type_name(result)}, not a mapping of name -> gradient array "
            f"(keys may be the parameter names or 'd' + name, e.g. {{'dW1': dW1}})"
        )
    return _stringify_keys(result)


def _source_of(fn: object) -> str | None:
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    return f"{code.co_filename}:{code.co_firstlineno}"


# --------------------------------------------------------------------------------------------
# The loose form: loss(params) -> float, grads(params) -> mapping
# --------------------------------------------------------------------------------------------


def _make_loose(loss: object, grads: object, params: object) -> Model:
    missing = [n for n, v in (("loss", loss), ("grads", grads), ("params", params)) if v is None]
    if missing:
        raise GradcheckError(
            "the loose form needs loss, grads and params; missing: " + ", ".join(missing)
        )
    loss_fn = _require_callable("loss", loss, "loss(params) -> float")
    grads_fn = _require_callable("grads", grads, "grads(params) -> mapping")
    live = validate_params(params)
    # The user's functions receive the user's own mapping (not our string-keyed view), so a
    # params dict keyed by layer numbers still works inside their code.
    user_params = params

    def loss_closure() -> Any:
        return loss_fn(user_params)

    def grads_closure() -> Mapping[str, Any]:
        return _check_grads_result("grads(params)", grads_fn(user_params))

    return Model(
        params=live,
        loss=loss_closure,
        grads=grads_closure,
        form="loose",
        source=_source_of(loss_fn),
        trace_targets=(loss_fn, grads_fn),
    )


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------


def make_model(
    *,
    loss: object = None,
    grads: object = None,
    params: object = None,
    forward: object = None,
    cost: object = None,
    backward: object = None,
    X: object = None,
    Y: object = None,
    **inputs: object,
) -> Model:
    """Build a :class:`Model` from loose functions or from a forward/cost/backward trio.

    Loose form: ``loss(params) -> float``, ``grads(params) -> mapping``, ``params`` a mapping of
    name -> array. Gradient keys may be the names or ``'d' + name``; extra keys are ignored.
    """
    trio = [n for n, v in (("forward", forward), ("cost", cost), ("backward", backward)) if v is not None]
    loose = [n for n, v in (("loss", loss), ("grads", grads)) if v is not None]
    if trio and loose:
        raise GradcheckError(
            f"give either loss/grads (the loose form) or forward/cost/backward (the trio), not both; "
            f"got {', '.join(loose + trio)}"
        )
    if trio:
        raise GradcheckError("the forward/cost/backward trio is not supported yet")
    if inputs or X is not None or Y is not None:
        extra = sorted(inputs) + [n for n, v in (("X", X), ("Y", Y)) if v is not None]
        raise GradcheckError(
            f"the loose form takes only loss, grads and params; unexpected: {', '.join(extra)} "
            f"(inputs belong inside your loss and grads functions, or use the forward/cost/backward trio)"
        )
    return _make_loose(loss, grads, params)

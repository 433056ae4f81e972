"""A function returning ``(grads, cost)`` with the gradients in a dict, found with no flags.

The deep-learning course's first assignment (logistic regression, week 2) writes::

    def propagate(w, b, X, Y):
        ...
        grads = {"dw": dw, "db": db}
        return grads, cost

    w, b, X, Y = np.array([[1.], [2.]]), 2., np.array([[1., 2., -1.], [3., 4., -3.2]]), ...

Its parameters are the function's arguments that a key of the returned dict names with a ``d``
prefix (``dw`` -> ``w``), taken from the module (or ``--set``). A float array is checked in place;
a Python number (``b = 2.``, as the course initialises the bias) cannot change in place, so a
float64 copy of it is checked and passed to the function instead (the module's value is never
touched). ``X``, ``Y`` and the other arguments are bound as for any loss function.
"""

from __future__ import annotations

import ast
import inspect
import numbers
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.models.data import batch_extra, owned_arrays
from gradcheck.models.model import Model
from gradcheck.models.named import scalar_inputs
from gradcheck.models.returns_grads import _binder, _own_functions
from gradcheck.models.source import display_name, returned_names, source_of
from gradcheck.models.views import live_view, stringify_keys

__all__ = ["find_propagate", "propagate_model", "propagate_shape"]


def _dict_keys(fn: Callable[..., Any], name: str) -> list[str]:
    """The string keys of the dict literal ``fn`` assigns to ``name`` (``grads = {"dw": dw}``)."""
    try:
        tree = ast.parse(inspect.getsource(fn).lstrip())
    except (OSError, TypeError, SyntaxError):
        return []
    keys: list[str] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)):
            continue
        if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            keys += [
                k.value
                for k in node.value.keys
                if isinstance(k, ast.Constant) and isinstance(k.value, str)
            ]
    return keys


def propagate_shape(fn: object) -> tuple[int, dict[str, str]] | None:
    """(position of the grads dict in the return, parameter -> its key) when ``fn`` returns
    ``grads, cost`` (or ``cost, grads``) with ``grads`` a dict keyed ``d<argument>``."""
    if not inspect.isfunction(fn):
        return None
    names = returned_names(fn, 2)
    if not names or len(names) != 2:
        return None
    arguments = set(inspect.signature(fn).parameters)
    for position, name in enumerate(names):
        if name is None:
            continue
        keys = {k[1:]: k for k in _dict_keys(fn, name) if k.startswith("d") and k[1:] in arguments}
        if keys:
            return position, keys
    return None


def _number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _value(name: str, namespace: Mapping[str, Any], inputs: Mapping[str, object]) -> object:
    return inputs[name] if name in inputs else namespace.get(name)


def find_propagate(
    namespace: Mapping[str, Any], shown: str, inputs: Mapping[str, object]
) -> Model | None:
    """The module's one ``propagate``-like function whose parameters the module defines."""
    found = []
    for name, fn in _own_functions(namespace):
        shape = propagate_shape(fn)
        if shape and any(_usable(_value(p, namespace, inputs)) for p in shape[1]):
            found.append((name, fn))
    if not found:
        return None
    if len(found) > 1:
        names = ", ".join(n for n, _ in found)
        raise GradcheckError(
            f"{shown} defines {len(found)} functions that return their gradients in a dict "
            f"with the cost ({names}); choose one with --object NAME"
        )
    return propagate_model(found[0][1], namespace, inputs)


def _usable(value: object) -> bool:
    return (isinstance(value, np.ndarray) and value.dtype.kind == "f") or _number(value)


def _parameters(
    label: str, keys: Mapping[str, str], namespace: Mapping[str, Any], given: dict[str, object]
) -> tuple[dict[str, np.ndarray], list[str]]:
    """The parameters (float arrays live, numbers as float64 copies, which go into ``given`` so
    the function is called with them) and the names that were numbers."""
    params: dict[str, np.ndarray] = {}
    copied = []
    for name in keys:
        value = _value(name, namespace, given)
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            params[name] = value
        elif _number(value):
            params[name] = np.array(float(value))  # type: ignore[arg-type]
            given[name] = params[name]
            copied.append(name)
        else:
            raise GradcheckError(
                f"{label} returns the gradient {keys[name]!r}, but {name} is "
                + ("not defined at module level" if value is None else f"a {type(value).__name__}")
                + f": define {name} as a float array (or a number) before the check, or give it "
                f"with --set {name}=NAME"
            )
    return params, copied


def propagate_model(
    fn: Callable[..., Any], namespace: Mapping[str, Any], inputs: Mapping[str, object]
) -> Model:
    shape = propagate_shape(fn)
    label = f"{display_name(fn)}()"
    if shape is None:
        raise GradcheckError(
            f"{label} does not return (grads, cost) with grads = {{'dw': dw, ...}}"
        )
    position, keys = shape
    given = dict(inputs)
    params, copied = _parameters(label, keys, namespace, given)
    binder, data = _binder(namespace, given, fn)
    slots = binder.plan("loss", fn, None)

    def call() -> tuple[Any, Any]:
        result = binder.call(fn, slots, None)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise GradcheckError(
                f"{label} returned a {type(result).__name__}, not the (grads, cost) its return "
                "statement names"
            )
        grads, cost = result[position], result[1 - position]
        if not isinstance(grads, Mapping):
            raise GradcheckError(f"{label} returned a {type(grads).__name__} where grads belongs")
        return grads, cost

    def grads() -> Mapping[str, Any]:
        return stringify_keys(call()[0])

    notes = [f"{label} returns (grads, cost); its parameters are {', '.join(keys)}"]
    if copied:
        notes.append(
            f"{' and '.join(copied)} {'is a number' if len(copied) == 1 else 'are numbers'} in "
            "your file: a float64 copy is checked (the number itself cannot change in place)"
        )
    return Model(
        params=live_view(params),
        loss=lambda: call()[1],
        grads=grads,
        grad_keys=dict(keys),
        form="trio",
        source=source_of(fn),
        trace_targets=(fn,),
        owned_arrays=owned_arrays(data),
        extra={
            **batch_extra(data.get("X"), data.get("Y")),
            "named_values": scalar_inputs(inputs),
            "loss_label": label,
            "grads_label": label,
            "notes": tuple(notes),
        },
    )

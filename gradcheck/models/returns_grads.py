"""A loss that returns its own gradients, found in a user's module with no flags.

* A function returning ``(loss, dW, ...)``: ``softmax_loss_vectorized(W, X, y, reg) -> (loss, dW)``,
  ``svm_loss_vectorized``, min-char-rnn's ``lossFun(inputs, targets, hprev) -> (loss, dWxh, dWhh,
  dWhy, dbh, dby, h)``. Its parameters are the module-level float arrays its return statement
  names with a ``d`` prefix (``dWxh`` -> ``Wxh``); other returned values (the hidden state) are
  ignored. Its arguments are bound by name: the module's data under notebook names (``X`` from
  ``X_dev``, ``y`` from ``y_dev``), module-level values (``W``, ``reg``, ``hprev``), ``--set``.
* An object holding ``.params`` with a ``loss`` method returning ``(loss, grads)``: CS231n's
  ``TwoLayerNet`` / ``FullyConnectedNet.loss(X, y=None, reg=0.0)``. It is called with the labels
  (``y=None`` means "return the scores" there); ``grads`` is keyed like ``params``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.models.binding import Binder, Slot, shared_defaults
from gradcheck.models.data import batch_extra, owned_arrays
from gradcheck.models.model import Model
from gradcheck.models.named import scalar_inputs
from gradcheck.models.namespace import find_data
from gradcheck.models.source import display_name, own_instances, returned_names, source_of
from gradcheck.models.views import MappingView, live_view, stringify_keys

__all__ = [
    "find_loss_method",
    "find_returning_function",
    "is_loss_object",
    "loss_method_model",
    "returning_function_model",
]


def _float_array(value: object) -> bool:
    return isinstance(value, np.ndarray) and value.dtype.kind == "f"


def _pairs(fn: object, namespace: Mapping[str, Any]) -> dict[str, int] | None:
    """Parameter name -> position of its gradient in fn's ``return loss, dW, ...``; None when fn is
    not of this form."""
    names = returned_names(fn)
    if not names or len(names) < 2:
        return None
    pairs = {
        n[1:]: i
        for i, n in enumerate(names)
        if i > 0 and n and n.startswith("d") and _float_array(namespace.get(n[1:]))
    }
    return pairs or None


def _own_functions(namespace: Mapping[str, Any]) -> list[tuple[str, Any]]:
    module = namespace.get("__name__")
    return [
        (name, value)
        for name, value in namespace.items()
        if inspect.isfunction(value) and value.__module__ == module and not name.startswith("_")
    ]


def find_returning_function(
    namespace: Mapping[str, Any], shown: str, inputs: Mapping[str, object]
) -> Model | None:
    """The module's one function returning its loss and gradients; None when it has none."""
    found = [(n, f) for n, f in _own_functions(namespace) if _pairs(f, namespace)]
    if not found:
        return None
    if len(found) > 1:
        names = ", ".join(n for n, _ in found)
        raise GradcheckError(
            f"{shown} defines {len(found)} functions that return a loss and its gradients "
            f"({names}); choose one with --object NAME (e.g. --object {found[-1][0]})"
        )
    return returning_function_model(found[0][1], namespace, inputs)


def returning_function_model(
    fn: Callable[..., Any], namespace: Mapping[str, Any], inputs: Mapping[str, object]
) -> Model:
    pairs = _pairs(fn, namespace)
    if pairs is None:
        raise GradcheckError(
            f"{display_name(fn)} does not return (loss, dW, ...) with its gradients named after "
            f"module-level float arrays (dW for W)"
        )
    binder, data = _binder(namespace, inputs, fn)
    slots = binder.plan("loss", fn, None)

    def loss() -> Any:
        return _result(fn, binder, slots)[0]

    def grads() -> Mapping[str, Any]:
        result = _result(fn, binder, slots)
        return {name: result[i] for name, i in pairs.items()}

    return Model(
        params=MappingView(
            namespace, {name: name for name in live_view(_arrays(namespace, pairs))}
        ),
        loss=loss,
        grads=grads,
        grad_keys={name: name for name in pairs},
        form="trio",
        source=source_of(fn),
        trace_targets=(fn,),
        owned_arrays=owned_arrays(data),
        extra={
            **batch_extra(data.get("X"), data.get("Y")),
            "named_values": scalar_inputs(inputs),
            "loss_label": f"{display_name(fn)}()",
            "grads_label": f"{display_name(fn)}()",
            "notes": (_called_with(display_name(fn), slots, namespace),),
        },
    )


def _arrays(namespace: Mapping[str, Any], pairs: Mapping[str, int]) -> dict[str, Any]:
    return {name: namespace[name] for name in pairs}


def _binder(
    namespace: Mapping[str, Any], inputs: Mapping[str, object], *fns: Callable[..., Any]
) -> tuple[Binder, dict[str, Any]]:
    given = dict(inputs)
    data = {role: value for role, (_, value) in find_data(namespace).items()}
    for role in ("X", "Y"):
        if role in given:
            data[role] = given.pop(role)
    binder = Binder(
        None,
        {},
        data.get("X"),
        data.get("Y"),
        given,
        module=namespace,
        defaults=shared_defaults(*fns),
        module_arrays=True,
    )
    return binder, data


def _result(fn: Callable[..., Any], binder: Binder, slots: list[Slot]) -> tuple[Any, ...]:
    result = binder.call(fn, slots, None)
    if not isinstance(result, tuple):
        raise GradcheckError(
            f"{display_name(fn)} returned a {type(result).__name__}, not the tuple (loss, "
            f"gradients...) its return statement names"
        )
    return result


def _called_with(label: str, slots: list[Slot], namespace: Mapping[str, Any]) -> str:
    """``softmax_loss_vectorized is called with W=W, X=X_dev, y=y_dev, reg=reg``: where every
    argument came from, so that a binding by an alias is visible in the report."""
    data = {role: name for role, (name, _) in find_data(namespace).items()}
    shown = []
    for name, _how, src, key in slots:
        if src in data:
            origin = data[src]
        elif src == "global":
            origin = key
        elif src == "default":
            origin = f"{key!r} (its default)"
        elif src == "input":
            origin = f"{name} (--set)"
        else:
            origin = str(key)
        shown.append(f"{name}={origin}")
    return f"{label} is called with {', '.join(shown)}"


def is_loss_object(value: object) -> bool:
    """An object holding ``.params`` with a ``loss`` method (CS231n's nets)."""
    return isinstance(getattr(value, "params", None), Mapping) and inspect.ismethod(
        getattr(value, "loss", None)
    )


def _loss_objects(namespace: Mapping[str, Any]) -> list[tuple[str, Any]]:
    return own_instances(namespace, is_loss_object)


def find_loss_method(
    namespace: Mapping[str, Any], shown: str, inputs: Mapping[str, object]
) -> Model | None:
    """The module's one object with ``.params`` and ``loss(...) -> (loss, grads)``."""
    found = _loss_objects(namespace)
    if not found:
        return None
    if len(found) > 1:
        names = ", ".join(n for n, _ in found)
        raise GradcheckError(
            f"{shown} defines {len(found)} objects with .params and a loss method ({names}); "
            f"choose one with --object NAME"
        )
    return loss_method_model(found[0][0], found[0][1], namespace, inputs)


def loss_method_model(
    label: str, obj: Any, namespace: Mapping[str, Any], inputs: Mapping[str, object]
) -> Model:
    method = obj.loss
    binder, data = _binder(namespace, inputs, method)
    slots = binder.plan("loss", method, None)
    where = f"{label}.loss"

    def call() -> tuple[Any, Mapping[str, Any]]:
        result = binder.call(method, slots, None)
        if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], Mapping)):
            labels = "" if data.get("Y") is not None else " (the file defines no labels: y = ...)"
            raise GradcheckError(
                f"{where} returned a {type(result).__name__}, not (loss, grads); called with "
                f"y=None it returns the scores, so it needs the labels{labels}; give them with "
                f"--set y=NAME"
            )
        return result[0], stringify_keys(result[1])

    call()  # once now: a loss that cannot return its gradients is reported before the check
    params = live_view(obj.params)
    return Model(
        params=params,
        loss=lambda: call()[0],
        grads=lambda: call()[1],
        form="object",
        source=source_of(type(obj)),
        trace_targets=(method,),
        owned_arrays=owned_arrays(data),
        extra={
            **batch_extra(data.get("X"), data.get("Y")),
            "named_values": scalar_inputs(inputs),
            "object": type(obj).__name__,
            "loss_label": f"{where}()",
            "grads_label": f"{where}()",
            "notes": (_called_with(where, slots, namespace),),
        },
    )

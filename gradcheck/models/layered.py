"""Class-per-layer nets: a ``Net`` whose ``self.layers`` holds layer objects (``Dense`` with ``W``
and ``b`` that stores ``dW`` and ``db`` in its ``backward``, activation objects with none), found
with no flags.

The net's forward, cost and backward methods are picked by the object form's name tables and bound
by name (the module's data under notebook names, what forward returned, module-level values,
``--set``). One dry run finds the parameters: a float array ``A`` of a layer is one when the
layer holds ``dA`` of the same shape after backward. They are named as the user's code reaches
them, ``net.layers[0].W``, and read live on every access.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.models.binding import Binder, Forwarded, shared_defaults, sort_forward_result
from gradcheck.models.data import batch_extra, owned_arrays
from gradcheck.models.model import Model
from gradcheck.models.namespace import find_data
from gradcheck.models.object_subject import BACKWARD_METHODS, COST_METHODS, FORWARD_METHODS
from gradcheck.models.source import returned_names, source_of

__all__ = ["find_layered", "layer_lists"]

# (list attribute, index in it, array attribute)
Where = tuple[str, int, str]


def layer_lists(obj: object) -> dict[str, list[Any]]:
    """The object's list attributes holding layer objects (instances with a ``backward``)."""
    try:
        attrs = vars(obj)
    except TypeError:
        return {}
    return {
        name: list(value)
        for name, value in attrs.items()
        if isinstance(value, (list, tuple))
        and value
        and any(inspect.ismethod(getattr(item, "backward", None)) for item in value)
    }


def _method(obj: object, table: tuple[str, ...]) -> Callable[..., Any] | None:
    for name in table:
        found = getattr(obj, name, None)
        if inspect.ismethod(found):
            return found
    return None


class LiveLayers(Mapping[str, np.ndarray]):
    """Report name -> the array the layer object holds now."""

    def __init__(self, obj: object, where: Mapping[str, Where]) -> None:
        self._obj, self._where = obj, dict(where)

    def __getitem__(self, name: str) -> np.ndarray:
        attr, i, leaf = self._where[name]
        value = getattr(getattr(self._obj, attr)[i], leaf)
        if not isinstance(value, np.ndarray):
            raise GradcheckError(f"parameter {name!r} is no longer a NumPy array")
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)

    def gradient(self, name: str) -> Any:
        attr, i, leaf = self._where[name]
        return getattr(getattr(self._obj, attr)[i], "d" + leaf, None)


class LayeredNet:
    """The net's three methods bound by name, and the calls the engine makes."""

    def __init__(self, obj: object, namespace: Mapping[str, Any], inputs: Mapping[str, object]):
        self.obj = obj
        forward, cost, backward = (
            _method(obj, t) for t in (FORWARD_METHODS, COST_METHODS, BACKWARD_METHODS)
        )
        if forward is None or cost is None or backward is None:
            raise GradcheckError(
                f"{type(obj).__name__} holds layers but lacks a forward, a cost or a backward "
                f"method (looked for {FORWARD_METHODS[0]}, {COST_METHODS[0]}/{COST_METHODS[2]}, "
                f"{BACKWARD_METHODS[0]})"
            )
        self.forward, self.cost, self.backward = forward, cost, backward
        given = dict(inputs)
        self.data = {role: value for role, (_, value) in find_data(namespace).items()}
        for role in ("X", "Y"):
            if role in given:
                self.data[role] = given.pop(role)
        defaults = shared_defaults(self.forward, self.cost, self.backward)
        self.binder = Binder(
            None, {}, self.data.get("X"), self.data.get("Y"), given, module=namespace,
            defaults=defaults,
        )  # fmt: skip
        self.forward_slots = self.binder.plan("forward", self.forward, None)
        with np.errstate(all="ignore"):
            fwd = self.run_forward()
        self.cost_slots = self.binder.plan("cost", self.cost, fwd)
        self.backward_slots = self.binder.plan("backward", self.backward, fwd)

    def run_forward(self) -> Forwarded:
        result = self.binder.call(self.forward, self.forward_slots, None)
        return sort_forward_result(result, returned_names(self.forward))

    def loss_of(self, fwd: Forwarded) -> Any:
        value = self.binder.call(self.cost, self.cost_slots, fwd)
        return value[0] if isinstance(value, tuple) else value

    def loss(self) -> Any:
        return self.loss_of(self.run_forward())

    def run_backward(self) -> None:
        fwd = self.run_forward()
        self.loss_of(fwd)  # a cost may keep what backward reads (its probabilities)
        self.binder.call(self.backward, self.backward_slots, fwd)


def _parameters(obj: object, label: str) -> dict[str, Where]:
    """After a backward: every layer array ``A`` whose layer now holds ``dA`` of its shape."""
    found: dict[str, Where] = {}
    for attr, layers in layer_lists(obj).items():
        for i, layer in enumerate(layers):
            for leaf, value in list(vars(layer).items()):
                grad = getattr(layer, "d" + leaf, None)
                if (
                    isinstance(value, np.ndarray)
                    and value.dtype.kind == "f"
                    and isinstance(grad, np.ndarray)
                    and grad.shape == value.shape
                ):
                    found[f"{label}.{attr}[{i}].{leaf}"] = (attr, i, leaf)
    return found


def find_layered(
    namespace: Mapping[str, Any], shown: str, inputs: Mapping[str, object]
) -> Model | None:
    """The module's one class-per-layer net; None when it has none."""
    module = namespace.get("__name__")
    found = [
        (name, value)
        for name, value in namespace.items()
        if not name.startswith("_") and type(value).__module__ == module and layer_lists(value)
    ]
    if not found:
        return None
    if len(found) > 1:
        names = ", ".join(n for n, _ in found)
        raise GradcheckError(
            f"{shown} defines {len(found)} nets of layer objects ({names}); choose one with "
            f"--object NAME"
        )
    label, obj = found[0]
    return layered_model(label, obj, namespace, inputs)


def layered_model(
    label: str, obj: object, namespace: Mapping[str, Any], inputs: Mapping[str, object]
) -> Model:
    net = LayeredNet(obj, namespace, inputs)
    with np.errstate(all="ignore"):
        net.run_backward()
    where = _parameters(obj, label)
    if not where:
        raise GradcheckError(
            f"{label}'s layers hold no gradients after {type(obj).__name__}.backward: a layer with "
            f"parameters W and b should store self.dW and self.db in its backward"
        )
    params = LiveLayers(obj, where)

    def grads() -> Mapping[str, Any]:
        net.run_backward()
        return {name: params.gradient(name) for name in where}

    cls = type(obj).__name__
    return Model(
        params=params,
        loss=net.loss,
        grads=grads,
        grad_keys={name: name for name in where},
        form="object",
        source=source_of(type(obj)),
        trace_targets=(net.forward, net.cost, net.backward),
        owned_arrays=owned_arrays(net.data),
        extra={
            **batch_extra(net.data.get("X"), net.data.get("Y")),
            "object": cls,
            "loss_label": f"{cls}.{net.forward.__name__}() or {cls}.{net.cost.__name__}()",
            "grads_label": f"{cls}.{net.backward.__name__}()",
        },
    )

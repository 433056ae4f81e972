"""Class-per-layer nets: a ``Net`` whose ``self.layers`` holds layer objects (``Dense`` with ``W``
and ``b`` that stores ``dW`` and ``db`` in its ``backward``, activation objects with none), found
with no flags.

The net's forward, cost and backward methods are picked by the object form's name tables (with no
cost method, the module's one function returning ``(loss, dout)``, ``softmax_loss(scores, y)``,
called on forward's output; a cost returning ``(loss, dout)`` hands ``dout`` to backward) and bound
by name (the module's data under notebook names, what forward returned, module-level values,
``--set``). One dry run finds the parameters: a float array ``A`` a layer held before the run is one when the
calls left it in place and the layer holds ``dA`` after backward. They are named as the user's code reaches
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
from gradcheck.models.named import scalar_inputs
from gradcheck.models.namespace import find_data
from gradcheck.models.object_arrays import reachable
from gradcheck.models.object_subject import BACKWARD_METHODS, COST_METHODS, FORWARD_METHODS
from gradcheck.models.source import own_instances, returned_names, source_of

__all__ = ["find_layered", "is_layered", "layer_lists", "layered_model"]

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


def is_layered(obj: object) -> bool:
    """Layer objects in a list attribute, and no float array on the net itself (a net that keeps
    arrays of its own is the object form's, as it always was)."""
    if not layer_lists(obj):
        return False
    return not any(a.dtype.kind == "f" for a in reachable(obj).values())


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
        loss_function = cost is None
        if cost is None:
            cost = _module_loss(namespace)
        if forward is None or cost is None or backward is None:
            raise GradcheckError(
                f"{type(obj).__name__} holds layers but lacks a forward, a cost or a backward: "
                f"looked for the methods {FORWARD_METHODS[0]}, {COST_METHODS[0]}/"
                f"{COST_METHODS[2]}, {BACKWARD_METHODS[0]}, and for one module-level loss "
                f"function returning (loss, dout) such as softmax_loss(scores, y)"
            )
        self.forward, self.cost, self.backward = forward, cost, backward
        # A cost returning (loss, dout) hands dout to backward's first argument.
        names = returned_names(cost)
        self.passes_grad = bool(names and len(names) == 2 and (names[1] or "").startswith("d"))
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
        first = "output" if loss_function else None
        self.cost_slots = self.binder.plan("cost", self.cost, fwd, first=first)
        first = "given" if self.passes_grad else None
        self.backward_slots = self.binder.plan("backward", self.backward, fwd, first=first)

    def run_forward(self) -> Forwarded:
        result = self.binder.call(self.forward, self.forward_slots, None)
        return sort_forward_result(result, returned_names(self.forward))

    def loss(self) -> Any:
        value = self.binder.call(self.cost, self.cost_slots, self.run_forward())
        return value[0] if isinstance(value, tuple) else value

    def run_backward(self) -> None:
        fwd = self.run_forward()
        # The cost runs first: it may keep what backward reads (its probabilities), or return it.
        value = self.binder.call(self.cost, self.cost_slots, fwd)
        dout = value[1] if self.passes_grad else None
        self.binder.call(self.backward, self.backward_slots, fwd, given=dout)


def _module_loss(namespace: Mapping[str, Any]) -> Callable[..., Any] | None:
    """The module's one function returning ``(loss, dx)`` (``softmax_loss(x, y)``), if any."""
    module = namespace.get("__name__")
    found = []
    for value in namespace.values():
        if inspect.isfunction(value) and value.__module__ == module:
            names = returned_names(value)
            if names and len(names) == 2 and (names[1] or "").startswith("d"):
                found.append(value)
    return found[0] if len(found) == 1 else None


def _layer_arrays(obj: object) -> dict[Where, np.ndarray]:
    """Every float array the layer objects hold, by where it is."""
    found: dict[Where, np.ndarray] = {}
    for attr, layers in layer_lists(obj).items():
        for i, layer in enumerate(layers):
            for leaf, value in list(vars(layer).items()):
                if isinstance(value, np.ndarray) and value.dtype.kind == "f":
                    found[(attr, i, leaf)] = value
    return found


def _parameters(obj: object, label: str, before: Mapping[Where, np.ndarray]) -> dict[str, Where]:
    """After a backward: every layer array ``A`` held before the calls and still the same object
    (forward's caches, ``self.out``, are made anew) whose layer now holds a gradient ``dA``, of
    any shape (a wrong shape is the engine's to report)."""
    found: dict[str, Where] = {}
    for (attr, i, leaf), value in before.items():
        layer = getattr(obj, attr)[i]
        grad = getattr(layer, "d" + leaf, None)
        if getattr(layer, leaf, None) is value and isinstance(grad, (np.ndarray, np.floating)):
            prefix = f"{label}." if label else ""
            found[f"{prefix}{attr}[{i}].{leaf}"] = (attr, i, leaf)
    return found


def find_layered(
    namespace: Mapping[str, Any], shown: str, inputs: Mapping[str, object]
) -> Model | None:
    """The module's one class-per-layer net; None when it has none."""
    found = own_instances(namespace, is_layered)
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
    before = _layer_arrays(obj)
    net = LayeredNet(obj, namespace, inputs)
    with np.errstate(all="ignore"):
        net.run_backward()
    where = _parameters(obj, label, before)
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
            "named_values": scalar_inputs(inputs),
            "object": cls,
            "loss_label": f"{cls}.{net.forward.__name__}() or {cls}.{net.cost.__name__}()",
            "grads_label": f"{cls}.{net.backward.__name__}()",
        },
    )

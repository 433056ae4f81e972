"""Networks that keep their parameters in lists and return gradients as lists, Nielsen-style:
``self.weights``, ``self.biases`` and ``backprop(x, y) -> (nabla_b, nabla_w)``.

Such a class has no cost function (its quadratic cost is implied by ``cost_derivative``): the
error names that and shows the three lines to add. With a cost method (``cost(self, x, y)``), the
model is ``cost`` for the loss and ``backprop`` for the gradients; each returned list is paired
with the list attribute whose shapes it has (a tie broken by the letter after ``nabla_``/``d``),
and the parameters are named ``net.weights[0]``.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.models.binding import Binder, shared_defaults
from gradcheck.models.data import batch_extra, owned_arrays
from gradcheck.models.model import Model
from gradcheck.models.namespace import find_data
from gradcheck.models.object_subject import BACKWARD_METHODS, COST_METHODS
from gradcheck.models.source import own_instances, returned_names, source_of

__all__ = ["find_list_net", "is_list_net", "list_net_model"]

COST_LINES = """    def cost(self, x, y):
        a = self.feedforward(x)
        return 0.5 * np.sum((a - y) ** 2)"""


def _float_lists(obj: object) -> dict[str, list[np.ndarray]]:
    try:
        attrs = vars(obj)
    except TypeError:
        return {}
    return {
        name: value
        for name, value in attrs.items()
        if isinstance(value, list)
        and value
        and all(isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in value)
    }


def _backprop(obj: object) -> tuple[str, Any] | None:
    for name in BACKWARD_METHODS:
        method = getattr(obj, name, None)
        if inspect.ismethod(method):
            names = returned_names(method)
            if names and len(names) >= 2:
                return name, method
    return None


def find_list_net(
    namespace: Mapping[str, Any], shown: str, inputs: Mapping[str, object]
) -> Model | None:
    """The module's one network of list parameters with a backprop returning lists."""
    found = own_instances(namespace, is_list_net)
    if len(found) != 1:
        return None
    return list_net_model(found[0][0], found[0][1], shown, namespace, inputs)


def is_list_net(value: object) -> bool:
    """Lists of float arrays, and a backprop-like method returning several values."""
    return bool(_float_lists(value)) and _backprop(value) is not None


def list_net_model(
    label: str,
    obj: object,
    shown: str,
    namespace: Mapping[str, Any],
    inputs: Mapping[str, object],
) -> Model:
    """The model of a list network, or the error naming the cost it lacks."""
    cls = type(obj).__name__
    back_name, back = _backprop(obj)  # type: ignore[misc]
    cost = next(
        (getattr(obj, n) for n in COST_METHODS if inspect.ismethod(getattr(obj, n, None))), None
    )
    if cost is None:
        implied = (
            " (the quadratic cost is implied by its cost_derivative)"
            if inspect.ismethod(getattr(obj, "cost_derivative", None))
            else ""
        )
        raise GradcheckError(
            f"{shown}: {cls}.{back_name} returns the gradients, but {cls} has no cost function"
            f"{implied}, so there is no loss to compare them with. Add this method to {cls} (the "
            f"cost whose derivative is output_activations - y), then run the check again:\n"
            f"{COST_LINES}"
        )
    return _model(label, obj, cost, back, namespace, inputs)


class _ListParams(Mapping[str, np.ndarray]):
    def __init__(self, obj: object, where: Mapping[str, tuple[str, int]]) -> None:
        self._obj, self._where = obj, dict(where)

    def __getitem__(self, name: str) -> np.ndarray:
        attr, i = self._where[name]
        value = getattr(self._obj, attr)[i]
        if not isinstance(value, np.ndarray):
            raise GradcheckError(f"parameter {name!r} is no longer a NumPy array")
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


def _pair(obj: object, returned: tuple[Any, ...], names: tuple[str | None, ...]) -> list[str]:
    """For each returned list, the list attribute it holds the gradients of."""
    lists = _float_lists(obj)
    paired: list[str] = []
    for value, name in zip(returned, names):
        shapes = [np.shape(a) for a in value] if isinstance(value, (list, tuple)) else None
        fits = [a for a, arrays in lists.items() if [x.shape for x in arrays] == shapes]
        if len(fits) > 1 and name:
            letter = name.removeprefix("nabla_").removeprefix("d")[:1]
            fits = [a for a in fits if a.startswith(letter)] or fits
        if len(fits) != 1:
            raise GradcheckError(
                f"cannot tell which list of {type(obj).__name__} the returned {name or 'value'} "
                f"holds the gradients of (lists of its shapes: {', '.join(fits) or 'none'})"
            )
        paired.append(fits[0])
    return paired


def _model(
    label: str,
    obj: object,
    cost: Any,
    back: Any,
    namespace: Mapping[str, Any],
    inputs: Mapping[str, object],
) -> Model:
    given = dict(inputs)
    data = {role: value for role, (_, value) in find_data(namespace).items()}
    for role in ("X", "Y"):
        if role in given:
            data[role] = given.pop(role)
    binder = Binder(
        None, {}, data.get("X"), data.get("Y"), given, module=namespace,
        defaults=shared_defaults(cost, back),
    )  # fmt: skip
    cost_slots = binder.plan("cost", cost, None)
    back_slots = binder.plan("backward", back, None)
    names = returned_names(back) or ()
    paired = _pair(obj, tuple(binder.call(back, back_slots, None)), names)
    where = {
        f"{label}.{attr}[{i}]": (attr, i) for attr in paired for i in range(len(getattr(obj, attr)))
    }

    def grads() -> Mapping[str, Any]:
        returned = binder.call(back, back_slots, None)
        return {
            f"{label}.{attr}[{i}]": g
            for attr, value in zip(paired, returned)
            for i, g in enumerate(value)
        }

    cls = type(obj).__name__
    return Model(
        params=_ListParams(obj, where),
        loss=lambda: binder.call(cost, cost_slots, None),
        grads=grads,
        grad_keys={name: name for name in where},
        form="object",
        source=source_of(type(obj)),
        trace_targets=(cost, back),
        owned_arrays=owned_arrays(data),
        extra={
            **batch_extra(data.get("X"), data.get("Y")),
            "object": cls,
            "loss_label": f"{cls}.{cost.__name__}()",
            "grads_label": f"{cls}.{back.__name__}()",
        },
    )

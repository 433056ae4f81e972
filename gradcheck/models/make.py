"""The public makers, :func:`make_model` and :func:`from_object`: every form a user writes, turned
into one :class:`~gradcheck.models.model.Model`.

The engine knows one thing: named arrays it may perturb in place, a zero-argument loss and a
zero-argument gradient function. Users know other things: ``loss(params)``/``grads(params)``, a
``forward``/``cost``/``backward`` trio with their own signatures, or a class that keeps everything on
``self``. The makers meet them there. Two rules hold for every form:

* the arrays in ``Model.params`` are the user's own arrays (never copies), and the closures read
  them live, so a perturbation made by the engine is what the user's code sees;
* anything the harness cannot use (an integer or read-only parameter, something that is not a
  mapping or not callable, an argument that cannot be bound) is rejected here, at the boundary, with
  a :class:`GradcheckError` that names the item.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.models.layered import is_layered, layered_model
from gradcheck.models.loose import make_loose
from gradcheck.models.model import Model
from gradcheck.models.model import type_name as _type_name
from gradcheck.models.named import scalar_inputs
from gradcheck.models.object_model import ObjectModel
from gradcheck.models.object_subject import BACKWARD_METHODS
from gradcheck.models.returns_grads import is_loss_object, loss_method_model
from gradcheck.models.trio import make_trio
from gradcheck.models.views import LiveParams

__all__ = ["from_object", "make_model"]


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

    Trio: ``forward``, ``cost`` and ``backward`` with their own signatures; every argument is bound
    by its name (see :class:`~gradcheck.models.binding.Binder` for the order). ``X``, ``Y`` and
    any further keyword (``lambd=0.7``) are offered under their names. Forward runs once here, so that an argument that
    cannot be bound is reported now, naming the function, the argument and the names on offer.
    """
    trio = [
        n
        for n, v in (("forward", forward), ("cost", cost), ("backward", backward))
        if v is not None
    ]
    loose = [n for n, v in (("loss", loss), ("grads", grads)) if v is not None]
    if trio and loose:
        raise GradcheckError(
            f"give either loss/grads (the loose form) or forward/cost/backward (the trio), not both; "
            f"got {', '.join(loose + trio)}"
        )
    if trio:
        return make_trio(forward, cost, backward, params, X, Y, inputs)
    if inputs:
        raise GradcheckError(
            f"the loose form takes loss, grads, params (and optionally X and Y); unexpected: "
            f"{', '.join(sorted(inputs))} (inputs belong inside your loss and grads functions, or "
            f"use the forward/cost/backward trio, which binds them by name)"
        )
    return make_loose(loss, grads, params, X, Y)


def from_object(
    obj: object,
    params: str | Sequence[str] | None = None,
    grads: str | Sequence[str] | None = None,
    forward: str | Sequence[str] | None = None,
    cost: str | Sequence[str] | None = None,
    backward: str | Sequence[str] | None = None,
    **inputs: object,
) -> Model:
    """Build a :class:`Model` from an object that keeps its parameters and gradients on ``self``.

    Each keyword takes an attribute or method name, or a list of them; what is left out is
    detected. Methods: forward (``forward``, ``forward_propagation``, ``feedforward``, ...), cost
    (``cost``, ``compute_cost``, ``loss``, ...; it may return the value or store it on ``self.cost``/
    ``self.loss``), backward (``backward``, ``backward_propagation``, ``backprop``, ...). Their
    arguments are bound by name like the trio's, from what forward returned, from keyword
    ``inputs`` and from the object's attributes.

    Parameters and gradients are found by calling forward, cost and backward once and watching
    which arrays each call creates or writes: backward's are gradients, forward's are caches, and
    float arrays nothing touched are parameters when they are named like one (``W1``, ``b``,
    ``params['W1']``, ``W[1]``) or have a gradient named like them (``dW1``, ``dW[1]``,
    ``grads['dW1']``); failing names, gradients are paired by shape. Report names follow the
    user's code: ``W[1]``, ``params['W1']``, ``W1``.

    An object with ``.params`` and ``loss(...) -> (loss, grads)`` and no backward method (CS231n's
    ``TwoLayerNet``) is checked through that loss, its arguments bound from ``inputs``
    (``from_object(net, X=X, y=y, reg=0.05)``); a net whose list attribute holds layer objects
    (``self.layers``) is read by :mod:`gradcheck.models.layered`.
    """
    _refuse_non_instance(obj)
    named = (params, grads, forward, cost, backward)
    if all(n is None for n in named):
        if is_loss_object(obj) and not _has_backward(obj):
            # CS231n's nets: loss(X, y, reg) -> (loss, grads) over .params, no backward method.
            return loss_method_model(type(obj).__name__, obj, {}, inputs)
        if is_layered(obj):  # a net of layer objects: parameters named layers[0].W
            return layered_model("", obj, {}, inputs)
    adapted = ObjectModel(obj, params, grads, forward, cost, backward, inputs)
    subject = adapted.subject
    extra: dict[str, Any] = {
        "object": subject.cls,
        "notes": tuple(subject.notes),
        "loss_label": subject.calls_label(subject.forward + subject.cost),
        "grads_label": subject.calls_label(subject.forward + subject.backward),
        "named_values": scalar_inputs(inputs),
    }
    if (batch := adapted.batch_size()) is not None:
        extra["batch_size"] = batch
    return Model(
        params=LiveParams(obj, adapted.param_locs),
        loss=adapted.loss,
        grads=adapted.grads,
        grad_keys={name: name for name in adapted.pairs},
        form="object",
        source=adapted.source(),
        trace_targets=adapted.trace_targets(),
        owned_arrays=adapted.owned,
        extra=extra,
    )


def _has_backward(obj: object) -> bool:
    return any(callable(getattr(obj, name, None)) for name in BACKWARD_METHODS)


def _refuse_non_instance(obj: object) -> None:
    """``from_object`` takes an instance of the user's network class: not the class, a function, a
    module, a container or a number."""
    if inspect.isclass(obj):
        raise GradcheckError(
            f"from_object needs an instance of {obj.__name__}, not the class itself: create it "
            f"(and initialise its parameters) first, e.g. net = {obj.__name__}(...)"
        )
    if (
        obj is None
        or inspect.isroutine(obj)
        or inspect.ismodule(obj)
        or isinstance(obj, (Mapping, list, tuple, np.ndarray, str, int, float))
    ):
        raise GradcheckError(
            f"from_object needs a model object (an instance of your network class); got a "
            f"{_type_name(obj)}"
        )

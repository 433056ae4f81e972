"""Finding the model in a user's file (``gradcheck check FILE``), once it is imported
(:mod:`gradcheck.models.importer`).

Discovery, first match wins (INTERFACE.md §3):

1. ``--object NAME`` (``object_name``): the module-level object ``NAME``, adapted with
   :func:`gradcheck.models.make.from_object`; ``--forward/--cost/--backward`` then name its methods.
2. ``--forward/--cost/--backward`` given without ``--object``: the trio, with those function names
   (the ones not given keep their default names).
3. ``gradcheck_model``: a module-level value, or a zero-argument function (or class) that returns
   one. The value may be

   * a :class:`gradcheck.Model`, used as it is;
   * a dict of keyword arguments for :func:`gradcheck.models.make.make_model`
     (``dict(forward=forward_prop, cost=cost, backward=back_prop, params=params, x=x, y=y)`` or
     ``dict(loss=..., grads=..., params=...)``), or, when it has the key ``"object"``, for
     :func:`gradcheck.models.make.from_object` (``dict(object=net, params="W")``);
   * any other object: adapted with ``from_object``.

4. The trio under its default names ``forward``, ``cost``, ``backward``
   (:func:`gradcheck.models.families.build_trio`).
5. A course family, ``forward_propagation``/``compute_cost``/``backward_propagation`` and its
   kin, with their suffixes (:mod:`gradcheck.models.families`); several is an error listing them.
6. Loose functions ``loss`` and ``grads`` with module-level ``params`` (or ``parameters``);
   ``X``/``Y`` when the module has them (they tell the report the batch size).
7. A function returning its loss and gradients, ``return loss, dW`` (``softmax_loss_vectorized``,
   ``lossFun``); a function returning ``grads, cost`` with ``grads = {"dw": dw, "db": db}``
   (the course's week-2 ``propagate(w, b, X, Y)``, :mod:`gradcheck.models.propagate`); then an
   object with ``.params`` and ``loss() -> (loss, grads)`` (:mod:`gradcheck.models.returns_grads`).
8. A net of layer objects (:mod:`gradcheck.models.layered`), then a network of list parameters
   whose ``backprop`` returns lists (:mod:`gradcheck.models.nielsen`).

From step 4 on, data, parameters and hyperparameters are found under the names notebooks use
(:mod:`gradcheck.models.namespace`, module-level values by name), and ``settings`` (``--set
NAME=VALUE``, :mod:`gradcheck.models.settings`) bind arguments in every step. When nothing
matches, the error lists what the file defines and what was looked for.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import sys
import types
from collections.abc import Mapping, Sequence
from typing import Any

from gradcheck.errors import GradcheckError
from gradcheck.models.families import build_trio, find_family
from gradcheck.models.importer import import_file
from gradcheck.models.layered import find_layered, is_layered, layered_model
from gradcheck.models.make import from_object, make_model
from gradcheck.models.model import Model
from gradcheck.models.nielsen import find_list_net, is_list_net, list_net_model
from gradcheck.models.notebook import with_reading_notes
from gradcheck.models.propagate import find_propagate, propagate_model, propagate_shape
from gradcheck.models.returns_grads import (
    find_loss_method,
    find_returning_function,
    is_loss_object,
    loss_method_model,
    returning_function_model,
)
from gradcheck.models.settings import parse_settings, resolve_settings

__all__ = ["find_model", "find_model_in", "load_model", "model_of"]

TRIO_DEFAULTS = ("forward", "cost", "backward")
PARAMS_NAMES = ("params", "parameters")
X_NAMES = ("X", "x")
Y_NAMES = ("Y", "y")


def _first(namespace: Mapping[str, Any], names: tuple[str, ...]) -> tuple[str, Any] | None:
    for n in names:
        if n in namespace:
            return n, namespace[n]
    return None


def _data(namespace: Mapping[str, Any]) -> dict[str, Any]:
    """Module-level X/x and Y/y, offered under the name the file uses."""
    found: dict[str, Any] = {}
    x = _first(namespace, X_NAMES)
    y = _first(namespace, Y_NAMES)
    if x is not None:
        found["X"] = x[1]
    if y is not None:
        found["Y"] = y[1]
    return found


def _from_gradcheck_model(value: Any, path: str, inputs: Mapping[str, object]) -> Model:
    if inspect.isfunction(value) or inspect.ismethod(value) or inspect.isclass(value):
        try:
            inspect.signature(value).bind()
        except TypeError:
            raise GradcheckError(
                f"{path}: gradcheck_model must be a model or a function of no arguments returning "
                f"one; it is {getattr(value, '__name__', 'a callable')}"
                f"{inspect.signature(value)}"
            ) from None
        except ValueError:
            pass  # no signature to read (a builtin): just call it
        value = value()
    if isinstance(value, Model):
        if inputs:
            raise GradcheckError(
                f"{path}: gradcheck_model is a ready Model, which --set cannot change; set "
                f"{', '.join(inputs)} where the model is built"
            )
        return value
    if isinstance(value, Mapping):
        kwargs = {**value, **inputs}
        if not all(isinstance(k, str) for k in kwargs):
            raise GradcheckError(
                f"{path}: gradcheck_model is a dict whose keys are not all strings"
            )
        if "object" in kwargs:
            obj = kwargs.pop("object")
            return from_object(obj, **kwargs)
        return make_model(**kwargs)
    given: dict[str, Any] = dict(inputs)
    return from_object(value, **given)


def _trio(
    namespace: Mapping[str, Any],
    names: tuple[str, str, str],
    shown: str,
    required: bool,
    inputs: Mapping[str, object],
    cost_given: bool = True,
) -> Model | None:
    """The trio under ``names``. Without ``cost_given`` (the flags named forward and backward
    only) a file with no ``cost`` function means forward returns the cost."""
    wanted = [n for i, n in enumerate(names) if i != 1 or cost_given or callable(namespace.get(n))]
    missing = [name for name in wanted if not callable(namespace.get(name))]
    if missing:
        if required:
            raise GradcheckError(
                f"{shown} defines no function {', '.join(missing)} (asked for the trio "
                f"--forward {names[0]} --cost {names[1]} --backward {names[2]})"
            )
        return None
    cost = namespace.get(names[1]) if names[1] in wanted else None
    return build_trio(namespace, shown, namespace[names[0]], cost, namespace[names[2]], inputs)


def _loose(namespace: Mapping[str, Any], inputs: Mapping[str, object]) -> Model | None:
    params = _first(namespace, PARAMS_NAMES)
    if not (callable(namespace.get("loss")) and callable(namespace.get("grads")) and params):
        return None
    data = {**_data(namespace), **inputs}
    return make_model(loss=namespace["loss"], grads=namespace["grads"], params=params[1], **data)


def _chosen_form(
    name: str, chosen: Any, shown: str, namespace: Mapping[str, Any], inputs: Mapping[str, object]
) -> Model | None:
    """``--object NAME`` naming one of the forms of steps 7 to 10, when it is one."""
    if inspect.isfunction(chosen):
        if propagate_shape(chosen):
            return propagate_model(chosen, namespace, inputs)
        return returning_function_model(chosen, namespace, inputs)
    if is_loss_object(chosen):
        return loss_method_model(name, chosen, namespace, inputs)
    if is_layered(chosen):
        return layered_model(name, chosen, namespace, inputs)
    if is_list_net(chosen):
        return list_net_model(name, chosen, shown, namespace, inputs)
    return None


def _found_by_form(
    namespace: Mapping[str, Any], shown: str, inputs: Mapping[str, object]
) -> Model | None:
    """Steps 4 to 8 of the module docstring, first match wins."""
    return (
        _trio(namespace, TRIO_DEFAULTS, shown, False, inputs)
        or find_family(namespace, shown, inputs)
        or _loose(namespace, inputs)
        or find_returning_function(namespace, shown, inputs)
        or find_propagate(namespace, shown, inputs)
        or find_loss_method(namespace, shown, inputs)
        or find_layered(namespace, shown, inputs)
        or find_list_net(namespace, shown, inputs)
    )


def _inventory(module: types.ModuleType) -> str:
    """What the file defines, for the error when nothing matched."""
    functions, classes, objects, data = [], [], [], []
    for name, value in vars(module).items():
        if name.startswith("_") or isinstance(value, types.ModuleType):
            continue
        if inspect.isclass(value):
            if value.__module__ == module.__name__:
                classes.append(name)
        elif inspect.isfunction(value):
            if value.__module__ == module.__name__:
                functions.append(name)
        elif type(value).__module__ == module.__name__:
            objects.append(f"{name} ({type(value).__name__})")
        elif not callable(value):
            data.append(name)
    parts = [
        f"{label}: {', '.join(items)}"
        for label, items in (
            ("functions", functions),
            ("classes", classes),
            ("objects", objects),
            ("other names", data),
        )
        if items
    ]
    return "; ".join(parts) or "nothing at module level"


def load_model(
    path: str | os.PathLike[str],
    *,
    object_name: str | None = None,
    forward: str | None = None,
    cost: str | None = None,
    backward: str | None = None,
    settings: Sequence[str] = (),
) -> Model:
    """Import ``path`` and return the model it defines (see the module docstring for the order).
    ``settings`` are ``--set NAME=VALUE`` items (:mod:`gradcheck.models.settings`)."""
    parse_settings(settings)  # a malformed item is reported before the user's file runs
    module = import_file(path)
    selection = {"object_name": object_name, "forward": forward, "cost": cost, "backward": backward}
    return model_of(module, str(path), settings=settings, **selection)


def model_of(module: types.ModuleType, shown: str, **selection: Any) -> Model:
    """:func:`find_model` on an imported file, with a notebook's reading notes (skipped lines)."""
    return with_reading_notes(find_model(module, shown, **selection), vars(module))


def find_model_in(namespace: Mapping[str, Any], shown: str, **selection: Any) -> Model:
    """The model a live namespace defines (a notebook's, for ``%gradcheck``), found as in a file:
    ``selection`` takes :func:`find_model`'s keywords. Functions typed at a prompt belong to
    ``__main__``, which is how the error lists what the namespace defines."""
    module = types.ModuleType("__main__")
    vars(module).update(namespace)
    return find_model(module, shown, **selection)


def find_model(
    module: types.ModuleType,
    shown: str,
    *,
    object_name: str | None = None,
    forward: str | None = None,
    cost: str | None = None,
    backward: str | None = None,
    settings: Sequence[str] = (),
) -> Model:
    """The model an imported user module defines, first match wins (see the module docstring);
    ``shown`` is how error messages name the file."""
    namespace = vars(module)
    inputs = resolve_settings(parse_settings(settings), namespace, shown)
    with contextlib.redirect_stdout(sys.stderr):
        if object_name is not None:
            if object_name not in namespace:
                raise GradcheckError(
                    f"{shown} defines no {object_name!r} (--object {object_name}); it defines "
                    f"{_inventory(module)}"
                )
            chosen = namespace[object_name]
            if isinstance(chosen, Model):
                return chosen
            if forward is None and cost is None and backward is None:
                model = _chosen_form(object_name, chosen, shown, namespace, inputs)
                if model is not None:
                    return model
            return from_object(chosen, forward=forward, cost=cost, backward=backward, **inputs)
        if forward is not None or cost is not None or backward is not None:
            names = (forward or "forward", cost or "cost", backward or "backward")
            model = _trio(namespace, names, shown, True, inputs, cost_given=cost is not None)
            if model is not None:  # required=True raises rather than return None
                return model
        if "gradcheck_model" in namespace:
            return _from_gradcheck_model(namespace["gradcheck_model"], shown, inputs)
        model = _found_by_form(namespace, shown, inputs)
        if model is not None:
            return model
    if "gradcheck_layers" in namespace:  # layers are checked one by one (models.layers_file)
        raise GradcheckError(
            f"{shown} defines gradcheck_layers but no model: `gradcheck check {shown}` checks its "
            f"layers; this needs one model (gradcheck_model, forward/cost/backward, loss/grads)"
        )
    raise GradcheckError(
        f"found no model in {shown}. Looked for, in order: gradcheck_model (a model object or a "
        f"function returning one); functions forward, cost, backward with params (or "
        f"parameters), X (or x), Y (or y); a course family (forward_propagation, compute_cost, "
        f"backward_propagation; L_model_forward, L_model_backward; full_forward_propagation, "
        f"get_cost_value, full_backward_propagation); functions loss, grads with params; a "
        f"function returning (loss, dW, ...) for module-level arrays; a function returning "
        f"(grads, cost) with grads = {{'dw': dw, 'db': db}} (propagate(w, b, X, Y)) for "
        f"module-level w, b; an object with .params and "
        f"a loss method; a net of layer objects; a network whose backprop returns its gradients. "
        f"The file defines {_inventory(module)}. Use --object NAME for a model object, "
        f"--forward/--cost/--backward for functions with other names, or define gradcheck_model."
    )

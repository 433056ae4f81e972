"""Module-level trios under the names courses and tutorials give them, found without flags.

A *family* is a forward, a cost and a backward function that belong together:

* ``forward_propagation`` / ``compute_cost`` / ``backward_propagation`` (the deep-learning course);
* ``L_model_forward`` / ``compute_cost`` / ``L_model_backward``;
* ``full_forward_propagation`` / ``get_cost_value`` / ``full_backward_propagation``;
* ``forward_prop`` / ``compute_cost`` / ``backward_prop``;

and each of them with a suffix carried by the backward (``_n``, ``_with_regularization``,
``_with_dropout``): the forward and the cost take the same suffix when the file defines it, else the
plain name (``forward_propagation`` with ``compute_cost_with_regularization`` and
``backward_propagation_with_regularization``). A family with no cost function means its forward
returns the cost (``forward_propagation_n(X, Y, parameters) -> (cost, cache)``).

When a file defines exactly one complete family, it is the model. When it defines several, those
whose backward the file defines itself win over those it imports (the course's notebooks import
``backward_propagation`` from ``reg_utils`` next to their own ``..._with_regularization``); if
several remain, the error lists them with the flags that choose one.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.models.model import Model
from gradcheck.models.namespace import find_data, find_params
from gradcheck.models.trio import make_trio

__all__ = ["Family", "build_trio", "families_in", "find_family"]

STEMS = (
    ("forward_propagation", "compute_cost", "backward_propagation"),
    ("L_model_forward", "compute_cost", "L_model_backward"),
    ("full_forward_propagation", "get_cost_value", "full_backward_propagation"),
    ("forward_prop", "compute_cost", "backward_prop"),
)


@dataclass(frozen=True)
class Family:
    forward: str
    cost: str | None
    backward: str

    @property
    def flags(self) -> str:
        cost = f" --cost {self.cost}" if self.cost else ""
        return f"--forward {self.forward}{cost} --backward {self.backward}"

    @property
    def names(self) -> str:
        return ", ".join(n for n in (self.forward, self.cost, self.backward) if n)


def families_in(namespace: Mapping[str, Any]) -> list[Family]:
    """Every complete family the namespace defines, in the order of STEMS and then of suffix."""

    def has(name: str) -> bool:
        return callable(namespace.get(name))

    found: list[Family] = []
    for fwd, cost, bwd in STEMS:
        suffixes = [""] + sorted(
            n[len(bwd) :] for n in namespace if n.startswith(bwd + "_") and has(n)
        )
        for suffix in suffixes:
            backward = bwd + suffix
            forward = fwd + suffix if has(fwd + suffix) else fwd
            if not (has(backward) and has(forward)):
                continue
            chosen_cost = next((c for c in (cost + suffix, cost) if has(c)), None)
            family = Family(forward, chosen_cost, backward)
            if family not in found:
                found.append(family)
    return found


def find_family(
    namespace: Mapping[str, Any], shown: str, inputs: Mapping[str, object]
) -> Model | None:
    """The model of the one family the file defines; None when it defines none."""
    found = families_in(namespace)
    if not found:
        return None
    if len(found) > 1:
        # The code under check is the user's own: a family whose backward the file imports (the
        # course's reg_utils.backward_propagation) gives way to the ones it defines.
        own = [f for f in found if _defined_here(namespace, f.backward)]
        found = own or found
    if len(found) > 1:
        listed = "; ".join(f"{f.names} (check it with {f.flags})" for f in found)
        raise GradcheckError(
            f"{shown} defines {len(found)} families of forward/cost/backward functions: {listed}. "
            f"Choose one with its flags."
        )
    family = found[0]
    cost = namespace[family.cost] if family.cost else None
    return build_trio(
        namespace, shown, namespace[family.forward], cost, namespace[family.backward], inputs
    )


def _defined_here(namespace: Mapping[str, Any], name: str) -> bool:
    return getattr(namespace[name], "__module__", None) == namespace.get("__name__")


def build_trio(
    namespace: Mapping[str, Any],
    shown: str,
    forward: object,
    cost: object,
    backward: object,
    inputs: Mapping[str, object],
) -> Model:
    """A module-level trio: the module's params and data under the names notebooks use, its
    other values offered to the functions' arguments by name, ``inputs`` (``--set``) first."""
    given = dict(inputs)
    params = given.pop("params", None) or given.pop("parameters", None)
    if params is None:
        found = find_params(namespace)
        if found is None:
            names = ", ".join(getattr(f, "__name__", "?") for f in (forward, cost, backward) if f)
            raise GradcheckError(
                f"{shown} defines {names} but no module-level params (or parameters, "
                f"params_values): the mapping of name -> array they are checked at"
            )
        params = found[1]
    data = {role: value for role, (_, value) in find_data(namespace).items()}
    for role in ("X", "Y"):
        if role in given:
            data[role] = given.pop(role)
    model = make_trio(
        forward,
        cost,
        backward,
        params,
        data.get("X"),
        data.get("Y"),
        given,
        module=namespace,
        cost_optional=True,
    )
    if cost is None:
        _require_scalar_loss(model, forward)
    _require_repeatable_dropout(model, forward, namespace)
    return model


def _require_repeatable_dropout(
    model: Model, forward: object, namespace: Mapping[str, Any]
) -> None:
    """A forward with dropout (a ``keep_prob`` argument) must draw the same masks on every call,
    or finite differences measure the masks' noise. The course seeds inside the function
    (``np.random.seed(1)``), which is repeatable; a forward that does not is refused here, with
    the two ways out."""
    try:
        takes = "keep_prob" in inspect.signature(forward).parameters  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return
    if not takes:
        return
    with np.errstate(all="ignore"):
        first, second = model.loss(), model.loss()
    if np.array_equal(np.asarray(first), np.asarray(second)):
        return
    name = getattr(forward, "__name__", "forward")
    raise GradcheckError(
        f"{name} gives a different cost on every call at the same parameters ({float(first):.6g}, "
        f"then {float(second):.6g}): its dropout masks are drawn anew each time, and finite "
        f"differences would measure the masks, not the gradient. Seed inside it, as the course "
        f"does (np.random.seed(1) as its first line), or check with dropout off: "
        f"--set keep_prob=1.0"
    )


def _require_scalar_loss(model: Model, forward: object) -> None:
    """With no cost function, forward's output is the loss: it must be one number."""
    with np.errstate(all="ignore"):
        value = model.loss()
    if np.size(value) != 1:
        raise GradcheckError(
            f"{getattr(forward, '__name__', 'forward')} is checked without a cost function (the "
            f"file defines none of its family), so its output is taken as the cost; it returned a "
            f"{type(value).__name__} of shape {np.shape(value)}, not one number. Define the cost "
            f"function, or name it with --cost NAME"
        )

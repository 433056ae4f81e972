"""Reading an object against what the user asked of it: which of its methods are forward, cost
and backward (given by name, or found in the name tables below), where a cost it stores may be
read, and the attribute names given with ``params=``/``grads=``. The result, :class:`Subject`, is
the small state every later step of the object form reads, and where it leaves notes for the
report.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gradcheck.errors import GradcheckError
from gradcheck.models.object_arrays import instance_attributes

FORWARD_METHODS = (
    "forward",
    "forward_propagation",
    "forward_prop",
    "forward_pass",
    "forward_propagate",
    "feedforward",
    "feed_forward",
    "fprop",
)
COST_METHODS = (
    "cost",
    "compute_cost",
    "loss",
    "compute_loss",
    "cost_function",
    "loss_function",
    "calculate_cost",
    "calculate_loss",
    "get_cost",
    "get_loss",
)
BACKWARD_METHODS = (
    "backward",
    "backward_propagation",
    "backward_prop",
    "backward_pass",
    "backprop",
    "back_prop",
    "backpropagation",
    "back_propagation",
    "backpropagate",
    "bprop",
)
# Where a cost method that returns None may have stored its value.
STORED_COST_ATTRIBUTES = (
    "cost",
    "loss",
    "J",
    "total_cost",
    "total_loss",
    "cost_",
    "loss_",
    "_cost",
    "_loss",
)


# One of the object's methods, under the name it has on the object.
Method = tuple[str, Callable[..., Any]]


@dataclass
class Subject:
    """The object being adapted and the methods picked for each role (called in order).

    ``cost_attrs`` are the attributes where a cost method that returns None may have stored its
    value; ``cost_attrs_given`` says the user named them (then they win over a returned value).
    ``explicit_params``/``explicit_grads`` are the names given with ``params=``/``grads=``.
    """

    obj: object
    cls: str
    forward: list[Method]
    cost: list[Method]
    backward: list[Method]
    cost_attrs: list[str]
    cost_attrs_given: bool
    explicit_params: list[str] | None
    explicit_grads: list[str] | None
    notes: list[str] = field(default_factory=list)

    def calls_label(self, calls: Sequence[Method]) -> str:
        return " or ".join(f"{self.cls}.{name}()" for name, _ in calls) or f"{self.cls}"


def read_subject(
    obj: object,
    params: str | Sequence[str] | None,
    grads: str | Sequence[str] | None,
    forward: str | Sequence[str] | None,
    cost: str | Sequence[str] | None,
    backward: str | Sequence[str] | None,
) -> Subject:
    """Pick the object's methods and read the names the user gave; refuse an object without a
    backward or without anything that computes the cost."""
    cls = type(obj).__name__
    methods = object_methods(obj)
    picked_forward = _pick(cls, "forward", forward, FORWARD_METHODS, methods)
    picked_cost, cost_attrs, cost_attrs_given = _pick_cost(obj, cls, cost, methods)
    picked_backward = _pick(cls, "backward", backward, BACKWARD_METHODS, methods)
    if not picked_backward:
        raise GradcheckError(
            f"{cls} has no method that looks like backpropagation (looked for "
            f"{', '.join(BACKWARD_METHODS)}); name it with backward='...' (CLI: --backward NAME)"
        )
    if not picked_forward and not picked_cost and not cost_attrs:
        raise GradcheckError(
            f"{cls} has no method that computes the cost (looked for "
            f"{', '.join(FORWARD_METHODS + COST_METHODS)}); name it with cost='...' or "
            f"forward='...'"
        )
    return Subject(
        obj=obj,
        cls=cls,
        forward=picked_forward,
        cost=picked_cost,
        backward=picked_backward,
        cost_attrs=cost_attrs,
        cost_attrs_given=cost_attrs_given,
        explicit_params=names("params", params),
        explicit_grads=names("grads", grads),
    )


def object_methods(obj: object) -> dict[str, Callable[..., Any]]:
    """The object's methods (its class's functions, static and class methods, and functions stored
    on the instance), bound, by name."""
    found: dict[str, Callable[..., Any]] = {}
    for name in dir(type(obj)):
        if name.startswith("__"):
            continue
        static = inspect.getattr_static(obj, name, None)
        if inspect.isfunction(static) or isinstance(static, (staticmethod, classmethod)):
            found[name] = getattr(obj, name)
    for name, value in instance_attributes(obj).items():
        if inspect.isroutine(value):
            found[name] = value
    return found


def names(keyword: str, value: str | Sequence[str] | None) -> list[str] | None:
    """What a keyword such as ``params=`` was given, as a list of names (None: not given)."""
    if value is None:
        return None
    listed = [value] if isinstance(value, str) else list(value)
    if not listed or not all(isinstance(n, str) for n in listed):
        raise GradcheckError(
            f"{keyword}= takes an attribute or method name or a list of names; got {value!r}"
        )
    return listed


def _pick(
    cls: str,
    role: str,
    given: str | Sequence[str] | None,
    vocabulary: Sequence[str],
    methods: Mapping[str, Callable[..., Any]],
) -> list[Method]:
    names_given = names(role, given)
    if names_given is not None:
        picked = []
        for name in names_given:
            if name not in methods:
                raise GradcheckError(
                    f"{cls} has no method {name!r} ({role}={name!r}); its methods: "
                    f"{', '.join(sorted(methods)) or '(none)'}"
                )
            picked.append((name, methods[name]))
        return picked
    wanted = {v.lower() for v in vocabulary}
    candidates = [n for n in methods if n.lower() in wanted]
    if len(candidates) > 1:
        raise GradcheckError(
            f"{cls} has several methods that look like its {role}: "
            f"{', '.join(candidates)}; say which with {role}={candidates[0]!r} "
            f"(CLI: --{role} {candidates[0]})"
        )
    return [(n, methods[n]) for n in candidates]


def _pick_cost(
    obj: object,
    cls: str,
    given: str | Sequence[str] | None,
    methods: Mapping[str, Callable[..., Any]],
) -> tuple[list[Method], list[str], bool]:
    """The cost method(s) to call, the attributes where a stored cost may be read, and whether
    those attributes were named by the user (then they win over a returned value).

    ``cost=`` may name methods (called in order) and attributes (read after the calls)."""
    names_given = names("cost", given)
    if names_given is None:
        picked = _pick(cls, "cost", None, COST_METHODS, methods)
        return picked, list(STORED_COST_ATTRIBUTES), False
    called, stored = [], []
    attributes = instance_attributes(obj)
    for name in names_given:
        if name in methods:
            called.append((name, methods[name]))
        elif name in attributes:
            stored.append(name)
        else:
            raise GradcheckError(
                f"{cls} has no method or attribute {name!r} (cost={name!r}); its methods: "
                f"{', '.join(sorted(methods)) or '(none)'}"
            )
    if stored:
        return called, stored, True
    return called, list(STORED_COST_ATTRIBUTES), False

"""One evaluation of an object's methods: its forward method(s), then its cost method(s) (or the
attribute the cost is stored in), then its backward method(s), every argument bound by name
(:mod:`gradcheck.models.binding`) from what forward returned, keyword inputs and the object's
attributes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gradcheck.models.binding import Binder, Forwarded, Slot, sort_forward_result
from gradcheck.models.object_subject import Subject
from gradcheck.models.source import returned_names


class Calls:
    """The subject's methods with their argument plans.

    Forward's plan is made here, from its signature alone; cost's and backward's are made by the
    dry run (:func:`gradcheck.models.object_dry_run.dry_run`) once forward has run, since they may
    ask for what it returned. ``cost_attr`` is the attribute the cost is read from, if any.
    """

    def __init__(self, subject: Subject, binder: Binder) -> None:
        self.subject = subject
        self.binder = binder
        self.forward_names = returned_names(subject.forward[-1][1]) if subject.forward else None
        self.forward_slots = [binder.plan("forward", fn, None) for _, fn in subject.forward]
        self.cost_slots: list[list[Slot]] = []
        self.backward_slots: list[list[Slot]] = []
        self.cost_attr: str | None = None

    def plan_cost(self, fwd: Forwarded | None) -> None:
        self.cost_slots = [self.binder.plan("cost", fn, fwd) for _, fn in self.subject.cost]

    def plan_backward(self, fwd: Forwarded | None) -> None:
        self.backward_slots = [
            self.binder.plan("backward", fn, fwd) for _, fn in self.subject.backward
        ]

    def run_forward(self) -> Forwarded | None:
        fwd: Forwarded | None = None
        for (_, fn), slots in zip(self.subject.forward, self.forward_slots):
            fwd = sort_forward_result(self.binder.call(fn, slots, fwd), self.forward_names)
        return fwd

    def run_cost(self, fwd: Forwarded | None) -> Any:
        value: Any = None
        for (_, fn), slots in zip(self.subject.cost, self.cost_slots):
            value = self.binder.call(fn, slots, fwd)
        return value

    def forward_and_cost(self) -> tuple[Forwarded | None, Any]:
        fwd = self.run_forward()
        return fwd, self.run_cost(fwd)

    def cost_value(self, fwd: Forwarded | None, returned: Any) -> Any:
        if self.cost_attr is not None:
            return getattr(self.subject.obj, self.cost_attr)
        if self.subject.cost:
            return returned
        return None if fwd is None else fwd.output

    def loss(self) -> Any:
        fwd, value = self.forward_and_cost()
        return self.cost_value(fwd, value)

    def run_backward(self, fwd: Forwarded | None) -> dict[str, Any]:
        """Run backward; what it returns is offered under the names of its return statement."""
        result: Any = None
        for (_, fn), slots in zip(self.subject.backward, self.backward_slots):
            result = self.binder.call(fn, slots, fwd)
        if result is None:
            return {}
        fn = self.subject.backward[-1][1]
        if isinstance(result, Mapping):
            names = returned_names(fn, 1)
            return {(names[0] if names and names[0] else "grads"): result}
        if isinstance(result, tuple):
            names = returned_names(fn, len(result))
            return {n: v for n, v in zip(names or (), result) if n is not None}
        names = returned_names(fn, 1)
        return {(names[0] if names and names[0] else "grads"): result}

"""The object form, everything on ``self``: its methods picked (``object_subject``), called once
in a dry run (``object_dry_run``), refused when they change what they must not (``object_refusals``),
its parameters and gradients found and paired (``object_params``, ``object_pairing``); then the loss
and the gradients the engine evaluates, and what else the Model needs (owned arrays, batch size,
trace targets, source).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from gradcheck.models.binding import X_NAMES, Y_NAMES, Binder
from gradcheck.models.data import infer_batch_size
from gradcheck.models.object_arrays import instance_attributes, reachable
from gradcheck.models.object_calls import Calls
from gradcheck.models.object_dry_run import dry_run
from gradcheck.models.object_params import classify
from gradcheck.models.object_refusals import (
    refuse_changed_state,
    refuse_scalar_parameters,
    require_some_arrays,
)
from gradcheck.models.object_subject import Subject, object_methods, read_subject


class ObjectModel:
    """A stateful object's forward/cost/backward methods, its parameters and their gradients."""

    def __init__(
        self,
        obj: object,
        params: str | Sequence[str] | None,
        grads: str | Sequence[str] | None,
        forward: str | Sequence[str] | None,
        cost: str | Sequence[str] | None,
        backward: str | Sequence[str] | None,
        inputs: Mapping[str, object],
    ) -> None:
        self.obj = obj
        self.subject: Subject = read_subject(obj, params, grads, forward, cost, backward)
        if self.subject.explicit_params is None:
            require_some_arrays(self.subject)
        self.calls = Calls(self.subject, Binder(None, {}, None, None, inputs, obj=obj))
        observed = dry_run(self.subject, self.calls)
        refuse_changed_state(self.subject, observed)
        refuse_scalar_parameters(self.subject, observed.made_by_backward)
        found = classify(self.subject, observed)
        self.param_locs = found.locs
        self.pairs = found.pairs

    def loss(self) -> Any:
        return self.calls.loss()

    def grads(self) -> Mapping[str, Any]:
        fwd, _ = self.calls.forward_and_cost()
        returned = self.calls.run_backward(fwd)
        out: dict[str, Any] = {}
        for name, loc in self.pairs.items():
            try:
                out[name] = loc.read(self.obj, returned)
            except (KeyError, IndexError, AttributeError):
                continue  # reported by the engine as a missing gradient
        return out

    # ---- what the Model needs besides loss and grads ----------------------------------

    def owned(self) -> dict[str, np.ndarray]:
        param_ids = {id(loc.read(self.obj, {})) for loc in self.param_locs.values()}
        return {loc.name: a for loc, a in reachable(self.obj).items() if id(a) not in param_ids}

    def batch_size(self) -> int | None:
        attrs = instance_attributes(self.obj)
        m = attrs.get("m")
        if isinstance(m, (int, np.integer)) and not isinstance(m, bool) and m > 0:
            return int(m)
        X = next((attrs[n] for n in X_NAMES if n in attrs), None)
        Y = next((attrs[n] for n in Y_NAMES if n in attrs), None)
        return infer_batch_size(X, Y)

    def trace_targets(self) -> tuple[Callable[..., Any], ...]:
        """The methods the user wrote on this class (helpers included), for a NaN-origin tracer."""
        cls = type(self.obj)
        subject = self.subject
        targets: list[Callable[..., Any]] = [
            fn for _, fn in subject.forward + subject.cost + subject.backward
        ]
        for fn in object_methods(self.obj).values():
            func = getattr(fn, "__func__", fn)
            if getattr(func, "__module__", None) == cls.__module__ and fn not in targets:
                targets.append(fn)
        return tuple(targets)

    def source(self) -> str | None:
        cls = type(self.obj)
        try:
            file = inspect.getsourcefile(cls)
            _, line = inspect.getsourcelines(cls)
        except (OSError, TypeError):
            return None
        return f"{file}:{line}" if file else None

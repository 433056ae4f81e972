"""The trio: ``forward``, ``cost`` and ``backward`` with the user's own signatures, bound by name
to the user's params, X, Y and keyword inputs (:mod:`gradcheck.models.binding`).

A file's trio may have no cost function when its forward returns the cost
(``forward_propagation_n(X, Y, parameters) -> (cost, cache)``): the loss is then forward's output.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.models.binding import Binder, Forwarded, shared_defaults, sort_forward_result
from gradcheck.models.data import DATA_NAMES, batch_extra, owned_arrays
from gradcheck.models.integrity import Fingerprint
from gradcheck.models.model import Model, cast_copy, require_callable
from gradcheck.models.model import type_name as _type_name
from gradcheck.models.named import scalar_inputs
from gradcheck.models.source import (
    describe,
    display_name,
    returned_names,
    source_of,
    underlying_function,
)
from gradcheck.models.views import live_view, stringify_keys


class Trio:
    """forward/cost/backward bound to the user's params, X, Y and keyword inputs."""

    def __init__(
        self,
        forward: Callable[..., Any],
        cost: Callable[..., Any] | None,
        backward: Callable[..., Any],
        binder: Binder,
    ) -> None:
        self.forward, self.cost, self.backward = forward, cost, backward
        self.binder = binder
        self.forward_names = returned_names(forward)
        self.forward_slots = binder.plan("forward", forward, None)
        # Run forward once so that cost and backward can be bound to what it returns (dict keys
        # are only known at run time). Floating-point warnings are the engine's business, not ours.
        with np.errstate(all="ignore"):
            fwd = self.run_forward()
        self.cost_slots = [] if cost is None else binder.plan("cost", cost, fwd)
        self.backward_slots = binder.plan("backward", backward, fwd)
        self.backward_names: tuple[str | None, ...] | None = None
        self.backward_names_read = False

    def run_forward(self) -> Forwarded:
        result = self.binder.call(self.forward, self.forward_slots, None)
        names = self.forward_names
        if isinstance(result, tuple) and names is not None and len(names) != len(result):
            names = returned_names(self.forward, len(result))
        return sort_forward_result(result, names)

    def loss(self) -> Any:
        fwd = self.run_forward()
        if self.cost is None:  # forward returns the cost
            return fwd.output
        return self.binder.call(self.cost, self.cost_slots, fwd)

    def grads(self) -> Mapping[str, Any]:
        fwd = self.run_forward()
        result = self.binder.call(self.backward, self.backward_slots, fwd)
        return self._name_gradients(result)

    def _name_gradients(self, result: Any) -> Mapping[str, Any]:
        """A mapping as is; a tuple named by backward's own ``return dw1, db1, ...``."""
        if isinstance(result, Mapping):
            return stringify_keys(result)
        values = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        if not self.backward_names_read or (
            self.backward_names is not None and len(self.backward_names) != len(values)
        ):
            self.backward_names = returned_names(self.backward, len(values))
            self.backward_names_read = True
        names = self.backward_names
        if names is None or any(n is None for n in names):
            what = (
                f"a {_type_name(result)} of {len(values)} values"
                if isinstance(result, (tuple, list))
                else f"a {_type_name(result)}"
            )
            raise GradcheckError(
                f"{describe('backward', self.backward)} returned {what} that its return statement "
                f"does not name; return plain names (return dW1, db1, ...) or a dict "
                f"{{'dW1': dW1, ...}}"
            )
        return {n: v for n, v in zip(names, values) if n is not None}


def make_trio(
    forward: object,
    cost: object,
    backward: object,
    params: object,
    X: object,
    Y: object,
    inputs: Mapping[str, object],
    *,
    module: Mapping[str, Any] | None = None,
    cost_optional: bool = False,
) -> Model:
    """The trio's Model. ``module`` (discovery: the user's module namespace) offers its values to
    the functions' arguments; with ``cost_optional`` a missing cost means forward returns it."""
    fwd_fn, cost_fn, back_fn = _functions(forward, cost, backward, params, cost_optional)
    live = live_view(params)
    assert isinstance(params, Mapping)
    keys = {name: key for name, key in zip(live, params)}
    fns = [f for f in (fwd_fn, cost_fn, back_fn) if f is not None]
    binder = Binder(params, keys, X, Y, inputs, module=module, defaults=shared_defaults(*fns))
    owned = owned_arrays({"X": X, "Y": Y, **inputs})
    data = {k: v for k, v in (owned() if owned else {}).items() if k in DATA_NAMES}
    # Forward runs once here, to bind cost and backward: it must leave parameters and data as it
    # found them, or the check would start from a point the user never gave.
    params_before, data_before = Fingerprint.of(live), Fingerprint.of(data)
    trio = Trio(fwd_fn, cost_fn, back_fn, binder)
    forward_label = f"{display_name(fwd_fn)}()"
    params_before.check_unchanged(live, forward_label)
    data_before.check_data_unchanged(data, forward_label)

    return Model(
        params=live,
        loss=trio.loss,
        grads=trio.grads,
        form="trio",
        source=source_of(underlying_function(fwd_fn)),
        trace_targets=tuple(fns),
        owned_arrays=owned,
        extra={
            **batch_extra(X, Y),
            "named_values": scalar_inputs(inputs),
            "loss_label": forward_label
            if cost_fn is None
            else f"{forward_label} or {display_name(cost_fn)}()",
            "grads_label": f"{forward_label} or {display_name(back_fn)}()",
        },
        recast=lambda dtype: make_trio(
            fwd_fn,
            cost_fn,
            back_fn,
            *(cast_copy(v, dtype) for v in (params, X, Y, inputs)),
            module=module,
            cost_optional=cost_optional,
        ),
    )


def _functions(
    forward: object, cost: object, backward: object, params: object, cost_optional: bool
) -> tuple[Callable[..., Any], Callable[..., Any] | None, Callable[..., Any]]:
    """The trio's three functions, refused with a message when one is missing or not callable."""
    needed = (("forward", forward), ("cost", cost), ("backward", backward))
    missing = [n for n, v in needed if v is None and not (n == "cost" and cost_optional)]
    if missing:
        raise GradcheckError(
            "the trio needs forward, cost and backward; missing: " + ", ".join(missing)
        )
    if params is None:
        raise GradcheckError(
            "the trio needs params: a mapping of name -> array (e.g. {'W1': W1, 'b1': b1})"
        )
    fwd_fn = require_callable("forward", forward, "forward(...) -> output")
    cost_fn = None if cost is None else require_callable("cost", cost, "cost(...) -> float")
    back_fn = require_callable("backward", backward, "backward(...) -> gradients")
    return fwd_fn, cost_fn, back_fn

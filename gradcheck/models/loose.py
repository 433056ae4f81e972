"""The loose form: ``loss(params) -> float``, ``grads(params) -> mapping`` and ``params``, a
mapping of name -> array. The user's functions are called with the user's own mapping, so the
engine's in-place perturbations are what they read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gradcheck.errors import GradcheckError
from gradcheck.models.data import batch_extra, owned_arrays
from gradcheck.models.model import Model, cast_copy, require_callable
from gradcheck.models.model import type_name as _type_name
from gradcheck.models.source import source_of, underlying_function
from gradcheck.models.views import live_view, stringify_keys


def _check_grads_result(what: str, result: object) -> Mapping[str, Any]:
    if not isinstance(result, Mapping):
        raise GradcheckError(
            f"{what} returned a {_type_name(result)}, not a mapping of name -> gradient array "
            f"(keys may be the parameter names or 'd' + name, e.g. {{'dW1': dW1}})"
        )
    return stringify_keys(result)


def make_loose(loss: object, grads: object, params: object, X: object, Y: object) -> Model:
    """The core form. ``X`` and ``Y`` are optional here: the user's functions close over their data,
    but when they are given the model knows its batch size and which input arrays it owns."""
    missing = [n for n, v in (("loss", loss), ("grads", grads), ("params", params)) if v is None]
    if missing:
        raise GradcheckError(
            "the loose form needs loss, grads and params; missing: " + ", ".join(missing)
        )
    loss_fn = require_callable("loss", loss, "loss(params) -> float")
    grads_fn = require_callable("grads", grads, "grads(params) -> mapping")
    live = live_view(params)
    # The user's functions receive the user's own mapping (not our string-keyed view), so a
    # params dict keyed by layer numbers still works inside their code.
    user_params = params

    def loss_closure() -> Any:
        return loss_fn(user_params)

    def grads_closure() -> Mapping[str, Any]:
        return _check_grads_result("grads(params)", grads_fn(user_params))

    return Model(
        params=live,
        loss=loss_closure,
        grads=grads_closure,
        form="loose",
        source=source_of(underlying_function(loss_fn)),
        trace_targets=(loss_fn, grads_fn),
        owned_arrays=owned_arrays({"X": X, "Y": Y}),
        extra=batch_extra(X, Y),
        recast=lambda dtype: make_loose(
            loss_fn, grads_fn, cast_copy(params, dtype), cast_copy(X, dtype), cast_copy(Y, dtype)
        ),
    )

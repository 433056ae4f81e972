"""What a user gives to check one layer: the forward/backward pair, the arguments, the upstream
gradient; and forward's arguments bound to their names, with the checked ones chosen.

A layer is written the way layers.py files write it (CS231n and most from-scratch courses):
``affine_forward(x, w, b) -> (out, cache)`` with ``affine_backward(dout, cache) -> (dx, dw, db)``.
Its checked arguments are the float NumPy arrays among forward's arguments, in forward's order
(or the names in ``wrt``); everything else (``bn_param``, ``conv_param``, integer labels ``y``)
passes through.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.models.source import display_name, underlying_function

__all__ = [
    "LayerSpec",
    "bind_arguments",
    "checked_arguments",
    "float_arguments",
    "input_arguments",
]

# Arguments that carry data into the layer rather than parameters of it: the first checked one
# (x), and the recurrent states (prev_h, prev_c, h0, c_prev) of an RNN or LSTM step.
_INPUT_NAME = re.compile(
    r"x|xs|inputs?|scores|(prev|last)_?\w+|\w+_prev|[hc]0?|a_?prev", re.IGNORECASE
)


@dataclass(frozen=True)
class LayerSpec:
    """One layer to check, as ``check_layer`` or a ``gradcheck_layers`` entry gives it.

    ``name`` is how messages name the layer (the dict key of ``gradcheck_layers``; by default
    forward's name without ``_forward``).
    """

    forward: Callable[..., Any]
    backward: Callable[..., Any] | None
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    dout: Any = None
    seed: int = 0
    wrt: tuple[str, ...] | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if not callable(self.forward):
            raise GradcheckError(
                f"{self.title}: forward must be a function (forward(*args) -> (out, cache)); "
                f"got a {type(self.forward).__name__}"
            )
        if self.backward is not None and not callable(self.backward):
            raise GradcheckError(
                f"{self.title}: backward must be a function (backward(dout, cache) -> gradients) "
                f"or None for a loss layer that returns (loss, dx); got a "
                f"{type(self.backward).__name__}"
            )

    @property
    def title(self) -> str:
        if self.name:
            return self.name
        name = getattr(self.forward, "__name__", None) or "layer"
        return re.sub(r"_forward(_naive)?$", "", name) or name

    @property
    def forward_name(self) -> str:
        return display_name(underlying_function(self.forward))

    @property
    def backward_name(self) -> str | None:
        if self.backward is None:
            return None
        return display_name(underlying_function(self.backward))


def _signature(spec: LayerSpec) -> inspect.Signature:
    try:
        return inspect.signature(spec.forward)
    except (TypeError, ValueError):
        # No signature to read (a builtin): name the positional arguments by position.
        params = [
            inspect.Parameter(f"arg{i + 1}", inspect.Parameter.POSITIONAL_ONLY)
            for i in range(len(spec.args))
        ]
        return inspect.Signature(params)


def bind_arguments(spec: LayerSpec) -> inspect.BoundArguments:
    """forward's arguments by name, as ``forward(*args, **kwargs)`` would receive them."""
    sig = _signature(spec)
    try:
        bound = sig.bind(*spec.args, **spec.kwargs)
    except TypeError as exc:
        raise GradcheckError(
            f"{spec.title}: {spec.forward_name}{sig} cannot be called with the arguments given "
            f"({len(spec.args)} positional"
            + (f", keywords {', '.join(spec.kwargs)}" if spec.kwargs else "")
            + f"): {exc}"
        ) from None
    return bound


def _is_float_array(value: object) -> bool:
    return isinstance(value, np.ndarray) and value.dtype.kind == "f"


def _what(value: object) -> str:
    kind = f"{value.dtype} array" if isinstance(value, np.ndarray) else type(value).__name__
    return ("an " if kind[0] in "aeiou" else "a ") + kind


def float_arguments(arguments: Mapping[str, Any]) -> list[str]:
    """The float-array arguments, in forward's order."""
    return [n for n, v in arguments.items() if _is_float_array(v)]


def checked_arguments(spec: LayerSpec, arguments: Mapping[str, Any]) -> list[str]:
    """The arguments whose gradients are compared: the float arrays, or the names in ``wrt``,
    in forward's order."""
    floats = float_arguments(arguments)
    if spec.wrt is not None:
        for name in spec.wrt:
            if name not in arguments:
                raise GradcheckError(
                    f"{spec.title}: wrt names {name!r}, which is not an argument given to "
                    f"{spec.forward_name}; its arguments are {', '.join(arguments)}"
                )
            if name not in floats:
                raise GradcheckError(
                    f"{spec.title}: wrt names {name!r}, which is {_what(arguments[name])}, not a "
                    f"float NumPy array: only float arrays can be perturbed by a small step"
                )
        return [n for n in floats if n in spec.wrt]
    if not floats:
        given = ", ".join(f"{n} ({_what(v)})" for n, v in arguments.items()) or "none"
        raise GradcheckError(
            f"{spec.title}: no argument of {spec.forward_name} is a float NumPy array, so there "
            f"is nothing to check (arguments: {given}); pass the inputs and weights as float "
            f"arrays (e.g. x.astype(np.float64))"
        )
    return floats


def input_arguments(checked: list[str]) -> list[str]:
    """The checked arguments that carry data into the layer (x, prev_h, prev_c), not weights."""
    return [n for i, n in enumerate(checked) if i == 0 or _INPUT_NAME.fullmatch(n)]

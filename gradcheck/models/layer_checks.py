"""What a layer's forward and backward must return, checked once before anything is perturbed, each
refusal one sentence naming the layer and what was expected (:class:`GradcheckError`).

* with a backward, forward returns its outputs followed by the cache: ``(out, cache)``,
  ``(next_h, next_c, cache)``; a loss layer (no backward) returns ``(loss, dx)``;
* one upstream gradient per output, of the output's shape;
* backward returns one gradient per checked argument, in forward's order, each of its argument's
  shape (a gradient of another argument's shape says the order is off);
* forward is repeatable (dropout without a seed is not) and leaves its inputs alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.models.layer_spec import LayerSpec

__all__ = [
    "check_gradient_shapes",
    "gradient_items",
    "not_repeatable",
    "split_outputs",
    "upstream_gradients",
]

_ORDINALS = ("1st", "2nd", "3rd")
_DOUT_STREAM = 0x646F7574  # "dout": the upstream gradients' own random stream


def _ordinal(i: int) -> str:
    return _ORDINALS[i] if i < len(_ORDINALS) else f"{i + 1}th"


def _shape(shape: Sequence[int]) -> str:
    dims = list(shape)
    return "(" + ", ".join(map(str, dims)) + ("," if len(dims) == 1 else "") + ")"


def _as_output(spec: LayerSpec, value: object, i: int) -> np.ndarray:
    arr = np.asarray(value) if isinstance(value, (np.ndarray, float, int, np.generic)) else None
    if arr is None or arr.dtype.kind not in "fiu" or arr.dtype == bool:
        raise GradcheckError(
            f"{spec.title}: the {_ordinal(i)} output of {spec.forward_name} is "
            f"{type(value).__name__}, not a numeric array: with a backward, forward returns its "
            f"outputs and then the cache (return out, cache)"
        )
    return arr


def split_outputs(spec: LayerSpec, result: object) -> tuple[list[np.ndarray], Any]:
    """(outputs, cache) from what forward returned, for a layer with a backward."""
    if not isinstance(result, tuple) or len(result) < 2:
        got = f"a tuple of {len(result)}" if isinstance(result, tuple) else type(result).__name__
        raise GradcheckError(
            f"{spec.title}: {spec.forward_name} returned {got}, not its outputs and a cache: with a "
            f"backward given, forward must return (out, cache) (or (next_h, next_c, cache)) so "
            f"that {spec.backward_name} can be called with the cache; for a loss layer that "
            f"returns (loss, dx), pass backward=None"
        )
    outputs = [_as_output(spec, v, i) for i, v in enumerate(result[:-1])]
    if len(outputs) == 1 and outputs[0].ndim == 0 and isinstance(result[-1], np.ndarray):
        raise GradcheckError(
            f"{spec.title}: {spec.forward_name} returned a number and an array, which reads as a "
            f"loss layer's (loss, dx): pass backward=None to check the loss directly"
        )
    return outputs, result[-1]


def split_loss(spec: LayerSpec, result: object, checked: Sequence[str]) -> tuple[Any, list[Any]]:
    """(loss, gradients) from a loss layer's ``(loss, dx)``."""
    if not isinstance(result, tuple) or len(result) < 2:
        got = f"a tuple of {len(result)}" if isinstance(result, tuple) else type(result).__name__
        raise GradcheckError(
            f"{spec.title}: {spec.forward_name} returned {got}; with backward=None it is a loss "
            f"layer and must return (loss, {', '.join('d' + n for n in checked)}); a layer that "
            f"returns (out, cache) needs its backward function"
        )
    loss = np.asarray(result[0]) if not isinstance(result[0], (str, bytes)) else None
    if loss is None or loss.size != 1 or loss.dtype.kind not in "fiu":
        raise GradcheckError(
            f"{spec.title}: with backward=None, {spec.forward_name} is checked as a loss layer "
            f"returning (loss, dx), but the first value it returned is not one number: give the "
            f"layer's backward function, or return the loss first"
        )
    grads = list(result[1:])
    if len(grads) == 1 and isinstance(grads[0], (tuple, list)) and len(checked) > 1:
        grads = list(grads[0])
    return result[0], grads


def upstream_gradients(
    spec: LayerSpec, outputs: Sequence[np.ndarray], names: Sequence[str]
) -> list[np.ndarray]:
    """One upstream gradient per output: the given ``dout``, or seeded random ones."""
    if spec.dout is None:
        # A stream of gradcheck's own: default_rng(seed) alone would draw, for seed 0, the very
        # numbers a user's x = default_rng(0).standard_normal(...) holds, and a dout equal to x
        # hides a mask of the wrong array (dout > 0 where x > 0 belongs).
        rng = np.random.default_rng(np.random.SeedSequence([spec.seed, _DOUT_STREAM]))
        return [
            rng.standard_normal(o.shape).astype(o.dtype if o.dtype.kind == "f" else np.float64)
            for o in outputs
        ]
    given = spec.dout
    if len(outputs) == 1 and not (isinstance(given, (tuple, list)) and len(given) == 1):
        given = (given,)
    if not isinstance(given, (tuple, list)) or len(given) != len(outputs):
        count = len(given) if isinstance(given, (tuple, list)) else 1
        raise GradcheckError(
            f"{spec.title}: {spec.forward_name} returns {len(outputs)} outputs "
            f"({', '.join(names)}), so dout must be a tuple of {len(outputs)} upstream gradients, "
            f"one per output; got {count}"
        )
    douts = []
    for name, out, d in zip(names, outputs, given):
        arr = np.asarray(d)
        if arr.dtype.kind not in "fiu" or arr.shape != out.shape:
            what = f"shape {_shape(arr.shape)}" if arr.dtype.kind in "fiu" else f"dtype {arr.dtype}"
            raise GradcheckError(
                f"{spec.title}: the upstream gradient for {name} has {what}, but {name} (an output "
                f"of {spec.forward_name}) has shape {_shape(out.shape)}: dout must match the "
                f"output it multiplies"
            )
        douts.append(arr if arr.dtype.kind == "f" else arr.astype(np.float64))
    return douts


def gradient_items(
    spec: LayerSpec, raw: object, checked: Sequence[str], floats: Sequence[str], who: str
) -> list[Any]:
    """backward's gradients as a list in the order of ``checked``.

    ``floats`` are all float arguments: with ``wrt`` choosing fewer, a backward that still returns
    one gradient per float argument has the unchecked ones dropped.
    """
    items = list(raw) if isinstance(raw, (tuple, list)) else [raw]
    if len(items) == len(checked):
        return items
    if len(items) == len(floats) and len(floats) > len(checked):
        return [g for g, n in zip(items, floats) if n in checked]
    wanted = ", ".join("d" + n for n in checked)
    raise GradcheckError(
        f"{spec.title}: {who} returned {len(items)} gradient{'s' if len(items) != 1 else ''}, "
        f"but {spec.forward_name} has {len(checked)} checked argument"
        f"{'s' if len(checked) != 1 else ''} ({', '.join(checked)}): return one gradient per "
        f"argument, in forward's order ({wanted})"
        + (", or name the ones to check with wrt=" if spec.wrt is None else "")
    )


def check_gradient_shapes(
    spec: LayerSpec, items: Sequence[Any], arrays: dict[str, np.ndarray], who: str
) -> None:
    """Each gradient has its argument's shape; one of another argument's shape is named as such."""
    names = list(arrays)
    for i, (name, g) in enumerate(zip(names, items)):
        if g is None:
            raise GradcheckError(
                f"{spec.title}: the {_ordinal(i)} gradient {who} returned (for {name}) is None; "
                f"return d{name}, an array of {name}'s shape {_shape(arrays[name].shape)}"
            )
        shape = tuple(np.shape(g))
        if shape == arrays[name].shape or (np.size(g) == 1 and arrays[name].size == 1):
            continue
        others = [n for n in names if n != name and arrays[n].shape == shape]
        hint = (
            f", which is the shape of {others[0]}: return the gradients in forward's argument "
            f"order ({', '.join('d' + n for n in names)})"
            if others
            else f": d{name} must have the shape of {name}"
        )
        raise GradcheckError(
            f"{spec.title}: the {_ordinal(i)} gradient {who} returned (for {name}, shape "
            f"{_shape(arrays[name].shape)}) has shape {_shape(shape)}{hint}"
        )


def same_outputs(first: Sequence[np.ndarray], second: Sequence[np.ndarray]) -> bool:
    return len(first) == len(second) and all(
        a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
        for a, b in zip(first, second)
    )


def not_repeatable(spec: LayerSpec, params_dicts: Sequence[str], drew: bool) -> GradcheckError:
    """The refusal of a forward whose two calls with the same arguments differ (dropout unseeded)."""
    why = (
        "it draws from NumPy's global random generator without a fixed seed"
        if drew
        else "it draws random numbers, or reads state that changes from call to call"
    )
    if params_dicts:
        fix = (
            f"put a seed in {params_dicts[0]} ({params_dicts[0]}['seed'] = 0; CS231n's "
            f"dropout_forward seeds np.random with it), or seed the generator inside forward"
        )
    else:
        fix = "draw the mask from a seeded generator (np.random.default_rng(0)) inside forward"
    return GradcheckError(
        f"{spec.title}: {spec.forward_name} is not repeatable: two calls with the same arguments "
        f"gave different outputs ({why}). Finite differences compare calls, so every call must "
        f"draw the same mask: {fix}"
    )

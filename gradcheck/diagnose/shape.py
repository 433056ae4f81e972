"""The ``shape`` pattern: a gradient whose shape differs from its parameter's, read as the likely
mistake (a reduction over the wrong axis, a transpose, a dropped singleton axis, no reduction).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from gradcheck.diagnose.diagnosis import Diagnosis
from gradcheck.diagnose.phrasing import _and

# A reading of two shapes: (the sentence after "The gradient has shape ... :", the same in plain
# words for the summary, extra details).
_Reading = tuple[str, str, dict[str, Any]]
_Shape = tuple[int, ...]


def shape_mismatch(
    param_shape: Sequence[int],
    grad_shape: Sequence[int],
    *,
    others: Mapping[str, Sequence[int]] | None = None,
) -> Diagnosis:
    """Read a gradient whose shape differs from its parameter's.

    The usual cause is a reduction over the wrong axis: a bias of shape (n, 1) sums dZ (n, m) over
    the examples, axis 1; summing over axis 0 gives one value per example, (m,) or (1, m). Other
    readings: the transposed shape, a dropped or added singleton axis, no reduction at all.
    ``details`` holds ``summed_axis`` (the axis that was probably reduced) and ``expected_axis``.

    others
        optional: the other parameters' names and shapes. When the gradient has the shape of
        another parameter, the message adds that it may be that parameter's gradient under the
        wrong key (an off-by-one layer index), and ``details["same_shape_as"]`` lists them.
    """
    p = tuple(int(s) for s in param_shape)
    g = tuple(int(s) for s in grad_shape)
    details: dict[str, Any] = {"param_shape": list(p), "grad_shape": list(g)}
    head = f"The gradient has shape {g} but the parameter has shape {p}"
    twins = [name for name, shape in (others or {}).items() if tuple(int(x) for x in shape) == g]
    if twins and p != g:
        details["same_shape_as"] = twins
    tail = (
        f" Note that {g} is the shape of {_and(twins)}: this may be "
        f"{'its gradient' if len(twins) == 1 else 'the gradient of one of them'}, stored under "
        f"the wrong key "
        f"(an off-by-one layer index such as grads['dW' + str(l + 1)])."
        if twins and p != g
        else ""
    )
    if p == g:
        return Diagnosis(
            None, None, f"The gradient and the parameter both have shape {p}.", details
        )
    text, plain, extra = _read(p, g)
    if twins:
        plain = (
            f"it has the shape of {_and(twins)}, so it may be "
            f"{'its gradient' if len(twins) == 1 else 'the gradient of one of them'} under the "
            f"wrong key (a layer number off by one, as in grads['dW' + str(l + 1)])."
        )
    return Diagnosis(
        "shape",
        None,
        f"{head}: {text}{tail}",
        {**details, **extra},
        summary=f"Your gradient has shape {g} where the parameter's shape {p} belongs: {plain}",
    )


def _read(p: _Shape, g: _Shape) -> _Reading:
    """The first reading that fits the two shapes, in this order; "unrelated" when none does."""
    for reading in _READINGS:
        found = reading(p, g)
        if found is not None:
            return found
    text = (
        "no single transposition or reduction maps one onto the other; check the product that "
        "builds this gradient."
    )
    plain = "no transpose or sum explains it. Check the product that builds this gradient."
    return text, plain, {"reading": "unrelated"}


def _transposed(p: _Shape, g: _Shape) -> _Reading | None:
    if len(p) == 2 and p == g[::-1] and p[0] != p[1]:
        text = (
            "it looks transposed. Swap the operands of the product (dZ @ A_prev.T rather than "
            "A_prev @ dZ.T) or drop a stray .T."
        )
        plain = "it is transposed. Use dZ @ A_prev.T, not A_prev @ dZ.T, or drop a stray .T."
        return text, plain, {"reading": "transposed"}
    return None


def _singleton_axis(p: _Shape, g: _Shape) -> _Reading | None:
    p_core = [s for s in p if s != 1]
    g_core = [s for s in g if s != 1]
    if math.prod(p) == math.prod(g) and p_core == g_core:
        text = (
            "the same values with a singleton axis dropped or added. The reduction lost its "
            "axis: use keepdims=True (np.sum(dZ, axis=1, keepdims=True)) or reshape to the "
            "parameter's shape; otherwise the update broadcasts into a matrix."
        )
        plain = (
            "the sum lost an axis of length 1. Use keepdims=True, as in "
            "np.sum(dZ, axis=1, keepdims=True)."
        )
        return text, plain, {"reading": "singleton_axis"}
    return None


def _bias(p: _Shape, g: _Shape) -> _Reading | None:
    """A bias-like parameter: one axis of units (length > 1) and the rest singleton or absent."""
    unit_axes = [i for i, s in enumerate(p) if s != 1]
    if len(unit_axes) != 1 or math.prod(p) <= 1:
        return None
    units = p[unit_axes[0]]
    if len(p) == 2:
        expected = 1 - unit_axes[0]  # the singleton axis: where the examples were summed
        unit_axis = unit_axes[0]
    else:
        expected, unit_axis = None, None
    g_size = math.prod(g)
    if g_size == 1:
        return _bias_summed_to_one(g, units, expected, unit_axis)
    g_core = [s for s in g if s != 1]
    if len(g_core) == 1 and g_core[0] != units:
        return _bias_per_example(g_core[0], units, expected, unit_axis)
    if len(g) == 2 and units in g and g_size > units:
        # Not reduced at all: the per-example matrix itself.
        axis = 1 - g.index(units)
        text = (
            f"the per-example values were never summed: reduce over axis {axis} (the "
            f"{g[axis]} examples), np.sum(dZ, axis={axis}"
            f"{', keepdims=True' if len(p) == 2 else ''})."
        )
        plain = (
            f"one value per example, never summed. Sum over the examples: np.sum(dZ, axis={axis}"
            f"{', keepdims=True' if len(p) == 2 else ''})."
        )
        extra = {"reading": "not_summed", "expected_axis": axis, "batch_size": g[axis]}
        return text, plain, extra
    return None


def _bias_summed_to_one(
    g: _Shape, units: int, expected: int | None, unit_axis: int | None
) -> _Reading:
    if len(g) == 1 and expected is not None:
        text = (
            f"a single value, which is what summing over axis {unit_axis} gives for a "
            f"batch of one: summed over axis {unit_axis} instead of axis {expected} (over "
            f"the units, not the examples). Use np.sum(dZ, axis={expected}, "
            f"keepdims=True)."
        )
        extra = {"reading": "wrong_axis", "summed_axis": unit_axis, "expected_axis": expected}
        return text, _wrong_axis_plain(expected), extra
    how = f" (axis={expected}, keepdims=True)." if expected is not None else "."
    text = (
        f"a single number where the parameter needs {units}: the sum ran over every axis "
        f"(np.sum without axis=). Sum over the examples only{how}"
    )
    plain = f"np.sum without axis= added up everything. Sum over the examples only{how}"
    return text, plain, {"reading": "summed_all", "summed_axis": "all", "expected_axis": expected}


def _wrong_axis_plain(expected: int | None) -> str:
    """The bias summed over the units instead of the examples, in plain words."""
    fix = f": np.sum(dZ, axis={expected}, keepdims=True)" if expected is not None else ""
    return f"the bias gradient was summed over the wrong axis. Sum over the examples{fix}."


def _bias_per_example(
    batch: int, units: int, expected: int | None, unit_axis: int | None
) -> _Reading:
    if expected is not None and unit_axis is not None:
        text = (
            f"one value per example ({batch}) instead of one per unit ({units}): summed "
            f"over axis {unit_axis} instead of axis {expected} (over the units, not the "
            f"examples). Use np.sum(dZ, axis={expected}, keepdims=True)."
        )
        return (
            text,
            _wrong_axis_plain(expected),
            {
                "reading": "wrong_axis",
                "summed_axis": unit_axis,
                "expected_axis": expected,
                "batch_size": batch,
            },
        )
    text = (
        f"one value per example ({batch}) instead of one per unit ({units}): the sum ran "
        f"over the units axis instead of the examples axis."
    )
    return text, _wrong_axis_plain(None), {"reading": "wrong_axis", "batch_size": batch}


def _extra_axis(p: _Shape, g: _Shape) -> _Reading | None:
    if math.prod(g) > math.prod(p) and len(g) == len(p) + 1 and (g[1:] == p or g[:-1] == p):
        axis = 0 if g[1:] == p else len(g) - 1
        text = (
            f"it has an extra axis {axis} of length {g[axis]}, most likely the examples: sum "
            f"over it."
        )
        plain = f"it has an extra axis of length {g[axis]}, most likely the examples. Sum over it."
        return text, plain, {"reading": "not_summed", "expected_axis": axis}
    return None


def _one_axis(p: _Shape, g: _Shape) -> _Reading | None:
    if len(p) != len(g):
        return None
    differ = [i for i, (x, y) in enumerate(zip(p, g, strict=True)) if x != y]
    if len(differ) != 1:
        return None
    i = differ[0]
    text = (
        f"axis {i} has length {g[i]} instead of {p[i]}; the other axes match. Check which "
        f"operand of the product sets that axis."
    )
    plain = (
        f"axis {i} is {g[i]} long instead of {p[i]}. Check which operand of the product sets it."
    )
    return text, plain, {"reading": "one_axis", "axis": i}


_READINGS: tuple[Callable[[_Shape, _Shape], _Reading | None], ...] = (
    _transposed,
    _singleton_axis,
    _bias,
    _extra_axis,
    _one_axis,
)

"""Activation statistics: what one layer's output numbers say (scale, saturation, dead units).

The arrays of one layer (one call, or several calls pooled along the batch axis) become one
:class:`ActivationStats`; which axis is the batch is read from the shapes of all the layers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from gradcheck.health.kinds import RELU, SIGMOID, TANH
from gradcheck.health.thresholds import (
    DEAD_MIN_BATCH,
    EXPLODING_ABS,
    SIGMOID_SATURATED,
    TANH_SATURATED,
)
from gradcheck.health.tracing import _Entry

__all__ = ["ActivationStats"]

#: Entries above this count are read through an evenly strided sample for percentiles/shares.
_STATS_SAMPLE = 1_000_000


@dataclass(frozen=True)
class ActivationStats:
    """One intermediate array of the forward pass, and what its numbers say.

    ``share_large``: share of entries with |x| >= :data:`EXPLODING_ABS`. ``share_saturated``: tanh
    |a| > :data:`TANH_SATURATED`, sigmoid within :data:`SIGMOID_SATURATED` of 0 or 1.
    ``exact_saturated``: tanh outputs of exactly +-1.0, sigmoid outputs of exactly 0.0 or 1.0.
    ``dead_units``/``units``: ReLU units never positive over the batch (None when the batch is
    smaller than :data:`DEAD_MIN_BATCH`).
    """

    name: str
    kind: str
    shape: tuple[int, ...]
    function: str
    line: int
    mean: float
    std: float
    max_abs: float
    share_large: float
    share_saturated: float
    exact_saturated: int
    dead_units: int | None = None
    units: int | None = None
    batch: int | None = None
    normalised: bool = False
    calls: int = 1

    @property
    def dead_share(self) -> float | None:
        if self.dead_units is None or not self.units:
            return None
        return self.dead_units / self.units

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["shape"] = list(self.shape)
        d["dead_share"] = self.dead_share
        return d


def _batch_axes(shapes: list[tuple[int, ...]]) -> set[int] | None:
    """Which axis of the 2-D activations is the batch: the one whose length never changes.

    Course code puts examples in columns (n_units, m), most other code in rows (m, n_units). The
    batch length is shared by every layer; unit counts differ. When both axes are constant (or
    neither), the answer is "either", and dead-unit counts take the more forgiving reading.
    """
    two_d = [s for s in shapes if len(s) == 2]
    if not two_d:
        return None
    rows = {s[0] for s in two_d}
    cols = {s[1] for s in two_d}
    if len(cols) == 1 and len(rows) > 1:
        return {1}
    if len(rows) == 1 and len(cols) > 1:
        return {0}
    return {0, 1}


def _dead_units(a: np.ndarray, batch_axes: set[int] | None) -> tuple[int, int, int] | None:
    """(dead units, units, batch size) under the most forgiving plausible layout, or None."""
    if a.ndim < 2:
        return None
    best: tuple[int, int, int] | None = None
    if a.ndim == 2:
        layouts = [(b, 1 - b) for b in sorted(batch_axes or {0, 1})]
        for batch_axis, unit_axis in layouts:
            batch = a.shape[batch_axis]
            if batch < DEAD_MIN_BATCH:
                continue
            fired = np.any(a > 0, axis=batch_axis)
            dead, units = int(np.count_nonzero(~fired)), int(fired.size)
            if best is None or dead / units < best[0] / best[1]:
                best = (dead, units, batch)
        return best
    # 3-D and 4-D (conv): batch first; channels second (NCHW) or last (NHWC). A channel is dead when
    # it is off at every position of every example.
    batch = a.shape[0]
    if batch < DEAD_MIN_BATCH:
        return None
    for channel_axis in (1, a.ndim - 1):
        axes = tuple(i for i in range(a.ndim) if i != channel_axis)
        fired = np.any(a > 0, axis=axes)
        dead, units = int(np.count_nonzero(~fired)), int(fired.size)
        if best is None or dead / units < best[0] / best[1]:
            best = (dead, units, batch)
    return best


def _sample(a: np.ndarray) -> np.ndarray:
    flat = a.reshape(-1)
    if flat.size > _STATS_SAMPLE:
        flat = flat[:: flat.size // _STATS_SAMPLE + 1]
    return flat


def _merge(
    arrays: list[np.ndarray], batch_axes: set[int] | None
) -> tuple[np.ndarray, set[int] | None]:
    """Arrays of one layer from several calls, joined along the batch axis (a new one for 1-D)."""
    first = arrays[0]
    if first.ndim == 1:
        return np.stack(arrays, axis=1), {1}
    if first.ndim == 2:
        axes = batch_axes or {0, 1}
        if len(axes) > 1:  # ambiguous: a single example is the axis of length 1, else rows
            axes = {1} if first.shape[1] == 1 else {0}
        axis = next(iter(axes))
        return np.concatenate(arrays, axis=axis), {axis}
    return np.concatenate(arrays, axis=0), batch_axes


def _saturation(finite: np.ndarray, absval: np.ndarray, kind: str) -> tuple[float, int] | None:
    """(share saturated, count exactly saturated) of tanh/sigmoid outputs; None: out of range."""
    if kind == TANH:
        if finite.min() < -1 or finite.max() > 1:
            return None  # not a tanh after all
        sat = float(np.count_nonzero(absval > TANH_SATURATED)) / finite.size
        exact = int(np.count_nonzero(absval == 1.0))
    elif kind == SIGMOID:
        if finite.min() < 0 or finite.max() > 1:
            return None
        near = (finite < SIGMOID_SATURATED) | (finite > 1 - SIGMOID_SATURATED)
        sat = float(np.count_nonzero(near)) / finite.size
        exact = int(np.count_nonzero((finite == 0.0) | (finite == 1.0)))
    else:
        sat, exact = 0.0, 0
    return sat, exact


def _stats(
    entries: list[_Entry], name: str, kind: str, batch_axes: set[int] | None
) -> ActivationStats | None:
    first = entries[0]
    if len(entries) > 1:
        a, batch_axes = _merge([e.array for e in entries], batch_axes)
    else:
        a = first.array
    with np.errstate(all="ignore"):
        flat = _sample(a)
        finite = flat if np.isfinite(flat.sum()) else flat[np.isfinite(flat)]
        if finite.size == 0:
            return None
        absval = np.abs(finite)
        share_large = float(np.count_nonzero(absval >= EXPLODING_ABS)) / finite.size
        saturation = _saturation(finite, absval, kind)
        if saturation is None:
            return None
        sat, exact = saturation
        dead = units = batch = None
        if kind == RELU:
            if finite.min() < 0:
                return None
            du = _dead_units(a, batch_axes)
            if du is not None:
                dead, units, batch = du
        return ActivationStats(
            name=name,
            kind=kind,
            shape=tuple(int(s) for s in first.array.shape),
            function=first.function,
            line=first.line,
            mean=float(finite.mean()),
            std=float(finite.std()),
            max_abs=float(absval.max()),
            share_large=share_large,
            share_saturated=sat,
            exact_saturated=exact,
            dead_units=dead,
            units=units,
            batch=batch,
            normalised=any(e.normalised for e in entries),
            calls=len(entries),
        )

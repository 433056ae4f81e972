"""The evidence one classification works on: the two gradients at the checked coordinates, where
they sit in the tensor, and the noise bound each coordinate is judged against.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradcheck.diagnose.thresholds import (
    _TINY,
    DEFAULT_ATOL_FRACTION,
    DEFAULT_RTOL,
    TOLERANCE_FLOOR,
)


@dataclass(frozen=True)
class _Evidence:
    """The numbers one classification works on (all flat, float64, aligned)."""

    analytic: np.ndarray
    numeric: np.ndarray
    noise: np.ndarray
    flat_index: np.ndarray
    shape: tuple[int, ...]
    batch_size: int | None
    bad: np.ndarray
    values: np.ndarray | None = None
    # the scalar values at hand by the user's names (keep_prob, lambd, reg), to name factors
    named: Mapping[str, float] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return int(math.prod(self.shape))

    @property
    def full(self) -> bool:
        return self.flat_index.size == self.size and np.unique(self.flat_index).size == self.size

    def coords(self) -> tuple[np.ndarray, ...]:
        if not self.shape:
            return ()
        return tuple(np.asarray(c) for c in np.unravel_index(self.flat_index, self.shape))

    def index(self, k: int) -> tuple[int, ...]:
        if not self.shape:
            return ()
        return tuple(int(i) for i in np.unravel_index(int(self.flat_index[k]), self.shape))

    def base_details(self) -> dict[str, Any]:
        return {
            "checked": int(self.analytic.size),
            "disagree": int(self.bad.sum()),
            "full_coverage": self.full,
        }

    def coverage_text(self) -> str:
        k = int(self.analytic.size)
        return f"every one of the {k} coordinates" if self.full else f"all {k} sampled coordinates"


def _noise_bound(a: np.ndarray, n: np.ndarray, tolerance: np.ndarray | float | None) -> np.ndarray:
    scale = max(float(np.max(np.abs(n), initial=0.0)), float(np.max(np.abs(a), initial=0.0)))
    if tolerance is None:
        noise = DEFAULT_RTOL * np.maximum(np.abs(a), np.abs(n)) + DEFAULT_ATOL_FRACTION * scale
    else:
        t = np.abs(np.asarray(tolerance, dtype=np.float64))
        if t.size not in (1, a.size):
            raise ValueError(
                f"tolerance has {t.size} values for {a.size} checked coordinates; give one bound "
                f"per coordinate or a single number"
            )
        noise = np.broadcast_to(t.ravel() if t.size == a.size else t.reshape(()), a.shape)
        noise = np.where(np.isfinite(noise), noise, 0.0)
    return np.asarray(np.maximum(noise, TOLERANCE_FLOOR * scale + _TINY), dtype=np.float64)


def _aligned(
    analytic: np.ndarray,
    numeric: np.ndarray,
    shape: tuple[int, ...],
    flat_index: np.ndarray | None,
    values: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, tuple[int, ...], np.ndarray, np.ndarray | None]:
    """The inputs of :func:`~gradcheck.diagnose.patterns.classify` as flat float64 arrays, checked
    to line up: ``(a, n, shape, flat_index, values)``. Raises ``ValueError`` when they do not."""
    a = np.asarray(analytic, dtype=np.float64).ravel()
    n = np.asarray(numeric, dtype=np.float64).ravel()
    shape = tuple(int(s) for s in shape)
    if a.size != n.size:
        raise ValueError(f"analytic has {a.size} values but numeric has {n.size}")
    if flat_index is None:
        if a.size != math.prod(shape):
            raise ValueError(
                f"{a.size} values given for a tensor of shape {shape} and no flat_index"
            )
        idx = np.arange(a.size, dtype=np.int64)
    else:
        idx = np.asarray(flat_index, dtype=np.int64).ravel()
        if idx.size != a.size:
            raise ValueError(f"flat_index has {idx.size} entries for {a.size} values")
        if idx.size and (idx.min() < 0 or idx.max() >= math.prod(shape)):
            raise ValueError(f"flat_index points outside a tensor of shape {shape}")
    w: np.ndarray | None = None
    if values is not None:
        w = np.asarray(values, dtype=np.float64).ravel()
        if w.size != a.size:
            raise ValueError(f"values has {w.size} entries for {a.size} checked coordinates")
    return a, n, shape, idx, w


def _gather(
    a: np.ndarray,
    n: np.ndarray,
    shape: tuple[int, ...],
    idx: np.ndarray,
    values: np.ndarray | None,
    *,
    tolerance: np.ndarray | float | None,
    batch_size: int | None,
    rtol: float | None,
) -> _Evidence:
    """The evidence for finite, aligned inputs: each coordinate's noise bound, and which
    coordinates disagree beyond it."""
    if tolerance is not None and np.ndim(tolerance) > 0:
        t = np.asarray(tolerance, dtype=np.float64)
        if t.size == math.prod(shape) and t.size != a.size:
            tolerance = t.ravel()[idx]  # a bound for the whole tensor: take the checked ones
    noise = _noise_bound(a, n, tolerance)
    if rtol is not None:
        noise = np.maximum(noise, rtol * (np.abs(a) + np.abs(n)))
    bad = np.abs(a - n) > noise
    return _Evidence(a, n, noise, idx, shape, batch_size, bad, values)

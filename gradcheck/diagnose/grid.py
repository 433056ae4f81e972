"""Show me: :func:`error_grid` turns the two full gradients into a small grid of relative errors
for the heat map (:mod:`gradcheck.report.heatmap` draws it); :func:`grid_blocks` says which tensor rows and
columns each cell covers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from gradcheck.diagnose.evidence import _noise_bound
from gradcheck.diagnose.thresholds import _TINY

# Heat-map grid defaults.
GRID_MAX_ROWS = 16
GRID_MAX_COLS = 32


def _block_edges(length: int, cells: int) -> np.ndarray:
    """Start offsets of ``min(length, cells)`` nearly equal blocks covering ``range(length)``."""
    cells = max(1, min(length, cells))
    return np.linspace(0, length, cells + 1).astype(np.int64)[:-1]


def grid_blocks(
    shape: Sequence[int], max_rows: int = GRID_MAX_ROWS, max_cols: int = GRID_MAX_COLS
) -> tuple[np.ndarray, np.ndarray]:
    """The first row and first column each grid cell covers, for a tensor of ``shape`` viewed as
    :func:`error_grid` views it (1-D as one row; N-D as ``shape[0]`` rows of the rest)."""
    rows, cols = _as_matrix_shape(tuple(int(s) for s in shape))
    return _block_edges(rows, max_rows), _block_edges(cols, max_cols)


def _as_matrix_shape(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return 1, shape[0]
    return shape[0], int(math.prod(shape[1:]))


def error_grid(
    analytic_full: np.ndarray,
    numeric_full: np.ndarray,
    tolerance: np.ndarray | float | None,
    max_rows: int = GRID_MAX_ROWS,
    max_cols: int = GRID_MAX_COLS,
    *,
    rtol: float | None = None,
) -> np.ndarray:
    """A small 2-D grid of where the error sits, for the heat map.

    Each coordinate's discrepancy is the symmetric relative error ``|a - n| / (|a| + |n|)``, in
    [0, 1] (1 for a flipped sign or a zero where the other is not; 1/3 for a factor of two), and 0
    where ``|a - n|`` is within ``tolerance`` (the same noise bound
    :func:`~gradcheck.diagnose.patterns.classify` takes: full shape or one number; ``None`` uses
    the default; ``rtol`` as in ``classify``). NaN in either input marks a coordinate that was not
    checked; it stays NaN unless its block holds a checked coordinate.

    The tensor is viewed as a matrix (a 1-D tensor as a single row, an N-D one as ``shape[0]`` rows
    of everything else) and max-pooled into at most ``max_rows`` x ``max_cols`` nearly equal
    blocks: max-pooling, because one bad coordinate must stay visible however much it is shrunk.
    """
    a = np.asarray(analytic_full, dtype=np.float64)
    n = np.asarray(numeric_full, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(f"analytic has shape {a.shape} but numeric has shape {n.shape}")
    rows, cols = _as_matrix_shape(a.shape)
    if a.size == 0:
        return np.full((min(rows, max_rows), min(cols, max_cols)), np.nan)
    checked = ~(np.isnan(a) | np.isnan(n))
    a0 = np.where(checked, a, 0.0).ravel()
    n0 = np.where(checked, n, 0.0).ravel()
    noise = _grid_noise(a0, n0, a.shape, tolerance, rtol)
    gap = np.abs(a0 - n0)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = gap / (np.abs(a0) + np.abs(n0))
    # Inf on one side only (rel = NaN) is as wrong as it gets.
    rel = np.where(np.isfinite(rel), rel, 1.0)
    rel = np.where(gap <= noise, 0.0, np.clip(rel, 0.0, 1.0))
    rel = np.where(checked.ravel(), rel, np.nan).reshape(rows, cols)
    return _max_pool(rel, max_rows, max_cols)


def _grid_noise(
    a0: np.ndarray,
    n0: np.ndarray,
    shape: tuple[int, ...],
    tolerance: np.ndarray | float | None,
    rtol: float | None,
) -> np.ndarray:
    """The noise bound per flat coordinate (unchecked ones zeroed in ``a0``/``n0``)."""
    if tolerance is None:
        noise = _noise_bound(a0, n0, None)
    else:
        t = np.abs(np.asarray(tolerance, dtype=np.float64))
        if t.size == 1:
            noise = np.full(a0.size, float(t.reshape(())))
        elif t.size == a0.size:
            noise = t.ravel()
        else:
            noise = np.broadcast_to(t, shape).ravel()
        noise = np.maximum(np.where(np.isfinite(noise), noise, 0.0), _TINY)
    if rtol is not None:
        noise = np.maximum(noise, rtol * (np.abs(a0) + np.abs(n0)))
    return noise


def _max_pool(rel: np.ndarray, max_rows: int, max_cols: int) -> np.ndarray:
    """Max-pool into at most ``max_rows`` x ``max_cols`` blocks, NaN where nothing was checked."""
    rows, cols = rel.shape
    # Max-pool with reduceat; unchecked cells count as -1 so that any checked value wins, and a
    # block with nothing checked goes back to NaN.
    filled = np.where(np.isnan(rel), -1.0, rel)
    r_edges = _block_edges(rows, max_rows)
    c_edges = _block_edges(cols, max_cols)
    pooled = np.maximum.reduceat(np.maximum.reduceat(filled, r_edges, axis=0), c_edges, axis=1)
    return np.where(pooled < 0, np.nan, pooled)

"""The heat-map grid: relative errors, zero within the noise, max-pooled."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck.diagnose.grid import error_grid, grid_blocks


def test_error_grid_is_zero_within_tolerance_and_one_for_a_flipped_row() -> None:
    n = np.random.default_rng(11).normal(size=(4, 6)) + 3.0
    a = n + 1e-10
    a[2] = -n[2]
    grid = error_grid(a, n, 1e-8)
    assert grid.shape == (4, 6)
    np.testing.assert_array_equal(grid[[0, 1, 3]], 0.0)
    np.testing.assert_allclose(grid[2], 1.0)


def test_error_grid_max_pools_so_one_bad_coordinate_stays_visible() -> None:
    n = np.ones((100, 300))
    a = n.copy()
    a[57, 211] = 3.0
    grid = error_grid(a, n, 1e-9)
    assert grid.shape == (16, 32)
    rows, cols = grid_blocks(n.shape)
    r = np.searchsorted(rows, 57, side="right") - 1
    c = np.searchsorted(cols, 211, side="right") - 1
    assert grid[r, c] == pytest.approx(0.5)
    assert np.count_nonzero(grid) == 1


def test_error_grid_views_a_vector_as_one_row_and_keeps_unchecked_cells_nan() -> None:
    n = np.arange(1.0, 11.0)
    a = n.copy()
    a[:3] = np.nan
    grid = error_grid(a, n, None, max_cols=5)
    assert grid.shape == (1, 5)
    assert np.isnan(grid[0, 0])  # coordinates 0 and 1: neither checked
    np.testing.assert_array_equal(grid[0, 1:], 0.0)  # cell 1 holds coordinate 3, which was

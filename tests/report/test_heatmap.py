"""The heat map: a transpose, one bad row and a masked region must be visible at a glance."""

from __future__ import annotations

import numpy as np
from rich.console import Console

from gradcheck.diagnose.grid import error_grid, grid_blocks
from gradcheck.report.heatmap import HEAT_LEVELS, heatmap_plain, heatmap_renderable

AGREE = HEAT_LEVELS[0][1]
WORST = HEAT_LEVELS[-1][1]


def cells(line: str) -> list[str]:
    """The two-character cells of one grid line (after the row label)."""
    body = line.split(maxsplit=1)[1]
    return [body[i : i + 2] for i in range(0, len(body), 2)]


def grid_lines(text: str) -> list[str]:
    """The lines of the picture that draw grid rows: they start with a row number."""
    glyphs = {g for _, g, _, _ in HEAT_LEVELS}
    return [
        line
        for line in text.splitlines()
        if line.strip()[:1].isdigit() and any(g in line for g in glyphs)
    ]


def test_one_bad_row_is_one_dark_line() -> None:
    n = np.random.default_rng(0).normal(size=(6, 10))
    a = n.copy()
    a[4] = 0.0
    text = heatmap_plain(error_grid(a, n, 1e-9), title="W1: row 4", row_label="units")
    lines = grid_lines(text)
    assert len(lines) == 6
    for i, line in enumerate(lines):
        expected = WORST if i == 4 else AGREE
        assert cells(line) == [expected] * 10, line


def test_a_transpose_shows_as_a_clean_diagonal() -> None:
    n = np.random.default_rng(1).normal(size=(5, 5))
    text = heatmap_plain(error_grid(n.T, n, 1e-9), title="W2: transposed")
    for i, line in enumerate(grid_lines(text)):
        row = cells(line)
        assert row[i] == AGREE
        assert all(c != AGREE for j, c in enumerate(row) if j != i)


def test_a_masked_block_in_a_big_matrix_survives_downsampling() -> None:
    n = np.ones((64, 256))
    a = n.copy()
    a[32:48, 200:] = 0.0
    grid = error_grid(a, n, 1e-9)
    rows, cols = grid_blocks(n.shape)
    text = heatmap_plain(grid, title="W", row_starts=rows, col_starts=cols)
    lines = grid_lines(text)
    assert len(lines) == 16
    dark = [[c == WORST for c in cells(line)] for line in lines]
    dark_rows = [i for i, r in enumerate(dark) if any(r)]
    assert dark_rows == [8, 9, 10, 11]  # rows 32..47 at 4 rows per cell
    assert all(r[25:] == [True] * 7 and not any(r[:25]) for r in (dark[i] for i in dark_rows))
    assert lines[8].split()[0] == "32"  # the row label is the first tensor row of the cell


def test_the_legend_names_every_level_and_unchecked_cells_when_present() -> None:
    grid = np.array([[0.0, 5e-5, 5e-3, 0.2, 1.0, np.nan]])
    text = heatmap_plain(grid, title="t")
    for _, glyph, _, label in HEAT_LEVELS:
        assert f"{glyph} {label}" in text
    assert "not checked" in text
    assert "not checked" not in heatmap_plain(grid[:, :5], title="t")


def test_the_renderable_draws_in_a_terminal_with_its_title() -> None:
    n = np.random.default_rng(2).normal(size=(3, 4))
    console = Console(width=80, record=True, color_system="truecolor")
    console.print(
        heatmap_renderable(
            error_grid(-n, n, 1e-9), title="W3: sign flipped", row_label="units", col_label="inputs"
        )
    )
    out = console.export_text()
    assert "W3: sign flipped" in out
    assert out.count(WORST) == 12 + 1  # every cell, and the legend
    assert "<- inputs" in out and "units" in out

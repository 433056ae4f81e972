"""The terminal heat map of where a gradient's error sits.

:func:`gradcheck.diagnose.grid.error_grid` computes the grid (relative errors in [0, 1], max-pooled into
at most 16 x 32 cells, NaN where nothing was checked); this module only draws it. Each cell is two
characters wide so that cells look roughly square, and each level has its own glyph as well as
its own colour, so the picture survives a log file or a colour-blind reader: a transpose shows as
a clean diagonal in a sea of errors, one bad row as one dark line, a masked region as a block.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

__all__ = ["HEAT_LEVELS", "heatmap_plain", "heatmap_renderable"]

#: (upper bound of the relative error, two-character glyph, rich style, legend label), lowest
#: first. A cell falls in the first level whose bound it does not exceed. The relative error is
#: |a - n| / (|a| + |n|): 1/3 for a factor of two, 0.94 for a missing 1/m with m = 32, 1 for a
#: flipped sign or a zero; 0 means within the numerical noise.
HEAT_LEVELS: tuple[tuple[float, str, str, str], ...] = (
    (0.0, "··", "green", "agrees"),
    (1e-4, "░░", "yellow", "< 1e-4"),
    (1e-2, "▒▒", "dark_orange", "< 1e-2"),
    (0.3, "▓▓", "red", "< 0.3"),
    (1.0, "██", "bold bright_red", "up to 1"),
)
#: Glyph and style of a cell with no checked coordinate (sampled mode).
UNCHECKED = ("  ", "on grey23", "not checked")


def _cell(value: float) -> tuple[str, str]:
    if not np.isfinite(value):
        return UNCHECKED[0], UNCHECKED[1]
    for bound, glyph, style, _ in HEAT_LEVELS:
        if value <= bound:
            return glyph, style
    return HEAT_LEVELS[-1][1], HEAT_LEVELS[-1][2]


def _legend(show_unchecked: bool) -> Text:
    legend = Text("  ")
    levels = [(g, s, label) for _, g, s, label in HEAT_LEVELS]
    if show_unchecked:
        levels.append(UNCHECKED)
    for glyph, style, label in levels:
        legend.append(glyph, style=style)
        legend.append(f" {label}   ")
    legend.append("(worst |a-n|/(|a|+|n|) per cell)", style="dim")
    return legend


def _grid_text(
    grid: np.ndarray,
    *,
    row_label: str,
    col_label: str,
    row_starts: Sequence[int] | None,
    col_starts: Sequence[int] | None,
) -> Text:
    rows, cols = grid.shape
    starts_r = list(row_starts) if row_starts is not None else list(range(rows))
    starts_c = list(col_starts) if col_starts is not None else list(range(cols))
    width = max(len(str(s)) for s in starts_r) if rows else 1
    text = Text()
    # A ruler: the first tensor column of every fourth cell (8 characters apart), then the label.
    ruler = ""
    for j in range(0, cols, 4):
        label = str(starts_c[j])
        ruler += label.ljust(8) if j + 4 < cols else label
    text.append(" " * (width + 1) + ruler + f"  <- {col_label}\n", style="dim")
    for i in range(rows):
        text.append(f"{starts_r[i]:>{width}} ", style="dim")
        for j in range(cols):
            glyph, style = _cell(float(grid[i, j]))
            text.append(glyph, style=style)
        text.append("\n")
    text.append(f"{'^':>{width}} {row_label}", style="dim")
    return text


def heatmap_renderable(
    grid: np.ndarray,
    *,
    title: str,
    row_label: str = "rows",
    col_label: str = "columns",
    row_starts: Sequence[int] | None = None,
    col_starts: Sequence[int] | None = None,
) -> RenderableType:
    """A rich renderable (a panel) drawing ``grid`` with a legend.

    grid
        from :func:`gradcheck.diagnose.grid.error_grid`: 2-D, values in [0, 1], NaN = not checked.
    row_starts, col_starts
        the first tensor row/column each cell covers (:func:`gradcheck.diagnose.grid.grid_blocks`),
        printed along the edges; cell numbers when omitted.
    """
    g = np.atleast_2d(np.asarray(grid, dtype=np.float64))
    body = _grid_text(
        g, row_label=row_label, col_label=col_label, row_starts=row_starts, col_starts=col_starts
    )
    return Panel(
        Group(body, _legend(bool(np.isnan(g).any()))),
        title=title,
        title_align="left",
        expand=False,
    )


def heatmap_plain(
    grid: np.ndarray,
    *,
    title: str,
    row_label: str = "rows",
    col_label: str = "columns",
    row_starts: Sequence[int] | None = None,
    col_starts: Sequence[int] | None = None,
) -> str:
    """The same picture as plain text (glyphs, no colour), for logs and pytest failure output."""
    g = np.atleast_2d(np.asarray(grid, dtype=np.float64))
    body = _grid_text(
        g, row_label=row_label, col_label=col_label, row_starts=row_starts, col_starts=col_starts
    )
    return f"{title}\n{body.plain}\n{_legend(bool(np.isnan(g).any())).plain}"

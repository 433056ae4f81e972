"""The cost curve of a watched run as a small terminal plot, and the caption above it.

One column per group of steps, spanning the lowest to the highest cost of the group, so an
oscillating cost shows as a thick band and a rising one as a band that climbs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["PLOT_HEIGHT", "PLOT_HEIGHT_SHORT", "PLOT_WIDTH", "cost_caption", "cost_plot"]

PLOT_WIDTH = 60
PLOT_HEIGHT = 10
#: A watch's report: the plot shows the shape of the curve, the caption its numbers.
PLOT_HEIGHT_SHORT = 7


def cost_plot(
    costs: Sequence[float | None],
    *,
    width: int = PLOT_WIDTH,
    height: int = PLOT_HEIGHT,
    ascii_only: bool = False,
) -> list[str]:
    """The cost curve as ``height + 2`` lines of text (y labels, the plot, the x axis and its labels).

    Steps are grouped into at most ``width`` columns; each column spans the lowest to the highest
    finite cost of its group. A column whose group holds a non-finite cost gets a mark in the top
    row. Empty when fewer than two costs are finite.
    """
    n = len(costs)
    finite = [(i, float(c)) for i, c in enumerate(costs) if c is not None and math.isfinite(c)]
    if len(finite) < 2:
        return []
    lo = min(c for _, c in finite)
    hi = max(c for _, c in finite)
    span = hi - lo or max(abs(hi), 1e-12)
    cols = min(width, n)
    point, bar, bad = ("*", "|", "x") if ascii_only else ("•", "│", "×")
    grid = [[" "] * cols for _ in range(height)]
    for col in range(cols):
        start, stop = col * n // cols, (col + 1) * n // cols
        group = costs[start : max(stop, start + 1)]
        values = [float(c) for c in group if c is not None and math.isfinite(c)]
        if len(values) < len([c for c in group if c is not None]):
            grid[0][col] = bad
        if not values:
            continue
        rows = [
            height - 1 - round((v - lo) / span * (height - 1)) for v in (min(values), max(values))
        ]
        top, bottom = min(rows), max(rows)
        for r in range(top, bottom + 1):
            if grid[r][col] == " ":
                grid[r][col] = point if top == bottom else bar
    labels = [f"{hi:.4g}", f"{lo:.4g}"]
    pad = max(len(s) for s in labels)
    left, corner, axis = ("|", "+", "-") if ascii_only else ("┤", "└", "─")
    lines = []
    for r, row in enumerate(grid):
        label = labels[0] if r == 0 else labels[1] if r == height - 1 else ""
        tick = left if label else ("|" if ascii_only else "│")
        lines.append(f"{label.rjust(pad)} {tick}{''.join(row)}".rstrip())
    lines.append(" " * (pad + 1) + corner + axis * cols)
    last = str(n)
    lines.append(" " * (pad + 2) + "1" + last.rjust(cols - 1))
    return lines


def cost_caption(costs: Sequence[float | None]) -> str:
    """'cost over N steps: <first> at step 1 -> <last> at step N (lowest <min>)', or empty.

    Empty when no cost is finite; a last cost that is not finite is named (NaN or non-finite).
    """
    finite = [c for c in costs if c is not None and math.isfinite(c)]
    if not finite:
        return ""
    caption = f"cost over {len(costs)} steps: {finite[0]:.4g} at step 1 -> "
    last = costs[-1]
    if last is not None and math.isfinite(last):
        caption += f"{last:.4g} at step {len(costs)}"
    else:
        caption += f"{'NaN' if last is not None and math.isnan(last) else 'non-finite'} at step {len(costs)}"
    caption += f" (lowest {min(finite):.4g})"
    return caption

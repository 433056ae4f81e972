"""The findings of a check: each warning or failing tensor with its message, nearest the output first.

Shared by the rich and plain renderers: the order of the findings, the messages shortened when an
earlier tensor told the same story, each finding's head line, and whether a failing matrix earns a
heat map.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from gradcheck.report.check_table import STATUS_WORD
from gradcheck.report.formatting import fmt, index_text
from gradcheck.report.heatmap import HEAT_LEVELS
from gradcheck.report.layers import layer_of, order_tensors
from gradcheck.report.status import FAIL, PASS

if TYPE_CHECKING:
    from gradcheck.report.result import Report, TensorResult

__all__ = ["finding_head", "findings", "heatmap_args", "messages", "worst_text"]

HEAT_BOUNDS = [level[0] for level in HEAT_LEVELS]


def worst_text(t: TensorResult) -> str:
    if not t.worst:
        return ""
    e = t.worst[0]
    return (
        f"{t.name}{index_text(e.index)}: analytic {fmt(e.analytic, 4)}, numeric {fmt(e.numeric, 4)}"
    )


def findings(report: Report) -> list[tuple[TensorResult, str | None]]:
    """Tensors with their messages, nearest the output first: that is where a fix should start."""
    ordered = order_tensors([t.name for t in report.tensors])
    layers: list[str] = []
    for name in ordered:
        layer = layer_of(name) or name
        if layer not in layers:
            layers.append(layer)
    position = {t.name: i for i, t in enumerate(report.tensors)}
    ranked = sorted(
        report.tensors,
        key=lambda t: (-layers.index(layer_of(t.name) or t.name), position[t.name]),
    )
    return list(zip(ranked, messages(ranked)))


def messages(tensors: Iterable[TensorResult]) -> list[str | None]:
    """Each tensor's message, shortened when an earlier tensor told the same story.

    Four tensors of a saturated network fail for one reason; the reading is printed in full once,
    and later tensors whose message differs only in its numbers get their first sentence and a
    pointer back.
    """
    told: dict[str, str] = {}
    out: list[str | None] = []
    for t in tensors:
        if t.status == PASS or not t.message:
            out.append(t.message)
            continue
        shape_of_story = re.sub(r"[-+]?[\d.]+(e[-+]?\d+)?", "#", t.message.replace(t.name, "@"))
        if shape_of_story in told:
            first = t.message.split(". ", 1)[0].rstrip(".")
            out.append(f"{first}. Same reading as {told[shape_of_story]} (above).")
        else:
            told[shape_of_story] = t.name
            out.append(t.message)
    return out


def finding_head(t: TensorResult) -> str:
    """'b1 FAIL  worst b1[0, 0]: analytic 1.26, numeric -1.26' for a tensor that warns or fails."""
    head = f"{t.name} {STATUS_WORD[t.status]}"
    return head + (f"  worst {worst_text(t)}" if t.worst else "")


def heatmap_args(t: TensorResult) -> dict[str, Any] | None:
    """Where the error sits in a failing matrix, when the engine drew the grid (rows and columns > 1)."""
    heat = t.details.get("heatmap")
    if t.status != FAIL or not heat or len(t.shape) != 2 or min(t.shape) < 2:
        return None
    grid = np.asarray(heat["grid"], dtype=np.float64)
    checked = grid[np.isfinite(grid)]
    if checked.size == 0 or len(set(np.digitize(checked, HEAT_BOUNDS).tolist())) == 1:
        return None  # one colour everywhere: the message says it better than a picture
    return {
        "grid": grid,
        "title": f"{t.name}: where analytic and numeric disagree",
        "row_starts": heat["row_starts"],
        "col_starts": heat["col_starts"],
    }

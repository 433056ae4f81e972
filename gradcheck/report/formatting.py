"""Words every renderer shares: numbers, shapes, indices, warnings and operands as short text.

Plain strings only (no rich): the rich and the plain renderers of a check and of a watch print the
same words, and the pytest plugin's headline too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from gradcheck.report.records import ReportWarning

__all__ = [
    "aligned_lines",
    "fmt",
    "index_text",
    "operand_lines",
    "operand_text",
    "pct",
    "shape_text",
    "warning_text",
]


def fmt(x: float | None, digits: int = 2) -> str:
    if x is None:
        return "-"
    if x == 0:
        return "0"
    return f"{x:.{digits}g}" if 1e-3 <= abs(x) < 1e4 else f"{x:.{digits}e}"


def shape_text(shape: Iterable[int]) -> str:
    dims = list(shape)
    return "(" + ", ".join(map(str, dims)) + ("," if len(dims) == 1 else "") + ")"


def index_text(index: Iterable[int]) -> str:
    return "[" + ", ".join(map(str, index)) + "]"


def aligned_lines(rows: Sequence[Sequence[str]]) -> list[str]:
    """A table of strings (header first) as plain lines: columns padded to their widest cell."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]


def warning_text(w: ReportWarning) -> tuple[str, str]:
    """('[kind] where: ', message), without repeating ``where`` when the message starts with it."""
    if w.message.startswith(f"{w.where}:") or w.message.startswith(f"{w.where} "):
        return f"[{w.kind}] ", w.message
    return f"[{w.kind}] {w.where}: ", w.message


def operand_text(op: dict[str, Any]) -> str:
    """'scores (exp argument): (3, 4) float64, min -399.1, max 721.9, 5 negative'.

    Counts are shown only when they say something (a zero count is left out).
    """
    name = op.get("expr") or op.get("name") or "?"
    role = op.get("role")
    head = f"{name} ({role})" if role and role != "operand" else name
    if "shape" not in op:
        return f"{head}: {op.get('type', 'not an array')}"
    bits = [f"{shape_text(op['shape'])} {op.get('dtype', '')}".strip()]
    if op.get("min") is not None:
        bits.append(f"min {fmt(op['min'], 4)}, max {fmt(op['max'], 4)}")
    labels = {
        "zeros": "exactly 0",
        "ones": "exactly 1.0",
        "negatives": "negative",
        "nan": "NaN",
        "inf": "Inf",
    }
    bits += [f"{op[k]} {label}" for k, label in labels.items() if op.get(k)]
    return f"{head}: " + ", ".join(bits)


def operand_lines(ops: Iterable[dict[str, Any]]) -> list[str]:
    """One line per distinct operand; an expression seen under several roles is shown once."""
    seen: dict[str, dict[str, Any]] = {}
    for op in ops:
        key = str(op.get("expr"))
        if key in seen and op.get("role") in (None, "operand"):
            continue
        seen[key] = op
    return [operand_text(op) for op in seen.values()]


def pct(x: float) -> str:
    """A share as the findings quote it: ``37%``, or two significant digits below 1%."""
    return f"{100 * x:.0f}%" if x >= 0.01 else f"{100 * x:.2g}%"

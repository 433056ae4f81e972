"""Renderers: a report in, text out. Rich for terminals, plain text for logs and pytest, JSON for scripts.

Nothing here computes a verdict; everything shown is read from the :class:`Report`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from gradcheck.diagnose import layer_of, order_tensors
from gradcheck.heatmap import HEAT_LEVELS, heatmap_plain, heatmap_renderable
from gradcheck.result import FAIL, PASS, WARN, NonFinite, Report, ReportWarning, TensorResult

STATUS_STYLE = {PASS: "bold green", WARN: "bold yellow", FAIL: "bold red"}
STATUS_WORD = {PASS: "pass", WARN: "warn", FAIL: "FAIL"}
HEAT_BOUNDS = [level[0] for level in HEAT_LEVELS]


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2)


# --------------------------------------------------------------------------------------------
# Words shared by the rich and plain renderers
# --------------------------------------------------------------------------------------------


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


def coverage_text(t: TensorResult) -> str:
    if t.checked == t.size or t.size == 0:
        text = f"{t.checked}"
    else:
        text = f"{t.checked}/{t.size}"
    if t.directions:
        text += f" +{t.directions}dir"
    return text


def worst_text(t: TensorResult) -> str:
    if not t.worst:
        return ""
    e = t.worst[0]
    return (
        f"{t.name}{index_text(e.index)}: analytic {fmt(e.analytic, 4)}, numeric {fmt(e.numeric, 4)}"
    )


def factor_text(factor: float) -> str:
    """Enough digits to tell a factor from 1 (1.00002 must not print as 1)."""
    for digits in (3, 4, 5, 6, 8):
        text = f"{factor:.{digits}g}"
        if float(text) != 1.0 or factor == 1.0:
            return text
    return f"{factor:.10g}"


def pattern_text(t: TensorResult) -> str:
    if t.pattern == "scale" and t.factor is not None:
        return f"scale x{factor_text(t.factor)}"
    return t.pattern or ""


def table_rows(report: Report) -> list[list[str]]:
    """The tensor table as strings, header first; the kinks column only when a tensor had kinks."""
    any_kinks = any(t.kinks for t in report.tensors)
    header = ["tensor", "shape", "status", "rel. error", "max |a-n|", "checked"]
    rows = [[*header, *(["kinks"] if any_kinks else []), "pattern"]]
    for t in report.tensors:
        row = [
            t.name,
            shape_text(t.shape),
            STATUS_WORD[t.status],
            fmt(t.rel_error),
            fmt(t.max_abs_error),
            coverage_text(t),
        ]
        if any_kinks:
            row.append(str(t.kinks) if t.kinks else "")
        rows.append([*row, pattern_text(t)])
    return rows


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


def mode_text(report: Report) -> str:
    s = report.stats
    what = {
        "full": "every coordinate checked",
        "sampled": "sampled coordinates",
        "directional": "random directions",
        "sampled+directional": "sampled coordinates + random directions",
        "none": "no gradient compared",
    }.get(s.mode, s.mode)
    if s.mode != "none" and s.coordinates_total and s.mode != "full":
        what += f" ({s.coordinates_checked:,} of {s.coordinates_total:,} coordinates, {s.directions} directions)"
    return (
        f"{what}; {s.loss_evaluations:,} loss and {s.grad_evaluations:,} gradient evaluations "
        f"in {s.seconds:.2f} s"
    )


def summary_text(report: Report) -> str:
    tensors = report.tensors
    failed = [t for t in tensors if t.status == FAIL]
    warned = [t for t in tensors if t.status == WARN]
    kinks = sum(t.kinks for t in tensors)
    parts: list[str] = []
    if report.stats.interrupted:
        parts.append(f"INTERRUPTED after {len(tensors)} tensor(s); the rest were not checked.")
    if report.nonfinite is not None:
        nf = report.nonfinite
        where = f" at {Path(nf.file).name}:{nf.line}" if nf.file and nf.line else ""
        what = f" ({nf.variable})" if nf.variable else ""
        parts.append(
            f"A non-finite value (NaN/Inf, {nf.kind}) appeared during the {nf.phase}{where}{what}."
        )
    if failed:
        names = ", ".join(t.name for t in failed)
        parts.append(f"{len(failed)} of {len(tensors)} tensors FAIL: {names}.")
        if report.suspect_message:
            parts.append(report.suspect_message)
    elif tensors:
        parts.append(
            f"All {len(tensors)} tensors agree with finite differences"
            + (f" ({len(warned)} borderline)." if warned else ".")
        )
    if kinks:
        parts.append(
            f"{kinks} coordinate(s) sat on a kink (ReLU at 0, a max tie, |x| at 0) and were "
            "checked off the corner instead."
        )
    return " ".join(parts)


# --------------------------------------------------------------------------------------------
# Rich
# --------------------------------------------------------------------------------------------


def warning_text(w: ReportWarning) -> tuple[str, str]:
    """('[kind] where: ', message), without repeating ``where`` when the message starts with it."""
    if w.message.startswith(f"{w.where}:") or w.message.startswith(f"{w.where} "):
        return f"[{w.kind}] ", w.message
    return f"[{w.kind}] {w.where}: ", w.message


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


def tensor_table(report: Report) -> Table:
    rows = table_rows(report)
    table = Table(show_edge=False, header_style="bold", pad_edge=False, expand=False)
    for i, title in enumerate(rows[0]):
        numeric = title in ("rel. error", "max |a-n|", "checked", "kinks")
        table.add_column(
            title, justify="right" if numeric else "left", no_wrap=i < len(rows[0]) - 1
        )
    for t, row in zip(report.tensors, rows[1:]):
        cells: list[RenderableType] = list(row)
        cells[2] = Text(row[2], style=STATUS_STYLE[t.status])
        table.add_row(*cells)
    return table


def nonfinite_panel(nf: NonFinite) -> RenderableType:
    parts: list[RenderableType] = [Text(nf.message, style="bold red")]
    if nf.file and nf.line:
        where = f"{nf.file}:{nf.line}" + (f" in {nf.function}()" if nf.function else "")
        parts.append(Text(where, style="cyan"))
        if nf.source_line:
            parts.append(
                Syntax(
                    nf.source_line.strip(),
                    "python",
                    line_numbers=True,
                    start_line=nf.line,
                    theme="ansi_dark",
                    background_color="default",
                )
            )
    for line in operand_lines(nf.operands):
        parts.append(Text("  " + line))
    if nf.cause and nf.cause[1:] not in nf.message:
        parts.append(Text.assemble(("cause: ", "bold"), nf.cause))
    if nf.fix:
        parts.append(Text.assemble(("fix:   ", "bold green"), nf.fix))
    title = f"first non-finite value ({nf.kind}, during {nf.phase})"
    return Panel(Group(*parts), title=title, border_style="red", expand=False)


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


def rich_report(report: Report, *, title: str | None = None) -> RenderableType:
    parts: list[RenderableType] = []
    head = Text("gradcheck", style="bold")
    if title or report.source:
        head.append(f" · {title or report.source}")
    parts.append(head)
    parts.append(Text(mode_text(report), style="dim"))
    for note in report.notes:
        parts.append(Text(f"note: {note}", style="dim"))
    if report.tensors:
        parts.append(tensor_table(report))
    for t, message in findings(report):
        if t.status != PASS:
            parts.append(Text(finding_head(t), style=STATUS_STYLE[t.status]))
            if message:
                parts.append(Text("  " + message))
        heat = heatmap_args(t)
        if heat is not None:
            parts.append(heatmap_renderable(**heat))
    if report.nonfinite is not None:
        parts.append(nonfinite_panel(report.nonfinite))
    for w in report.warnings:
        parts.append(
            Text.assemble(
                ("warning ", "bold yellow"), (warning_text(w)[0], "yellow"), warning_text(w)[1]
            )
        )
    verdict_style = "bold green" if report.ok else "bold red"
    parts.append(
        Text(("OK: " if report.ok else "NOT OK: ") + summary_text(report), style=verdict_style)
    )
    return Group(*parts)


def print_report(report: Report, console: Console, *, title: str | None = None) -> None:
    console.print(rich_report(report, title=title))


# --------------------------------------------------------------------------------------------
# Plain text (logs, pytest): no colour, no box characters beyond ASCII
# --------------------------------------------------------------------------------------------


def to_text(report: Report, *, title: str | None = None) -> str:
    lines: list[str] = []
    head = "gradcheck"
    if title or report.source:
        head += f" - {title or report.source}"
    lines.append(head)
    lines.append(mode_text(report))
    lines += [f"note: {note}" for note in report.notes]
    if report.tensors:
        rows = table_rows(report)
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for r in rows:
            lines.append("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
    for t, message in findings(report):
        if t.status != PASS:
            lines.append(finding_head(t))
            if message:
                lines.append(f"  {message}")
        heat = heatmap_args(t)
        if heat is not None:
            lines.append(heatmap_plain(**heat))
    nf = report.nonfinite
    if nf is not None:
        lines.append(f"first non-finite value ({nf.kind}, during {nf.phase}): {nf.message}")
        if nf.file and nf.line:
            lines.append(
                f"  at {nf.file}:{nf.line}" + (f" in {nf.function}()" if nf.function else "")
            )
            if nf.source_line:
                lines.append(f"  > {nf.source_line.strip()}")
        for line in operand_lines(nf.operands):
            lines.append("    " + line)
        if nf.cause and nf.cause[1:] not in nf.message:
            lines.append(f"  cause: {nf.cause}")
        if nf.fix:
            lines.append(f"  fix: {nf.fix}")
    for w in report.warnings:
        lines.append("warning " + "".join(warning_text(w)))
    lines.append(("OK: " if report.ok else "NOT OK: ") + summary_text(report))
    return "\n".join(lines)

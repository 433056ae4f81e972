"""Renderers for a watched training run: a :class:`~gradcheck.watch.WatchSummary` in, text out.

Rich for terminals, plain text for logs (and the summary a decorator prints at exit), JSON for
scripts (``gradcheck watch --json``, INTERFACE.md section 4). The cost curve is drawn as a small
terminal plot: one column per group of steps, spanning the lowest to the highest cost of the group,
so an oscillating cost shows as a thick band and a rising one as a band that climbs.
Nothing here computes a verdict; everything shown is read from the summary.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from gradcheck.report.formatting import fmt, operand_lines, shape_text, warning_text
from gradcheck.report.nonfinite import nonfinite_panel
from gradcheck.result import NonFinite
from gradcheck.watch import UPDATE_RATIO_HEALTHY, WatchSummary

__all__ = [
    "cost_plot",
    "print_summary",
    "print_summary_stderr",
    "rich_summary",
    "to_json",
    "to_text",
    "training_progress",
]

PLOT_WIDTH = 60
PLOT_HEIGHT = 10


def to_json(summary: WatchSummary) -> str:
    return json.dumps(summary.to_dict(), indent=2)


@contextmanager
def training_progress(console: Console, enabled: bool) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(step, steps)`` callback drawing a bar on ``console`` (stderr) while training.

    The bar is redrawn at most 20 times a second, so a fast step does not pay for the drawing.
    """
    state: dict[str, Any] = {"last": 0.0}

    def update(done: int, total: int) -> None:
        if not enabled:
            return
        now = time.perf_counter()
        if "bar" not in state:
            bar = Progress(
                TextColumn("watching"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("steps"),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            )
            bar.start()
            state["bar"], state["task"] = bar, bar.add_task("watch", total=total)
        if now - state["last"] >= 0.05 or done == total:
            state["last"] = now
            state["bar"].update(state["task"], completed=done, total=total)

    try:
        yield update
    finally:
        if "bar" in state:
            state["bar"].stop()


# --------------------------------------------------------------------------------------------------
# The cost plot


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


# --------------------------------------------------------------------------------------------------
# Words shared by the rich and plain renderers


def header_text(s: WatchSummary) -> str:
    what = "train_step()" if s.mode == "train_step" else "gradient descent" if s.mode else s.name
    of = f" of {s.requested_steps}" if s.requested_steps and s.requested_steps != s.steps else ""
    lr = f" at learning rate {s.lr:g}" if s.lr is not None and s.mode != "train_step" else ""
    text = f"{what or 'watched function'}: {s.steps}{of} steps{lr} watched in {s.seconds:.2g} s"
    if s.first_nonfinite is not None and s.requested_steps and s.steps < s.requested_steps:
        text += "; stopped at the first non-finite value"
    if s.interrupted:
        text += "; interrupted"
    return text


def check_lines(s: WatchSummary) -> list[str]:
    lines = []
    for c in s.checks:
        when = "before training" if c.step == 0 else f"at step {c.step}"
        tensors = c.report.tensors
        if c.ok:
            worst = max((t.rel_error for t in tensors if t.rel_error is not None), default=None)
            lines.append(
                f"gradients {when}: all {len(tensors)} tensors agree with finite differences"
                + (f" (max rel. error {fmt(worst)})" if worst is not None else "")
                + "."
            )
        else:
            failed = ", ".join(t.name for t in c.report.failed)
            detail = f"{failed} FAIL" if failed else "the check found a non-finite loss"
            lines.append(f"gradients {when}: {detail} (run gradcheck check for the full report).")
            for t in c.report.failed:
                if t.message:
                    lines.append(f"  {t.name}: {t.message}")
    return lines


def tensor_rows(s: WatchSummary) -> list[list[str]]:
    rows = [["tensor", "shape", "norm first -> last", "grad norm", "update/weight", ""]]
    for t in s.tensors:
        ratio = t.update_ratio
        note = ""
        if ratio is not None and t.is_weight and ratio > 0:
            factor = ratio / UPDATE_RATIO_HEALTHY
            note = (
                f"{factor:.0f}x healthy"
                if factor >= 1.5
                else ("healthy" if factor > 0.1 else f"1/{1 / factor:.0f} of healthy")
            )
        norms = f"{fmt(t.norm_first, 3)} -> {fmt(t.norm_last, 3)}" if t.norms else "-"
        rows.append(
            [t.name, shape_text(t.shape), norms, fmt(t.grad_norm_last, 3), fmt(ratio, 2), note]
        )
    return rows


def nonfinite_head(s: WatchSummary) -> str:
    nf = s.first_nonfinite
    assert nf is not None
    found = ""
    if s.detected_step is not None and s.detected_step != s.first_nonfinite_step:
        found = f" (found in what step {s.detected_step} produced)"
    return f"first non-finite value at step {s.first_nonfinite_step}{found}"


def verdict_text(s: WatchSummary) -> str:
    bits = []
    if s.first_nonfinite is not None:
        nf = s.first_nonfinite
        where = ""
        if nf.file and nf.line:
            where = f" at {nf.file.rsplit('/', 1)[-1]}:{nf.line}"
        bits.append(f"a non-finite value ({nf.kind}) at step {s.first_nonfinite_step}{where}.")
    failed = [c for c in s.checks if not c.ok]
    if failed:
        bits.append("the gradients fail at step(s) " + ", ".join(str(c.step) for c in failed) + ".")
    if not bits:
        bits.append(f"{s.steps} steps without NaN/Inf")
        if s.checks:
            bits[-1] += ", gradients agree"
        bits[-1] += "."
    if s.warnings:
        bits.append(f"{len(s.warnings)} warning(s) about the training above.")
    return ("OK: " if s.ok else "NOT OK: ") + " ".join(bits)


def _cost_caption(s: WatchSummary) -> str:
    finite = [c for c in s.costs if c is not None and math.isfinite(c)]
    if not finite:
        return ""
    caption = f"cost over {len(s.costs)} steps: {finite[0]:.4g} at step 1 -> "
    last = s.costs[-1]
    if last is not None and math.isfinite(last):
        caption += f"{last:.4g} at step {len(s.costs)}"
    else:
        caption += f"{'NaN' if last is not None and math.isnan(last) else 'non-finite'} at step {len(s.costs)}"
    caption += f" (lowest {min(finite):.4g})"
    return caption


# --------------------------------------------------------------------------------------------------
# Rich


def rich_summary(s: WatchSummary, *, title: str | None = None) -> RenderableType:
    parts: list[RenderableType] = []
    head = Text("gradcheck watch", style="bold")
    if title:
        head.append(f" · {title}")
    parts.append(head)
    parts.append(Text(header_text(s), style="dim"))
    for note in s.notes:
        parts.append(Text(note, style="dim"))
    for line in check_lines(s):
        parts.append(Text(line, style="green" if "agree" in line else "bold red"))
    caption = _cost_caption(s)
    if caption:
        parts.append(Text(caption, style="bold"))
        parts.append(Text("\n".join(cost_plot(s.costs)), style="cyan"))
    if s.tensors:
        rows = tensor_rows(s)
        table = Table(show_edge=False, header_style="bold", pad_edge=False, expand=False)
        for i, name in enumerate(rows[0]):
            table.add_column(name, justify="right" if 1 < i < 5 else "left", no_wrap=True)
        for row in rows[1:]:
            style = "yellow" if row[5].endswith("x healthy") else ""
            table.add_row(*row[:5], Text(row[5], style=style))
        parts.append(table)
    if s.first_nonfinite is not None:
        parts.append(Text(nonfinite_head(s), style="bold red"))
        parts.append(nonfinite_panel(s.first_nonfinite))
        parts.extend(Text(line, style="red") for line in _later_origins(s))
    for w in s.warnings:
        lead, message = warning_text(w)
        parts.append(Text.assemble(("warning ", "bold yellow"), (lead, "yellow"), message))
    parts.append(Text(verdict_text(s), style="bold green" if s.ok else "bold red"))
    return Group(*parts)


def print_summary(s: WatchSummary, console: Console, *, title: str | None = None) -> None:
    console.print(rich_summary(s, title=title))


def print_summary_stderr(s: WatchSummary) -> None:
    """What ``@gradcheck.watch(summary=True)`` prints at exit: the summary, on stderr."""
    console = Console(stderr=True, highlight=False)
    if console.is_terminal:
        print_summary(s, console, title=s.name)
    else:
        sys.stderr.write(to_text(s, title=s.name) + "\n")


def _later_origins(s: WatchSummary) -> list[str]:
    later = s.origins[1:]
    return [f"later, at step {step}: {nf.message}" for step, nf in later[:5]] + (
        [f"... and {len(later) - 5} more"] if len(later) > 5 else []
    )


# --------------------------------------------------------------------------------------------------
# Plain text


def _nonfinite_plain(nf: NonFinite) -> list[str]:
    lines = [f"{nf.kind}: {nf.message}"]
    if nf.file and nf.line:
        lines.append(f"  at {nf.file}:{nf.line}" + (f" in {nf.function}()" if nf.function else ""))
        if nf.source_line:
            lines.append(f"  > {nf.source_line.strip()}")
    lines.extend("    " + line for line in operand_lines(nf.operands))
    if nf.cause and nf.cause[1:] not in nf.message:
        lines.append(f"  cause: {nf.cause}")
    if nf.fix:
        lines.append(f"  fix: {nf.fix}")
    return lines


def to_text(s: WatchSummary, *, title: str | None = None) -> str:
    """The summary as plain ASCII text (logs, CI, the decorator's summary at exit)."""
    lines = ["gradcheck watch" + (f" - {title}" if title else ""), header_text(s)]
    lines += list(s.notes)
    lines += check_lines(s)
    caption = _cost_caption(s)
    if caption:
        lines.append(caption)
        lines += ["  " + line for line in cost_plot(s.costs, ascii_only=True)]
    if s.tensors:
        rows = tensor_rows(s)
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for r in rows:
            lines.append("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
    if s.first_nonfinite is not None:
        lines.append(nonfinite_head(s) + ":")
        lines += _nonfinite_plain(s.first_nonfinite)
        lines += _later_origins(s)
    for w in s.warnings:
        lead, message = warning_text(w)
        lines.append(f"warning {lead}{message}")
    lines.append(verdict_text(s))
    return "\n".join(lines)

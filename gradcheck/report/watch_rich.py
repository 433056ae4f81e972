"""A watched run's summary as rich text for a terminal, and the summary a decorator prints at exit.

The cost plot, the tensor health table (a ratio far above healthy in yellow), the first NaN/Inf as
a panel, warnings and the verdict, all read from the summary.
"""

from __future__ import annotations

import sys

from rich.console import Console, Group, RenderableType
from rich.text import Text

from gradcheck.report.cost_plot import cost_caption, cost_plot
from gradcheck.report.fitted_table import FitColumn, FittedTable
from gradcheck.report.nonfinite import nonfinite_panel
from gradcheck.report.training import WatchSummary
from gradcheck.report.warning_groups import warning_groups
from gradcheck.report.watch_plain import to_text
from gradcheck.report.watch_words import (
    check_lines,
    header_text,
    later_origins,
    nonfinite_head,
    tensor_rows,
    verdict_text,
)

__all__ = ["print_summary", "print_summary_stderr", "rich_summary"]


def rich_summary(
    s: WatchSummary, *, title: str | None = None, verbose: bool = False
) -> RenderableType:
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
    caption = cost_caption(s.costs)
    if caption:
        parts.append(Text(caption, style="bold"))
        parts.append(Text("\n".join(cost_plot(s.costs)), style="cyan"))
    if s.tensors:
        parts.append(_health_table(s))
    if s.first_nonfinite is not None:
        parts.append(Text(nonfinite_head(s), style="bold red"))
        parts.append(nonfinite_panel(s.first_nonfinite))
        parts.extend(Text(line, style="red") for line in later_origins(s))
    for g in warning_groups(s.warnings):
        parts.append(Text.assemble(("warning ", "bold yellow"), (g.lead, "yellow"), g.text))
    parts.append(Text(verdict_text(s), style="bold green" if s.ok else "bold red"))
    return Group(*parts)


def _health_table(s: WatchSummary) -> FittedTable:
    """The tensor table; at a narrow terminal the shape goes first, then the norms, never a name."""
    rows = tensor_rows(s)
    drops = [0, 3, 2, 1, 0, 0]
    columns = [
        FitColumn(name, justify="right" if 1 < i < 5 else "left", drop=drops[i])
        for i, name in enumerate(rows[0])
    ]
    cells: list[list[str | Text]] = []
    for row in rows[1:]:
        style = "yellow" if row[5].endswith("x healthy") else ""
        cells.append([*row[:5], Text(row[5], style=style)])
    return FittedTable(columns, cells)


def print_summary(
    s: WatchSummary, console: Console, *, title: str | None = None, verbose: bool = False
) -> None:
    console.print(rich_summary(s, title=title, verbose=verbose))


def print_summary_stderr(s: WatchSummary) -> None:
    """What ``@gradcheck.watch(summary=True)`` prints at exit: the summary, on stderr."""
    console = Console(stderr=True, highlight=False)
    if console.is_terminal:
        print_summary(s, console, title=s.name)
    else:
        sys.stderr.write(to_text(s, title=s.name) + "\n")

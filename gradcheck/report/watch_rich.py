"""A watched run's summary as rich text for a terminal, and the summary a decorator prints at exit.

The headline and its fix, the cost plot, the tensor health table (a step size far from healthy in
yellow), the first NaN/Inf as a panel and the findings, all read from the summary.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.text import Text

from gradcheck.report.cost_plot import PLOT_HEIGHT_SHORT, cost_caption, cost_plot
from gradcheck.report.fitted_table import FitColumn, FittedTable
from gradcheck.report.nonfinite import nonfinite_panel
from gradcheck.report.paragraph import Para, Paragraphs
from gradcheck.report.watch_plain import finding_lines, to_text
from gradcheck.report.watch_words import (
    check_lines,
    header_text,
    headline,
    headline_fix,
    later_origins,
    nonfinite_head,
    tensor_rows,
)

if TYPE_CHECKING:
    from gradcheck.report.training import WatchSummary

__all__ = ["print_summary", "print_summary_stderr", "rich_summary"]


def rich_summary(
    s: WatchSummary, *, title: str | None = None, verbose: bool = False
) -> RenderableType:
    """The headline, the run, the plot and the table, the first NaN/Inf, then the findings; under
    ``verbose`` with the evidence behind each (whole warning messages, operands, numbers)."""
    head = Text("gradcheck watch", style="bold")
    if title:
        head.append(f" · {title}")
    lead = [Para(headline(s), "bold green" if s.ok else "bold red", 0, 2)]
    fix = headline_fix(s)
    if fix:
        lead.append(Para(fix.removeprefix("Fix: "), "", 0, 2, "Fix: ", "bold green"))
    lead.append(Para(header_text(s), "dim", 0, 2))
    lead += [Para(note, "dim", 0, 2) for note in s.notes]
    parts: list[RenderableType] = [head, Paragraphs(lead)]
    parts.extend(_check_line(line) for line in check_lines(s, verbose=verbose))
    caption = cost_caption(s.costs)
    if caption:
        parts.append(Text(caption, style="bold"))
        parts.append(Text("\n".join(cost_plot(s.costs, height=PLOT_HEIGHT_SHORT)), style="cyan"))
    if s.tensors:
        parts.append(_health_table(s))
    if s.first_nonfinite is not None:
        if verbose:
            parts.append(Text(nonfinite_head(s), style="bold red"))
        parts.append(nonfinite_panel(s.first_nonfinite, verbose=verbose, headline=True))
        parts.extend(Text(line, style="red") for line in later_origins(s))
    parts.extend(_finding(lead, text) for lead, text in finding_lines(s, verbose=verbose))
    return Group(*parts)


def _check_line(line: str) -> RenderableType:
    """A check's line; a failed tensor's reading, indented, stays indented when it wraps."""
    if line.startswith("  "):
        return Paragraphs([Para(line.lstrip(), "red", 2, 2)])
    passed = "tensors agree with finite differences" in line
    return Paragraphs([Para(line, "green" if passed else "bold red", 0, 2)])


def _finding(lead: str, text: str) -> Paragraphs:
    """A finding's paragraph; its wrapped lines indented under the 'warning' that heads it."""
    return Paragraphs([Para(text, "", 0, 2, "warning " + lead, "bold yellow")])


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
        style = "yellow" if row[5].endswith(("too big", "too small")) else ""
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

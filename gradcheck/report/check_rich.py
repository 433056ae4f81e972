"""A check's report as rich text for a terminal: title, table, findings, heat maps, verdict.

Nothing here computes a verdict; everything shown is read from the :class:`Report`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.text import Text

from gradcheck.report.check_findings import finding_head, findings, heatmap_args, source_lines
from gradcheck.report.check_summary import mode_text, summary_text
from gradcheck.report.check_table import STATUS_STYLE, tensor_table
from gradcheck.report.heatmap import heatmap_renderable
from gradcheck.report.nonfinite import nonfinite_panel
from gradcheck.report.status import PASS
from gradcheck.report.warning_groups import warning_groups

if TYPE_CHECKING:
    from gradcheck.report.result import Report

__all__ = ["print_report", "rich_report"]


def rich_report(
    report: Report, *, title: str | None = None, verbose: bool = False
) -> RenderableType:
    """The report for a terminal; ``verbose``: with the evidence behind each reading."""
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
            for text, assignment in source_lines(
                t, brief=bool(message and "Same reading" in message)
            ):
                parts.append(Text(text, style="bold" if assignment else "dim"))
        heat = heatmap_args(t)
        if heat is not None:
            parts.append(heatmap_renderable(**heat))
    if report.nonfinite is not None:
        parts.append(nonfinite_panel(report.nonfinite))
    for g in warning_groups(report.warnings):
        parts.append(Text.assemble(("warning ", "bold yellow"), (g.lead, "yellow"), g.text))
    verdict_style = "bold green" if report.ok else "bold red"
    parts.append(
        Text(("OK: " if report.ok else "NOT OK: ") + summary_text(report), style=verdict_style)
    )
    return Group(*parts)


def print_report(
    report: Report, console: Console, *, title: str | None = None, verbose: bool = False
) -> None:
    console.print(rich_report(report, title=title, verbose=verbose))

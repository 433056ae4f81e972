"""A check's report as rich text for a terminal: the blocks of :mod:`gradcheck.report.check_doc`
drawn with colour, the paragraphs wrapped at the terminal's width with their indents kept.

Nothing here computes a verdict; everything shown is read from the :class:`Report`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType

from gradcheck.report.check_doc import Heat, NonFiniteBlock, TableBlock, check_blocks
from gradcheck.report.check_table import tensor_table
from gradcheck.report.heatmap import heatmap_renderable
from gradcheck.report.nonfinite import nonfinite_panel
from gradcheck.report.paragraph import Para, Paragraphs

if TYPE_CHECKING:
    from gradcheck.report.result import Report

__all__ = ["print_report", "rich_report"]


def rich_report(
    report: Report, *, title: str | None = None, verbose: bool = False
) -> RenderableType:
    """The report for a terminal; ``verbose``: with the evidence behind each reading."""
    parts: list[RenderableType] = []
    run: list[Para] = []
    for block in check_blocks(report, title=title, verbose=verbose):
        if isinstance(block, Para):
            run.append(block)
            continue
        if run:
            parts.append(Paragraphs(run))
            run = []
        if isinstance(block, TableBlock):
            parts.append(tensor_table(report))
        elif isinstance(block, Heat):
            parts.append(heatmap_renderable(**block.args))
        elif isinstance(block, NonFiniteBlock):
            parts.append(nonfinite_panel(block.nf, verbose=verbose, headline=True))
    if run:
        parts.append(Paragraphs(run))
    return Group(*parts)


def print_report(
    report: Report, console: Console, *, title: str | None = None, verbose: bool = False
) -> None:
    console.print(rich_report(report, title=title, verbose=verbose))

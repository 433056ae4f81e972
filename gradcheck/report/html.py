"""A check's report as HTML for a Jupyter notebook: the renderable the terminal prints, exported by
rich (``Console(record=True)``), so a notebook shows the same content as a terminal."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from rich.console import Console

from gradcheck.report.check_rich import rich_report

if TYPE_CHECKING:
    from gradcheck.report.result import Report

__all__ = ["report_html"]

# Jupyter's own frame for rich output: preformatted, scrolling sideways rather than wrapping.
_FRAME = (
    '<pre style="white-space:pre;overflow-x:auto;line-height:normal;'
    "font-family:Menlo,'DejaVu Sans Mono',consolas,'Courier New',monospace\">{code}</pre>"
)
WIDTH = 100


def report_html(report: Report) -> str:
    console = Console(record=True, file=io.StringIO(), width=WIDTH, force_terminal=True)
    console.print(rich_report(report))
    return console.export_html(inline_styles=True, code_format=_FRAME)

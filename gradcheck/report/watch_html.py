"""A watched run's summary as HTML for a Jupyter notebook: the renderable the terminal prints,
exported by rich (``Console(record=True)``), so a notebook shows what a terminal shows."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from rich.console import Console

from gradcheck.report.html import _FRAME, WIDTH
from gradcheck.report.watch_rich import rich_summary

if TYPE_CHECKING:
    from gradcheck.report.training import WatchSummary

__all__ = ["summary_html"]


def summary_html(summary: WatchSummary, *, verbose: bool = False) -> str:
    console = Console(record=True, file=io.StringIO(), width=WIDTH, force_terminal=True)
    console.print(rich_summary(summary, title=summary.name, verbose=verbose))
    return console.export_html(inline_styles=True, code_format=_FRAME)

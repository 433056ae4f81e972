"""A check's report as plain text, for logs and pytest failures: no colour, no box characters beyond
ASCII (the heat map keeps its glyphs).

The same blocks as the rich report (:mod:`gradcheck.report.check_doc`), in the same order.
"""

from __future__ import annotations

from gradcheck.report.check_doc import Heat, NonFiniteBlock, TableBlock, check_blocks
from gradcheck.report.check_table import table_rows
from gradcheck.report.formatting import aligned_lines
from gradcheck.report.heatmap import heatmap_plain
from gradcheck.report.nonfinite import nonfinite_lines
from gradcheck.report.paragraph import Para, wrap_para
from gradcheck.report.result import Report

__all__ = ["to_text"]


def to_text(
    report: Report, *, title: str | None = None, verbose: bool = False, width: int | None = None
) -> str:
    """The report as plain text; ``verbose``: with the evidence behind each reading; ``width``:
    paragraphs wrapped to it with their indents kept (``None``: a paragraph is one line)."""
    lines: list[str] = []
    for block in check_blocks(report, title=title, verbose=verbose, sep=" - "):
        if isinstance(block, Para):
            lines += wrap_para(block, width)
        elif isinstance(block, TableBlock):
            lines += aligned_lines(table_rows(report))
        elif isinstance(block, Heat):
            lines.append(heatmap_plain(**block.args))
        elif isinstance(block, NonFiniteBlock):
            nf = block.nf
            if verbose:
                lines.append(f"first non-finite value ({nf.kind}, during {nf.phase}): {nf.message}")
            lines += nonfinite_lines(nf, verbose=verbose, headline=True)
    return "\n".join(lines)

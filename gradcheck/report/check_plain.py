"""A check's report as plain text, for logs and pytest failures: no colour, no box characters beyond
ASCII (the heat map keeps its glyphs).

The same pieces as the rich report, in the same order, read from the same :class:`Report`.
"""

from __future__ import annotations

from gradcheck.report.check_findings import finding_head, findings, heatmap_args, source_lines
from gradcheck.report.check_summary import mode_text, summary_text
from gradcheck.report.check_table import table_rows
from gradcheck.report.formatting import aligned_lines
from gradcheck.report.heatmap import heatmap_plain
from gradcheck.report.nonfinite import nonfinite_lines
from gradcheck.report.result import PASS, Report
from gradcheck.report.warning_groups import warning_groups

__all__ = ["to_text"]


def to_text(report: Report, *, title: str | None = None, verbose: bool = False) -> str:
    """The report as plain text; ``verbose``: with the evidence behind each reading."""
    lines: list[str] = []
    head = "gradcheck"
    if title or report.source:
        head += f" - {title or report.source}"
    lines.append(head)
    lines.append(mode_text(report))
    lines += [f"note: {note}" for note in report.notes]
    if report.tensors:
        lines += aligned_lines(table_rows(report))
    for t, message in findings(report):
        if t.status != PASS:
            lines.append(finding_head(t))
            if message:
                lines.append(f"  {message}")
            brief = bool(message and "Same reading" in message)
            lines += [text for text, _ in source_lines(t, brief=brief)]
        heat = heatmap_args(t)
        if heat is not None:
            lines.append(heatmap_plain(**heat))
    nf = report.nonfinite
    if nf is not None:
        lines.append(f"first non-finite value ({nf.kind}, during {nf.phase}): {nf.message}")
        lines += nonfinite_lines(nf)
    lines += [f"warning {g.lead}{g.text}" for g in warning_groups(report.warnings)]
    lines.append(("OK: " if report.ok else "NOT OK: ") + summary_text(report))
    return "\n".join(lines)

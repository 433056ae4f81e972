"""A watched run's summary as plain ASCII text: logs, CI, and the decorator's summary at exit
when stderr is not a terminal.
"""

from __future__ import annotations

from gradcheck.report.cost_plot import cost_caption, cost_plot
from gradcheck.report.formatting import aligned_lines
from gradcheck.report.nonfinite import nonfinite_lines
from gradcheck.report.training import WatchSummary
from gradcheck.report.warning_groups import warning_groups
from gradcheck.report.watch_words import (
    check_lines,
    header_text,
    later_origins,
    nonfinite_head,
    tensor_rows,
    verdict_text,
)

__all__ = ["to_text"]


def to_text(s: WatchSummary, *, title: str | None = None, verbose: bool = False) -> str:
    """The summary as plain ASCII text (logs, CI, the decorator's summary at exit)."""
    lines = ["gradcheck watch" + (f" - {title}" if title else ""), header_text(s)]
    lines += list(s.notes)
    lines += check_lines(s)
    caption = cost_caption(s.costs)
    if caption:
        lines.append(caption)
        lines += ["  " + line for line in cost_plot(s.costs, ascii_only=True)]
    if s.tensors:
        lines += aligned_lines(tensor_rows(s))
    nf = s.first_nonfinite
    if nf is not None:
        lines.append(nonfinite_head(s) + ":")
        lines.append(f"{nf.kind}: {nf.message}")
        lines += nonfinite_lines(nf)
        lines += later_origins(s)
    lines += [f"warning {g.lead}{g.text}" for g in warning_groups(s.warnings)]
    lines.append(verdict_text(s))
    return "\n".join(lines)

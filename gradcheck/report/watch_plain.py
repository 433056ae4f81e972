"""A watched run's summary as plain ASCII text: logs, CI, and the decorator's summary at exit
when stderr is not a terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gradcheck.report.cost_plot import PLOT_HEIGHT_SHORT, cost_caption, cost_plot
from gradcheck.report.formatting import aligned_lines
from gradcheck.report.nonfinite import nonfinite_fix, nonfinite_lines
from gradcheck.report.warning_groups import warning_groups
from gradcheck.report.watch_findings import findings, sentences
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

__all__ = ["finding_lines", "to_text"]


def finding_lines(s: WatchSummary, *, verbose: bool = False) -> list[tuple[str, str]]:
    """(lead, text) per kind of warning: its members' summaries and the fix once, or under
    ``verbose`` their whole messages. A fix sentence the headline gave is not given again."""
    if verbose:
        return [(g.lead, g.text) for g in warning_groups(s.warnings)]
    nf = s.first_nonfinite
    fix = nonfinite_fix(nf) if nf is not None else None
    return [(f.lead, f.text) for f in findings(s.warnings, said=sentences(fix or ""))]


def to_text(s: WatchSummary, *, title: str | None = None, verbose: bool = False) -> str:
    """The summary as plain ASCII text (logs, CI, the decorator's summary at exit)."""
    lines = ["gradcheck watch" + (f" - {title}" if title else ""), headline(s)]
    fix = headline_fix(s)
    if fix:
        lines.append(fix)
    lines.append(header_text(s))
    lines += list(s.notes)
    lines += check_lines(s, verbose=verbose)
    caption = cost_caption(s.costs)
    if caption:
        lines.append(caption)
        lines += [
            "  " + line for line in cost_plot(s.costs, height=PLOT_HEIGHT_SHORT, ascii_only=True)
        ]
    if s.tensors:
        lines += aligned_lines(tensor_rows(s))
    nf = s.first_nonfinite
    if nf is not None:
        if verbose:
            lines.append(nonfinite_head(s) + ":")
            lines.append(f"{nf.kind}: {nf.message}")
        lines += nonfinite_lines(nf, verbose=verbose, headline=True)
        lines += later_origins(s)
    lines += [f"warning {lead}{text}" for lead, text in finding_lines(s, verbose=verbose)]
    return "\n".join(lines)

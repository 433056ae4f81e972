"""Where the first NaN/Inf came from, drawn: a rich panel for terminals, plain lines for logs.

A check and a watch show the same evidence (the statement, its source line, its operands, the cause
and the fix); only the line that introduces it differs, so each plain renderer writes its own head.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.syntax import Syntax
from rich.text import Text

from gradcheck.report.formatting import operand_lines
from gradcheck.report.records import NonFinite

__all__ = ["nonfinite_lines", "nonfinite_panel"]


def _new_cause(nf: NonFinite) -> str | None:
    """The cause, unless the message already says it (the message may quote the cause with its
    first letter capitalised, hence ``cause[1:]``)."""
    if nf.cause and nf.cause[1:] not in nf.message:
        return nf.cause
    return None


def nonfinite_panel(nf: NonFinite) -> RenderableType:
    parts: list[RenderableType] = [Text(nf.message, style="bold red")]
    if nf.file and nf.line:
        where = f"{nf.file}:{nf.line}" + (f" in {nf.function}()" if nf.function else "")
        parts.append(Text(where, style="cyan"))
        if nf.source_line:
            parts.append(
                Syntax(
                    nf.source_line.strip(),
                    "python",
                    line_numbers=True,
                    start_line=nf.line,
                    theme="ansi_dark",
                    background_color="default",
                )
            )
    for line in operand_lines(nf.operands):
        parts.append(Text("  " + line))
    cause = _new_cause(nf)
    if cause is not None:
        parts.append(Text.assemble(("cause: ", "bold"), cause))
    if nf.fix:
        parts.append(Text.assemble(("fix:   ", "bold green"), nf.fix))
    title = f"first non-finite value ({nf.kind}, during {nf.phase})"
    return Panel(Group(*parts), title=title, border_style="red", expand=False)


def nonfinite_lines(nf: NonFinite) -> list[str]:
    """The evidence as plain lines, indented under the head line the caller writes."""
    lines: list[str] = []
    if nf.file and nf.line:
        lines.append(f"  at {nf.file}:{nf.line}" + (f" in {nf.function}()" if nf.function else ""))
        if nf.source_line:
            lines.append(f"  > {nf.source_line.strip()}")
    lines.extend("    " + line for line in operand_lines(nf.operands))
    cause = _new_cause(nf)
    if cause is not None:
        lines.append(f"  cause: {cause}")
    if nf.fix:
        lines.append(f"  fix: {nf.fix}")
    return lines

"""Where the first NaN/Inf came from, drawn: a rich panel for terminals, plain lines for logs, and
the reading and the fix in a few words for a headline.

A check and a watch show the same evidence (the statement, its source line, its operands, the cause
and the fix); only the line that introduces it differs, so each plain renderer writes its own head.
A report whose headline already gave the reading and the fix (``headline=True``, a watch) shows the
statement alone, with the operands and the rest of the fix under ``verbose``. The source line is
wrapped under its line number, never cut.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.syntax import Syntax
from rich.text import Text

from gradcheck.report.formatting import operand_lines
from gradcheck.report.records import NonFinite
from gradcheck.report.watch_findings import sentences

__all__ = [
    "nonfinite_fix",
    "nonfinite_lines",
    "nonfinite_panel",
    "nonfinite_reading",
    "nonfinite_what",
]


def _new_cause(nf: NonFinite) -> str | None:
    """The cause, unless the message already says it (the message may quote the cause with its
    first letter capitalised, hence ``cause[1:]``)."""
    if nf.cause and nf.cause[1:] not in nf.message:
        return nf.cause
    return None


def _without_aside(sentence: str) -> str:
    """The sentence without a closing parenthesis ("... 1.0 (1 / (1 + exp(-z)) rounds ...)."),
    which holds the reasoning, not the reading; and without its full stop."""
    text = sentence.strip().rstrip(".").rstrip()
    if text.endswith(")"):
        depth = 0
        for i in range(len(text) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(text[i], 0)
            if depth == 0:
                if i > 0 and text[i - 1] == " ":
                    text = text[: i - 1].rstrip()
                break
    return text


def _first_sentence(text: str) -> str:
    found = sentences(text)
    return found[0] if found else text


def nonfinite_what(nf: NonFinite) -> str:
    """'NaN', 'Inf' or 'NaN/Inf': what the statement produced."""
    counts = nf.details.get("nonfinite") or {}
    if counts.get("nan"):
        return "NaN"
    if counts.get("posinf") or counts.get("neginf"):
        return "Inf"
    return "NaN/Inf"


def nonfinite_reading(nf: NonFinite) -> str:
    """Why, in a clause without its aside: 'the denominator 1 - self.A[l] is 0 in 9 of 400 entries:
    9 entries of self.A[l] are exactly 1.0, a saturated sigmoid output'."""
    if nf.cause:
        return _without_aside(nf.cause)
    return _without_aside(_what_became(nf))


def nonfinite_fix(nf: NonFinite) -> str | None:
    """The fix's first sentence, without its aside, with its full stop."""
    if not nf.fix:
        return None
    return _without_aside(_first_sentence(nf.fix)) + "."


def _what_became(nf: NonFinite) -> str:
    """'in f(): `x` (l = 2) became 8 NaN, 1 +inf of 400.': the message's first sentence without
    the file and line a headline already named."""
    first = _first_sentence(nf.message)
    if nf.function and f"{nf.function}(): " in first:
        return f"in {nf.function}(): " + first.split(f"{nf.function}(): ", 1)[1]
    return first


def _where(nf: NonFinite) -> str:
    return f"{nf.file}:{nf.line}" + (f" in {nf.function}()" if nf.function else "")


def _fix_rest(nf: NonFinite) -> str:
    """The fix after the sentence a headline gave."""
    assert nf.fix is not None
    return nf.fix[len(_first_sentence(nf.fix)) :].strip()


def nonfinite_panel(
    nf: NonFinite, *, verbose: bool = True, headline: bool = False
) -> RenderableType:
    """The panel. ``headline``: the report's headline gave the reading and the fix's first sentence
    (:func:`nonfinite_reading`, :func:`nonfinite_fix`), so the panel does not say them again."""
    short = headline and not verbose
    parts: list[RenderableType] = [] if short else [Text(nf.message, style="bold red")]
    if nf.file and nf.line:
        if not headline:  # a watch's headline named the file and the line
            parts.append(Text(_where(nf), style="cyan"))
        if nf.source_line:
            parts.append(
                Syntax(
                    nf.source_line.strip(),
                    "python",
                    line_numbers=True,
                    start_line=nf.line,
                    theme="ansi_dark",
                    background_color="default",
                    word_wrap=True,
                )
            )
    if not short:
        parts.extend(Padding(Text(line), (0, 0, 0, 2)) for line in operand_lines(nf.operands))
    cause = _new_cause(nf)
    if cause is not None and not headline:
        parts.append(Text.assemble(("cause: ", "bold"), cause))
    fix = (_fix_rest(nf) if verbose else "") if headline and nf.fix else nf.fix
    if fix:
        parts.append(Text.assemble(("fix:   ", "bold green"), fix))
    title = f"first non-finite value ({nf.kind}, during {nf.phase})"
    if short and nf.function:
        title = f"{nf.function}()"
    if not parts:
        parts.append(Text(_what_became(nf), style="bold red"))
    return Panel(Group(*parts), title=title, border_style="red", expand=False)


def nonfinite_lines(nf: NonFinite, *, verbose: bool = True, headline: bool = False) -> list[str]:
    """The evidence as plain lines, indented under the head line the caller writes."""
    lines: list[str] = []
    if nf.file and nf.line:
        if not headline:  # a watch's headline named the file and the line
            lines.append(f"  at {_where(nf)}")
        elif nf.function:
            lines.append(f"  in {nf.function}():")
        if nf.source_line:
            lines.append(f"  > {nf.source_line.strip()}")
    if verbose or not headline:
        lines.extend("    " + line for line in operand_lines(nf.operands))
    cause = _new_cause(nf)
    if cause is not None and not headline:
        lines.append(f"  cause: {cause}")
    fix = (_fix_rest(nf) if verbose else "") if headline and nf.fix else nf.fix
    if fix:
        lines.append(f"  fix: {fix}")
    return lines

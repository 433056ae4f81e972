"""A check's report as a reader takes it in, in three layers, shared by the rich and plain renderers.

1. The headline: what is wrong and where in the user's code to look first
   (:mod:`gradcheck.report.check_headline`).
2. The table: one row per tensor.
3. One short paragraph per distinct finding (tensors that tell one story are one finding), then the
   warnings, one line per kind with their fixes said once, then what the check did.

``verbose`` adds the evidence behind every reading: each tensor's whole message with its worst
coordinate, every statement its gradient is computed from, the heat maps, each warning's numbers,
the suspect layer's reasoning and the check's costs. The JSON always has all of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gradcheck.report.check_findings import finding_head, findings, heatmap_args
from gradcheck.report.check_headline import code_paras, finding_fix, headline
from gradcheck.report.check_story import Finding, grouped_findings
from gradcheck.report.check_summary import mode_text, short_notes, summary_text
from gradcheck.report.check_table import STATUS_STYLE
from gradcheck.report.paragraph import Para
from gradcheck.report.status import FAIL, PASS, WARN
from gradcheck.report.warning_groups import warning_digest, warning_groups

if TYPE_CHECKING:
    from gradcheck.report.records import NonFinite, SourceLine
    from gradcheck.report.result import Report, TensorResult

__all__ = ["Heat", "NonFiniteBlock", "TableBlock", "check_blocks"]

STATUS_HEAD = {WARN: "close to the limit", FAIL: "FAIL"}


@dataclass(frozen=True)
class TableBlock:
    """The tensor table goes here."""


@dataclass(frozen=True)
class Heat:
    """A heat map of where a tensor's error sits (the arguments of the heat map renderers)."""

    args: dict[str, Any]


@dataclass(frozen=True)
class NonFiniteBlock:
    """Where the first NaN/Inf came from."""

    nf: NonFinite


Block = Para | TableBlock | Heat | NonFiniteBlock

# The patterns whose point is where the error sits: their heat map shows by default.
_LOCATED = {"row", "column", "slice", "partial", "transpose"}


def check_blocks(
    report: Report, *, title: str | None = None, verbose: bool = False, sep: str = " · "
) -> list[Block]:
    """The report, top to bottom; ``sep`` between "gradcheck" and the title."""
    head = "gradcheck" + (f"{sep}{title or report.source}" if title or report.source else "")
    groups = grouped_findings(report)
    failing = [g for g in groups if g.status == FAIL]
    blocks: list[Block] = [Para(head, "bold"), *headline(report, failing)]
    blocks += [Para(f"note: {note}", "dim", 0, 2) for note in report.notes]
    if report.tensors:
        blocks.append(TableBlock())
    blocks += _verbose_findings(report) if verbose else _findings(report, groups, failing)
    if report.nonfinite is not None:
        blocks.append(NonFiniteBlock(report.nonfinite))
    blocks += _warnings(report, verbose)
    if verbose:
        blocks.append(Para(summary_text(report), "", 0, 2))
        blocks.append(Para(mode_text(report) + ".", "dim", 0, 2))
    else:
        blocks += [Para(note, "dim", 0, 2) for note in short_notes(report)]
        blocks.append(Para(_footer(report), "dim", 0, 2))
    return blocks


def _findings(report: Report, groups: list[Finding], failing: list[Finding]) -> list[Block]:
    """One paragraph per finding; its statements unless the headline showed them already."""
    blocks: list[Block] = []
    for g in groups:
        head = f"{g.names} {STATUS_HEAD[g.status]}: "
        blocks.append(Para(g.text, "", 0, 2, head, STATUS_STYLE[g.status]))
        shown_above = len(failing) == 1 and g is failing[0] and g.line is not None
        if g.status == FAIL and not shown_above:
            blocks += _lines_of(g)
        blocks += [Heat(h) for t in g.tensors if t.pattern in _LOCATED if (h := heatmap_args(t))]
    return blocks


def _lines_of(g: Finding) -> list[Block]:
    """The statement the finding's tensors share, else their own assignments, each statement
    once under one head per function (the layers of a loop share one line)."""
    if g.line is not None:
        where = f"{g.line.function}() in {Path(g.line.file).name}:{g.line.line}"
        return [Para(f"from {where}:", "", 2, 4), *code_paras(g.line, finding_fix(g, g.line))]
    places: dict[tuple[str, str], dict[int, tuple[SourceLine, str | None]]] = {}
    for t in g.tensors:
        if t.source_lines:
            s = t.source_lines[0]
            places.setdefault((s.file, s.function), {}).setdefault(s.line, (s, t.fixed_line))
    blocks: list[Block] = []
    for (file, function), statements in places.items():
        at = f":{next(iter(statements))}" if len(statements) == 1 else ""
        blocks.append(Para(f"from {function}() in {Path(file).name}{at}:", "", 2, 4))
        for line in sorted(statements):
            blocks += code_paras(*statements[line])
    return blocks


def _verbose_findings(report: Report) -> list[Block]:
    """Every tensor that warns or fails with its whole message, statements and heat map."""
    blocks: list[Block] = []
    for t, message in findings(report):
        if t.status != PASS:
            blocks.append(Para(finding_head(t), STATUS_STYLE[t.status], 0, 2))
            if message:
                blocks.append(Para(message, "", 2, 2))
            blocks += _traced(t)
        heat = heatmap_args(t)
        if heat is not None:
            blocks.append(Heat(heat))
    return blocks


def _traced(t: TensorResult) -> list[Block]:
    if t.status != FAIL or not t.source_lines:
        return []
    first = t.source_lines[0]
    where = f"{first.function}() at {Path(first.file).name}:{first.line}"
    blocks: list[Block] = [Para(f"computed in {where}:", "", 2, 4)]
    for s in sorted(t.source_lines, key=lambda s: s.line):
        blocks += code_paras(s, t.fixed_line if s is first else None)
    return blocks


def _warnings(report: Report, verbose: bool) -> list[Block]:
    if verbose:
        return [
            Para(g.text, "", 0, 2, "warning " + g.lead, "bold yellow")
            for g in warning_groups(report.warnings)
        ]
    lines, fixes = warning_digest(report.warnings)
    blocks: list[Block] = [Para(text, "", 0, 2, "warning ", "bold yellow") for text in lines]
    if fixes:
        blocks.append(
            Para(" ".join(fixes), "", 2, 2, "To fix: " if len(lines) > 1 else "Fix: ", "bold")
        )
    return blocks


def _footer(report: Report) -> str:
    text = mode_text(report, brief=True)
    if not report.ok or report.warnings or any(t.status == WARN for t in report.tensors):
        text += "; more with -v"
    return text + "."

"""The first lines of a check's report: what is wrong, and where in the user's code to look first.

A learner reads these and perhaps nothing else, so they say in plain words which gradients are
wrong (or that all agree) and show the one statement of their backward to start from, as it would
be fixed when the pattern says how. The reasoning behind it is further down, and under --verbose.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gradcheck.report.nonfinite import nonfinite_fix, nonfinite_reading, nonfinite_what
from gradcheck.report.paragraph import Para
from gradcheck.report.status import FAIL, WARN

if TYPE_CHECKING:
    from gradcheck.report.check_story import Finding
    from gradcheck.report.records import SourceLine
    from gradcheck.report.result import Report, TensorResult

__all__ = ["code_paras", "finding_fix", "headline", "verdict_sentence"]

OK_STYLE, NOT_OK_STYLE = "bold green", "bold red"


def _names(tensors: list[TensorResult]) -> str:
    return ", ".join(t.name for t in tensors)


def verdict_sentence(report: Report) -> str:
    """'NOT OK: the gradient of W2 is wrong; the other 3 agree with finite differences.'"""
    tensors = list(report.tensors)
    failed = [t for t in tensors if t.status == FAIL]
    parts: list[str] = []
    if report.stats.interrupted:
        parts.append(f"interrupted after {len(tensors)} tensor(s): the rest were not checked.")
    nf = report.nonfinite
    if nf is not None:
        where = f" at {Path(nf.file).name}:{nf.line}" if nf.file and nf.line else ""
        parts.append(f"{nonfinite_what(nf)} during the {nf.phase}{where}: {nonfinite_reading(nf)}.")
    if failed:
        parts.append(_failed_sentence(failed, len(tensors)))
    elif tensors and not parts:
        parts.append(_agree_sentence(tensors))
    elif not parts:
        parts.append("no gradient was compared.")
    text = " ".join(parts)
    return ("OK: " if report.ok else "NOT OK: ") + text[:1].upper() + text[1:]


def _failed_sentence(failed: list[TensorResult], total: int) -> str:
    others = total - len(failed)
    if len(failed) == 1:
        text = f"the gradient of {failed[0].name} is wrong"
    elif others == 0:
        return f"all {total} gradients are wrong ({_names(failed)})."
    else:
        text = f"{len(failed)} of {total} gradients are wrong ({_names(failed)})"
    if others == 1 and len(failed) == 1:
        return text + "; the other one agrees with finite differences."
    if others:
        return text + f"; the other {others} agree with finite differences."
    return text + "."


def _agree_sentence(tensors: list[TensorResult]) -> str:
    warned = [t for t in tensors if t.status == WARN]
    if len(tensors) == 1:
        text = f"the gradient of {tensors[0].name} agrees with finite differences"
    else:
        text = f"all {len(tensors)} gradients agree with finite differences"
    if warned:
        text += f" ({_names(warned)} close to the limit: see below)"
    return text + "."


def code_paras(line: SourceLine, fixed: str | None, indent: int = 4) -> list[Para]:
    """A statement of the user's code, with its line number, and the line as it would be fixed."""
    paras = [Para(f"{line.line}  {line.text}", "bold", indent, indent + len(str(line.line)) + 2)]
    if fixed:
        paras.append(Para("as it would be fixed:", "", indent - 2))
        paras.append(Para(f"{line.line}  {fixed}", "bold green", indent, paras[0].hanging))
    return paras


def headline(report: Report, failing: list[Finding]) -> list[Para]:
    """The verdict, then where to look first: the statement a lone finding is computed from, else
    the suspect layer's sentence.

    With several readings the headline points at no line: a tensor's own assignment may be right
    and its delta wrong, and which reading is the mistake is the suspect layer's to say.
    """
    style = OK_STYLE if report.ok else NOT_OK_STYLE
    paras = [Para(verdict_sentence(report), style, 0, 2)]
    fix = nonfinite_fix(report.nonfinite) if report.nonfinite is not None else None
    if fix:
        paras.append(Para(fix, "", 0, 2, "Fix: ", "bold green"))
    if not failing:
        return paras
    first = failing[0]
    line = first.line if len(failing) == 1 else None
    if line is None:
        sentence = report.suspect_summary or report.suspect_message
        if sentence:
            paras.append(Para(sentence, "", 0, 2))
        elif len(failing) > 1:
            paras.append(Para(f"Start with {first.names}, nearest the output.", "", 0, 2))
        return paras
    where = f"{line.function}() in {Path(line.file).name}:{line.line}"
    if len(first.tensors) > 1:
        who = "Both" if len(first.tensors) == 2 else "All of them"
        paras.append(Para(f"{who} come from {where}:", "", 0, 2))
    else:
        paras.append(Para(f"Look at {where}:", "", 0, 2))
    return paras + code_paras(line, finding_fix(first, line))


def finding_fix(finding: Finding, line: SourceLine) -> str | None:
    """The line as it would be fixed, when it is every tensor's own assignment and they agree on
    the fix (the layers of a loop that share ``db = np.sum(dZ, axis=1, keepdims=True)``)."""
    fixes = {t.fixed_line for t in finding.tensors}
    own = all(t.source_lines and t.source_lines[0] == line for t in finding.tensors)
    return fixes.pop() if own and len(fixes) == 1 else None

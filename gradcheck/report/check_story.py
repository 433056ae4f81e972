"""What a check found, as distinct findings: tensors that tell one story are one finding.

Four tensors of a saturated network fail for one reason, and a learner should read that reason
once, with the one line of their backward every failing gradient is computed from. A finding is
the tensors whose shown reading is the same word for word (numbers kept: a factor of 24 and a
factor of 2 are two findings), nearest the output first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gradcheck.report.check_findings import findings
from gradcheck.report.status import PASS

if TYPE_CHECKING:
    from gradcheck.report.records import SourceLine
    from gradcheck.report.result import Report, TensorResult

__all__ = ["Finding", "grouped_findings", "reading", "shared_line"]


@dataclass(frozen=True)
class Finding:
    """Tensors (nearest the output first) that warn or fail for the reason ``text`` says."""

    tensors: tuple[TensorResult, ...]
    text: str
    #: The statement to look at first (see :func:`shared_line`), or ``None``: each tensor's own.
    line: SourceLine | None = None

    @property
    def names(self) -> str:
        return ", ".join(t.name for t in self.tensors)

    @property
    def status(self) -> str:
        return self.tensors[0].status


def reading(t: TensorResult) -> str:
    """The reading shown by default: the plain summary, else the whole message."""
    return t.summary or t.message or ""


def _key(t: TensorResult) -> tuple[str, str]:
    return t.status, reading(t).replace(t.name, "@")


def grouped_findings(report: Report) -> list[Finding]:
    """The tensors that warn or fail, one finding per distinct reading, nearest the output first."""
    groups: dict[tuple[str, str], list[TensorResult]] = {}
    for t, _ in findings(report):
        if t.status != PASS:
            groups.setdefault(_key(t), []).append(t)
    passing = [t for t in report.tensors if t.status == PASS]
    # What a passing gradient is computed from is right; unknown when one of them was not traced.
    if all("traced_lines" in t.details for t in passing):
        right: set[tuple[str, int]] | None = {
            (f, n) for t in passing for f, n in t.details["traced_lines"]
        }
    else:
        right = None
    alone = len(groups) == 1 and not passing
    out = []
    for ts in groups.values():
        if len(ts) == 1 or right is not None or alone:
            line = shared_line(tuple(ts), exclude=right)
        else:
            line = None
        out.append(Finding(tuple(ts), reading(ts[0]), line))
    return out


def shared_line(
    tensors: tuple[TensorResult, ...], exclude: set[tuple[str, int]] | None = None
) -> SourceLine | None:
    """The statement to look at first: one tensor's own assignment, or for several the latest
    statement that every one of them is computed from (``None`` when they share none).

    The latest, not the earliest: seed002's gradients all read ``one_hot_y = one_hot(y)`` and
    ``dz2 = (a2 - one_hot_y) * tanh(z2)``; the mistake is in the second, nearer the gradients.
    ``exclude``: statements known to be right because a passing gradient is computed from them (W2
    and b2 each missing a / m share ``dZ2 = A2 - Y`` with a W1 that passes). A tensor's own
    assignment is never excluded.
    """
    traced = [t.source_lines for t in tensors]
    if not traced or not all(traced):
        return None
    if len(traced) == 1:
        return traced[0][0]
    common = set.intersection(*({(s.file, s.line) for s in lines} for lines in traced))
    common -= exclude or set()
    if not common:
        return None
    file, line = max(common, key=lambda fl: fl[1])
    return next(s for s in traced[0] if (s.file, s.line) == (file, line))

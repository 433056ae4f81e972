"""A watch's findings as a learner reads them first: one short paragraph per kind of warning that
names where, says each member's ``summary`` and gives the fix once.

Under ``verbose`` the renderers print :func:`~gradcheck.report.warning_groups.warning_groups` (every
member's whole message) instead. Each fix sentence is said once per report: a group whose fix an
earlier group already gave whole points back to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from gradcheck.report.records import ReportWarning
from gradcheck.report.warning_groups import WarningGroup

__all__ = ["Finding", "findings", "sentences"]

# A sentence ends at ". " before a capital letter ("e.g. x" and "np.sqrt(2 / n)" do not split).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


#: Warnings of one kind: ``lead`` is ``'[kind] w1, w2: '``, ``text`` what follows it.
Finding = WarningGroup


def sentences(text: str) -> list[str]:
    """``text`` cut into its sentences."""
    return [p for p in _SENTENCE_END.split(text.strip()) if p]


def _reading(w: ReportWarning) -> str:
    """The member's summary, or its message without the fix and a leading ``where:``."""
    if w.summary:
        return w.summary
    text = w.message
    if w.fix and text.endswith(w.fix):
        text = text[: -len(w.fix)].rstrip()
    for prefix in (f"{w.where}: ", f"{w.where}:"):
        if text.startswith(prefix):
            text = text[len(prefix) :].lstrip()
    return text


def _sentence(text: str) -> str:
    """The reading as it follows the lead's colon: with a full stop, its first letter as written."""
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def _readings(members: Sequence[ReportWarning]) -> str:
    """One reading when the members say the same; else each, named by its ``where``."""
    readings = [_reading(w) for w in members]
    if len(set(readings)) == 1:
        return _sentence(readings[0])
    return _sentence("; ".join(f"{w.where}: {r.rstrip('.')}" for w, r in zip(members, readings)))


def _fix_text(members: Sequence[ReportWarning], kind: str, given: dict[str, str]) -> str:
    """The fix sentences no earlier group gave; a fix given whole before points back to it."""
    out: list[str] = []
    for fix in dict.fromkeys(w.fix for w in members if w.fix):
        said = sentences(fix)
        new = [s for s in said if s not in given]
        if not new:
            out.append(f"Fix: as for {given[said[0]]} above.")
            continue
        out.extend(new)
        for s in new:
            given[s] = kind
    return " ".join(out)


def findings(warnings: Iterable[ReportWarning], *, said: Iterable[str] = ()) -> list[Finding]:
    """The warnings grouped by kind, in the order each kind first appears. A fix sentence in
    ``said`` (the headline's) is not given again."""
    by_kind: dict[str, list[ReportWarning]] = {}
    for w in warnings:
        by_kind.setdefault(w.kind, []).append(w)
    given = dict.fromkeys(said, "the headline")
    out = []
    for kind, members in by_kind.items():
        wheres = tuple(dict.fromkeys(w.where for w in members))
        reading = _readings(members)
        text = " ".join(t for t in (reading, _fix_text(members, kind, given)) if t)
        # 'the cost fell ...' needs no 'cost: ' before it
        named = len(wheres) == 1 and re.search(rf"\b{re.escape(wheres[0])}\b", reading)
        lead = f"[{kind}] " if named else f"[{kind}] {', '.join(wheres)}: "
        out.append(Finding(kind, wheres, lead, text))
    return out

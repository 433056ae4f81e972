"""Warnings as a reader takes them in: one entry per kind that lists where, each fix sentence once.

The JSON keeps one entry per warning with its whole message; only the renderers group. A group's
text is each member's reading (its fix left off, a sentence another member already said left off
too), then the fix, unless an earlier group of the report already gave the same one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gradcheck.report.records import ReportWarning

__all__ = ["WarningGroup", "warning_digest", "warning_groups"]

# A sentence ends at ". " before a capital letter ("e.g. x" and "np.sqrt(2 / n)" do not split); a
# clause at "; ". The separators are kept so that what is left reads as it was written.
_PIECE_END = re.compile(r"((?<=[.!?])\s+(?=[A-Z])|;\s+)")


@dataclass(frozen=True)
class WarningGroup:
    """Warnings of one kind: ``lead`` is ``'[kind] w1, w2: '``, ``text`` what follows it."""

    kind: str
    wheres: tuple[str, ...]
    lead: str
    text: str


def _body(w: ReportWarning) -> str:
    """The message without its fix and without a leading ``where:`` (the lead names it)."""
    message = w.message
    if w.fix and message.endswith(w.fix):
        message = message[: -len(w.fix)].rstrip()
    for prefix in (f"{w.where}: ", f"{w.where}:"):
        if message.startswith(prefix):
            return message[len(prefix) :].lstrip()
    return message


def _reading(members: Sequence[ReportWarning]) -> str:
    """Each member's sentences, named by its ``where`` when there are several; a sentence an
    earlier member already said is left off."""
    said: set[str] = set()
    parts: list[str] = []
    for w in members:
        text = _unsaid(_body(w), said)
        if len(members) > 1 and text and not text.startswith(w.where):
            text = f"{w.where}: {text}"
        if text:
            parts.append(text)
    return " ".join(parts)


def _unsaid(body: str, said: set[str]) -> str:
    """``body`` without the sentences and clauses in ``said`` (which it then adds its own to)."""
    pieces = _PIECE_END.split(body)
    kept: list[str] = []
    for i in range(0, len(pieces), 2):
        piece = pieces[i]
        if not piece or piece in said:
            continue
        said.add(piece)
        if kept:
            kept.append(pieces[i - 1])
        kept.append(piece)
    text = "".join(kept)
    if text and text[-1] not in ".!?":
        text += "."
    return text


def _sentences(text: str) -> list[str]:
    return [p for p in _PIECE_END.split(text)[::2] if p]


def _group_text(members: Sequence[ReportWarning], given: dict[str, str]) -> str:
    """The reading, then each fix sentence not given before (by sentence: one warning's fix may
    be another's plus a sentence); a fix given whole before points back to where it was."""
    text = _reading(members)
    fixes = [w.fix for w in members if w.fix]
    for fix in dict.fromkeys(fixes):
        new = [sentence for sentence in _sentences(fix) if sentence not in given]
        if not new:
            text += f" Fix: as for {given[_sentences(fix)[0]]} above."
            continue
        text += " " + " ".join(new)
        for sentence in new:
            given[sentence] = members[0].kind
    return text


def warning_groups(warnings: Iterable[ReportWarning]) -> list[WarningGroup]:
    """The warnings grouped by kind, in the order each kind first appears."""
    by_kind: dict[str, list[ReportWarning]] = {}
    for w in warnings:
        by_kind.setdefault(w.kind, []).append(w)
    given: dict[str, str] = {}
    groups = []
    for kind, members in by_kind.items():
        wheres = tuple(dict.fromkeys(w.where for w in members))
        named = len(members) == 1 and members[0].message.startswith(f"{wheres[0]} ")
        lead = f"[{kind}] " if named else f"[{kind}] {', '.join(wheres)}: "
        groups.append(WarningGroup(kind, wheres, lead, _group_text(members, given)))
    return groups


def _short(w: ReportWarning) -> str:
    text = (w.summary or _body(w)).strip()
    return text if text[-1:] in ".!?" else text + "."


def warning_digest(warnings: Iterable[ReportWarning]) -> tuple[list[str], list[str]]:
    """The default report's warnings: one line per kind (where, then the plain reading), and
    every fix sentence once, in the order first given.

    ``'w1, w2: all weights are >= 0, as np.random.rand draws them.'``; members of a kind with
    different readings are told apart by their ``where`` (those that read alike stay together).
    """
    by_kind: dict[str, list[ReportWarning]] = {}
    for w in warnings:
        by_kind.setdefault(w.kind, []).append(w)
    lines: list[str] = []
    fixes: list[str] = []
    for members in by_kind.values():
        readings: dict[str, list[str]] = {}
        for w in members:
            wheres = readings.setdefault(_short(w), [])
            if w.where not in wheres:
                wheres.append(w.where)
        lines.append(" ".join(f"{', '.join(ws)}: {text}" for text, ws in readings.items()))
        for w in members:
            fix = w.fix or ""
            fixes += [s for s in _sentences(fix) if s not in fixes]
    return lines, fixes

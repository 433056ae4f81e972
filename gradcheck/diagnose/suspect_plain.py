"""The suspect reading in one or two plain sentences (``Report.suspect_summary``): which layer to
start with and why, in the learner's terms (dZ2, "the formula for W2 itself"), without the
evidence that :mod:`gradcheck.diagnose.suspect` spells out in ``suspect_message``.
"""

from __future__ import annotations

from gradcheck.diagnose.mistakes import Others, layers_phrase
from gradcheck.diagnose.phrasing import _and, _capital, _formula, _verb
from gradcheck.diagnose.stages import Stage

__all__ = ["flowing_summary", "own_summary"]


def _delta(stage: Stage) -> str:
    """How the course names a stage's error signal: dZ2 for layer 2, else in words."""
    if stage.title == f"layer {stage.label}" and stage.label.isdigit():
        return f"dZ{stage.label}"
    return f"the gradient reaching {stage.title}"


def flowing_summary(stages: list[Stage], k: int, norm: Stage | None, recurrent: bool) -> str:
    """Stage ``k`` fails and nothing at or below it shows a right delta: start there.

    ``norm``: a passing batch norm right above it; ``recurrent``: an RNN's hidden layer failing
    as a whole."""
    suspect = stages[k]
    who = suspect.title
    fails = suspect.failing
    below = [g for g in stages[:k] if g.fails]
    if len(stages) > 1 and all(g.fails for g in stages):
        return (
            f"Start with {who}, nearest the output: a mistake there (often in dZ = A - Y) spoils "
            f"every layer below it."
        )
    also = f" A mistake there also spoils {layers_phrase(below)}." if below else ""
    if suspect.blank and not below:
        where = f"{norm.title}'s backward" if norm else f"{_delta(suspect)}"
        return (
            f"Start with {who}: the mistake is in {where} or in {_formula(fails)}, and the check "
            f"cannot tell which ({_and(suspect.blank)} would pass either way)."
        )
    if norm is not None:
        return (
            f"Start with {who}: {_and(fails)} {_verb(fails, 'fails', 'fail')} while {norm.title} "
            f"right above passes, so look at {norm.title}'s backward (the dZ it hands down).{also}"
        )
    if recurrent:
        return (
            f"Start with {who}: {_and(fails)} all take their gradient from dh, so check it, "
            f"including the part carried back through time (dhnext)."
        )
    above = any(g.evidence for g in stages[k + 1 :])
    if above and len(fails) > 1 and len(fails) == len(suspect.results):
        return (
            f"Start with {who}: {_and(fails)} fail while the layers nearer the output pass, so "
            f"check how {_delta(suspect)} is computed (the activation's derivative, or the dA "
            f"handed down to it).{also}"
        )
    return f"Start with {who}, the failing layer nearest the output.{also}"


def own_summary(stages: list[Stage], k: int, others: Others) -> str:
    """Stage ``k``'s delta is shown right: the mistake is in its own formulas."""
    suspect = stages[k]
    proof = list(suspect.evidence)
    lower = [i for i in range(k) if stages[i].clean]
    if lower:
        g = stages[max(lower)]
        if not g.fails:
            proof.append(g.title)
        elif not proof:
            proof.append(f"{_and(g.evidence)} in {g.title}")
    first = (
        f"The mistake is in {_formula(suspect.failing, itself=True)}: {_and(proof)} "
        f"{_verb(proof, 'passes', 'pass')}, so {_delta(suspect)} is right."
    )
    if others.fixes:
        n = len(others.fixes)
        return first + (
            f" A second mistake is in {others.fixes[0]}: fix both."
            if n == 1
            else f" Other mistakes are in {_and(others.fixes)}: fix each."
        )
    if others.alike:
        return first + (
            f" {_and(others.alike)} {_verb(others.alike, 'fails', 'fail')} the same way: "
            f"probably the same mistake, in code the layers share (a loop or a helper)."
        )
    return first


def unplaced_tail(lost: list[Stage]) -> str:
    """Failures the names do not place, beside a placed suspect, in one short sentence."""
    names = [n for g in lost for n in g.failing]
    return f" {_capital(_and(names))} {_verb(names, 'fails', 'fail')} too: check {'it' if len(names) == 1 else 'them'} as well."

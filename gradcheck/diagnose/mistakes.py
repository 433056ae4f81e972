"""What fails besides the suspect, and whether it is the same mistake: the sentences
:mod:`gradcheck.diagnose.suspect` adds below its first one.

A failing layer whose own delta is shown right (a real pass beside the failure), or that sits
above a layer whose delta is shown right, holds a mistake of its own: fixing the suspect will not
fix it. The failures below the lowest layer with a right delta may all come from one wrong delta,
so they count as one mistake. Failures whose names do not say where they sit are named and left
open: the evidence does not settle whether they are the same mistake.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from gradcheck.diagnose.phrasing import _and, _capital, _fmt, _formula, _verb
from gradcheck.diagnose.stages import Stage

__all__ = [
    "Others",
    "layers_phrase",
    "other_mistakes",
    "passes_phrase",
    "unplaced_only",
    "unplaced_sentence",
]

_ORDINAL = {2: "a second", 3: "a third", 4: "a fourth"}
_HOW_MANY = {2: "both", 3: "all three", 4: "all four"}


def layers_phrase(stages: Sequence[Stage]) -> str:
    """'layer 1', 'layers 1 and 2', or the titles: 'layer 1 and batch norm 1'."""
    if all(g.title == f"layer {g.label}" for g in stages):
        word = "layer" if len(stages) == 1 else "layers"
        return f"{word} {_and([g.label for g in stages])}"
    return _and([g.title for g in stages])


def passes_phrase(stage: Stage) -> str:
    """'layer 2 passes', or when something in it fails, 'b2 in layer 2 passes'."""
    if not stage.fails:
        return f"{stage.title} passes"
    return f"{_and(stage.evidence)} in {stage.title} {_verb(stage.evidence, 'passes', 'pass')}"


class Others(NamedTuple):
    """What fails besides the suspect: the sentences, where each other mistake is (for the short
    form: 'the formula for b1 itself', 'layer 1'), and the tensors failing the same way as the
    suspect (one mistake in shared code)."""

    sentences: list[str]
    fixes: list[str]
    alike: list[str]


def other_mistakes(stages: list[Stage], k: int, lowest_clean: int) -> Others:
    """The failures below the suspect ``k`` that its mistake cannot explain, each its own, unless
    a layer with a right delta fails the same way as the suspect (pattern and factor): then it is
    probably one mistake in code the layers share."""
    sentences: list[str] = []
    fixes: list[str] = []
    looks = [stages[k].signature]  # one entry per distinct mistake
    alike: list[Stage] = []
    above = k  # the nearest failing layer above the one looked at
    for i in range(k - 1, -1, -1):
        g = stages[i]
        if not g.fails:
            continue
        if i >= lowest_clean and g.clean and g.signature and g.signature == looks[0]:
            alike.append(g)
            above = i
            continue
        looks.append(g.signature)
        if i >= lowest_clean:
            sentences.append(_own_below(stages, i, _ORDINAL.get(len(looks), "another")))
            fixes.append(_formula(g.failing, itself=True))
            above = i
            continue
        # Below every right delta: one wrong delta may explain all of these failures.
        sentences.append(_flowing_below(stages, i, above))
        fixes.append(layers_phrase([s for s in stages[: i + 1] if s.fails]))
        break
    if alike:
        sentences.insert(0, _same_way(alike[::-1], stages[k]))
    if len(looks) > 1:
        sentences.append(f"Fix {_HOW_MANY.get(len(looks), 'each of them')}, then check again.")
    return Others(sentences, fixes, [n for g in alike[::-1] for n in g.failing])


def _same_way(alike: list[Stage], suspect: Stage) -> str:
    """Layers with a right delta that fail as the suspect does: one mistake, made in shared code."""
    looks = sorted(suspect.signature or (), key=str)
    how = ", ".join(p if f is None else f"{p} {_fmt(f)}" for p, f in looks)
    fails = [n for g in alike for n in g.failing]
    evidence = [n for g in alike for n in g.evidence]
    return (
        f"{_and(fails)} {_verb(fails, 'fails', 'fail')} the same way ({how}) although "
        f"{_and(evidence)} beside {'it' if len(fails) == 1 else 'them'} "
        f"{_verb(evidence, 'passes', 'pass')} (the error signal reaching {layers_phrase(alike)} "
        f"is right), so that is probably the same mistake, made in code the layers share (a loop "
        f"or a helper)."
    )


def _own_below(stages: list[Stage], i: int, nth: str) -> str:
    """A failing layer whose delta is shown right: its own formula is wrong."""
    g = stages[i]
    fails = g.failing
    fail_verb = _verb(fails, "fails", "fail")
    if g.clean:
        return (
            f"In {g.title}, {_and(fails)} {fail_verb} too, but {_and(g.evidence)} beside "
            f"{'it' if len(fails) == 1 else 'them'} {_verb(g.evidence, 'passes', 'pass')}, so the "
            f"error signal reaching {g.title} is right and cannot explain "
            f"{'it' if len(fails) == 1 else 'them'}: that is {nth} mistake, in "
            f"{_formula(fails, itself=True)}."
        )
    lower = stages[max(j for j in range(i) if stages[j].clean)]
    return (
        f"{_capital(g.title)} fails too ({_and(fails)}), but {passes_phrase(lower)} below it, so a "
        f"wrong delta from {g.title} would have shown there: that is {nth} mistake, in "
        f"{_formula(fails, itself=True)}."
    )


def _flowing_below(stages: list[Stage], f: int, above: int) -> str:
    """The failures at and below ``f``, under a layer whose delta is shown right."""
    chain = [g for g in stages[: f + 1] if g.fails]
    fail_verb = _verb(chain, "fails", "fail")
    between = stages[f + 1 : above]
    if any(g.clean for g in between):
        return (
            f"{_capital(layers_phrase(chain))} {fail_verb} too, but {layers_phrase(between)} "
            f"between {_verb(between, 'passes', 'pass')}, so that is probably a separate mistake."
        )
    top = stages[above]  # the lowest layer with a right delta, failing itself
    return (
        f"{_capital(layers_phrase(chain))} {fail_verb} too, but {_and(top.evidence)} in "
        f"{top.title} {_verb(top.evidence, 'passes', 'pass')}, so the error signal reaching "
        f"{top.title} is right and cannot explain {'it' if len(chain) == 1 else 'them'}: that is "
        f"probably a separate mistake."
    )


def unplaced_sentence(lost: Sequence[Stage]) -> str:
    """Failures the names do not place, beside a suspect that is placed."""
    names = [n for g in lost for n in g.failing]
    one = len(names) == 1
    return (
        f"{_and(names)} {'fails' if one else 'fail'} too, but "
        f"{'its name does' if one else 'their names do'} not say where "
        f"{'it sits' if one else 'they sit'} in the network, so whether that is the same "
        f"mistake or another, the evidence does not settle."
    )


def unplaced_only(lost: Sequence[Stage]) -> tuple[str | None, str, str]:
    """Only layers the names do not place fail: one is the suspect; several are not ordered.
    Returns the layer, the sentences and their short plain form."""
    if len(lost) > 1:
        titles = _capital(_and([g.title for g in lost]))
        text = (
            f"{titles} fail, and their names do not say which of them is nearer the output, so "
            f"whether this is one mistake or several, the evidence does not settle: check each."
        )
        plain = f"{titles} fail, and their names do not say which is nearer the output: check each."
        return None, text, plain
    g = lost[0]
    fails = g.failing
    fail_verb = _verb(fails, "fails", "fail")
    text = f"{_capital(g.title)} is the suspect: {_and(fails)} {fail_verb}, and nothing else does."
    if len(g.results) == 1:  # a lone tensor: its delta and its formula are one question
        plain = f"Only {_and(fails)} {fail_verb}: start with the lines that compute its gradient."
        return g.label, text, plain
    if g.clean:
        passes = f"{_and(g.evidence)} {_verb(g.evidence, 'passes', 'pass')}"
        text += f" Within {g.title}, {passes}, which points at {_formula(fails)} rather than at "
        text += "the layer's delta."
        plain = (
            f"The mistake is in {_formula(fails, itself=True)}: {passes}, so the gradient "
            f"reaching {g.title} is right."
        )
        return g.label, text, plain
    text += (
        f" Its name does not say where it sits in the network, so whether its delta or "
        f"{_formula(fails)} {_verb(fails, 'is', 'are')} wrong, the evidence does not settle."
    )
    plain = (
        f"Only {g.title} fails ({_and(fails)}): check {_formula(fails)} and the gradient "
        f"reaching {g.title}."
    )
    return g.label, text, plain

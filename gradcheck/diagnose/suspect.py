"""Where is the mistake? :func:`suspect_layer` reads the per-tensor verdicts stage by stage (see
:mod:`gradcheck.diagnose.stages`) and names the failing layer nearest the output, with sentences
saying why it is the one to fix and what else the evidence shows.

Backprop runs from the output toward the input, so a wrong delta in layer k reaches layer k and
every layer below it, never the layers above. The failing layer nearest the output is therefore the
first place to look, and the passing layers above it are the evidence. A pass counts only when its
true gradient stands clear of the noise: a bias in front of batch norm (true gradient exactly 0)
passes whatever its delta is. A layer with a real pass has a right delta, so what fails in it or
above it is a mistake of its own, not one handed down: the deep-learning course's two planted bugs
(``dW2`` doubled, ``db1`` quadrupled) are two mistakes, each to fix, because ``W1`` passes.
"""

from __future__ import annotations

from collections.abc import Sequence

from gradcheck.diagnose.mistakes import (
    layers_phrase,
    other_mistakes,
    passes_phrase,
    unplaced_only,
    unplaced_sentence,
)
from gradcheck.diagnose.phrasing import _and, _capital, _formula, _verb
from gradcheck.diagnose.stages import Stage, read_stages
from gradcheck.diagnose.suspect_plain import flowing_summary, own_summary, unplaced_tail
from gradcheck.report.result import TensorResult

__all__ = ["suspect_layer", "suspect_reading"]


def suspect_layer(results: Sequence[TensorResult]) -> tuple[str | None, str | None]:
    """The failing layer nearest the output, and sentences saying why it is the one to fix (see
    :func:`suspect_reading`, which adds their short plain form)."""
    layer, message, _ = suspect_reading(results)
    return layer, message


def suspect_reading(
    results: Sequence[TensorResult],
) -> tuple[str | None, str | None, str | None]:
    """The failing layer nearest the output, sentences saying why it is the one to fix, and the
    same in one or two plain sentences (``Report.suspect_summary``).

    Layers come from each result's ``layer`` (when the adapter set it) or from the digits in its
    name; RNN names (``Wxh``, ``Whh``, ``Why``, ``bh``, ``by``) are grouped into the hidden and the
    output layer. Names that say nothing about their place (``emb``, a plain ``gamma``) are never
    ordered: when only they fail, the layer is None unless one alone fails. Returns
    ``(None, None, None)`` when nothing fails.
    """
    stages, unordered = read_stages(results)
    failing = [i for i, g in enumerate(stages) if g.fails]
    lost = [g for g in unordered if g.fails]
    if not failing:
        return unplaced_only(lost) if lost else (None, None, None)
    k = failing[-1]
    clean = [i for i, g in enumerate(stages) if g.clean]
    lowest_clean = clean[0] if clean else len(stages)
    unplaced = [name for g in unordered for name in g.evidence]
    if k < lowest_clean:  # nothing at or below the suspect shows a right delta
        sentences = _flowing_down(stages, k, unplaced)
        norm = _norm_above(stages, k)
        recurrent = bool(_recurrent_hint(stages[k]))
        summary = flowing_summary(stages, k, norm, recurrent)
    else:
        sentences = _own_mistake(stages, k, unplaced)
        others = other_mistakes(stages, k, lowest_clean)
        sentences += others.sentences
        summary = own_summary(stages, k, others)
    if lost:
        sentences.append(unplaced_sentence(lost))
        summary += unplaced_tail(lost)
    return stages[k].label, " ".join(sentences), summary


def _first_sentence(stages: list[Stage], k: int, flowing: bool, unplaced: list[str]) -> str:
    """Why this layer is the suspect (without the final full stop). ``flowing``: its delta may be
    what is wrong (nothing at or below it shows a right one); ``unplaced``: passing tensors whose
    names do not say where they sit."""
    suspect = stages[k]
    who = suspect.title
    Who = _capital(who)
    fails = suspect.failing
    above = [name for g in stages[k + 1 :] for name in g.evidence]
    if above:
        return (
            f"{Who} is the suspect: {_and(fails)} {_verb(fails, 'fails', 'fail')} while "
            f"{_and(above)}, closer to the output, {_verb(above, 'passes', 'pass')}"
        )
    if flowing and len(stages) > 1 and all(g.fails for g in stages):
        return (
            f"{Who} is the suspect: every layer fails, and {who} is the one nearest the output; "
            f"an error in the output layer's backward (often dZ = A - Y, the derivative of the "
            f"loss and the output activation) reaches every layer below it, so start there"
        )
    nearest = (
        "layer nearest the output" if k == len(stages) - 1 else "failing layer nearest the output"
    )
    verb = _verb(fails, "fails", "fail")
    if unplaced and k == len(stages) - 1:
        return (
            f"{Who} is the suspect: {_and(fails)} {verb}, and it is the layer nearest the output "
            f"of those the names place ({_and(unplaced)} {_verb(unplaced, 'passes', 'pass')}, "
            f"but {_verb(unplaced, 'its name does', 'their names do')} not say where "
            f"{_verb(unplaced, 'it sits', 'they sit')})"
        )
    return f"{Who} is the suspect: {_and(fails)} {verb}, and it is the {nearest}"


def _flowing_down(stages: list[Stage], k: int, unplaced: list[str]) -> list[str]:
    """The suspect's delta may be wrong: it explains every failure below it."""
    suspect = stages[k]
    who = suspect.title
    first = _first_sentence(stages, k, True, unplaced)
    below = [g for g in stages[:k] if g.fails]
    every_layer_fails = len(stages) > 1 and all(g.fails for g in stages)
    if below and not every_layer_fails:
        first += (
            f"; an error in {who}'s backward also spoils {layers_phrase(below)}, so fix {who} first"
        )
    sentences = [first + "."]
    norm = _norm_above(stages, k)
    if suspect.blank and not below:
        sentences.append(_blank_sentence(suspect, norm))
    elif norm is not None and not suspect.batch_norm:
        sentences.append(
            f"{_capital(norm.title)} right above passes, so the error signal reaching it is right: "
            f"the mistake is most likely in its backward (the delta it hands to "
            f"{_and(_names(suspect))})."
        )
    sentences += _recurrent_hint(suspect)
    return sentences


def _norm_above(stages: list[Stage], k: int) -> Stage | None:
    """The batch norm of stage ``k``'s own layer, right above it, if any."""
    above = stages[k + 1] if k + 1 < len(stages) else None
    return above if above and above.batch_norm and above.label == stages[k].label else None


def _blank_sentence(suspect: Stage, norm: Stage | None) -> str:
    """The only passes in the suspect are "0 = 0": they cannot tell a wrong delta from a wrong
    formula."""
    who = suspect.title
    blank = suspect.blank
    one = len(blank) == 1
    where = (
        f"{norm.title}'s backward (the delta it hands to {_and(_names(suspect))})"
        if norm
        else f"{who}'s delta"
    )
    return (
        f"The {'pass' if one else 'passes'} of {_and(blank)} {'is' if one else 'are'} no evidence "
        f"about {who}'s delta ({'its true gradient is' if one else 'their true gradients are'} "
        f"about zero, as for a bias in front of batch norm, so "
        f"{'it passes' if one else 'they pass'} whatever the delta is): the mistake is in {where} "
        f"or in {_formula(suspect.failing)}, and the evidence does not settle which."
    )


def _own_mistake(stages: list[Stage], k: int, unplaced: list[str]) -> list[str]:
    """The suspect's delta is right, or is not what it hands down: the mistake is its own."""
    suspect = stages[k]
    who = suspect.title
    sentences = [_first_sentence(stages, k, False, unplaced) + "."]
    lower_fail = max((i for i in range(k) if stages[i].fails), default=-1)
    between = stages[lower_fail + 1 : k]
    if any(g.clean for g in between):
        sentences.append(
            f"{_capital(layers_phrase(between))} below {_verb(between, 'passes', 'pass')}, so the "
            f"error signal {who} hands down is right (a wrong delta would have spoiled "
            f"{'it' if len(between) == 1 else 'them'} too): the mistake is in "
            f"{_formula(suspect.failing, itself=True)} (a missing factor or a wrong operand)."
        )
    elif not suspect.clean:
        lower = stages[max(i for i in range(k) if stages[i].clean)]
        sentences.append(
            f"Further down, {passes_phrase(lower)}, so the error signal {who} hands "
            f"down is right (a wrong delta would have spoiled it too): the mistake is in "
            f"{_formula(suspect.failing, itself=True)}."
        )
    if suspect.clean:
        sentences.append(
            f"Within {who}, {_and(suspect.evidence)} {_verb(suspect.evidence, 'passes', 'pass')}, "
            f"which points at {_formula(suspect.failing)} rather than at the layer's delta."
        )
    return sentences


def _recurrent_hint(suspect: Stage) -> list[str]:
    """An RNN's hidden layer failing as a whole: its delta, through time included, is wrong."""
    recurrent = [r.name for r in suspect.results if _is_recurrent(r.name)]
    if suspect.title != "the hidden layer" or not recurrent or suspect.evidence or suspect.blank:
        return []
    return [
        (
            f"{_and(suspect.failing)} all take their gradient from the hidden state's delta, so "
            f"look there first, the part carried back through time (through {recurrent[0]}) "
            "included."
        )
    ]


def _is_recurrent(name: str) -> bool:
    bare = name.replace("_", "")
    return len(bare) == 3 and bare[0] in "Ww" and bare[1] == bare[2]


def _names(stage: Stage) -> list[str]:
    return [r.name for r in stage.results]

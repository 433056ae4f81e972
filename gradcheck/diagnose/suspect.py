"""Where is the mistake? :func:`suspect_layer` groups the per-tensor verdicts into layers and names
the failing layer nearest the output, with a sentence saying why it is the one to fix first.

Backprop runs from the output toward the input, so an error made in layer k's backward reaches
layer k and every layer below it, never the layers above. The failing layer nearest the output is
therefore the first place to look, and the passing layers above it are the evidence. Which layer a
tensor belongs to is read from its name by :mod:`gradcheck.report.layers` (the renderers order
their tables with the same reading).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gradcheck.diagnose.phrasing import _and, _capital, _verb
from gradcheck.report.layers import layer_of, sort_keys, unnumbered_group
from gradcheck.report.result import FAIL, TensorResult


@dataclass
class _Layer:
    label: str
    numbered: bool
    results: list[TensorResult]

    @property
    def failing(self) -> list[str]:
        return [r.name for r in self.results if r.status == FAIL]

    @property
    def passing(self) -> list[str]:
        return [r.name for r in self.results if r.status != FAIL]

    @property
    def fails(self) -> bool:
        return bool(self.failing)

    def title(self) -> str:
        return f"layer {self.label}" if self.numbered else f"layer '{self.label}'"


def _group_layers(results: Sequence[TensorResult]) -> list[_Layer]:
    """Group results into layers ordered from input to output."""
    layers = [r.layer if r.layer is not None else layer_of(r.name) for r in results]
    keys = sort_keys(layers)
    order = sorted(range(len(results)), key=lambda i: keys[i])
    groups: dict[str, _Layer] = {}
    for i in order:
        r, layer = results[i], layers[i]
        if layer is not None:
            key, label, numbered = "#" + layer, layer, True
        else:
            rest = unnumbered_group(r.name)
            key, label, numbered = "~" + rest, rest, False
        if key not in groups:
            groups[key] = _Layer(label, numbered, [])
        groups[key].results.append(r)
    out = list(groups.values())
    for g in out:
        if not g.numbered and not g.label:  # bare W, b: name the layer by its tensors
            g.label = "/".join(r.name for r in g.results)
    return out


def _layers_phrase(layers: Sequence[_Layer]) -> str:
    """'layer 1', 'layers 1 and 2', or for unnumbered layers their titles."""
    if all(g.numbered for g in layers):
        word = "layer" if len(layers) == 1 else "layers"
        return f"{word} {_and([g.label for g in layers])}"
    return _and([g.title() for g in layers])


def suspect_layer(results: Sequence[TensorResult]) -> tuple[str | None, str | None]:
    """The failing layer nearest the output, and a sentence saying why it is the one to fix first.

    Layers come from each result's ``layer`` (when the adapter set it) or from the digits in its
    name; names without digits are grouped by what is left of the name once ``W``/``b``/``weight``
    /``bias`` is stripped, in the order given. Returns ``(None, None)`` when nothing fails.

    The reasoning the message spells out: backprop carries the error signal from the output toward
    the input, so a mistake in layer k's backward spoils layer k and every layer below it, while the
    layers above (computed before it) stay right. Passing layers above the suspect are therefore
    evidence that the mistake is not further up; failing layers below are expected and are not
    separate bugs unless a passing layer sits between them.
    """
    layers = _group_layers(results)
    failing = [i for i, g in enumerate(layers) if g.fails]
    if not failing:
        return None, None
    k = failing[-1]
    suspect = layers[k]
    above_names = [name for g in layers[k + 1 :] for name in g.passing]
    every_layer_fails = len(failing) == len(layers)
    first = _first_sentence(suspect, above_names, every_layer_fails and len(layers) > 1)
    sentences = _below_sentences(first, suspect, layers[:k], every_layer_fails)
    if suspect.passing and suspect.failing:
        sentences.append(
            f"Within {suspect.title()}, {_and(suspect.passing)} "
            f"{_verb(suspect.passing, 'passes', 'pass')}, which points at the formula for "
            f"{_and(suspect.failing)} rather than at the layer's delta."
        )
    return suspect.label, " ".join(sentences)


def _first_sentence(suspect: _Layer, above_names: list[str], all_of_several_fail: bool) -> str:
    """Why this layer is the suspect (without the final full stop)."""
    who = suspect.title()
    Who = _capital(who)
    fails = suspect.failing
    if above_names:
        return (
            f"{Who} is the suspect: {_and(fails)} {_verb(fails, 'fails', 'fail')} while "
            f"{_and(above_names)}, closer to the output, {_verb(above_names, 'passes', 'pass')}"
        )
    if all_of_several_fail:
        return (
            f"{Who} is the suspect: every layer fails, and {who} is the one nearest the output; "
            f"an error in the output layer's backward (often dZ = A - Y, the derivative of the "
            f"loss and the output activation) reaches every layer below it, so start there"
        )
    return (
        f"{Who} is the suspect: {_and(fails)} {_verb(fails, 'fails', 'fail')}, and it is the "
        f"layer nearest the output"
    )


def _below_sentences(
    first: str, suspect: _Layer, below: list[_Layer], every_layer_fails: bool
) -> list[str]:
    """The first sentence, completed by what the layers below the suspect say about the mistake."""
    who = suspect.title()
    failing_below = [g for g in below if g.fails]
    passing_below = [g for g in below if not g.fails]
    if not below:
        return [first + "."]
    if not passing_below:
        # The textbook case: the error flows from the suspect all the way to the input.
        if every_layer_fails:
            return [first + "."]
        spoils = f"an error in {who}'s backward also spoils {_layers_phrase(below)}"
        return [f"{first}; {spoils}, so fix {who} first."]
    if not failing_below:
        second = (
            f"{_capital(_layers_phrase(below))} below {_verb(below, 'passes', 'pass')}, so the "
            f"error signal {who} hands down is right (a wrong delta would have spoiled "
            f"{'it' if len(below) == 1 else 'them'} too): the mistake is in the formula for "
            f"{_and(suspect.failing)} itself (a missing factor or a wrong operand)."
        )
        return [first + ".", second]
    if below[-1].fails:
        # Failing right under the suspect, but something further down passes: a wrong delta
        # would have reached it, so the story is not one error flowing down.
        second = (
            f"Of the layers below, {_layers_phrase(failing_below)} "
            f"{_verb(failing_below, 'fails', 'fail')} and {_layers_phrase(passing_below)} "
            f"{_verb(passing_below, 'passes', 'pass')}; a wrong delta from {who} would spoil every "
            f"layer below it, so the failing ones may hold mistakes of their own: fix {who} "
            f"first, then check again."
        )
        return [first + ".", second]
    # A passing layer right under the suspect, a failure further down: a second mistake.
    top_fail = max(i for i, g in enumerate(below) if g.fails)
    between = below[top_fail + 1 :]
    second = (
        f"{_capital(_layers_phrase(failing_below))} {_verb(failing_below, 'fails', 'fail')} "
        f"too, but {_layers_phrase(between)} between {_verb(between, 'passes', 'pass')}, so "
        f"that is probably a separate mistake: fix {who} first, then check again."
    )
    return [first + ".", second]

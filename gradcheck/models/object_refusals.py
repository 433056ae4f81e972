"""Objects the check cannot use, refused before and right after the dry run: one with no array that
could be a parameter, one whose methods change its parameters or inputs (put back before the error),
and one that holds a parameter as a number while backward makes its gradient.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.models.model import type_name as _type_name
from gradcheck.models.object_arrays import (
    NO_KEY,
    Loc,
    instance_attributes,
    put_back,
    reachable,
)
from gradcheck.models.object_dry_run import Observed
from gradcheck.models.object_names import (
    CACHE_CONTAINERS,
    GRAD_CONTAINERS,
    INPUT_ATTRIBUTES,
    gradient_names,
    is_float,
    is_input,
    is_number,
    plain,
    weight_like,
)
from gradcheck.models.object_subject import Subject

# One array a call must not have changed: (where, which call, replaced rather than written into?).
_Change = tuple[Loc, str, bool]


def require_some_arrays(subject: Subject) -> None:
    """Fail before running user code when there is nothing that could be a parameter; the usual
    cause is an object whose parameters are created by an ``initialize()`` not yet called."""
    arrays = reachable(subject.obj)
    if any(is_float(a) and loc.attr not in INPUT_ATTRIBUTES for loc, a in arrays.items()):
        return
    empty = [
        k
        for k, v in instance_attributes(subject.obj).items()
        if isinstance(v, (Mapping, list, tuple)) and len(v) == 0
    ]
    hint = (
        f" (empty: {', '.join(empty)}; has its initialisation run? e.g. call the method that "
        f"fills them before checking)"
        if empty
        else ""
    )
    raise GradcheckError(
        f"found no floating-point arrays on {subject.cls} that could be parameters{hint}; "
        f"name them with params='...'"
    )


def refuse_changed_state(subject: Subject, observed: Observed) -> None:
    """Refuse an object whose methods change its parameters or inputs, after putting them back.

    The dry run is gradcheck calling the user's code, so what it changed is put back before
    the error: arrays written in place get their old bytes again, and a parameter attribute
    that was replaced gets its old array. Caches and gradients may change; parameters (named
    like one, or with a gradient named after them) and inputs may not. A parameter replaced
    by forward would be worse than an error: the check would perturb an array nobody reads.
    """
    problems = _changes(subject, observed)
    if not problems:
        return
    _put_everything_back(subject.obj, observed, problems)
    raise _refusal(*problems[0])


def _changes(subject: Subject, observed: Observed) -> list[_Change]:
    before, middle, after = observed.before, observed.middle, observed.after
    problems: list[_Change] = []
    for loc, old in before.refs.items():
        now = after.get(loc)
        if now is None or not before.changed(loc, now):
            continue
        by_forward = middle.refs.get(loc) is not old or middle.contents[loc] != before.contents[loc]
        call = subject.calls_label(
            subject.forward + subject.cost if by_forward else subject.backward
        )
        if now is old:
            if is_input(loc) or _looks_like_parameter(subject, loc, observed.made_by_backward):
                problems.append((loc, call, False))
        elif _looks_like_parameter(subject, loc, observed.made_by_backward, strict=True):
            problems.append((loc, call, True))
    return problems


def _put_everything_back(obj: object, observed: Observed, problems: list[_Change]) -> None:
    before, after = observed.before, observed.after
    for loc, old in before.refs.items():  # every array written in place gets its bytes back
        now = after.get(loc)
        if now is old and before.changed(loc, now):
            old[...] = np.frombuffer(before.contents[loc], dtype=old.dtype).reshape(old.shape)
    for loc, _, replaced in problems:
        if replaced:
            put_back(obj, loc, before.refs[loc])


def _refusal(loc: Loc, call: str, replaced: bool) -> GradcheckError:
    where = f"self.{loc.name}"
    if replaced:
        return GradcheckError(
            f"{call} replaces {where} with a new array on every call ({where} = ...); "
            f"gradcheck perturbs the array your code reads, and a new one throws the "
            f"perturbation away: update it in place ({where}[...] = ...), or do it once "
            f"outside {call}. {where} was put back"
        )
    if is_input(loc):
        return GradcheckError(
            f"{call} changed the input {where} in place; finite differences compare "
            f"evaluations on the same data, so it must stay as it was (normalise a copy once, "
            f"before training). {where} was put back"
        )
    return GradcheckError(
        f"{call} changed the parameter {where} in place (an update step inside it?); "
        f"gradcheck calls it again at perturbed parameters, so it must only compute: move the "
        f"update into a method of its own (e.g. update_parameters). {where} was put back"
    )


def refuse_scalar_parameters(subject: Subject, made_by_backward: Mapping[Loc, np.ndarray]) -> None:
    """A parameter held as a number (``self.b = 0.0``) cannot be perturbed in place. When
    backward makes a gradient named after it, leaving it out would pass a partial check off
    as a whole one, so say so."""
    if subject.explicit_params is not None:
        return
    attributes = instance_attributes(subject.obj)
    for attr, value in attributes.items():
        if not is_number(value) or isinstance(value, np.ndarray) or not weight_like(attr):
            continue
        names = gradient_names(attr)
        grad = next((g for g in made_by_backward if g.leaf in names), None)
        if grad is None:  # a gradient that is itself a Python number: self.db = float(...)
            held = [n for n in names if is_number(attributes.get(n))]
            grad = Loc(held[0]) if held else None
        if grad is not None:
            kind = _type_name(value)
            raise GradcheckError(
                f"self.{attr} is {'an' if kind[0] in 'aeiou' else 'a'} {kind} ({value!r}), "
                f"and backward makes its "
                f"gradient self.{grad.name}; gradcheck perturbs parameters in place, so it "
                f"needs an array: self.{attr} = np.array({float(value)!r}) behaves the same "
                f"in your code (or check the others only, with params=[...])"
            )


def _looks_like_parameter(
    subject: Subject,
    loc: Loc,
    made_by_backward: Mapping[Loc, np.ndarray],
    *,
    strict: bool = False,
) -> bool:
    """Named as a parameter (``params=``), or with a gradient backward made under a name that
    pairs with it (``dW1`` for ``W1``, ``dW[1]`` for ``W[1]``); unless ``strict``, also any
    weight-like name (``W1``, ``params['b2']``)."""
    if subject.explicit_params is not None:
        return loc.attr in subject.explicit_params
    if is_input(loc) or plain(loc.attr) in CACHE_CONTAINERS | GRAD_CONTAINERS:
        return False
    leaf = loc.leaf
    for g in made_by_backward:
        if leaf is not None and g.leaf in gradient_names(leaf):
            return True
        if loc.key is not NO_KEY and g.key == loc.key and g.attr in gradient_names(loc.attr):
            return True
    return not strict and leaf is not None and weight_like(leaf)

"""Which of an object's arrays are its parameters, and where their gradients are.

Named with ``params=``/``grads=``, they are taken as named. Otherwise the gradients are the float
arrays backward made or returned, and the parameters are the float arrays nothing touched that are
named like one, held in a container named like one, or have a gradient named after them; arrays
that only share a parameter's name (an optimizer's moments) are left out, and one array under two
names is checked once. The pairing itself is :mod:`gradcheck.models.object_pairing`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.models.model import type_name as _type_name
from gradcheck.models.model import validate_array
from gradcheck.models.object_arrays import (
    NO_KEY,
    Loc,
    arrays_in,
    by_layer,
    instance_attributes,
    reachable,
)
from gradcheck.models.object_dry_run import Observed
from gradcheck.models.object_names import (
    CACHE_CONTAINERS,
    GRAD_CONTAINERS,
    PARAM_CONTAINERS,
    is_float,
    is_input,
    plain,
    weight_like,
)
from gradcheck.models.object_pairing import pair_by_name, pair_by_shape
from gradcheck.models.object_subject import Subject


@dataclass(frozen=True)
class Parameters:
    """The parameters found, report name -> where each lives, in the order the report lists them;
    and report name -> where its gradient lives, for those that have one."""

    locs: dict[str, Loc]
    pairs: dict[str, Loc]


def classify(subject: Subject, observed: Observed) -> Parameters:
    """Sort the arrays the dry run saw into parameters and gradients, and pair them."""
    pool, grad_containers = _gradient_pool(subject, observed)
    candidates = _candidates(subject, observed, pool)
    by_name = {loc: pair_by_name(loc, pool, grad_containers) for loc in candidates}
    if subject.explicit_params is None:
        mirrors = _mirrors(subject.notes, by_name, candidates, pool)
        candidates = {loc: a for loc, a in candidates.items() if loc not in mirrors}
    accepted = _accepted(subject, candidates, by_name)
    if not accepted:
        _no_parameters(subject, candidates, observed.before.refs)

    ordered = by_layer(
        _distinct(subject.notes, [loc for loc in candidates if loc in accepted], candidates)
    )
    pairs: dict[str, Loc] = {}
    for loc in ordered:
        found = by_name[loc]
        if found is not None:
            pairs[loc.name] = found
    pair_by_shape(subject.notes, ordered, pairs, pool, candidates)
    for loc in ordered:
        validate_array(loc.name, loc.read(subject.obj, {}))
    return Parameters({loc.name: loc for loc in ordered}, pairs)


def _gradient_pool(subject: Subject, observed: Observed) -> tuple[dict[Loc, np.ndarray], set[str]]:
    """The arrays that may be gradients, and the attributes that hold gradients by key."""
    if subject.explicit_grads is not None:
        pool = _selected(subject, subject.explicit_grads, "grads", observed.returned)
        return pool, set(subject.explicit_grads)
    pool = {loc: a for loc, a in observed.made_by_backward.items() if is_float(a)}
    grad_containers = {
        loc.attr for loc in pool if loc.key is not NO_KEY and plain(loc.attr) in GRAD_CONTAINERS
    } | {loc.attr for loc in pool if loc.returned and loc.key is not NO_KEY}
    return pool, grad_containers


def _candidates(
    subject: Subject, observed: Observed, pool: Mapping[Loc, np.ndarray]
) -> dict[Loc, np.ndarray]:
    """The arrays that may be parameters: those named with ``params=``, else the float arrays
    nothing touched that are not inputs, caches or gradients."""
    if subject.explicit_params is not None:
        candidates = _selected(subject, subject.explicit_params, "params")
        for loc in candidates:
            if loc in observed.made_by_forward:
                subject.notes.append(
                    f"forward replaces or rewrites {loc.name} on every call; it is read from "
                    f"self.{loc.attr} each time, but a check can only perturb what forward reads"
                )
        return candidates
    inputs = [a for loc, a in observed.before.refs.items() if is_input(loc)]
    return {
        loc: a
        for loc, a in observed.untouched().items()
        if is_float(a)
        and not any(a is x for x in inputs)
        and not is_input(loc)
        and plain(loc.attr) not in CACHE_CONTAINERS
        and loc not in pool
    }


def _accepted(
    subject: Subject, candidates: Mapping[Loc, np.ndarray], by_name: Mapping[Loc, Loc | None]
) -> set[Loc]:
    """The candidates that are parameters: all of them when named with ``params=``; else those
    with a gradient named after them, named like a weight, or in a parameter container."""
    if subject.explicit_params is not None:
        return set(candidates)
    accepted = {
        loc
        for loc in candidates
        if by_name[loc] is not None
        or (loc.key is NO_KEY and weight_like(loc.attr))
        or (loc.key is not NO_KEY and plain(loc.attr) in PARAM_CONTAINERS)
    }
    # A container with one parameter in it is a parameter container: its other entries are
    # parameters too, even without a gradient (the engine then reports them as missing).
    containers = {loc.attr for loc in accepted if loc.key is not NO_KEY}
    accepted |= {loc for loc in candidates if loc.key is not NO_KEY and loc.attr in containers}
    return accepted


def _selected(
    subject: Subject, names: Sequence[str], keyword: str, returned: Mapping[str, Any] | None = None
) -> dict[Loc, np.ndarray]:
    """The arrays the attributes named with ``params=``/``grads=`` hold (``grads=`` may also name
    what backward returned, by the names of its return statement)."""
    attributes = instance_attributes(subject.obj)
    found: dict[Loc, np.ndarray] = {}
    for name in names:
        if returned and name in returned:
            found.update(arrays_in(name, returned[name], returned=True))
            continue
        if name not in attributes:
            holding = sorted({loc.attr for loc in reachable(subject.obj)})
            raise GradcheckError(
                f"{subject.cls} has no attribute {name!r} ({keyword}={name!r}); attributes "
                f"holding arrays: {', '.join(holding) or '(none)'}"
            )
        arrays = arrays_in(name, attributes[name])
        if not arrays:
            raise GradcheckError(
                f"{keyword}={name!r}: self.{name} holds no NumPy arrays (it is a "
                f"{_type_name(attributes[name])}"
                + (" and empty" if isinstance(attributes[name], (Mapping, list, tuple)) else "")
                + ")"
            )
        found.update(arrays)
    return found


def _mirrors(
    notes: list[str],
    by_name: Mapping[Loc, Loc | None],
    candidates: Mapping[Loc, np.ndarray],
    pool: Mapping[Loc, np.ndarray],
) -> set[Loc]:
    """Arrays that share a parameter's name without being one: an optimizer's moments
    (``m['W1']``, ``v['W1']``) or constants keyed by parameter name pair with ``dW1`` as well as
    ``params['W1']`` does. One gradient belongs to one parameter: the one held like a parameter
    (a bare attribute, or an entry of params/weights/...). The others, and every entry of their
    containers, are left out; two such holders of different arrays are an ambiguity."""
    claims: dict[int, list[Loc]] = {}
    gradient: dict[int, Loc] = {}
    for loc, g in by_name.items():
        if g is not None:
            claims.setdefault(id(pool[g]), []).append(loc)
            gradient[id(pool[g])] = g
    mirrors: set[Loc] = set()
    for key, locs in claims.items():
        if len({id(candidates[loc]) for loc in locs}) < 2:
            continue  # one array under two names: `_distinct` checks it once
        held = [loc for loc in locs if loc.key is NO_KEY or plain(loc.attr) in PARAM_CONTAINERS]
        if len({id(candidates[loc]) for loc in held}) != 1:
            names = ", ".join(loc.name for loc in locs)
            raise GradcheckError(
                f"the gradient {gradient[key].name} pairs by name with {names}, which are "
                f"different arrays; say which are the parameters with params='...'"
            )
        mirrors |= {loc for loc in locs if candidates[loc] is not candidates[held[0]]}
    mirrored = {loc.attr for loc in mirrors if loc.key is not NO_KEY}
    if mirrors:
        notes.append(
            f"{', '.join(sorted(mirrored or {loc.name for loc in mirrors}))} share the "
            f"parameters' names but are not parameters (optimizer state?); not checked"
        )
    return mirrors | {loc for loc in candidates if loc.key is not NO_KEY and loc.attr in mirrored}


def _distinct(notes: list[str], locs: list[Loc], arrays: Mapping[Loc, np.ndarray]) -> list[Loc]:
    """One report name per array: ``self.W1`` and ``self.params['W1']`` holding the same array
    are one parameter (perturbing it twice would double-count it), reported under the first."""
    kept: list[Loc] = []
    for loc in locs:
        twin = next((k for k in kept if arrays[k] is arrays[loc]), None)
        if twin is None:
            kept.append(loc)
        else:
            notes.append(f"{loc.name} is the same array as {twin.name}; checked once")
    return kept


def _no_parameters(
    subject: Subject, candidates: Mapping[Loc, np.ndarray], before: Mapping[Loc, np.ndarray]
) -> None:
    seen = ", ".join(loc.name for loc in before) or "(none)"
    raise GradcheckError(
        f"could not tell which arrays of {subject.cls} are its parameters: none is named like a "
        f"weight or bias or held in a dict called params/parameters/weights, and none has a "
        f"gradient that backward wrote under a matching name (arrays seen: {seen}); name them "
        f"with params='...'"
    )
